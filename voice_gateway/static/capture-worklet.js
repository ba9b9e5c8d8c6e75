// Microphone capture in the audio thread: float samples -> 20 ms frames of 16-bit PCM, posted to the page.
// While muted (push-to-talk released) it posts silence, so the server's turn detection keeps its clock.
class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.frameSamples = opts.frameSamples || Math.round(sampleRate * 0.02);
    this.muted = Boolean(opts.muted);
    this.frame = new Int16Array(this.frameSamples);
    this.filled = 0;
    this.port.onmessage = (event) => {
      if (event.data && "muted" in event.data) this.muted = Boolean(event.data.muted);
    };
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const s = this.muted ? 0 : Math.max(-1, Math.min(1, channel[i]));
      this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === this.frameSamples) {
        this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
        this.frame = new Int16Array(this.frameSamples);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor("capture", CaptureProcessor);

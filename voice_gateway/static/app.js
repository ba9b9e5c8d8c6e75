// The browser client of /ws/voice: microphone capture through an AudioWorklet at 16 kHz, playback of reply
// audio (stopped at once on "clear"), the transcript, replies, stock cards and the awaiting-confirmation state.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  ws: null,
  ctx: null,
  node: null,
  stream: null,
  ready: false,
  mode: "open",
  talking: false,
  playRate: 16000,
  nextTime: 0,
  sources: new Set(),
  playedSamples: 0, // samples of reply audio played to the end (not cut by "clear")
  receivedAudioBytes: 0,
  messages: [], // every JSON message received, for debugging and tests
  sessionId: null,
};
window.voiceState = state;

function setStatus(text) {
  $("status").textContent = text;
}

function addLine(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  $("log").appendChild(li);
  li.scrollIntoView({ block: "end" });
}

function micMuted() {
  return state.mode === "ptt" && !state.talking;
}

function updateMic() {
  if (state.node) state.node.port.postMessage({ muted: micMuted() });
  $("mic").classList.toggle("on", state.ready && !micMuted());
  $("talk").classList.toggle("active", state.talking);
}

function renderCards(cards) {
  const box = $("cards");
  if (!cards || cards.length === 0) return;
  box.replaceChildren();
  for (const card of cards) {
    const div = document.createElement("div");
    div.className = "card";
    const h3 = document.createElement("h3");
    h3.textContent = card.name || card.title || card.sku || "Item";
    div.appendChild(h3);
    const dl = document.createElement("dl");
    for (const [key, value] of Object.entries(card)) {
      if (key === "name" || key === "title" || value === null || typeof value === "object") continue;
      const dt = document.createElement("dt");
      dt.textContent = key.replace(/_/g, " ");
      const dd = document.createElement("dd");
      dd.textContent = String(value);
      dl.append(dt, dd);
    }
    div.appendChild(dl);
    box.appendChild(div);
  }
}

// -- playback -----------------------------------------------------------------------------------------------
function playChunk(buffer) {
  state.receivedAudioBytes += buffer.byteLength;
  const pcm = new Int16Array(buffer);
  if (pcm.length === 0) return;
  const samples = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
  const audio = state.ctx.createBuffer(1, samples.length, state.playRate);
  audio.copyToChannel(samples, 0);
  const source = state.ctx.createBufferSource();
  source.buffer = audio;
  source.connect(state.ctx.destination);
  const at = Math.max(state.ctx.currentTime + 0.03, state.nextTime);
  source.start(at);
  state.nextTime = at + audio.duration;
  state.sources.add(source);
  source.onended = () => {
    if (state.sources.delete(source)) state.playedSamples += samples.length;
    if (state.sources.size === 0) $("mic").classList.remove("speaking");
  };
  $("mic").classList.add("speaking");
}

function stopPlayback() {
  const cut = [...state.sources];
  state.sources.clear(); // before stop(): onended must not count these as played
  for (const source of cut) {
    try {
      source.stop();
    } catch (_) {
      /* already stopped */
    }
  }
  state.nextTime = 0;
  $("mic").classList.remove("speaking");
}

// -- messages -----------------------------------------------------------------------------------------------
function onMessage(msg) {
  state.messages.push(msg);
  switch (msg.type) {
    case "ready":
      state.ready = true;
      state.sessionId = msg.session_id;
      setStatus(state.mode === "ptt" ? "ready: hold to talk" : "listening");
      updateMic();
      break;
    case "speech_started":
      setStatus("hearing you…");
      break;
    case "speech_stopped":
      setStatus("thinking…");
      break;
    case "transcript":
      if (msg.text) addLine("user", msg.text);
      break;
    case "reply":
      addLine("agent", msg.text);
      $("awaiting").classList.toggle("visible", Boolean(msg.awaiting && msg.awaiting.expect === "yes_no"));
      renderCards(msg.cards);
      break;
    case "audio_start":
      state.playRate = msg.sample_rate;
      setStatus("speaking");
      break;
    case "audio_end":
      setStatus(state.mode === "ptt" ? "ready: hold to talk" : "listening");
      break;
    case "clear":
      stopPlayback();
      setStatus("listening");
      break;
    case "error":
      addLine("error", `${msg.code}: ${msg.message}`);
      break;
  }
}

// -- connection ---------------------------------------------------------------------------------------------
async function connect() {
  const token = $("token").value.trim();
  localStorage.setItem("inventorypulse-token", token);
  state.ctx = new AudioContext({ sampleRate: 16000 });
  await state.ctx.resume();
  await state.ctx.audioWorklet.addModule("/static/capture-worklet.js");
  state.stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  const mic = state.ctx.createMediaStreamSource(state.stream);
  state.node = new AudioWorkletNode(state.ctx, "capture", {
    processorOptions: { frameSamples: Math.round(state.ctx.sampleRate * 0.02), muted: micMuted() },
  });
  const sink = state.ctx.createGain();
  sink.gain.value = 0; // keeps the worklet pulled by the graph without playing the microphone back
  mic.connect(state.node).connect(sink).connect(state.ctx.destination);

  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/voice`);
  ws.binaryType = "arraybuffer";
  state.ws = ws;
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "start", sample_rate: state.ctx.sampleRate, encoding: "pcm_s16le", channels: 1, token }));
    setStatus("connecting…");
  };
  state.node.port.onmessage = (event) => {
    if (state.ready && ws.readyState === WebSocket.OPEN) ws.send(event.data);
  };
  ws.onmessage = (event) => {
    if (typeof event.data === "string") onMessage(JSON.parse(event.data));
    else playChunk(event.data);
  };
  ws.onclose = (event) => {
    state.ready = false;
    stopPlayback();
    setStatus(`disconnected${event.reason ? ": " + event.reason : ""}`);
    teardown();
  };
  $("connect").textContent = "Stop";
  $("talk").disabled = state.mode !== "ptt";
  $("text").disabled = false;
  $("send").disabled = false;
}

function teardown() {
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  if (state.ctx) state.ctx.close();
  state.stream = state.ctx = state.node = state.ws = null;
  $("connect").textContent = "Start";
  $("talk").disabled = true;
  $("text").disabled = true;
  $("send").disabled = true;
  updateMic();
}

function disconnect() {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: "stop" }));
  else teardown();
}

// -- controls -----------------------------------------------------------------------------------------------
$("token").value = new URLSearchParams(location.search).get("token") || localStorage.getItem("inventorypulse-token") || "";

$("connect").addEventListener("click", () => {
  if (state.ws) disconnect();
  else connect().catch((err) => {
    addLine("error", String(err));
    teardown();
  });
});

for (const radio of document.querySelectorAll("input[name=mode]")) {
  radio.addEventListener("change", () => {
    state.mode = radio.value;
    $("talk").disabled = !state.ws || state.mode !== "ptt";
    updateMic();
  });
}

function talk(on) {
  if (state.mode !== "ptt" || !state.ready || state.talking === on) return;
  state.talking = on;
  updateMic();
}
$("talk").addEventListener("pointerdown", () => talk(true));
$("talk").addEventListener("pointerup", () => talk(false));
$("talk").addEventListener("pointerleave", () => talk(false));
document.addEventListener("keydown", (e) => {
  if (e.code === "Space" && e.target === document.body) {
    e.preventDefault();
    talk(true);
  }
});
document.addEventListener("keyup", (e) => {
  if (e.code === "Space") talk(false);
});

$("typed").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value.trim();
  if (!text || !state.ws || state.ws.readyState !== WebSocket.OPEN) return;
  state.ws.send(JSON.stringify({ type: "text", text }));
  addLine("user", text);
  $("text").value = "";
});

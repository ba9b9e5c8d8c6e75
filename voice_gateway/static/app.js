// The browser client of /ws/voice: microphone capture through an AudioWorklet at 16 kHz, playback of reply
// audio (stopped at once on "clear"), typed questions, the transcript, replies, what the assistant waits for
// (with answer buttons) and the cards of the latest reply.
//
// Typing never depends on the microphone: without one (plain http from another machine, permission denied, no
// device) the call still starts, typed turns go as "text" messages and replies are shown and played.
"use strict";

const $ = (id) => document.getElementById(id);

// Input rates /ws/voice accepts (voice_gateway.protocol.SUPPORTED_INPUT_RATES).
const SERVER_RATES = [8000, 16000, 22050, 24000, 32000, 44100, 48000];

const INSECURE = {
  text: "The microphone needs https or localhost; you can still type.",
  hint:
    `Browsers only offer the microphone to secure pages. To talk, open http://localhost:${location.port || 80}/ ` +
    "on the machine that runs the service, or serve this page over https.",
};
const DENIED = {
  text: "Microphone access was denied, so the assistant cannot hear you; you can still type.",
  hint: "To talk, allow the microphone for this site (the icon by the address bar) and press Stop, then Start.",
};

const state = {
  ws: null,
  ctx: null,
  node: null,
  stream: null,
  ready: false,
  micOn: false, // the microphone is captured and streamed (false: typed use only)
  micProblem: null, // why not, as shown in the notice
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

function readyStatus() {
  if (!state.micOn) return "ready: type a question";
  return state.mode === "ptt" ? "ready: hold to talk" : "listening";
}

function showNotice(problem) {
  const box = $("notice");
  if (!problem) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const text = document.createElement("strong");
  text.textContent = problem.text;
  box.replaceChildren(text);
  if (problem.hint) {
    const hint = document.createElement("small");
    hint.textContent = problem.hint;
    box.appendChild(hint);
  }
  box.hidden = false;
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
  $("mic").classList.toggle("on", state.ready && state.micOn && !micMuted());
  $("talk").classList.toggle("active", state.talking);
}

// -- what the assistant waits for ---------------------------------------------------------------------------
// The reply's `awaiting` (dialogue.contract.RecognitionHints): expect is one of yes_no, quantity, digits, item,
// choice, free; `phrases` lists the options of a choice.
const PROMPTS = {
  yes_no: "yes or no",
  quantity: "a quantity",
  digits: "the check digits",
  item: "the item",
  choice: "one of",
};

function renderAwaiting(hints) {
  const expect = (hints && hints.expect) || "free";
  const phrases = (hints && hints.phrases) || [];
  const box = $("awaiting");
  const choices = $("choices");
  choices.replaceChildren();
  box.dataset.expect = expect;
  if (!(expect in PROMPTS)) {
    box.classList.remove("visible");
    $("awaiting-text").textContent = "";
    return;
  }
  // Without a microphone the answer is typed (or clicked), so the prompt must not ask to speak.
  const verb = state.micOn ? "Say" : "Type";
  let options = [];
  let what = PROMPTS[expect];
  if (expect === "yes_no") options = [["Yes", "yes"], ["No", "no"]];
  else if (expect === "choice" && phrases.length) options = phrases.map((p) => [p, p]);
  else if (expect === "choice") what = "your choice";
  $("awaiting-text").textContent = `${verb} ${what}${expect === "choice" && options.length ? ":" : ""}`;
  for (const [label, answer] of options) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    button.textContent = label;
    button.dataset.answer = answer;
    button.addEventListener("click", () => sendText(answer));
    choices.appendChild(button);
  }
  box.classList.add("visible");
}

// -- cards --------------------------------------------------------------------------------------------------
// A card with a `kind` reports a write (an order placed, a movement recorded); any other card is a stock card.
const WRITE_LABELS = {
  order: "Order placed",
  receipt: "Receipt recorded",
  pick: "Pick recorded",
  count: "Count recorded",
  adjustment: "Adjustment recorded",
  set_min: "Minimum set",
  movement: "Movement recorded",
};

function cardElement(card, at) {
  const write = typeof card.kind === "string" && card.kind !== "";
  const div = document.createElement("div");
  div.className = write ? "card write" : "card stock";
  if (write) div.dataset.kind = card.kind;
  const label = document.createElement("div");
  label.className = "label";
  label.textContent = write ? WRITE_LABELS[card.kind] || `Recorded: ${card.kind}` : `Stock as of ${at}`;
  const h3 = document.createElement("h3");
  h3.textContent = card.name || card.title || card.sku || "Item";
  const dl = document.createElement("dl");
  for (const [key, value] of Object.entries(card)) {
    if (key === "name" || key === "title" || key === "kind" || value === null || typeof value === "object") continue;
    const dt = document.createElement("dt");
    dt.textContent = key.replace(/_/g, " ");
    const dd = document.createElement("dd");
    dd.textContent = String(value);
    dl.append(dt, dd);
  }
  div.append(label, h3, dl);
  return div;
}

function renderCards(cards) {
  // Every reply replaces the cards, a reply without any clears them: a stock level from an earlier turn must
  // never look like the current one.
  const at = new Date().toLocaleTimeString();
  $("cards").replaceChildren(...(cards || []).map((card) => cardElement(card, at)));
}

// -- playback -----------------------------------------------------------------------------------------------
function playChunk(buffer) {
  state.receivedAudioBytes += buffer.byteLength;
  const pcm = new Int16Array(buffer);
  if (pcm.length === 0 || !state.ctx) return;
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
      setStatus(readyStatus());
      $("text").disabled = false;
      $("send").disabled = false;
      $("text").placeholder = state.micOn ? "…or type a question" : "Type a question";
      if (!state.micOn) $("text").focus();
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
      renderAwaiting(msg.awaiting);
      renderCards(msg.cards);
      break;
    case "audio_start":
      state.playRate = msg.sample_rate;
      setStatus("speaking");
      break;
    case "audio_end":
      setStatus(readyStatus());
      break;
    case "clear":
      stopPlayback();
      setStatus(readyStatus());
      break;
    case "error": {
      const hint =
        msg.code === "unauthorized" ? " (check the token: make run prints it and keeps it in var/dev_token)" : "";
      addLine("error", `${msg.code}: ${msg.message}${hint}`);
      break;
    }
  }
}

// -- microphone ---------------------------------------------------------------------------------------------
function audioContext(rate) {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  try {
    return rate ? new Ctx({ sampleRate: rate }) : new Ctx();
  } catch (_) {
    return rate ? audioContext(0) : null;
  }
}

function micError(err) {
  const name = (err && err.name) || "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return DENIED;
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError")
    return { text: "No microphone was found; you can still type.", hint: "Plug one in and press Stop, then Start." };
  if (name === "NotReadableError" || name === "TrackStartError")
    return { text: "The microphone is busy or failed to start; you can still type.", hint: "Close other programs using it and press Stop, then Start." };
  return { text: `The microphone could not start (${name || err}); you can still type.`, hint: "" };
}

async function attachCapture(stream) {
  let source;
  try {
    await state.ctx.audioWorklet.addModule("/static/capture-worklet.js");
    source = state.ctx.createMediaStreamSource(stream);
  } catch (err) {
    // Firefox cannot join a microphone to a context running at another rate than the device: capture at the
    // device's rate instead (the server resamples the rates it lists) and play replies through that context.
    const native = err && err.name === "NotSupportedError" ? audioContext(0) : null;
    if (!native || !SERVER_RATES.includes(native.sampleRate)) {
      if (native) native.close();
      throw err;
    }
    state.ctx.close();
    state.ctx = native;
    native.resume().catch(() => {});
    await native.audioWorklet.addModule("/static/capture-worklet.js");
    source = native.createMediaStreamSource(stream);
  }
  state.node = new AudioWorkletNode(state.ctx, "capture", {
    processorOptions: { frameSamples: Math.round(state.ctx.sampleRate * 0.02), muted: micMuted() },
  });
  const sink = state.ctx.createGain();
  sink.gain.value = 0; // keeps the worklet pulled by the graph without playing the microphone back
  source.connect(state.node).connect(sink).connect(state.ctx.destination);
}

// Null when the microphone is streaming, else what to tell the user.
async function startMic() {
  // navigator.mediaDevices does not even exist outside a secure context (plain http, not localhost).
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return INSECURE;
  if (!state.ctx || !state.ctx.audioWorklet || typeof AudioWorkletNode === "undefined")
    return { text: "This browser cannot capture audio for the assistant; you can still type.", hint: "" };
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (err) {
    return micError(err);
  }
  try {
    await attachCapture(stream);
  } catch (err) {
    stream.getTracks().forEach((t) => t.stop());
    state.node = null;
    return { text: `The microphone could not start (${(err && err.message) || err}); you can still type.`, hint: "" };
  }
  state.stream = stream;
  return null;
}

// -- connection ---------------------------------------------------------------------------------------------
async function connect() {
  const token = $("token").value.trim();
  localStorage.setItem("inventorypulse-token", token);
  $("connect").disabled = true; // until the microphone question is settled
  setStatus("starting…");
  // Made (and resumed) inside the click, so reply audio may play; plain http gets one too, for playback only.
  state.ctx = audioContext(16000);
  if (state.ctx) state.ctx.resume().catch(() => {});
  state.micProblem = await startMic();
  state.micOn = state.micProblem === null;
  showNotice(state.micProblem);

  // The socket opens after the microphone is settled, so a permission prompt cannot run into the server's
  // start timeout and the start message names the rate actually captured.
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/voice`);
  ws.binaryType = "arraybuffer";
  state.ws = ws;
  const rate = state.micOn ? state.ctx.sampleRate : 16000;
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "start", sample_rate: rate, encoding: "pcm_s16le", channels: 1, token }));
    setStatus("connecting…");
  };
  if (state.node) {
    state.node.port.onmessage = (event) => {
      if (state.ready && ws.readyState === WebSocket.OPEN) ws.send(event.data);
    };
  }
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
  $("connect").disabled = false;
  $("talk").disabled = !state.micOn || state.mode !== "ptt";
}

function teardown() {
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  if (state.ctx) state.ctx.close();
  state.stream = state.ctx = state.node = state.ws = null;
  state.ready = state.micOn = state.talking = false;
  $("connect").textContent = "Start";
  $("connect").disabled = false;
  $("talk").disabled = true;
  $("text").disabled = true;
  $("send").disabled = true;
  renderAwaiting(null);
  updateMic();
}

function disconnect() {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: "stop" }));
  else teardown();
}

// A typed turn (the text box or an answer button): a "text" message, the same turn as speech to the dialogue.
function sendText(text) {
  if (!text || !state.ready || !state.ws || state.ws.readyState !== WebSocket.OPEN) return false;
  state.ws.send(JSON.stringify({ type: "text", text }));
  addLine("user", text);
  renderAwaiting(null); // answered; the next reply says what it waits for
  return true;
}

// -- controls -----------------------------------------------------------------------------------------------
// A token in the fragment (#token=...) never reaches the server's access log; ?token= still works.
const fragmentToken = new URLSearchParams(location.hash.slice(1)).get("token");
if (fragmentToken) history.replaceState(null, "", location.pathname + location.search);
$("token").value = fragmentToken || new URLSearchParams(location.search).get("token") ||
  localStorage.getItem("inventorypulse-token") || "";
if (!window.isSecureContext) showNotice(INSECURE); // before Start, so nobody waits for a prompt that cannot come

$("connect").addEventListener("click", () => {
  if (state.ws) disconnect();
  else
    connect().catch((err) => {
      addLine("error", String(err));
      teardown();
    });
});

for (const radio of document.querySelectorAll("input[name=mode]")) {
  radio.addEventListener("change", () => {
    state.mode = radio.value;
    $("talk").disabled = !state.ws || !state.micOn || state.mode !== "ptt";
    if (state.ready) setStatus(readyStatus());
    updateMic();
  });
}

function talk(on) {
  if (state.mode !== "ptt" || !state.ready || !state.micOn || state.talking === on) return;
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
  if (sendText($("text").value.trim())) $("text").value = "";
});

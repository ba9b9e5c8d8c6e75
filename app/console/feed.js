// The live feed: GET /api/console/feed read with fetch() (EventSource cannot send an Authorization header) and
// parsed as server-sent events. Reconnects with back-off; a stream silent for three heartbeats counts as dead.

import { renew, signOut, token } from "./api.js";

const SILENT_MS = 45_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parse(block) {
  let event = "message";
  let id = null;
  const data = [];
  for (const raw of block.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!line || line.startsWith(":")) continue; // a comment: the heartbeat
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  return data.length ? { event, id, data: JSON.parse(data.join("\n")) } : null;
}

async function* events(body, alive) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    alive();
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event) yield event;
    }
  }
}

/** Stream the feed into `onEvent` until `close()`; `onState` hears connecting, live, reconnecting, off. */
export function openFeed({ onEvent, onState }) {
  let stopped = false;
  let controller = null;
  let watchdog = null;
  const alive = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => controller?.abort(), SILENT_MS);
  };

  const report = (state) => stopped || onState(state); // a closed feed says nothing (a new one may be live)

  async function run() {
    let delay = 1000;
    while (!stopped) {
      controller = new AbortController();
      try {
        report("connecting");
        const r = await fetch("/api/console/feed", {
          headers: { Authorization: `Bearer ${token()}`, Accept: "text/event-stream" },
          signal: controller.signal,
          cache: "no-store",
        });
        if (r.status === 401) {
          if (await renew()) continue;
          signOut("Your sign-in has ended; sign in again.");
          return;
        }
        if (!r.ok || !r.body) throw new Error(`the feed answered ${r.status}`);
        report("live");
        delay = 1000;
        alive();
        for await (const event of events(r.body, alive)) {
          if (event.event === "signed_out") break; // reconnecting renews the token or asks for a sign-in
          if (event.event === "status") report(event.data.store === "ok" ? "live" : "store");
          onEvent(event);
        }
      } catch (error) {
        if (stopped) break;
        console.warn("console feed:", error);
      } finally {
        clearTimeout(watchdog);
        controller.abort(); // close the connection whichever way the stream ended
      }
      if (stopped) break;
      report("reconnecting");
      await sleep(delay);
      delay = Math.min(delay * 2, 15_000);
    }
    report("off");
  }

  run();
  return {
    close() {
      stopped = true;
      controller?.abort();
    },
  };
}

// Live calls: who is on a call, on which channel, what they last said, what the assistant said and waits for.
// Polled every few seconds from GET /api/calls (this server's calls; supervisors only).

import { api } from "./api.js";
import { $, cleared, clock, el, failed } from "./dom.js";

const EVERY_MS = 3000;
const WAITS = { yes_no: "yes or no", quantity: "a quantity", digits: "digits", item: "an item", choice: "a choice",
                free: "anything" };
let timer = null;

async function load() {
  const note = $("#calls-note");
  try {
    const calls = await api("/api/calls");
    cleared(note, calls.length ? "" : "No calls right now.");
    $("#calls tbody").replaceChildren(...calls.map((c) => el("tr", {},
      el("td", {}, c.actor), el("td", {}, c.channel), el("td", {}, clock(c.started)),
      el("td", {}, c.heard || "—"), el("td", {}, c.said || "—"),
      el("td", {}, c.choices.length ? c.choices.join(" / ") : WAITS[c.awaiting] || c.awaiting))));
  } catch (e) {
    $("#calls tbody").replaceChildren();
    if (e.status === 403) {
      cleared(note, "Live calls are for supervisors.");
      stopCalls();
    } else failed(note, e);
  }
}

export function startCalls() {
  stopCalls();
  load();
  timer = setInterval(load, EVERY_MS);
}

export function stopCalls() {
  clearInterval(timer);
  timer = null;
}

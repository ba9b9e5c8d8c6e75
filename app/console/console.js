// The supervisor console: sign-in, the stock table, the live feed, the forecast chart and the audit trail.
// Recommendations and orders live in orders.js.

import { api, enc, login, logout, onSignedOut, tokenFromPage } from "./api.js";
import { draw, OPEN, project } from "./chart.js";
import { $, cleared, clock, debounce, el, failed, num, stamp } from "./dom.js";
import { startCalls, stopCalls } from "./calls.js";
import { openFeed } from "./feed.js";
import { initOrders, loadOrders, loadRecs } from "./orders.js";

const FEED_MAX = 100;
const state = { feed: "off", events: 0, low: null, rows: [], chart: null, plot: null, caughtUp: false };
window.consoleState = state; // read by the browser tests
let feed = null;
const seen = new Set();

// ---- sign-in ------------------------------------------------------------------------------------------

function showLogin(reason) {
  feed?.close();
  feed = null;
  stopCalls();
  onState("off");
  $("#app").hidden = true;
  $("#sign-out").hidden = true;
  $("#who").textContent = "";
  $("#login").hidden = false;
  $("#login-reason").textContent = reason || "Sign in with your InventoryPulse account.";
  $("#login-form [name=username]").focus();
}

async function whoAmI() {
  try {
    const me = await api("/api/auth/status");
    $("#who").textContent = me.user ? `${me.user.display_name} · ${me.user.role}` : `${me.name} · ${me.kind} token`;
  } catch {
    $("#who").textContent = "signed in";
  }
}

function start() {
  feed?.close();
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#sign-out").hidden = false;
  whoAmI();
  loadStock();
  loadRecs();
  loadOrders();
  loadAudit();
  startCalls();
  feed = openFeed({ onEvent, onState });
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#login-error");
  error.textContent = "";
  form.querySelector("button").disabled = true;
  try {
    await login(form.username.value.trim(), form.password.value);
    form.reset();
    start();
  } catch (e) {
    error.textContent = `Could not sign in: ${e.message}`;
  } finally {
    form.querySelector("button").disabled = false;
  }
});

$("#sign-out").addEventListener("click", async () => {
  feed?.close();
  await logout().catch(() => {});
  showLogin("Signed out.");
});

// ---- stock ----------------------------------------------------------------------------------------------

async function loadStock() {
  const q = $("#search").value.trim();
  const params = new URLSearchParams({ limit: "100" });
  if (q) params.set("q", q);
  if ($("#low-only").checked) params.set("low_stock", "true");
  try {
    const page = await api(`/api/inventory?${params}`);
    if (q !== $("#search").value.trim()) return; // a newer search is on its way
    state.rows = page.items;
    renderStock(page);
  } catch (e) {
    failed($("#stock-count"), e);
  }
}

function renderStock(page) {
  const sites = [...new Set(page.items.flatMap((p) => p.stock.map((s) => s.site)))].sort();
  $("#stock thead").replaceChildren(
    el("tr", {}, el("th", {}, "SKU"), el("th", {}, "Item"), el("th", { class: "num" }, "Total"),
      sites.map((s) => el("th", { class: "num" }, `${s} (min)`))),
  );
  $("#stock tbody").replaceChildren(
    ...page.items.map((p) => {
      const cells = sites.map((site) => {
        const s = p.stock.find((level) => level.site === site);
        if (!s) return el("td", { class: "num muted" }, "—");
        return el("td", { class: s.low ? "num low" : "num", title: `available ${s.available}` },
          `${num(s.on_hand)} (${num(s.effective_min)})`);
      });
      return el("tr", { class: p.low_stock ? "low" : null, dataset: { sku: p.sku }, onclick: () => showChart(p.sku, "") },
        el("td", { class: "sku" }, p.sku), el("td", {}, p.name), el("td", { class: "num" }, num(p.current_quantity)), cells);
    }),
  );
  cleared($("#stock-count"), `${page.items.length} of ${page.total}`);
}

const searchSoon = debounce(loadStock, 250);
$("#search").addEventListener("input", searchSoon);
$("#low-only").addEventListener("change", loadStock);
const stockSoon = debounce(loadStock, 400);

// ---- live feed -------------------------------------------------------------------------------------------

function onState(s) {
  state.feed = s;
  if (s !== "live" && s !== "store") state.caughtUp = false; // what a new connection sends first is backlog
  const label = { live: "live", connecting: "connecting…", reconnecting: "reconnecting…", store: "store not answering", off: "feed off" };
  $("#feed-state").dataset.state = s;
  $("#feed-state").textContent = label[s] ?? s;
}

function onEvent({ event, id, data }) {
  state.events += 1;
  if (event === "low_count") {
    state.caughtUp = true; // the feed sends its backlog, then the count
    state.low = data.count;
    $("#low-badge").textContent = `${num(data.count)} low`;
    $("#low-badge").classList.toggle("has-low", data.count > 0);
    stockSoon();
    return;
  }
  if (event !== "insight" && event !== "movement") return;
  if (id && seen.has(id)) return; // sent again after a reconnect
  if (id) seen.add(id);
  const item = event === "insight" ? insightItem(data) : movementItem(data);
  item.classList.toggle("fresh", state.caughtUp);
  $("#feed").prepend(item);
  while ($("#feed").children.length > FEED_MAX) $("#feed").lastElementChild.remove();
  if (event === "movement" && state.rows.some((p) => p.sku === data.sku)) stockSoon();
  auditSoon();
}

function insightItem(i) {
  return el("li", { class: `insight sev-${i.severity}`, dataset: { kind: "insight", sku: i.sku ?? "" } },
    el("time", {}, clock(i.created_at)), `${i.kind.replaceAll("_", " ")}: ${i.message}`);
}

function movementItem(m) {
  const verb = m.kind === "count" ? `counted ${num(m.after)}` : `${m.kind} ${num(Math.abs(m.delta))}`;
  const text = `${m.sku} at ${m.site}: ${verb} by ${m.actor} (${m.channel}), ${num(m.before)} → ${num(m.after)}`;
  const alert = m.crossed_low ? ` — now below its minimum of ${num(m.effective_min)}` : m.low ? " (low)" : "";
  return el("li", { class: `movement${m.crossed_low ? " alert" : ""}`, dataset: { kind: "movement", sku: m.sku, id: m.movement_id } },
    el("time", {}, clock(m.at)), m.crossed_low ? "⚠ " : "", text, alert);
}

// ---- forecast chart ----------------------------------------------------------------------------------------

async function showChart(sku, site) {
  state.chart = { sku, site };
  const days = $("#chart-days").value;
  const note = $("#chart-note");
  cleared(note, "Loading…");
  $("#chart-title").textContent = `· ${sku}${site ? ` at ${site}` : ""}`;
  try {
    const where = site ? `&site=${enc(site)}` : "";
    const [forecast, item, offers, ...lists] = await Promise.all([
      api(`/api/insights/forecast/${enc(sku)}?days=${days}${where}`),
      api(`/api/inventory/${enc(sku)}`),
      api(`/api/inventory/${enc(sku)}/offers`).catch(() => []),
      ...OPEN.map((s) => api(`/api/orders?status=${s}&sku=${enc(sku)}&limit=100`)),
    ]);
    if (state.chart?.sku !== sku || state.chart?.site !== site) return; // another item was chosen meanwhile
    const select = $("#chart-site");
    select.replaceChildren(el("option", { value: "" }, "all sites"), ...item.stock.map((s) => el("option", { value: s.site }, s.site)));
    select.value = site;
    const model = project(forecast, item, lists.flat(), offers, site);
    $("#chart-title").textContent = `· ${item.name} (${sku})${site ? ` at ${site}` : ""}`;
    state.plot?.destroy();
    state.plot = draw($("#chart"), model);
    $("#chart").dataset.sku = sku;
    const orders = model.placed.map(({ order, overdue }) => `${order.order_id} ${num(order.quantity)}${overdue ? " (overdue)" : ""}`);
    const later = model.unplaced.map(({ order }) => `${order.order_id} ${num(order.quantity)} (after the horizon or no due date)`);
    cleared(note, [
      `${forecast.model_label}; ${forecast.horizon.label}: ${num(Math.round(forecast.horizon.mean))} `
        + `(${num(Math.round(forecast.horizon.lo))}–${num(Math.round(forecast.horizon.hi))}).`,
      `On hand ${num(model.onHand)}, reorder point ${num(model.reorderPoint)}.`,
      `Open orders: ${[...orders, ...later].join(", ") || "none"}.`,
    ].join(" "));
  } catch (e) {
    state.plot?.destroy();
    state.plot = null;
    $("#chart").replaceChildren();
    delete $("#chart").dataset.sku;
    failed(note, e);
  }
}

$("#chart-site").addEventListener("change", () => state.chart && showChart(state.chart.sku, $("#chart-site").value));
$("#chart-days").addEventListener("change", () => state.chart && showChart(state.chart.sku, state.chart.site));

// ---- audit ----------------------------------------------------------------------------------------------------

const short = (v) => {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text === undefined ? "—" : text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

const CREATED = ["sku", "name", "quantity", "supplier_id", "site", "status"];

function change(before, after) {
  if ((before === null || before === undefined) && after && typeof after === "object") {
    const said = CREATED.filter((k) => k in after).map((k) => `${k} ${short(after[k])}`);
    return `created${said.length ? `: ${said.join(", ")}` : ""}`;
  }
  if (before && after && typeof before === "object" && typeof after === "object") {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    return keys.slice(0, 4).map((k) => `${k}: ${short(before[k])} → ${short(after[k])}`).join("; ");
  }
  if (before === null || before === undefined) return after === null || after === undefined ? "" : `created ${short(after)}`;
  return `${short(before)} → ${short(after)}`;
}

async function loadAudit() {
  const note = $("#audit-note");
  try {
    const entries = await api("/api/console/audit?limit=50");
    cleared(note, entries.length ? "" : "No writes yet.");
    $("#audit tbody").replaceChildren(...entries.map((a) => el("tr", {},
      el("td", {}, stamp(a.at)), el("td", {}, a.actor), el("td", {}, a.channel), el("td", {}, a.action),
      el("td", { class: "sku" }, a.entity), el("td", { title: a.idempotency_key ?? "" }, change(a.before, a.after)))));
  } catch (e) {
    $("#audit tbody").replaceChildren();
    if (e.status === 403) cleared(note, "The audit trail is for supervisors.");
    else failed(note, e);
  }
}

const auditSoon = debounce(loadAudit, 1500);
$("#audit-refresh").addEventListener("click", loadAudit);

// ---- start ---------------------------------------------------------------------------------------------------

initOrders({
  chart: showChart,
  changed: () => { stockSoon(); auditSoon(); },
  recommended: (recs) => state.chart || !recs.length || showChart(recs[0].sku, recs[0].site), // something to see
});
onSignedOut(showLogin);
if (tokenFromPage()) start();
else showLogin();
// A link with a token opened in this tab again (the fragment changes, the page does not reload).
window.addEventListener("hashchange", () => new URLSearchParams(location.hash.slice(1)).has("token") && tokenFromPage() && start());

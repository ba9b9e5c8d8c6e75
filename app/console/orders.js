// Restock recommendations (approve → one purchase order) and open orders (confirm, ship, receive). Every write
// waits for an explicit confirmation naming what it does, and carries a key made once per approval.

import { api, ApiError, enc, newKey } from "./api.js";
import { OPEN } from "./chart.js";
import { $, cleared, day, el, failed, money, num } from "./dom.js";

const NEXT = { placed: "confirmed", confirmed: "shipped", shipped: "received" };
const ordered = new Map(); // "sku@site" -> order id placed from this page
let hooks = { chart: () => {}, changed: () => {}, recommended: () => {} };

export function initOrders(given) {
  hooks = given;
  $("#recs-refresh").addEventListener("click", loadRecs);
  $("#orders-refresh").addEventListener("click", loadOrders);
}

/** The confirmation dialog: `action` runs on the explicit click only, once at a time; an error keeps it open. */
function confirm({ title, facts, okText, action, done }) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  const error = $("#confirm-error");
  error.textContent = "";
  const old = $("#confirm-ok");
  const ok = el("button", { id: "confirm-ok", type: "button", class: "primary" }, okText);
  old.replaceWith(ok); // drops the previous dialog's handler
  let busy = false;
  ok.addEventListener("click", async () => {
    if (busy) return; // a double click sends once
    busy = true;
    ok.disabled = true;
    error.textContent = "";
    try {
      const result = await action();
      dialog.close();
      done(result);
    } catch (e) {
      error.textContent = e.message;
      ok.disabled = false;
      ok.textContent = `Try again: ${okText}`; // the same key: a retry cannot order twice
      busy = false;
    }
  });
  dialog.showModal();
}

function pickOffer(offers, wanted) {
  return offers.find((o) => o.supplier_id === wanted) ?? [...offers].sort((a, b) => a.price - b.price)[0];
}

async function approve(rec, button) {
  const key = newKey("console-order"); // once per approval: retries and double clicks reuse it
  button.disabled = true;
  try {
    const [item, offers] = await Promise.all([
      api(`/api/inventory/${enc(rec.sku)}`),
      api(`/api/inventory/${enc(rec.sku)}/offers`),
    ]);
    const offer = pickOffer(offers, rec.supplier_id ?? item.preferred_supplier_id);
    if (!offer) throw new ApiError(404, { message: `no supplier offers ${rec.sku}` });
    const quantity = Math.max(rec.recommended_quantity, offer.min_order_qty);
    const body = { sku: rec.sku, quantity, supplier_id: offer.supplier_id, site: rec.site };
    confirm({
      title: `Order ${rec.name}`,
      facts: [
        ["SKU", rec.sku],
        ["Site", rec.site],
        ["Supplier", `${offer.supplier_name || offer.supplier_id} (${offer.supplier_id})`],
        ["Quantity", `${num(quantity)} ${item.unit}`],
        ["Unit price", money(offer.price)],
        ["Total", money(quantity * offer.price)],
        ["Lead time", `${offer.lead_time_days} days`],
      ],
      okText: `Confirm order of ${num(quantity)}`,
      action: () => api("/api/orders", { method: "POST", body, headers: { "Idempotency-Key": key } }),
      done: (order) => {
        ordered.set(`${rec.sku}@${rec.site}`, order.order_id);
        $("#order-result").replaceChildren(
          el("strong", {}, `Order ${order.order_id} placed: `),
          `${num(order.quantity)} × ${rec.name} (${order.sku}) for ${order.site} from ${order.supplier_id}, `,
          `total ${money(order.quantity * order.unit_price)}, status ${order.status}.`,
        );
        $("#order-result").dataset.orderId = order.order_id;
        loadRecs();
        loadOrders();
        hooks.changed();
      },
    });
  } catch (e) {
    failed($("#recs-note"), e);
  } finally {
    button.disabled = false;
  }
}

export async function loadRecs() {
  const note = $("#recs-note");
  try {
    const recs = await api("/api/insights/recommendation");
    cleared(note, recs.length ? "" : "Nothing needs ordering now.");
    $("#recs tbody").replaceChildren(...recs.map(recRow));
    hooks.recommended(recs);
  } catch (e) {
    $("#recs tbody").replaceChildren();
    if (e.code === "forecasting_unavailable") cleared(note, "Forecasting is not running on this server.");
    else failed(note, e);
  }
}

function recRow(rec) {
  const placed = ordered.get(`${rec.sku}@${rec.site}`);
  const approveButton = el("button", { type: "button", class: "primary small approve" }, "Approve");
  approveButton.addEventListener("click", () => approve(rec, approveButton));
  return el(
    "tr",
    { dataset: { sku: rec.sku, site: rec.site }, title: rec.rationale },
    el("td", {}, rec.name, el("br"), el("span", { class: "sku muted" }, rec.sku)),
    el("td", {}, rec.site),
    el("td", { class: "num" }, num(rec.on_hand)),
    el("td", { class: "num" }, num(rec.reorder_point)),
    el("td", { class: "num" }, num(rec.recommended_quantity)),
    el("td", {}, rec.supplier_id ?? "—"),
    el("td", {}, day(rec.order_by)),
    el(
      "td",
      {},
      approveButton,
      " ",
      el("button", { type: "button", class: "small", onclick: () => hooks.chart(rec.sku, rec.site) }, "Forecast"),
      placed ? el("span", { class: "muted" }, ` ${placed} placed`) : null,
    ),
  );
}

export async function loadOrders() {
  const note = $("#orders-note");
  try {
    const lists = await Promise.all(OPEN.map((s) => api(`/api/orders?status=${s}&limit=200`)));
    const orders = lists.flat().sort((a, b) => b.created_at.localeCompare(a.created_at));
    cleared(note, orders.length ? "" : "No open orders.");
    $("#orders tbody").replaceChildren(...orders.map(orderRow));
  } catch (e) {
    failed(note, e);
  }
}

function orderRow(order) {
  const next = NEXT[order.status];
  const label = next === "received" ? "Receive" : `Mark ${next}`;
  return el(
    "tr",
    { dataset: { orderId: order.order_id } },
    el("td", { class: "sku" }, order.order_id),
    el("td", {}, el("span", { class: "sku" }, order.sku), el("br"), el("span", { class: "muted" }, order.site)),
    el("td", { class: "num" }, num(order.quantity)),
    el("td", {}, order.status),
    el("td", {}, order.expected_date ? day(order.expected_date) : el("span", { class: "muted" }, `placed ${day(order.created_at)}`)),
    el("td", {}, el("button", { type: "button", class: "small advance", onclick: () => advance(order, next) }, label)),
  );
}

function advance(order, next) {
  const receiving = next === "received";
  confirm({
    title: receiving ? `Receive ${order.order_id}` : `Mark ${order.order_id} ${next}`,
    facts: [
      ["SKU", order.sku],
      ["Site", order.site],
      ["Supplier", order.supplier_id],
      ["Quantity", num(order.quantity)],
      ["Now", order.status],
    ],
    okText: receiving ? `Confirm receipt of ${num(order.quantity)}` : `Confirm: mark ${next}`,
    // The order API is idempotent per status (the receipt is keyed by the order), so a retry writes once.
    action: () => api(`/api/orders/${enc(order.order_id)}`, { method: "PATCH", body: { status: next } }),
    done: () => {
      loadOrders();
      hooks.changed();
    },
  });
}

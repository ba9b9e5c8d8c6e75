// The forecast chart: demand per day with its interval (the forecast API), and the stock it leaves: on hand
// now, less the forecast, plus each open order on the day it is due; drawn with the vendored uPlot.

const DAY_MS = 86_400_000;
const OPEN = ["placed", "confirmed", "shipped"];

export { OPEN };

const midnight = (ms) => Math.floor(ms / DAY_MS) * DAY_MS;

/** When an order should arrive: its expected date, else placed + the supplier's lead time; null if unknown. */
function due(order, offers) {
  if (order.expected_date) return Date.parse(order.expected_date);
  const offer = offers.find((o) => o.supplier_id === order.supplier_id);
  return offer ? Date.parse(order.created_at) + offer.lead_time_days * DAY_MS : null;
}

/** The series the chart draws, and what it could not place. */
export function project(forecast, item, orders, offers, site) {
  const x = forecast.series.map((p) => Date.parse(p.date));
  const levels = item.stock.filter((s) => !site || s.site === site);
  const onHand = levels.reduce((sum, s) => sum + s.on_hand, 0);
  const reorder = levels.reduce((sum, s) => sum + s.effective_min, 0);
  const arrivals = new Array(x.length).fill(0);
  const placed = [];
  const unplaced = [];
  for (const order of orders.filter((o) => !site || o.site === site)) {
    const eta = due(order, offers);
    const index = eta === null ? -1 : x.findIndex((d) => d >= midnight(eta));
    if (eta !== null && eta < x[0]) {
      arrivals[0] += order.quantity; // overdue: counted as arriving now
      placed.push({ order, eta, overdue: true });
    } else if (index >= 0) {
      arrivals[index] += order.quantity;
      placed.push({ order, eta, overdue: false });
    } else {
      unplaced.push({ order, eta });
    }
  }
  let withOrders = onHand;
  let without = onHand;
  const stock = [];
  const bare = [];
  forecast.series.forEach((p, i) => {
    withOrders += arrivals[i] - p.mean;
    without -= p.mean;
    stock.push(Math.max(withOrders, 0));
    bare.push(Math.max(without, 0));
  });
  return {
    x: x.map((ms) => ms / 1000),
    mean: forecast.series.map((p) => p.mean),
    lo: forecast.series.map((p) => p.lo),
    hi: forecast.series.map((p) => p.hi),
    stock,
    bare,
    reorder: x.map(() => reorder),
    arrivals: arrivals.map((q, i) => (q > 0 ? stock[i] : null)),
    onHand,
    reorderPoint: reorder,
    placed,
    unplaced,
  };
}

export function draw(target, model) {
  const options = {
    width: Math.max(target.clientWidth, 320),
    height: 320,
    scales: { x: { time: true }, units: { auto: true }, stock: { auto: true } },
    cursor: { points: { show: true } },
    series: [
      {},
      { label: "demand / day", points: { show: false }, scale: "units", stroke: "#2563eb", width: 2 },
      { label: "low", points: { show: false }, scale: "units", stroke: "rgba(37,99,235,.35)", width: 1 },
      { label: "high", points: { show: false }, scale: "units", stroke: "rgba(37,99,235,.35)", width: 1 },
      { label: "stock with open orders", points: { show: false }, scale: "stock", stroke: "#059669", width: 2 },
      { label: "without them", points: { show: false }, scale: "stock", stroke: "#9ca3af", width: 1.5, dash: [6, 4] },
      { label: "reorder point", points: { show: false }, scale: "stock", stroke: "#dc2626", width: 1, dash: [3, 3] },
      {
        label: "order due",
        scale: "stock",
        stroke: "#7c3aed",
        paths: () => null,
        points: { show: true, size: 10, fill: "#7c3aed" },
      },
    ],
    bands: [{ series: [3, 2], fill: "rgba(37,99,235,.12)" }],
    axes: [
      {},
      { scale: "units", label: "units per day" },
      { scale: "stock", side: 1, label: "units on hand", grid: { show: false } },
    ],
  };
  const data = [model.x, model.mean, model.lo, model.hi, model.stock, model.bare, model.reorder, model.arrivals];
  target.replaceChildren();
  return new window.uPlot(options, data, target);
}

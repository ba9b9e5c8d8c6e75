// Small DOM helpers. Text always goes in as text nodes: nothing from the API is parsed as HTML.

export const $ = (selector) => document.querySelector(selector);

export function el(tag, props = {}, ...kids) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    node.append(kid instanceof Node ? kid : String(kid));
  }
  return node;
}

export const num = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
export const money = (n) =>
  Number(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const day = (iso) =>
  iso ? new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" }) : "—";
export const clock = (iso) =>
  new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
export const stamp = (iso) => `${day(iso)} ${clock(iso)}`;

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Show an error where a table would be, instead of leaving stale rows. */
export function failed(note, error) {
  note.textContent = error?.message || String(error);
  note.classList.add("error");
}

export function cleared(note, text = "") {
  note.textContent = text;
  note.classList.remove("error");
}

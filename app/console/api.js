// The console's one way to the API: every call carries the bearer token; a 401 tries the refresh token once
// (people's access tokens last minutes), then asks the person to sign in again.

const ACCESS = "inventorypulse.console.access";
const REFRESH = "inventorypulse.console.refresh";

let signedOut = () => {};
let renewing = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || body?.detail || `the server answered ${status}`);
    this.status = status;
    this.code = body?.code;
  }
}

export function onSignedOut(fn) {
  signedOut = fn;
}

/** The token from `#token=...` (then taken out of the address bar and history), else this tab's session. */
export function tokenFromPage() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get("token");
  if (given) {
    forget();
    sessionStorage.setItem(ACCESS, given);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return token();
}

export const token = () => sessionStorage.getItem(ACCESS);

function keep(answer) {
  sessionStorage.setItem(ACCESS, answer.access_token);
  if (answer.refresh_token) sessionStorage.setItem(REFRESH, answer.refresh_token);
}

export function forget() {
  sessionStorage.removeItem(ACCESS);
  sessionStorage.removeItem(REFRESH);
}

export function signOut(message) {
  forget();
  signedOut(message);
}

function send(path, { method = "GET", body, headers = {}, auth = true } = {}) {
  const h = { Accept: "application/json", ...headers };
  const t = token();
  if (auth && t) h.Authorization = `Bearer ${t}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return fetch(path, { method, headers: h, body: payload, cache: "no-store" });
}

const problem = (r) => r.json().catch(() => null);

export async function api(path, opts = {}) {
  let r = await send(path, opts);
  if (r.status === 401 && (await renew())) r = await send(path, opts);
  if (r.status === 401) {
    const body = await problem(r);
    signOut("Your sign-in has ended; sign in again.");
    throw new ApiError(401, body);
  }
  if (!r.ok) throw new ApiError(r.status, await problem(r));
  if (r.status === 204) return null;
  return (r.headers.get("content-type") || "").includes("json") ? r.json() : r.text();
}

/** New tokens for the refresh token: one request however many calls were refused at the same moment. */
export function renew() {
  const refresh = sessionStorage.getItem(REFRESH);
  if (!refresh) return Promise.resolve(false);
  renewing ??= (async () => {
    try {
      const r = await send("/api/auth/refresh", { method: "POST", body: { refresh_token: refresh }, auth: false });
      if (!r.ok) return false;
      keep(await r.json());
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => { renewing = null; }, 0);
    }
  })();
  return renewing;
}

export async function login(username, password) {
  const r = await send("/api/auth/login", { method: "POST", body: { username, password }, auth: false });
  const body = await problem(r);
  if (!r.ok) throw new ApiError(r.status, body);
  if (!body?.access_token) throw new ApiError(r.status, { message: "the answer carried no access token" });
  forget();
  keep(body);
  return body.user ?? null;
}

export async function logout() {
  try {
    await send("/api/auth/logout", { method: "POST" });
  } finally {
    forget();
  }
}

/** An idempotency key: made once per approval, so a retry or a second click writes once. */
export function newKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const enc = encodeURIComponent;

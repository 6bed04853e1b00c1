// The API client: same origin, JSON:API, the session's bearer token from sessionStorage.
const KEY = "latchkey.dashboard.session";
const JSON_API = "application/vnd.api+json";

/** An API error: the HTTP status and the JSON:API `errors` array. */
export class ApiError extends Error {
  constructor(status, errors) {
    const first = errors?.[0] ?? {};
    super([first.title, first.detail].filter(Boolean).join(": ") || `HTTP ${status}`);
    this.status = status;
    this.errors = errors ?? [];
    this.code = first.code ?? null;
  }
}

export const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    } catch {
      return null;
    }
  },
  set(s) {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

function basic(email, password) {
  const bytes = new TextEncoder().encode(`${email}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "Basic " + btoa(bin);
}

async function parse(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  let doc = null;
  try {
    doc = text ? JSON.parse(text) : null;
  } catch {
    doc = null;
  }
  if (!res.ok) throw new ApiError(res.status, doc?.errors);
  return doc;
}

/**
 * Password login: `POST /v1[/accounts/{account}]/tokens` with Basic credentials; with `otp`,
 * the body `{"meta":{"otp"}}`. Blank account = the deployment's default (bare `/v1`).
 * Resolves to the session kept in sessionStorage.
 */
export async function login(account, email, password, otp) {
  const base = account ? `/v1/accounts/${encodeURIComponent(account)}` : "/v1";
  const headers = { Authorization: basic(email, password), Accept: JSON_API };
  const init = { method: "POST", headers };
  if (otp) {
    headers["Content-Type"] = JSON_API;
    init.body = JSON.stringify({ meta: { otp } });
  }
  const doc = await parse(await fetch(base + "/tokens", init));
  const token = doc?.data?.attributes?.token;
  const accountId = doc?.data?.relationships?.account?.data?.id;
  if (!token || !accountId) throw new ApiError(500, [{ title: "Unexpected response", detail: "no token in the login response" }]);
  const s = { token, account: accountId, email, user: doc.data.relationships?.bearer?.data?.id ?? null, expiry: doc.data.attributes.expiry ?? null };
  session.set(s);
  return s;
}

let onUnauthorized = () => {};
/** Called when the API rejects the session's token (expired, revoked). */
export function whenUnauthorized(f) {
  onUnauthorized = f;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const str = q.toString();
  return str ? `?${str}` : "";
}

/** A request below the signed-in account: `api("GET", "/licenses", {query})`. */
export async function api(method, path, { body, params } = {}) {
  const s = session.get();
  if (!s) throw new ApiError(401, [{ title: "Not signed in" }]);
  const headers = { Authorization: `Bearer ${s.token}`, Accept: JSON_API };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = JSON_API;
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`/v1/accounts/${encodeURIComponent(s.account)}${path}${query(params)}`, init);
  if (res.status === 401) {
    const err = await parse(res).catch((e) => e);
    if (["TOKEN_INVALID", "TOKEN_EXPIRED"].includes(err?.code)) onUnauthorized(err);
    throw err;
  }
  return parse(res);
}

/** A file below the account (check-out): resolves to {blob, filename}. */
export async function download(path, params) {
  const s = session.get();
  const res = await fetch(`/v1/accounts/${encodeURIComponent(s?.account ?? "")}${path}${query(params)}`, {
    headers: { Authorization: `Bearer ${s?.token ?? ""}` },
  });
  if (!res.ok) await parse(res);
  const cd = res.headers.get("Content-Disposition") ?? "";
  const m = cd.match(/filename="([^"]+)"/);
  return { blob: await res.blob(), filename: m ? m[1] : "license.lic" };
}

/** The `rel="next"` target of a `Link` header, or null. */
export function nextLink(header) {
  for (const part of (header ?? "").split(",")) {
    const m = part.match(/^\s*<([^>]*)>\s*;(.*)$/);
    if (m && m[2].split(";").some((p) => ['rel="next"', "rel=next"].includes(p.trim()))) return m[1];
  }
  return null;
}

/** sessionStorage key: rows per export part (`limit`); unset = the server's default (5,000). */
export const EXPORT_LIMIT_KEY = "latchkey.dashboard.exportLimit";

/**
 * A whole CSV export (`GET …/<kind>/export`, issue 10): the server answers in signed parts and
 * names the next in `Link: <…>; rel="next"`; this follows them and joins the parts, the header
 * record once. Resolves to {blob, filename, parts}.
 */
export async function exportCsv(path, params = {}) {
  const s = session.get();
  const limit = sessionStorage.getItem(EXPORT_LIMIT_KEY) || undefined;
  let url = `/v1/accounts/${encodeURIComponent(s?.account ?? "")}${path}${query({ ...params, limit })}`;
  const chunks = [];
  let filename = "export.csv";
  while (url && chunks.length < 100_000) {
    const res = await fetch(url, { headers: { Authorization: `Bearer ${s?.token ?? ""}`, Accept: "text/csv" } });
    if (!res.ok) await parse(res);
    const text = await res.text();
    const end = text.indexOf("\r\n");
    const records = end < 0 ? "" : text.slice(end + 2);
    chunks.push(chunks.length === 0 ? text : records);
    const m = (res.headers.get("Content-Disposition") ?? "").match(/filename="([^"]+)"/);
    if (m) filename = m[1];
    url = nextLink(res.headers.get("Link"));
  }
  return { blob: new Blob(chunks, { type: "text/csv" }), filename, parts: chunks.length };
}

/** One page of a list: {data, next} (next: the next page number or null). */
export async function page(path, params = {}, number = 1, size = 25) {
  const doc = await api("GET", path, { params: { ...params, "page[number]": number, "page[size]": size } });
  return { data: doc?.data ?? [], included: doc?.included ?? [], next: doc?.links?.next ? number + 1 : null, prev: number > 1 ? number - 1 : null };
}

/** Up to `max` items of a list (for selects and the chart), newest first. */
export async function all(path, params = {}, max = 500) {
  const out = [];
  for (let n = 1; out.length < max; n++) {
    const p = await page(path, params, n, 100);
    out.push(...p.data);
    if (!p.next) break;
  }
  return out.slice(0, max);
}

// Shared by scripts/bench.mjs and scripts/bench-cpu.mjs: the harness server, the seeded bench
// account, wrk runs and medians. Traffic goes to 127.0.0.1 only.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BOOTSTRAP = process.env.LATCHKEY_BOOTSTRAP_TOKEN || "e2e-bootstrap-token";

/** Starts tests/harness/server.mjs under `root` (a tree with functions/build); ENVIRONMENT=development
 * (the webhook variant's receiver is a loopback http URL) and Server-Timing counts on. */
export function startServer(extra = {}, root = ROOT) {
  const proc = spawn("node", [join(root, "tests/harness/server.mjs")], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ENVIRONMENT: "development", LATCHKEY_BOOTSTRAP_TOKEN: BOOTSTRAP, LATCHKEY_SERVER_TIMING: "1", ...extra },
  });
  const ready = new Promise((ok, fail) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once("line", (l) => ok(JSON.parse(l).url));
    proc.once("exit", (c) => fail(new Error(`server exited ${c}`)));
    setTimeout(() => fail(new Error("server did not start in 30 s")), 30000);
  });
  return { proc, ready };
}

/** One JSON:API call; a keep-alive socket the server closed after a wrk run is retried once. */
export async function apiAt(base, method, path, token, body, retried = false) {
  const res = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/vnd.api+json", Accept: "application/vnd.api+json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).catch((e) => (retried ? Promise.reject(e) : null));
  if (res === null) return apiAt(base, method, path, token, body, true);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Seeds an account at `at` (a product, a floating strict policy, a license, one activated
 * machine; a webhook endpoint subscribed to "*" when `hookUrl` is given), checks that the
 * license validates, and writes `validate-<tag>.lua` (wrk's validate-key request) into `dir`. */
export async function seed(at, tag, dir, hookUrl = null) {
  const api = (m, p, t, b) => apiAt(at, m, p, t, b);
  const boot = await api("POST", "/v1/accounts", BOOTSTRAP, {
    data: { type: "accounts", attributes: { name: "Bench", slug: `bench-${tag}-${Date.now()}` }, relationships: { admins: { data: [{ type: "users", attributes: { email: "bench@example.com", password: "bench-password" } }] } } },
  });
  const account = boot.data.id;
  const admin = boot.meta.adminToken;
  const base = `/v1/accounts/${account}`;
  if (hookUrl) await api("POST", `${base}/webhook-endpoints`, admin, { data: { type: "webhook-endpoints", attributes: { url: hookUrl, subscriptions: ["*"] } } });
  const product = (await api("POST", `${base}/products`, admin, { data: { type: "products", attributes: { name: "Bench" } } })).data.id;
  const policy = (await api("POST", `${base}/policies`, admin, { data: { type: "policies", attributes: { name: "Bench", floating: true, maxMachines: 10, strict: true }, relationships: { product: { data: { type: "products", id: product } } } } })).data.id;
  const license = (await api("POST", `${base}/licenses`, admin, { data: { type: "licenses", relationships: { policy: { data: { type: "policies", id: policy } } } } })).data;
  const machine = await api("POST", `${base}/machines`, admin, { data: { type: "machines", attributes: { fingerprint: "bench-fingerprint" }, relationships: { license: { data: { type: "licenses", id: license.id } } } } });
  const body = { meta: { key: license.attributes.key, scope: { fingerprint: "bench-fingerprint" } } };
  const check = await api("POST", `${base}/licenses/actions/validate-key`, null, body);
  if (check.meta.code !== "VALID") throw new Error(`seeded license does not validate: ${JSON.stringify(check.meta)}`);
  const script = `validate-${tag}.lua`;
  writeFileSync(join(dir, script), `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify(body))}\nwrk.headers["Content-Type"] = "application/vnd.api+json"\n`);
  return { base, admin, account, machine: machine.data.id, body, script };
}

/** One wrk run (one thread) of `seconds` against `at + path`; `script` is a file in `dir`. */
export function wrk(at, path, { script = null, seconds, connections, dir }) {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency"];
  if (script) args.push("-s", join(dir, script));
  args.push(at + path);
  const out = spawnSync("wrk", args, { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`wrk ${path}: ${out.stderr}`);
  const rps = Number(out.stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const requests = Number(out.stdout.match(/(\d+) requests in/)[1]);
  const pct = (p) => {
    const m = out.stdout.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`));
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const non2xx = Number((out.stdout.match(/Non-2xx or 3xx responses: (\d+)/) || [0, 0])[1]);
  return { rps, requests, p50: pct(50), p99: pct(99), non2xx };
}

/** The median of `xs`. */
export const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};

/** Median and min–max of `xs`. */
export const spread = (xs) => ({ med: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** "med (min-max)" with `digits` decimals. */
export const fmt = ({ med, min, max }, digits = 3) => `${med.toFixed(digits)} (${min.toFixed(digits)}-${max.toFixed(digits)})`;

function stat(pid) {
  // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  return { comm: s.slice(s.indexOf("(") + 1, s.lastIndexOf(")")), rest: s.slice(s.lastIndexOf(")") + 2).split(" ") };
}

/** The `workerd` process below `pid` (Miniflare's runtime: the Worker, D1, KV and the rate limiters). */
export function workerdOf(pid) {
  const kids = new Map();
  for (const p of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const { comm, rest } = stat(p);
      const ppid = Number(rest[1]);
      kids.set(ppid, [...(kids.get(ppid) || []), { pid: Number(p), comm }]);
    } catch {
      // Gone meanwhile.
    }
  }
  const queue = [pid];
  while (queue.length) {
    for (const k of kids.get(queue.shift()) || []) {
      if (k.comm === "workerd") return k.pid;
      queue.push(k.pid);
    }
  }
  throw new Error(`no workerd below pid ${pid}`);
}

/** CPU time (user + system, every thread) of process `pid` so far, in µs. */
export function cpuMicros(pid) {
  const { rest } = stat(pid);
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (USER_HZ = 100 on Linux).
  return (Number(rest[11]) + Number(rest[12])) * 10_000;
}

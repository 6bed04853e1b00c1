#!/usr/bin/env node
// Driver of scripts/bench: starts tests/harness/server.mjs, seeds an account, a product, a
// floating policy, a license and one activated machine over HTTP, then runs wrk against three
// endpoints in the same server and prints a table with ratios. Bounded: each run lasts
// BENCH_DURATION seconds against 127.0.0.1 only.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, statSync, mkdtempSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DURATION = Number(process.env.BENCH_DURATION || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 16);
const BOOTSTRAP = process.env.LATCHKEY_BOOTSTRAP_TOKEN || "e2e-bootstrap-token";

const server = spawn("node", [join(ROOT, "tests/harness/server.mjs")], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, LATCHKEY_BOOTSTRAP_TOKEN: BOOTSTRAP } });
const url = await new Promise((ok, fail) => {
  const rl = createInterface({ input: server.stdout });
  rl.once("line", (l) => ok(JSON.parse(l).url));
  server.once("exit", (c) => fail(new Error(`server exited ${c}`)));
  setTimeout(() => fail(new Error("server did not start in 30 s")), 30000);
});

async function api(method, path, token, body) {
  const res = await fetch(url + path, {
    method,
    headers: { "Content-Type": "application/vnd.api+json", Accept: "application/vnd.api+json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const boot = await api("POST", "/v1/accounts", BOOTSTRAP, {
  data: { type: "accounts", attributes: { name: "Bench", slug: `bench-${Date.now()}` }, relationships: { admins: { data: [{ type: "users", attributes: { email: "bench@example.com", password: "bench-password" } }] } } },
});
const account = boot.data.id;
const admin = boot.meta.adminToken;
const base = `/v1/accounts/${account}`;
const product = (await api("POST", `${base}/products`, admin, { data: { type: "products", attributes: { name: "Bench" } } })).data.id;
const policy = (await api("POST", `${base}/policies`, admin, { data: { type: "policies", attributes: { name: "Bench", floating: true, maxMachines: 10, strict: true }, relationships: { product: { data: { type: "products", id: product } } } } })).data.id;
const license = (await api("POST", `${base}/licenses`, admin, { data: { type: "licenses", relationships: { policy: { data: { type: "policies", id: policy } } } } })).data;
await api("POST", `${base}/machines`, admin, { data: { type: "machines", attributes: { fingerprint: "bench-fingerprint" }, relationships: { license: { data: { type: "licenses", id: license.id } } } } });
const check = await api("POST", `${base}/licenses/actions/validate-key`, null, { meta: { key: license.attributes.key, scope: { fingerprint: "bench-fingerprint" } } });
if (check.meta.code !== "VALID") throw new Error(`seeded license does not validate: ${JSON.stringify(check.meta)}`);

const dir = mkdtempSync(join(tmpdir(), "latchkey-bench-"));
const body = JSON.stringify({ meta: { key: license.attributes.key, scope: { fingerprint: "bench-fingerprint" } } });
writeFileSync(join(dir, "validate.lua"), `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/vnd.api+json"\n`);

function run(name, path, script) {
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${DURATION}s`, "--latency"];
  if (script) args.push("-s", join(dir, script));
  args.push(url + path);
  const out = spawnSync("wrk", args, { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`wrk ${name}: ${out.stderr}`);
  const rps = Number(out.stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const pct = (p) => {
    const m = out.stdout.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`));
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const non2xx = Number((out.stdout.match(/Non-2xx or 3xx responses: (\d+)/) || [0, 0])[1]);
  return { name, rps, p50: pct(50), p99: pct(99), non2xx };
}

const results = [run("no-op (GET /v1/ping)", "/v1/ping"), run("one D1 read (GET /v1/health)", "/v1/health"), run("validate-key + fingerprint", `${base}/licenses/actions/validate-key`, "validate.lua")];
server.stdin.end();

const wasm = readFileSync(join(ROOT, "functions/build/index_bg.wasm"));
const [noop, read, validate] = results;
console.log(`\nLatchkey benchmark: ${DURATION}s per endpoint, ${CONNECTIONS} connections, wrk -t1, workerd via Miniflare, local D1 + KV, one run`);
console.log("endpoint                          req/s     p50 ms   p99 ms   non-2xx");
for (const r of results) console.log(`${r.name.padEnd(32)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)} ${String(r.non2xx).padStart(8)}`);
console.log(`validate-key / no-op:        ${(validate.rps / noop.rps).toFixed(3)}`);
console.log(`validate-key / one D1 read:  ${(validate.rps / read.rps).toFixed(3)}  (target >= 0.80)`);
console.log(`wasm size: ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} bytes gzip -9`);
if (results.some((r) => r.non2xx > 0)) {
  console.error("bench: some responses were not 2xx");
  process.exit(1);
}

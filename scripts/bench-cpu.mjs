#!/usr/bin/env node
// CPU per request of workerd, for A/B comparisons of builds (issue 11): unlike req/s on this
// shared 2-core machine, the runtime's own CPU time per request hardly moves with other
// processes' load. Usage:
//   node scripts/bench-cpu.mjs [BUILD_DIR ...]     (default: functions/build)
// Each BUILD_DIR holds a built Worker (index.js, index_bg.wasm: a copy of functions/build). Each
// build gets its own harness server (a staged copy of tests/harness beside it, so the server
// loads that build) and the same seeded data (scripts/bench-lib.mjs); then CPU_ROUNDS rounds of
// CPU_ROUND seconds per endpoint and build, builds rotated every round. Per run it reads the
// workerd process's utime+stime (/proc/<pid>/stat, all threads: the Worker, D1's SQLite, KV, the
// rate limiters) before and after, divided by the requests wrk completed. Prints the median µs
// per request (min-max of rounds), each build's per-round ratio to the first build, and
// validate-key's CPU as a ratio of the one-read endpoints' (throughput when CPU-bound).
// Knobs: CPU_ROUNDS (default 7), CPU_ROUND (s, default 2), CPU_CONNECTIONS (default 4).
// Traffic goes to 127.0.0.1 only; every server started is stopped.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, startServer, seed, wrk, spread, fmt, workerdOf, cpuMicros } from "./bench-lib.mjs";

const ROUNDS = Number(process.env.CPU_ROUNDS || 7);
const ROUND = Number(process.env.CPU_ROUND || 2);
const CONNECTIONS = Number(process.env.CPU_CONNECTIONS || 4);
const builds = process.argv.slice(2).length ? process.argv.slice(2).map((b) => resolve(b)) : [join(ROOT, "functions/build")];

const dir = mkdtempSync(join(tmpdir(), "latchkey-bench-cpu-"));
/** A tree where tests/harness/server.mjs finds `build` as functions/build. */
function stage(build, k) {
  const root = join(dir, `b${k}`);
  mkdirSync(join(root, "functions"), { recursive: true });
  cpSync(build, join(root, "functions/build"), { recursive: true });
  cpSync(join(ROOT, "tests/harness"), join(root, "tests/harness"), { recursive: true });
  cpSync(join(ROOT, "wrangler.toml"), join(root, "wrangler.toml"));
  symlinkSync(join(ROOT, "migrations"), join(root, "migrations"));
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  return root;
}

const servers = builds.map((b, k) => {
  if (!existsSync(join(b, "index_bg.wasm"))) throw new Error(`${b}: no index_bg.wasm`);
  return startServer({}, stage(b, k));
});
try {
  const urls = [];
  for (const s of servers) urls.push(await s.ready);
  const pids = servers.map((s) => workerdOf(s.proc.pid));
  const seeded = [];
  for (const [k, at] of urls.entries()) seeded.push(await seed(at, `cpu-${k}`, dir));
  // The signed one-read endpoint may be missing from an older build: then it is not measured.
  const has = await Promise.all(urls.map(async (at, k) => (await fetch(`${at}${seeded[k].base}/health`)).status === 200));
  const endpoints = [
    ["no-op /v1/ping", () => "/v1/ping", null, () => true],
    ["one read, unsigned /v1/health", () => "/v1/health", null, () => true],
    ["one read, signed {acct}/health", (k) => `${seeded[k].base}/health`, null, (k) => has[k]],
    ["validate-key + fingerprint", (k) => `${seeded[k].base}/licenses/actions/validate-key`, (k) => seeded[k].script, () => true],
  ];
  // per[endpoint][build] = µs per request, one per round.
  const per = endpoints.map(() => builds.map(() => []));
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < builds.length; j++) {
      const k = (r + j) % builds.length;
      endpoints.forEach(([, path, script, ok], e) => {
        if (!ok(k)) return;
        const before = cpuMicros(pids[k]);
        const out = wrk(urls[k], path(k), { script: script && script(k), seconds: ROUND, connections: CONNECTIONS, dir });
        const after = cpuMicros(pids[k]);
        if (out.non2xx > 0) throw new Error(`${endpoints[e][0]} on build ${k}: ${out.non2xx} non-2xx answers`);
        per[e][k].push((after - before) / out.requests);
      });
    }
  }
  console.log(`\nworkerd CPU per request (µs; median and min-max of ${ROUNDS} interleaved rounds of ${ROUND}s, ${CONNECTIONS} connections, wrk -t1)`);
  builds.forEach((b, k) => console.log(`build ${k}: ${b}`));
  console.log(`${"endpoint".padEnd(32)} ${builds.map((_, k) => `build ${k}`.padEnd(24)).join(" ")}`);
  for (const [e, [name]] of endpoints.entries()) {
    console.log(`${name.padEnd(32)} ${per[e].map((xs) => (xs.length ? fmt(spread(xs), 0) : "-").padEnd(24)).join(" ")}`);
  }
  for (let k = 1; k < builds.length; k++) {
    console.log(`\nbuild ${k} / build 0, CPU per request (per-round ratios: median, min-max)`);
    for (const [e, [name]] of endpoints.entries()) {
      const [a, b] = [per[e][0], per[e][k]];
      if (a.length && b.length) console.log(`${name.padEnd(32)} ${fmt(spread(b.map((x, i) => x / a[i])))}`);
    }
  }
  console.log("\nvalidate-key throughput as a ratio of the one-read endpoint's when CPU-bound (one-read CPU / validate-key CPU, per round)");
  builds.forEach((_, k) => {
    const v = per[3][k];
    const row = [1, 2].filter((e) => per[e][k].length).map((e) => `${e === 1 ? "unsigned" : "signed"} ${fmt(spread(v.map((x, i) => per[e][k][i] / x)))}`);
    console.log(`build ${k}: ${row.join(", ")}`);
  });
} finally {
  for (const s of servers) s.proc.stdin.end();
  await new Promise((ok) => setTimeout(ok, 500));
  rmSync(dir, { recursive: true, force: true });
}

#!/usr/bin/env node
// The e2e server: the release Worker (functions/build) on workerd via Miniflare, the same runtime
// `wrangler dev` uses, but started in well under a second and with nothing persisted.
//
// - D1 `DB`, KV `LEASES` and R2 `ARTIFACTS` are in-memory (Miniflare's per-instance temp dir, removed on dispose),
//   so every run starts from an empty database; every `migrations/*.sql` is applied in order.
// - Bindings: LATCHKEY_SECRET, LATCHKEY_BOOTSTRAP_TOKEN, ENVIRONMENT (=test) and, if set,
//   LATCHKEY_PASSWORD_ITERATIONS; values may be overridden through the environment variables of
//   the same name. Rate limits: RATE_LIMITS.
// - Cron: `GET /cdn-cgi/handler/scheduled?cron=*/2+*+*+*+*` runs the Worker's scheduled handler
//   (Miniflare's unsafeTriggerHandlers), like wrangler's `--test-scheduled` `/__scheduled`.
// - Protocol: prints exactly one line `{"url":"http://127.0.0.1:PORT"}` on stdout when ready;
//   everything else (Miniflare and Worker logs) goes to stderr. Exits when stdin closes, so the
//   test process that spawned it cannot leak it, even if killed.
//
// Usage: node tests/harness/server.mjs [--port N]   (default: a free port)
import { Miniflare, Log, LogLevel } from "miniflare";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { killOrphans } from "./children.mjs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD = join(ROOT, "functions/build");
const ENTRY = join(BUILD, "index.js");

function fail(message) {
  process.stderr.write(`server.mjs: ${message}\n`);
  process.exit(1);
}

if (!existsSync(ENTRY)) {
  fail(`${ENTRY} is missing: build the Worker first (scripts/test does, or scripts/build)`);
}

/** wrangler.toml is the one place the compatibility date is written down. */
function compatibilityDate() {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const m = toml.match(/^\s*compatibility_date\s*=\s*"([^"]+)"/m);
  if (!m) fail("no compatibility_date in wrangler.toml");
  return m[1];
}

/**
 * Splits a migration into statements at top-level `;`, skipping `;` inside '…' strings,
 * "…" / `…` / […] identifiers, `-- …` line comments and block comments. Comments are dropped.
 * Triggers (`BEGIN … END;` bodies) are not supported and no migration uses them.
 */
export function splitSql(sql) {
  const out = [];
  let cur = "";
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      while (i < n && sql[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
      cur += " ";
      continue;
    }
    if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let j = i + 1;
      while (j < n) {
        if (sql[j] === close) {
          if (close !== "]" && sql[j + 1] === close) { j += 2; continue; } // doubled quote
          break;
        }
        j++;
      }
      cur += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/**
 * Applies every `migrations/*.sql` in order, one atomic batch per file that also records the file
 * in `d1_migrations` (the table `wrangler d1 migrations apply` keeps). A batch that errors is
 * retried (up to MIGRATION_ATTEMPTS), unless `d1_migrations` shows it committed: CI once saw
 * workerd answer an internal assertion ("false == true") to a batch of plain CREATE INDEX
 * statements, and without a record a retry could not tell a lost answer from a lost write. Each
 * retry is logged; a real SQL error fails every attempt and is reported as before.
 */
const MIGRATION_ATTEMPTS = 3;

async function applyMigrations(mf, binding = "DB") {
  const dir = join(ROOT, "migrations");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  const db = await mf.getD1Database(binding);
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .run();
  const applied = async (file) => (await db.prepare("SELECT 1 AS x FROM d1_migrations WHERE name = ?1").bind(file).first()) !== null;
  for (const file of files) {
    const statements = splitSql(readFileSync(join(dir, file), "utf8"));
    if (statements.length === 0) continue;
    const batch = [...statements.map((s) => db.prepare(s)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?1)").bind(file)];
    for (let attempt = 1; ; attempt++) {
      try {
        // One batch per file: atomic, like `wrangler d1 migrations apply`.
        await db.batch(batch);
        break;
      } catch (e) {
        const why = e?.message ?? e;
        if (await applied(file).catch(() => false)) {
          process.stderr.write(`server.mjs: migration ${file} answered "${why}" but committed\n`);
          break;
        }
        if (attempt >= MIGRATION_ATTEMPTS) throw new Error(`migration ${file} failed: ${why}`);
        process.stderr.write(`server.mjs: migration ${file} failed (attempt ${attempt}): ${why}; retrying\n`);
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }
  return files.length;
}

function parsePort() {
  const i = process.argv.indexOf("--port");
  return i > 0 ? Number(process.argv[i + 1]) : 0;
}

/**
 * Rate limits: the bindings of wrangler.toml's [[ratelimits]] with the same strict limits, but
 * general limits high enough that the suite (every test from 127.0.0.1) never trips them; each
 * limit is also passed as the var the Worker reports in X-RateLimit-Limit.
 */
const RATE_LIMITS = {
  RL_GENERAL_10S: { simple: { limit: 1000000, period: 10 }, variable: "RATE_LIMIT_GENERAL_10S" },
  RL_GENERAL_60S: { simple: { limit: 1000000, period: 60 }, variable: "RATE_LIMIT_GENERAL_60S" },
  RL_LOGIN: { simple: { limit: 5, period: 60 }, variable: "RATE_LIMIT_LOGIN_60S" },
  RL_PASSWORD_RESET: { simple: { limit: 2, period: 60 }, variable: "RATE_LIMIT_PASSWORD_RESET_60S" },
  RL_SECOND_FACTOR: { simple: { limit: 2, period: 60 }, variable: "RATE_LIMIT_SECOND_FACTOR_60S" },
  RL_TRIAL: { simple: { limit: 10, period: 60 }, variable: "RATE_LIMIT_TRIAL_60S" },
};

const GEO = process.env.LATCHKEY_BENCH_D1_DELAY;
// Replica lag (ms, e2e only: tests/tests/replica_lag.rs): the entry is tests/harness/d1-lag.mjs,
// whose replica (a second database, DB_REPLICA) shows the primary as it was that long ago.
const LAG = GEO ? undefined : process.env.LATCHKEY_HARNESS_REPLICA_LAG;
/** The harness entry module wrapping the Worker's D1 binding, if any. */
const WRAPPER = GEO ? "d1-geo.mjs" : LAG ? "d1-lag.mjs" : null;

// Dashboard (static assets): wrangler.toml's [assets], when scripts/build-dashboard has built
// dashboard/build — files under /dashboard/ are served without running the Worker; any other
// path, and every /v1/* path first, runs the Worker.
// Opt-in (LATCHKEY_HARNESS_ASSETS=1: tests/tests/dashboard.rs, scripts/dashboard-test): Miniflare
// 4.20260426 routes /cdn-cgi/handler/scheduled to the assets router, not to the Worker, when
// assets are configured (workers-sdk#9882, fixed upstream in #14177), so the cron tests run
// without them. Deployed crons are unaffected: assets serve only fetch.
const ASSETS_DIR = join(ROOT, "dashboard/build");
const ASSETS = process.env.LATCHKEY_HARNESS_ASSETS === "1" && existsSync(ASSETS_DIR)
  ? {
      assets: {
        directory: ASSETS_DIR,
        routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: false, static_routing: { user_worker: ["/v1/*"] } },
        assetConfig: { html_handling: "auto-trailing-slash", not_found_handling: "none" },
      },
    }
  : {};

const mf = new Miniflare({
  host: "127.0.0.1",
  port: parsePort(), // 0 = the OS picks a free port; mf.ready reports it
  log: new Log(LogLevel.WARN),
  // Worker console output and workerd diagnostics go to stderr: stdout carries only the URL line.
  handleRuntimeStdio(stdout, stderr) {
    stdout.pipe(process.stderr);
    stderr.pipe(process.stderr);
  },
  cf: false, // no fetch of cf.json (the network is not guaranteed); a fixed request.cf is used
  telemetry: { enabled: false },
  unsafeTriggerHandlers: true,
  compatibilityDate: compatibilityDate(),
  // LATCHKEY_BENCH_D1_DELAY ("primary,replica" ms, scripts/bench only): the entry is
  // tests/harness/d1-geo.mjs, a model of geography that delays each D1 round trip by where it
  // would be served (LATCHKEY_BENCH_D1_SESSIONS=0: no sessions, every trip at the primary).
  // LATCHKEY_HARNESS_REPLICA_LAG (ms): the entry is tests/harness/d1-lag.mjs (see LAG).
  ...(WRAPPER
    ? {
        modulesRoot: BUILD,
        modules: [
          { type: "ESModule", path: join(BUILD, WRAPPER), contents: readFileSync(join(ROOT, "tests/harness", WRAPPER), "utf8") },
          { type: "ESModule", path: ENTRY, contents: readFileSync(ENTRY, "utf8") },
          { type: "CompiledWasm", path: join(BUILD, "index_bg.wasm"), contents: readFileSync(join(BUILD, "index_bg.wasm")) },
        ],
      }
    : { modules: true, scriptPath: ENTRY, modulesRoot: BUILD, modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"], fallthrough: true }] }),
  ...ASSETS, // dashboard static assets (see ASSETS above)
  d1Databases: { DB: "latchkey-e2e", ...(LAG ? { DB_REPLICA: "latchkey-e2e-replica" } : {}) },
  kvNamespaces: { LEASES: "leases-e2e" },
  // Distribution: the private artifact bucket, in-memory like D1 and KV.
  r2Buckets: { ARTIFACTS: "artifacts-e2e" },
  // The webhook queue, as wrangler.toml declares it (producer WEBHOOKS, consumer in this Worker),
  // with a short batch timeout so a delivery follows its request within about a second.
  queueProducers: { WEBHOOKS: { queueName: "latchkey-webhooks" } },
  queueConsumers: {
    "latchkey-webhooks": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 3, deadLetterQueue: "latchkey-webhooks-dlq" },
  },
  ratelimits: Object.fromEntries(Object.entries(RATE_LIMITS).map(([name, { simple }]) => [name, { simple }])),
  bindings: {
    ...Object.fromEntries(Object.values(RATE_LIMITS).map(({ simple, variable }) => [variable, String(simple.limit)])),
    ENVIRONMENT: process.env.ENVIRONMENT ?? "test",
    // Round-trip counts in Server-Timing (tests/tests/edge.rs); never set in production.
    LATCHKEY_SERVER_TIMING: process.env.LATCHKEY_SERVER_TIMING ?? "1",
    ...(LAG ? { LATCHKEY_HARNESS_REPLICA_LAG: LAG } : {}),
    ...(GEO ? { LATCHKEY_BENCH_D1_DELAY: GEO, LATCHKEY_BENCH_D1_SESSIONS: process.env.LATCHKEY_BENCH_D1_SESSIONS ?? "1" } : {}),
    LATCHKEY_SECRET: process.env.LATCHKEY_SECRET ?? "e2e-secret-0123456789abcdef0123456789abcdef",
    LATCHKEY_BOOTSTRAP_TOKEN: process.env.LATCHKEY_BOOTSTRAP_TOKEN ?? "e2e-bootstrap-token",
    // Response signing on WebCrypto (scripts/bench compares): unset is the Worker's default.
    ...(process.env.LATCHKEY_WEBCRYPTO ? { LATCHKEY_WEBCRYPTO: process.env.LATCHKEY_WEBCRYPTO } : {}),
    // Unset: the Worker's default (100,000), as deployed; set it to measure another count.
    ...(process.env.LATCHKEY_PASSWORD_ITERATIONS ? { LATCHKEY_PASSWORD_ITERATIONS: process.env.LATCHKEY_PASSWORD_ITERATIONS } : {}),
    // Request logs (issue 8): unset, the Worker's defaults (31 days, 10,000 rows a day).
    ...(process.env.LATCHKEY_REQUEST_LOG_DAILY_LIMIT ? { LATCHKEY_REQUEST_LOG_DAILY_LIMIT: process.env.LATCHKEY_REQUEST_LOG_DAILY_LIMIT } : {}),
    ...(process.env.LATCHKEY_REQUEST_LOG_RETENTION_DAYS ? { LATCHKEY_REQUEST_LOG_RETENTION_DAYS: process.env.LATCHKEY_REQUEST_LOG_RETENTION_DAYS } : {}),
  },
});

let disposing = false;
async function shutdown(code) {
  if (disposing) return;
  disposing = true;
  // A dispose that hangs (seen after e2e runs: orphaned servers spinning at 30–40% CPU) must
  // not keep this process alive: after 5 s its children are killed and it exits anyway.
  setTimeout(() => process.exit(code), 5_000).unref();
  try {
    await mf.dispose();
  } catch (e) {
    process.stderr.write(`server.mjs: dispose failed: ${e?.stack ?? e}\n`);
  } finally {
    process.exit(code);
  }
}

// The parent is gone (this process was re-parented) even if stdin's EOF went unseen: shut down.
setInterval(() => {
  if (process.ppid === 1) shutdown(0);
}, 2_000).unref();

// Whatever ends this process (a failed dispose, an uncaught error), workerd goes with it.
process.on("exit", killOrphans);
process.on("uncaughtException", (e) => {
  // Writing to a parent that is gone (EPIPE) lands here too; never keep running on it.
  if (disposing) process.exit(1);
  process.stderr.write(`server.mjs: ${e?.stack ?? e}\n`);
  shutdown(1);
});
process.on("SIGHUP", () => shutdown(129));

// The parent keeps our stdin open for as long as it lives; EOF means it is gone.
process.stdin.on("end", () => shutdown(0));
process.stdin.on("close", () => shutdown(0));
process.stdin.on("error", () => shutdown(0));
process.stdin.resume();
process.on("SIGINT", () => shutdown(130));
process.on("SIGTERM", () => shutdown(143));

try {
  const url = await mf.ready;
  const n = await applyMigrations(mf);
  if (LAG) await applyMigrations(mf, "DB_REPLICA");
  process.stderr.write(`server.mjs: ${n} migration file(s) applied, serving ${url.origin}\n`);
  process.stdout.write(JSON.stringify({ url: url.origin }) + "\n");
} catch (e) {
  process.stderr.write(`server.mjs: failed to start: ${e?.stack ?? e}\n`);
  await shutdown(1);
}

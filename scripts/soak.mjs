#!/usr/bin/env node
// Mixed-load invariant test (scripts/soak): concurrent clients over the real runtime (the
// release Worker on workerd, started through tests/harness/server.mjs as the e2e suite does),
// then invariants checked through the API. Traffic goes only to the harness on 127.0.0.1.
//
//   SOAK_SECONDS   load duration (default 180; --short: 30)
//   SOAK_CLIENTS   concurrent clients (default 16)
//
// A 503 or a failed connection is "outcome unknown" (wrangler dev's proxy answers 503 "Your
// worker restarted mid-request" under load although the Worker did not restart): never counted
// as success; the invariants allow for at most that many unknown writes. The last line is
// `N passed, M failed`; the exit status is non-zero on any failure.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SHORT = process.argv.includes("--short");
const SECONDS = Number(process.env.SOAK_SECONDS ?? (SHORT ? 30 : 180));
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 16);
const BOOTSTRAP = process.env.LATCHKEY_BOOTSTRAP_TOKEN ?? "soak-bootstrap-token";
const MAX_MACHINES = 5;
const MAX_USES = 100;
const FINGERPRINTS = 8; // per license: more than MAX_MACHINES, so activations race past the limit
const CODES = new Set(
  ("VALID NOT_FOUND BANNED SUSPENDED EXPIRED OVERDUE ENVIRONMENT_SCOPE_MISMATCH ENVIRONMENT_SCOPE_REQUIRED PRODUCT_SCOPE_MISMATCH " +
    "PRODUCT_SCOPE_REQUIRED POLICY_SCOPE_MISMATCH POLICY_SCOPE_REQUIRED USER_SCOPE_MISMATCH USER_SCOPE_REQUIRED ENTITLEMENTS_SCOPE_EMPTY " +
    "ENTITLEMENTS_MISSING NO_MACHINE NO_MACHINES MACHINE_SCOPE_MISMATCH MACHINE_SCOPE_REQUIRED HEARTBEAT_NOT_STARTED HEARTBEAT_DEAD " +
    "FINGERPRINT_SCOPE_EMPTY FINGERPRINT_SCOPE_MISMATCH FINGERPRINT_SCOPE_REQUIRED COMPONENTS_SCOPE_EMPTY COMPONENTS_SCOPE_MISMATCH " +
    "COMPONENTS_SCOPE_REQUIRED CHECKSUM_SCOPE_MISMATCH CHECKSUM_SCOPE_REQUIRED VERSION_SCOPE_MISMATCH VERSION_SCOPE_REQUIRED TOO_MANY_USERS " +
    "TOO_MANY_MACHINES TOO_MANY_CORES TOO_MUCH_MEMORY TOO_MUCH_DISK TOO_MANY_PROCESSES").split(" "),
);
if (CODES.size !== 38) throw new Error(`expected 38 validation codes, have ${CODES.size}`);

// --- the server -------------------------------------------------------------------------------

function startServer() {
  const child = spawn(process.execPath, ["tests/harness/server.mjs"], {
    cwd: ROOT,
    env: { ...process.env, LATCHKEY_BOOTSTRAP_TOKEN: BOOTSTRAP },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-20000);
    if (process.env.LATCHKEY_E2E_LOG) process.stderr.write(d);
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within 30 s:\n${stderr}`)), 30000);
    child.on("exit", (code) => fail(new Error(`server exited (${code}):\n${stderr}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const { url } = JSON.parse(line);
        if (!url?.startsWith("http://127.0.0.1:")) throw new Error(`not loopback: ${url}`);
        clearTimeout(timer);
        ok({ url, child });
      } catch (e) {
        if (e.message.startsWith("not loopback")) fail(e);
      }
    });
  });
}

// --- the client -------------------------------------------------------------------------------

let BASE = "";
const tally = {}; // op → { status → n }
function count(op, outcome) {
  tally[op] ??= {};
  tally[op][outcome] = (tally[op][outcome] ?? 0) + 1;
}

/** One request; `unknown` is true for a 503 or a connection failure (outcome unknown). */
async function call(method, path, token, body) {
  const headers = { Accept: "application/vnd.api+json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/vnd.api+json";
  try {
    const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30000) });
    const text = await r.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: r.status, json, text, unknown: r.status === 503 };
  } catch (e) {
    return { status: 0, json: null, text: String(e), unknown: true };
  }
}

const unexpected = []; // responses no invariant allows (5xx other than 503, wrong codes)
function expect(op, r, allowed) {
  const code = r.json?.errors?.[0]?.code;
  const key = r.unknown ? "unknown" : code ? `${r.status} ${code}` : String(r.status);
  count(op, key);
  if (!r.unknown && !allowed.includes(key) && !allowed.includes(String(r.status))) {
    if (unexpected.length < 20) unexpected.push(`${op}: ${key} ${r.text.slice(0, 200)}`);
    else unexpected.length++;
  }
  return key;
}

// --- setup ------------------------------------------------------------------------------------

async function setup() {
  const tag = Date.now().toString(36);
  const acct = await call("POST", "/v1/accounts", BOOTSTRAP, {
    data: {
      type: "accounts",
      attributes: { name: "Soak", slug: `soak-${tag}` },
      relationships: { admins: { data: [{ type: "users", attributes: { email: `soak+${tag}@example.com`, password: `pw-${tag}-${tag}` } }] } },
    },
  });
  if (acct.status !== 201) throw new Error(`bootstrap: ${acct.status} ${acct.text}`);
  const account = acct.json.data.id;
  const admin = acct.json.meta.adminToken;
  const p = (rest) => `/v1/accounts/${account}${rest}`;
  const create = async (path, body) => {
    const r = await call("POST", p(path), admin, body);
    if (r.status !== 201) throw new Error(`create ${path}: ${r.status} ${r.text}`);
    return r.json.data;
  };
  const product = await create("/products", { data: { type: "products", attributes: { name: "Soak" } } });
  const policy = await create("/policies", {
    data: {
      type: "policies",
      attributes: { name: "Floating", floating: true, maxMachines: MAX_MACHINES, maxUses: MAX_USES },
      relationships: { product: { data: { type: "products", id: product.id } } },
    },
  });
  const license = () => create("/licenses", { data: { type: "licenses", relationships: { policy: { data: { type: "policies", id: policy.id } } } } });
  const licenses = [];
  for (let i = 0; i < 4; i++) licenses.push(await license());
  const toggled = await license(); // suspended and reinstated under load
  return { account, admin, p, licenses, toggled };
}

// --- the load ---------------------------------------------------------------------------------

function state(ctx) {
  const per = new Map(ctx.licenses.map((l) => [l.id, { created: new Map(), deleted: new Set(), unknownCreates: 0, unknownDeletes: 0, acked: 0, unknownIncrements: 0, answered: [] }]));
  return { per, suspends: 0, reinstates: 0, unknownToggles: 0, codes: new Map(), walks: 0, badWalks: [], crons: 0, badCrons: [], requests: 0 };
}

const pick = (a) => a[Math.floor(Math.random() * a.length)];

async function walk(ctx, path, size) {
  const seen = [];
  for (let n = 1; n <= 100; n++) {
    const sep = path.includes("?") ? "&" : "?";
    const r = await call("GET", ctx.p(`${path}${sep}page[size]=${size}&page[number]=${n}`), ctx.admin);
    if (r.unknown) return null;
    if (r.status !== 200) throw new Error(`walk ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    const data = r.json.data ?? [];
    seen.push(...data.map((d) => d.id));
    if (data.length < size) return { ids: seen, count: r.json.links?.meta?.count };
  }
  throw new Error(`walk ${path}: more than 100 pages`);
}

const ops = {
  async validate(ctx, s) {
    const l = pick([...ctx.licenses, ctx.toggled]);
    const scope = Math.random() < 0.5 ? { fingerprint: `fp-${l.id}-${Math.floor(Math.random() * FINGERPRINTS)}` } : undefined;
    const r = await call("POST", ctx.p("/licenses/actions/validate-key"), null, { meta: { key: l.attributes.key, ...(scope ? { scope } : {}) } });
    expect("validate-key", r, ["200"]);
    if (r.status === 200) {
      const code = r.json?.meta?.code;
      s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
    }
  },
  async activate(ctx, s) {
    const l = pick(ctx.licenses);
    const fp = `fp-${l.id}-${Math.floor(Math.random() * FINGERPRINTS)}`;
    const r = await call("POST", ctx.p("/machines"), ctx.admin, {
      data: { type: "machines", attributes: { fingerprint: fp }, relationships: { license: { data: { type: "licenses", id: l.id } } } },
    });
    expect("activate", r, ["201", "422 MACHINE_LIMIT_EXCEEDED", "422 FINGERPRINT_TAKEN", "422 STATE_INVALID"]);
    const st = s.per.get(l.id);
    if (r.unknown) st.unknownCreates++;
    else if (r.status === 201) st.created.set(r.json.data.id, fp);
  },
  async heartbeat(ctx, s) {
    const st = s.per.get(pick(ctx.licenses).id);
    // Mostly machines not known deleted (a 404 after a concurrent deactivation is allowed).
    const ids = [...st.created.keys()].filter((id) => Math.random() < 0.1 || !st.deleted.has(id));
    if (ids.length === 0) return;
    const r = await call("POST", ctx.p(`/machines/${pick(ids)}/actions/ping`), ctx.admin);
    expect("heartbeat", r, ["200", "404 NOT_FOUND"]);
  },
  async deactivate(ctx, s) {
    const st = s.per.get(pick(ctx.licenses).id);
    const ids = [...st.created.keys()].filter((id) => !st.deleted.has(id));
    if (ids.length === 0) return;
    const id = pick(ids);
    const r = await call("DELETE", ctx.p(`/machines/${id}`), ctx.admin);
    expect("deactivate", r, ["204", "404 NOT_FOUND"]);
    if (r.unknown) st.unknownDeletes++;
    else if (r.status === 204) st.deleted.add(id);
  },
  async increment(ctx, s) {
    const l = pick(ctx.licenses);
    const st = s.per.get(l.id);
    const r = await call("POST", ctx.p(`/licenses/${l.id}/actions/increment-usage`), ctx.admin);
    expect("increment-usage", r, ["200", "422 USES_LIMIT_EXCEEDED"]);
    if (r.unknown) st.unknownIncrements++;
    else if (r.status === 200) {
      st.acked++;
      st.answered.push(r.json.data.attributes.uses);
    }
  },
  async toggle(ctx, s) {
    const suspend = Math.random() < 0.5;
    const r = await call("POST", ctx.p(`/licenses/${ctx.toggled.id}/actions/${suspend ? "suspend" : "reinstate"}`), ctx.admin);
    expect(suspend ? "suspend" : "reinstate", r, ["200", "422 STATE_INVALID"]);
    if (r.unknown) s.unknownToggles++;
    else if (r.status === 200) suspend ? s.suspends++ : s.reinstates++;
  },
  async list(ctx, s) {
    // The license list does not change under load (only attributes do): every walk is exact.
    const w = await walk(ctx, "/licenses", 2);
    if (w === null) return count("list-walk", "unknown");
    count("list-walk", "200");
    s.walks++;
    const want = [...ctx.licenses, ctx.toggled].map((l) => l.id).sort().join();
    if ([...w.ids].sort().join() !== want || new Set(w.ids).size !== w.ids.length) s.badWalks.push(w.ids.join());
  },
};
const MIX = [
  ["validate", 30],
  ["activate", 15],
  ["heartbeat", 15],
  ["deactivate", 8],
  ["increment", 20],
  ["toggle", 6],
  ["list", 6],
];
const WEIGHTS = MIX.reduce((a, [, w]) => a + w, 0);
function nextOp() {
  let x = Math.random() * WEIGHTS;
  for (const [name, w] of MIX) if ((x -= w) < 0) return ops[name];
  return ops.validate;
}

async function client(ctx, s, deadline) {
  while (Date.now() < deadline) {
    await nextOp()(ctx, s);
    s.requests++;
  }
}

async function crons(ctx, s, deadline) {
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(10000, Math.max(0, deadline - Date.now()))));
    if (Date.now() >= deadline) break;
    for (const cron of ["*/2 * * * *", "*/10 * * * *"]) {
      const r = await call("GET", `/cdn-cgi/handler/scheduled?cron=${cron.replaceAll(" ", "+")}`);
      s.crons++;
      if (r.status !== 200) s.badCrons.push(`${cron}: ${r.status}`);
    }
  }
}

// --- the invariants ---------------------------------------------------------------------------

async function events(ctx, name, resourceId) {
  const q = `/event-logs?event=${name}${resourceId ? `&resource[id]=${resourceId}` : ""}`;
  const all = [];
  for (let n = 1; n <= 100; n++) {
    const r = await call("GET", ctx.p(`${q}&page[size]=100&page[number]=${n}`), ctx.admin);
    if (r.status !== 200) throw new Error(`events ${name}: ${r.status} ${r.text.slice(0, 200)}`);
    all.push(...r.json.data);
    if (r.json.data.length < 100) return all;
  }
  throw new Error("too many event pages");
}

async function check(ctx, s) {
  const results = [];
  const inv = (name, ok, detail = "") => results.push({ name, ok: Boolean(ok), detail });
  const machineCreated = await events(ctx, "machine.created");
  const machineDeleted = await events(ctx, "machine.deleted");
  for (const l of ctx.licenses) {
    const st = s.per.get(l.id);
    const short = l.id.slice(0, 8);
    const lic = await call("GET", ctx.p(`/licenses/${l.id}`), ctx.admin);
    const uses = lic.json?.data?.attributes?.uses;
    const w = await walk(ctx, `/machines?license=${l.id}`, 3);
    const listed = new Set(w?.ids ?? []);
    inv(`license ${short}: machines ≤ maxMachines`, listed.size <= MAX_MACHINES, `${listed.size} machines`);
    inv(`license ${short}: uses ≤ maxUses`, uses <= MAX_USES, `uses ${uses}`);
    inv(
      `license ${short}: uses = acknowledged increments`,
      uses >= st.acked && uses <= st.acked + st.unknownIncrements,
      `uses ${uses}, acknowledged ${st.acked}, unknown ${st.unknownIncrements}`,
    );
    inv(`license ${short}: every increment answered its own count`, new Set(st.answered).size === st.answered.length, `${st.answered.length} answers, ${new Set(st.answered).size} distinct`);
    const pairs = (await events(ctx, "license.usage.incremented", l.id)).map((e) => e.attributes.metadata?.changes?.uses);
    const truePairs = pairs.every((p) => Array.isArray(p) && p[1] === p[0] + 1) && new Set(pairs.map(String)).size === pairs.length;
    const chain = pairs.map((p) => p?.[1]).sort((a, b) => a - b).every((v, i) => v === i + 1);
    inv(`license ${short}: one usage event per increment, changes 0→1 … (n-1)→n`, truePairs && chain && pairs.length === uses, `${pairs.length} events for uses ${uses}`);
    const alive = [...st.created.keys()].filter((id) => !st.deleted.has(id));
    const phantom = [...listed].filter((id) => !st.created.has(id));
    const resurrected = [...listed].filter((id) => st.deleted.has(id));
    const lost = alive.filter((id) => !listed.has(id));
    inv(`license ${short}: no phantom machines`, phantom.length <= st.unknownCreates, `${phantom.length} unexplained, ${st.unknownCreates} unknown activations`);
    inv(`license ${short}: no resurrected or lost machines`, resurrected.length === 0 && lost.length <= st.unknownDeletes, `${resurrected.length} resurrected, ${lost.length} lost`);
  }
  const acked = ctx.licenses.reduce((a, l) => a + s.per.get(l.id).created.size, 0);
  const unknownC = ctx.licenses.reduce((a, l) => a + s.per.get(l.id).unknownCreates, 0);
  const ackedD = ctx.licenses.reduce((a, l) => a + s.per.get(l.id).deleted.size, 0);
  const unknownD = ctx.licenses.reduce((a, l) => a + s.per.get(l.id).unknownDeletes, 0);
  inv("one machine.created event per activation", machineCreated.length >= acked && machineCreated.length <= acked + unknownC, `${machineCreated.length} events, ${acked} activations (+${unknownC} unknown)`);
  inv("one machine.deleted event per deactivation", machineDeleted.length >= ackedD && machineDeleted.length <= ackedD + unknownD, `${machineDeleted.length} events, ${ackedD} deactivations (+${unknownD} unknown)`);
  const susp = (await events(ctx, "license.suspended", ctx.toggled.id)).length;
  const rein = (await events(ctx, "license.reinstated", ctx.toggled.id)).length;
  const t = await call("GET", ctx.p(`/licenses/${ctx.toggled.id}`), ctx.admin);
  const suspended = t.json?.data?.attributes?.suspended === true;
  inv(
    "suspend/reinstate: one event per change, alternating, final state agrees",
    Math.abs(susp - s.suspends) + Math.abs(rein - s.reinstates) <= s.unknownToggles && susp - rein === (suspended ? 1 : 0),
    `${s.suspends}/${s.reinstates} acknowledged, ${susp}/${rein} events, suspended ${suspended}`,
  );
  const bad = [...s.codes.keys()].filter((c) => !CODES.has(c));
  inv("validate-key: always one of Keygen's 38 codes", bad.length === 0 && s.codes.size > 0, [...s.codes].map(([c, n]) => `${c} ${n}`).join(", "));
  inv("pagination under load: every walk complete and duplicate-free", s.badWalks.length === 0 && s.walks > 0, `${s.walks} walks, ${s.badWalks.length} wrong`);
  // `page[number]` and `page[size]` stop at 100, so a walk covers at most 10,000 rows: the
  // event log is walked per event name (each well below that), the small pages as small as allowed.
  for (const [path, want] of [["/machines", 3], ["/event-logs?event=machine.created", 7], ["/event-logs?event=license.suspended", 7]]) {
    const sep = path.includes("?") ? "&" : "?";
    const first = await call("GET", ctx.p(`${path}${sep}page[size]=1&page[number]=1`), ctx.admin);
    const size = Math.min(100, Math.max(want, Math.ceil((first.json?.links?.meta?.count ?? 0) / 99)));
    const small = await walk(ctx, path, size);
    const big = await walk(ctx, path, 100);
    const ok = small && big && new Set(small.ids).size === small.ids.length && small.ids.join() === big.ids.join() && small.ids.length === small.count;
    inv(`pagination at rest: ${path} walks complete and duplicate-free`, ok, `${small?.ids.length} rows in pages of ${size}, ${big?.ids.length} in pages of 100, count ${small?.count}`);
  }
  inv("crons: every run completed", s.badCrons.length === 0 && s.crons > 0, `${s.crons} runs${s.badCrons.length ? `, failed: ${s.badCrons.join("; ")}` : ""}`);
  inv("no unexpected response (no 500, no unlisted code)", unexpected.length === 0, unexpected.slice(0, 5).join(" | "));
  return results;
}

// --- main -------------------------------------------------------------------------------------

const { url, child } = await startServer();
BASE = url;
let failed = 1;
try {
  const ctx = await setup();
  const s = state(ctx);
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  console.log(`soak: ${CLIENTS} clients for ${SECONDS} s against ${url}`);
  await Promise.all([...Array.from({ length: CLIENTS }, () => client(ctx, s, deadline)), crons(ctx, s, deadline)]);
  const elapsed = (Date.now() - started) / 1000;
  console.log(`soak: ${s.requests} operations in ${elapsed.toFixed(1)} s (${(s.requests / elapsed).toFixed(0)}/s)`);
  for (const [op, outcomes] of Object.entries(tally).sort()) {
    console.log(`  ${op}: ${Object.entries(outcomes).map(([k, n]) => `${k} × ${n}`).join(", ")}`);
  }
  const results = await check(ctx, s);
  for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name}${r.detail ? ` (${r.detail})` : ""}`);
  failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
} catch (e) {
  console.log(`soak: ${e?.stack ?? e}`);
  console.log("0 passed, 1 failed");
} finally {
  child.stdin.end();
  child.kill("SIGTERM");
}
process.exit(failed === 0 ? 0 : 1);

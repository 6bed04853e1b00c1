// Bench-only entry module (tests/harness/server.mjs loads it when LATCHKEY_BENCH_D1_DELAY is
// set): a MODEL of geography for D1, not a measurement. It wraps the Worker's `DB` binding so
// every statement round trip waits before it runs: PRIMARY_MS when it would go to the primary
// (the binding itself, a `first-primary` session, or an unconstrained session after a write)
// and REPLICA_MS when a replica may serve it (an unconstrained or bookmarked session before
// any write). With SESSIONS false, `withSession` throws, so the Worker falls back to the
// binding itself and every round trip pays PRIMARY_MS. Everything else passes through.
import Inner from "./index.js";
import { WorkerEntrypoint } from "cloudflare:workers";

// Set from the bindings LATCHKEY_BENCH_D1_DELAY ("primary,replica" ms) on each request.
let PRIMARY_MS = 80;
let REPLICA_MS = 5;

const wait = (ms) => new Promise((ok) => setTimeout(ok, ms));
// The Worker's own rule (functions/src/d1.rs is_read): SELECT, or WITH … without a write verb.
const isRead = (sql) => {
  const s = sql.trimStart().toLowerCase();
  return s.startsWith("select") || (s.startsWith("with") && !["insert ", "update ", "delete ", "replace "].some((w) => s.includes(w)));
};

// The Worker checks a binding's constructor name; the wrappers carry D1's.
class D1Database { constructor(o) { Object.assign(this, o); } }
class D1DatabaseSession { constructor(o) { Object.assign(this, o); } }
class D1PreparedStatement { constructor(o) { Object.assign(this, o); } }

function statement(inner, sql, where) {
  const trip = async (method, args) => {
    if (!isRead(sql)) where.primary = true;
    await wait(where.primary ? PRIMARY_MS : REPLICA_MS);
    return inner[method](...args);
  };
  return new D1PreparedStatement({
    __inner: inner,
    __sql: sql,
    bind: (...args) => statement(inner.bind(...args), sql, where),
    all: (...a) => trip("all", a),
    run: (...a) => trip("run", a),
    first: (...a) => trip("first", a),
    raw: (...a) => trip("raw", a),
  });
}

function batcher(inner, where) {
  return async (stmts) => {
    if (stmts.some((s) => !isRead(s.__sql ?? ""))) where.primary = true;
    await wait(where.primary ? PRIMARY_MS : REPLICA_MS);
    return inner.batch(stmts.map((s) => s.__inner));
  };
}

function prepared(inner, where) {
  return (sql) => statement(inner.prepare(sql), sql, where);
}

function geo(db, sessions) {
  const primary = { primary: true };
  return new D1Database({
    prepare: prepared(db, primary),
    batch: batcher(db, primary),
    exec: async (sql) => (await wait(PRIMARY_MS), db.exec(sql)),
    dump: () => db.dump(),
    withSession(constraint) {
      if (!sessions) throw new Error("sessions are off (bench model)");
      const session = db.withSession(constraint);
      const where = { primary: constraint === "first-primary" };
      return new D1DatabaseSession({ prepare: prepared(session, where), batch: batcher(session, where), getBookmark: () => session.getBookmark() });
    },
  });
}

export default class extends WorkerEntrypoint {
  fetch(request) {
    const [p, r] = String(this.env.LATCHKEY_BENCH_D1_DELAY ?? "80,5").split(",").map(Number);
    PRIMARY_MS = Number.isFinite(p) ? p : 80;
    REPLICA_MS = Number.isFinite(r) ? r : 5;
    const env = Object.assign(Object.create(this.env), { DB: geo(this.env.DB, this.env.LATCHKEY_BENCH_D1_SESSIONS !== "0") });
    return Inner.prototype.fetch.call({ env, ctx: this.ctx }, request);
  }
  queue(batch) {
    return Inner.prototype.queue.call({ env: this.env, ctx: this.ctx }, batch);
  }
  scheduled(controller) {
    return Inner.prototype.scheduled.call({ env: this.env, ctx: this.ctx }, controller);
  }
}

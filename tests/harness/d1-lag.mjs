// E2e entry module for replica lag (tests/harness/server.mjs loads it when
// LATCHKEY_HARNESS_REPLICA_LAG=<ms> is set; tests/tests/replica_lag.rs): a MODEL of a D1 read
// replica that is LAG ms behind the primary, so the Worker's staleness handling is tested
// against stale reads instead of assumed.
//
// - The primary is the `DB` binding. Every write that succeeds on it (through the binding or a
//   session; a batch as one unit) is appended to a replication log with its time.
// - The replica is a second database, `DB_REPLICA`, with the same migrations. Before a replica
//   read, the log's entries older than LAG ms are replayed onto it in order (a batch stays one
//   atomic batch), so the replica shows the primary as it was LAG ms ago (or older, while
//   another request is replaying: a replica may always be staler). Latchkey's SQL binds every
//   value (no `now()`/`random()`), so the replay is deterministic.
// - `withSession("first-unconstrained")` reads from the replica until the session's first
//   write, then from the primary (D1's sequential consistency within a session);
//   `withSession("first-primary")` and the binding itself use the primary; a session started
//   from a bookmark reads from the primary (the model of "a replica at least as new as the
//   bookmark"). Bookmarks are the real primary session's.
import Inner from "./index.js";
import { WorkerEntrypoint } from "cloudflare:workers";

// The Worker's own rule (functions/src/d1.rs is_read): SELECT, or WITH … without a write verb.
const isRead = (sql) => {
  const s = sql.trimStart().toLowerCase();
  return s.startsWith("select") || (s.startsWith("with") && !["insert ", "update ", "delete ", "replace "].some((w) => s.includes(w)));
};

// The Worker checks a binding's constructor name; the wrappers carry D1's.
class D1Database { constructor(o) { Object.assign(this, o); } }
class D1DatabaseSession { constructor(o) { Object.assign(this, o); } }
class D1PreparedStatement { constructor(o) { Object.assign(this, o); } }

/** The replication log: { at, stmts: [{ sql, args }] }, oldest first. Isolate-wide. */
const log = [];
// The time a replay started (0: none); a replay older than 5 s belongs to a cancelled request.
let replaying = 0;

const record = (stmts) => log.push({ at: Date.now(), stmts });

/** Replays the entries older than `lag` ms onto `replica`; skipped while another request replays. */
async function catchUp(replica, lag) {
  if (replaying && Date.now() - replaying < 5000) return;
  replaying = Date.now();
  try {
    while (log.length > 0 && log[0].at <= Date.now() - lag) {
      const { stmts } = log.shift();
      // A write that failed on the primary was never logged; one that fails here (it cannot,
      // the replica runs the same history) is dropped, as D1 would never see it.
      await replica.batch(stmts.map(({ sql, args }) => replica.prepare(sql).bind(...args))).catch(() => {});
    }
  } finally {
    replaying = 0;
  }
}

/**
 * A statement: `sql` bound to `args`, run where `target()` says ({ db, replica: bool }).
 * `wrote()` tells the session a write ran (it moves to the primary).
 */
function statement(sql, args, target, wrote) {
  const trip = async (method, extra) => {
    const read = isRead(sql);
    const { db, replica } = await target(read);
    const out = await db.prepare(sql).bind(...args)[method](...extra);
    if (!read) {
      record([{ sql, args }]);
      wrote();
    }
    return out;
  };
  return new D1PreparedStatement({
    __sql: sql,
    __args: args,
    bind: (...more) => statement(sql, more, target, wrote),
    all: (...a) => trip("all", a),
    run: (...a) => trip("run", a),
    first: (...a) => trip("first", a),
    raw: (...a) => trip("raw", a),
  });
}

function batcher(target, wrote) {
  return async (stmts) => {
    const read = stmts.every((s) => isRead(s.__sql ?? ""));
    const { db } = await target(read);
    const out = await db.batch(stmts.map((s) => db.prepare(s.__sql).bind(...s.__args)));
    if (!read) {
      record(stmts.map((s) => ({ sql: s.__sql, args: s.__args })));
      wrote();
    }
    return out;
  };
}

function lagged(primary, replica, lag) {
  const atPrimary = async () => ({ db: primary, replica: false });
  const none = () => {};
  return new D1Database({
    prepare: (sql) => statement(sql, [], atPrimary, none),
    batch: batcher(atPrimary, none),
    exec: (sql) => primary.exec(sql),
    dump: () => primary.dump(),
    withSession(constraint) {
      const session = primary.withSession(constraint);
      // Only an unconstrained session without a bookmark may be served by the lagging replica.
      let onReplica = constraint === undefined || constraint === "first-unconstrained";
      const target = async (read) => {
        if (onReplica && read) {
          await catchUp(replica, lag);
          return { db: replica, replica: true };
        }
        return { db: session, replica: false };
      };
      const wrote = () => { onReplica = false; };
      return new D1DatabaseSession({
        prepare: (sql) => statement(sql, [], target, wrote),
        batch: batcher(target, wrote),
        getBookmark: () => session.getBookmark(),
      });
    },
  });
}

export default class extends WorkerEntrypoint {
  #env() {
    const lag = Number(this.env.LATCHKEY_HARNESS_REPLICA_LAG);
    const db = lagged(this.env.DB, this.env.DB_REPLICA, Number.isFinite(lag) ? lag : 0);
    return Object.assign(Object.create(this.env), { DB: db });
  }
  fetch(request) {
    return Inner.prototype.fetch.call({ env: this.#env(), ctx: this.ctx }, request);
  }
  queue(batch) {
    return Inner.prototype.queue.call({ env: this.#env(), ctx: this.ctx }, batch);
  }
  scheduled(controller) {
    return Inner.prototype.scheduled.call({ env: this.#env(), ctx: this.ctx }, controller);
  }
}

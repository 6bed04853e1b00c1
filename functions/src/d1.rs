//! D1 executor of [`shared::store::Db`]: prepare, bind, run. Numbers cross the JS boundary as
//! f64 (D1 has no BigInt), exact for our integers (ids are TEXT, times are ms below 2^53).
//!
//! Every request runs in one D1 session (the Sessions API, read replicas): [`Consistency::for_request`]
//! is the one decision of replica-vs-primary, [`D1Db::session`] opens it, and
//! [`D1Db::bookmark`] is what the response returns in [`BOOKMARK_HEADER`].

use std::cell::Cell;

use serde_json::{Map, Value};
use shared::store::{Db, Row, Stmt, StmtResult, StoreError};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1DatabaseSession, D1PreparedStatement, D1Result, D1SessionConstraint};

/// The request and response header that carries a D1 session bookmark (read-your-writes).
pub const BOOKMARK_HEADER: &str = "Latchkey-D1-Bookmark";

/// Longest bookmark accepted from a client; D1's are well under it.
const MAX_BOOKMARK: usize = 128;

/// The account database binding (reads and writes at the primary). Addressed through
/// [`crate::env::AppEnv::db`], the one function to change when accounts are sharded.
pub struct D1Db(pub D1Database);

/// The account database through one request's session (see [`D1Db::session`]); without a
/// session (the runtime refused one) it is the binding itself. Counts its round trips.
pub struct D1Session(D1Database, Option<D1DatabaseSession>, Cell<Counts>, Cell<Consistency>);

/// Round trips of one request by where they may be served, and statements sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Round trips to the primary: in a `first-primary` session, after a write in the session,
    /// or asked for ([`Db::query_primary`]).
    pub primary: u32,
    /// Round trips a replica may serve (`first-unconstrained`, before any write).
    pub replica: u32,
    /// Statements sent (a batch counts each).
    pub statements: u32,
}

/// Where a request's first read may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consistency {
    /// The nearest replica (`first-unconstrained`): read-only requests.
    Replica,
    /// The primary (`first-primary`): requests that write.
    Primary,
}

impl Consistency {
    /// The one decision: GET and the two validation actions (whose only writes are deferred,
    /// on the binding itself) read from a replica; everything else starts at the primary.
    pub fn for_request(method: &str, path: &str) -> Self {
        let path = path.trim_end_matches('/');
        let validation = method == "POST" && (path.ends_with("/licenses/actions/validate-key") || path.ends_with("/actions/validate"));
        if method == "GET" || method == "HEAD" || validation {
            Consistency::Replica
        } else {
            Consistency::Primary
        }
    }

    fn constraint(self) -> D1SessionConstraint {
        match self {
            Consistency::Replica => D1SessionConstraint::FirstUnconstrained,
            Consistency::Primary => D1SessionConstraint::FirstPrimary,
        }
    }
}

/// A client-supplied bookmark worth passing to D1: 1..=128 characters of hex digits and `-`
/// (D1's format). Anything else is ignored, so garbage can neither pin nor break a session.
pub fn valid_bookmark(b: Option<&str>) -> Option<&str> {
    b.map(str::trim).filter(|b| !b.is_empty() && b.len() <= MAX_BOOKMARK && b.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-'))
}

fn bind(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_f64(f64::from(u8::from(*b))),
        Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or_default()),
        Value::String(s) => JsValue::from_str(s),
        other => JsValue::from_str(&other.to_string()),
    }
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

impl D1Db {
    /// A handle on the same binding through a new session: after a valid `bookmark` when the
    /// client sent one, else at `consistency`'s constraint; if D1 refuses the bookmark, at the
    /// primary; if sessions are unavailable, the binding itself (primary).
    pub fn session(&self, consistency: Consistency, bookmark: Option<&str>) -> D1Session {
        let db = D1Database::unchecked_from_js(AsRef::<JsValue>::as_ref(&self.0).clone());
        let session = valid_bookmark(bookmark)
            .and_then(|b| self.0.with_session(Some(b)).ok())
            .or_else(|| self.0.with_session_constraint(consistency.constraint()).ok())
            .or_else(|| self.0.with_session_constraint(D1SessionConstraint::FirstPrimary).ok());
        // Without a session every statement goes to the primary.
        let start = if session.is_some() { consistency } else { Consistency::Primary };
        D1Session(db, session, Cell::new(Counts::default()), Cell::new(start))
    }
}

impl D1Session {
    /// This request's round trips so far.
    pub fn counts(&self) -> Counts {
        self.2.get()
    }

    /// Counts one round trip of `statements` statements; a write moves the session to the primary.
    fn count(&self, statements: usize, write: bool, primary: bool) {
        let mut c = self.2.get();
        if primary || self.3.get() == Consistency::Primary || write {
            c.primary += 1;
        } else {
            c.replica += 1;
        }
        if write {
            self.3.set(Consistency::Primary);
        }
        c.statements = c.statements.saturating_add(u32::try_from(statements).unwrap_or(u32::MAX));
        self.2.set(c);
    }

    /// The session's latest bookmark, once it has run a query.
    pub fn bookmark(&self) -> Option<String> {
        self.1.as_ref().and_then(|s| s.get_bookmark().ok().flatten())
    }

    fn prepare(&self, sql: &str, params: &[Value]) -> Result<D1PreparedStatement, StoreError> {
        prepare(&self.0, self.1.as_ref(), sql, params)
    }
}

fn prepare(db: &D1Database, session: Option<&D1DatabaseSession>, sql: &str, params: &[Value]) -> Result<D1PreparedStatement, StoreError> {
    let binds: Vec<JsValue> = params.iter().map(bind).collect();
    let stmt = match session {
        Some(s) => s.prepare(sql),
        None => db.prepare(sql),
    };
    stmt.bind(&binds).map_err(err)
}

/// A statement that only reads (`SELECT`/`WITH … SELECT`): all the crate's reads start so.
fn is_read(sql: &str) -> bool {
    let sql = sql.trim_start().to_ascii_lowercase();
    sql.starts_with("select") || (sql.starts_with("with") && !["insert ", "update ", "delete ", "replace "].iter().any(|w| sql.contains(w)))
}

/// The `Server-Timing` value of a request's counts (dev/bench flag `LATCHKEY_SERVER_TIMING`):
/// D1 round trips and statements, KV operations, time so far. [`crate::respond`] appends `sign`.
pub fn server_timing(c: Counts, kv: crate::kv::KvCounts, total_ms: f64) -> String {
    format!(
        "d1-primary;desc=\"{}\", d1-replica;desc=\"{}\", d1-statements;desc=\"{}\", kv-read;desc=\"{}\", kv-write;desc=\"{}\", total;dur={total_ms:.1}",
        c.primary, c.replica, c.statements, kv.reads, kv.writes
    )
}

fn results(r: Vec<D1Result>) -> Result<Vec<StmtResult>, StoreError> {
    r.iter().map(|r| Ok(StmtResult { rows: rows(r)?, changes: changes(r) })).collect()
}

fn rows(r: &D1Result) -> Result<Vec<Row>, StoreError> {
    r.results::<Map<String, Value>>().map_err(err)
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A prepared statement as the runtime has it: worker-sys binds `raw()` without its options.
    type RawStatement;
    #[wasm_bindgen(method, catch, js_name = raw)]
    fn raw_with(this: &RawStatement, options: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

fn js_err(e: JsValue) -> StoreError {
    err(worker::Error::from(e))
}

/// The rows of one read (issue 11): `raw({columnNames: true})` (no per-row objects built in
/// JS), turned into one JSON string by the runtime and parsed once in wasm
/// ([`shared::store::wire`]) rather than walked value by value across the boundary.
async fn query_rows(stmt: D1PreparedStatement) -> Result<Vec<Row>, StoreError> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("columnNames"), &JsValue::TRUE).map_err(js_err)?;
    let promise = stmt.inner().unchecked_ref::<RawStatement>().raw_with(&options).map_err(js_err)?;
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(js_err)?;
    let text: String = js_sys::JSON::stringify(&answer).map_err(js_err)?.into();
    shared::store::wire::decode_raw(&text)
}

fn changes(r: &D1Result) -> u64 {
    r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) as u64
}

impl Db for D1Db {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        query_rows(prepare(&self.0, None, sql, params)?).await
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        Ok(changes(&prepare(&self.0, None, sql, params)?.run().await.map_err(err)?))
    }

    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError> {
        let prepared = stmts.iter().map(|s| prepare(&self.0, None, s.sql, &s.params)).collect::<Result<Vec<_>, _>>()?;
        results(self.0.batch(prepared).await.map_err(err)?)
    }
}

impl Db for D1Session {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        // A query may be a write with RETURNING; treat statements by their verb.
        self.count(1, !is_read(sql), false);
        query_rows(self.prepare(sql, params)?).await
    }

    async fn query_primary(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        // The binding outside the session is the primary.
        self.count(1, false, true);
        query_rows(prepare(&self.0, None, sql, params)?).await
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.count(1, true, false);
        Ok(changes(&self.prepare(sql, params)?.run().await.map_err(err)?))
    }

    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError> {
        self.count(stmts.len(), !stmts.iter().all(|s| is_read(s.sql)), false);
        let prepared = stmts.iter().map(|s| self.prepare(s.sql, &s.params)).collect::<Result<Vec<_>, _>>()?;
        let done = match &self.1 {
            Some(s) => s.batch(prepared).await,
            None => self.0.batch(prepared).await,
        }
        .map_err(err)?;
        results(done)
    }
}

#[cfg(test)]
mod tests {
    use super::{is_read, server_timing, valid_bookmark, Consistency, Counts};
    use crate::kv::KvCounts;

    #[test]
    fn reads_are_told_from_writes() {
        assert!(is_read("SELECT 1"));
        assert!(is_read("  select * from x"));
        assert!(is_read("WITH a AS (SELECT 1) SELECT * FROM a"));
        assert!(!is_read("INSERT INTO x VALUES (1)"));
        assert!(!is_read("UPDATE x SET a = 1 RETURNING *"));
        assert!(!is_read("WITH a AS (SELECT 1) INSERT INTO x SELECT * FROM a"));
        assert!(!is_read("sel"));
    }

    #[test]
    fn server_timing_names_each_count() {
        let t = server_timing(Counts { primary: 0, replica: 1, statements: 1 }, KvCounts { reads: 2, writes: 3 }, 2.0);
        assert_eq!(t, "d1-primary;desc=\"0\", d1-replica;desc=\"1\", d1-statements;desc=\"1\", kv-read;desc=\"2\", kv-write;desc=\"3\", total;dur=2.0");
    }

    #[test]
    fn reads_and_validations_go_to_a_replica_writes_to_the_primary() {
        assert_eq!(Consistency::for_request("GET", "/v1/accounts/a/licenses"), Consistency::Replica);
        assert_eq!(Consistency::for_request("POST", "/v1/licenses/actions/validate-key"), Consistency::Replica);
        assert_eq!(Consistency::for_request("POST", "/v1/accounts/a/licenses/l/actions/validate/"), Consistency::Replica);
        assert_eq!(Consistency::for_request("POST", "/v1/licenses"), Consistency::Primary);
        assert_eq!(Consistency::for_request("POST", "/v1/machines"), Consistency::Primary);
        assert_eq!(Consistency::for_request("DELETE", "/v1/licenses/l"), Consistency::Primary);
    }

    #[test]
    fn garbage_bookmarks_are_ignored() {
        assert_eq!(valid_bookmark(Some("0000000a-00000001-00004f2c-3f7b")), Some("0000000a-00000001-00004f2c-3f7b"));
        assert_eq!(valid_bookmark(Some("")), None);
        assert_eq!(valid_bookmark(Some("first-primary")), None);
        assert_eq!(valid_bookmark(Some("first-unconstrained")), None);
        assert_eq!(valid_bookmark(Some(&"a".repeat(129))), None);
        assert_eq!(valid_bookmark(Some("abc\u{0}")), None);
        assert_eq!(valid_bookmark(None), None);
    }
}

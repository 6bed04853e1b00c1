//! Storage seam. Every SQL statement is written once, in [`sql`], and run by one of two
//! executors of [`Db`]: D1 in the Worker (`functions/src/d1.rs`) and SQLite with the real
//! `migrations/` applied ([`sqlite::SqliteDb`], native tests). D1 *is* SQLite, so the same
//! text runs in both. D1 has no interactive transactions: an invariant must hold inside one
//! statement or one [`Db::batch`] (atomic), never across an `await`.
//!
//! Leases live in KV behind [`Kv`]; [`MemoryKv`] stands in for Workers KV natively.

pub mod distribution;
pub mod groups;
pub mod licenses;
pub mod products;
pub mod rows;
pub mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod wire;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A row as the executor returns it: column name → JSON value (integers as `i64`).
pub type Row = Map<String, Value>;

/// A failure of the database or KV binding. Rendered as a 500; the text is only logged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The executor failed (SQL error, binding error, D1 unavailable).
    #[error("database: {0}")]
    Db(String),
    /// A row did not have the shape its row struct expects.
    #[error("row decode: {0}")]
    Decode(#[from] serde_json::Error),
    /// KV failed.
    #[error("kv: {0}")]
    Kv(String),
}

/// One statement with its parameters, for [`Db::batch`].
#[derive(Debug, Clone)]
pub struct Stmt {
    /// SQL text, always a constant from [`sql`].
    pub sql: &'static str,
    /// Positional parameters for `?1`, `?2`, …
    pub params: Vec<Value>,
}

impl Stmt {
    /// A statement with parameters.
    pub fn new(sql: &'static str, params: Vec<Value>) -> Self {
        Self { sql, params }
    }
}

/// What one statement of a batch produced.
#[derive(Debug, Clone, Default)]
pub struct StmtResult {
    /// Rows returned (SELECT or RETURNING).
    pub rows: Vec<Row>,
    /// Rows changed.
    pub changes: u64,
}

/// A SQL executor: D1 or SQLite.
///
/// Parameters are JSON values: strings, integers, floats and null (booleans are bound as 0/1).
#[expect(async_fn_in_trait, reason = "Workers are single-threaded; futures need not be Send")]
pub trait Db {
    /// Runs one statement and returns its rows.
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs one statement and returns the number of rows it changed.
    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs statements atomically, in order: all apply or none does.
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError>;
    /// Runs one read at the primary, bypassing any read replica (the Worker's D1 session reads
    /// from the nearest replica first): for answers that replication lag could have made wrong.
    /// A store without replicas runs [`Db::query`].
    async fn query_primary(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.query(sql, params).await
    }
}

/// Runs `sql` and decodes every row into `T`.
pub async fn fetch_all<T: DeserializeOwned>(db: &impl Db, sql: &str, params: &[Value]) -> Result<Vec<T>, StoreError> {
    db.query(sql, params).await?.into_iter().map(|r| serde_json::from_value(Value::Object(r)).map_err(StoreError::from)).collect()
}

/// Runs `sql` and decodes the first row into `T`, if any.
pub async fn fetch_one<T: DeserializeOwned>(db: &impl Db, sql: &str, params: &[Value]) -> Result<Option<T>, StoreError> {
    match db.query(sql, params).await?.into_iter().next() {
        Some(r) => Ok(Some(serde_json::from_value(Value::Object(r))?)),
        None => Ok(None),
    }
}

/// Decodes rows of a batch result into `T`.
pub fn decode_rows<T: DeserializeOwned>(rows: Vec<Row>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(|r| serde_json::from_value(Value::Object(r)).map_err(StoreError::from)).collect()
}

/// Key-value store for leases (Workers KV in the Worker). Eventually consistent: never the place
/// where a limit is counted.
#[expect(async_fn_in_trait, reason = "Workers are single-threaded; futures need not be Send")]
pub trait Kv {
    /// The value under `key`, if present and not expired.
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Writes `value` under `key`, expiring after `ttl_secs` (KV's minimum is 60 s).
    async fn put(&self, key: &str, value: &str, ttl_secs: u64) -> Result<(), StoreError>;
    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
}

/// In-memory [`Kv`] for native tests. Expiry is not simulated: callers that care compare the
/// stored lease's own expiry with their clock, as the Worker does.
/// Counts its writes (puts and deletes) so tests can assert what a request costs in KV.
#[derive(Debug, Default)]
pub struct MemoryKv(RefCell<HashMap<String, String>>, Cell<u32>);

impl MemoryKv {
    /// Puts and deletes so far.
    pub fn writes(&self) -> u32 {
        self.1.get()
    }
}

impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.0.borrow().get(key).cloned())
    }
    async fn put(&self, key: &str, value: &str, _ttl_secs: u64) -> Result<(), StoreError> {
        self.1.set(self.1.get().saturating_add(1));
        self.0.borrow_mut().insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.1.set(self.1.get().saturating_add(1));
        self.0.borrow_mut().remove(key);
        Ok(())
    }
}

/// Converts a boolean to the integer SQLite stores.
pub fn flag(b: bool) -> Value {
    Value::from(i64::from(b))
}

/// `Option<T>` to a JSON parameter (None → NULL).
pub fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

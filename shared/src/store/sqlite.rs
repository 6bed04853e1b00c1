//! Native executor: rusqlite with the real `migrations/` applied, foreign keys on as in D1.

use std::cell::RefCell;
use std::path::Path;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;
use serde_json::Value;

use super::{Db, Row, Stmt, StmtResult, StoreError};

/// A SQLite database behind the [`Db`] trait.
pub struct SqliteDb {
    conn: RefCell<Connection>,
    /// Statements run since creation (for the scale tests' per-invocation budgets).
    pub statements: std::cell::Cell<u64>,
    /// Reads asked of the primary ([`Db::query_primary`]); SQLite has no replica, so they run
    /// like any read, but tests can assert when they happen.
    pub primary_reads: std::cell::Cell<u64>,
}

impl std::fmt::Debug for SqliteDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDb").finish_non_exhaustive()
    }
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The repository's `migrations/` directory.
pub fn migrations_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations")
}

impl SqliteDb {
    /// A fresh in-memory database with every migration applied in order.
    ///
    /// # Panics
    /// If a migration fails to apply: the migrations are part of the build.
    pub fn in_memory() -> Self {
        let conn = Connection::open_in_memory().expect("open sqlite");
        conn.execute_batch("PRAGMA foreign_keys = ON;").expect("pragma");
        let mut files: Vec<_> = std::fs::read_dir(migrations_dir())
            .expect("migrations dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        for f in files {
            let sql = std::fs::read_to_string(&f).expect("read migration");
            conn.execute_batch(&sql).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        }
        Self { conn: RefCell::new(conn), statements: std::cell::Cell::new(0), primary_reads: std::cell::Cell::new(0) }
    }

    fn run(conn: &Connection, sql: &str, params: &[Value]) -> Result<StmtResult, StoreError> {
        let mut stmt = conn.prepare_cached(sql).map_err(err)?;
        let bound: Vec<SqlValue> = params.iter().map(to_sql).collect();
        let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        if names.is_empty() {
            let changes = stmt.execute(rusqlite::params_from_iter(bound)).map_err(err)?;
            return Ok(StmtResult { rows: vec![], changes: changes as u64 });
        }
        let mut rows = stmt.query(rusqlite::params_from_iter(bound)).map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let mut row = Row::new();
            for (i, n) in names.iter().enumerate() {
                row.insert(n.clone(), from_sql(r.get_ref(i).map_err(err)?));
            }
            out.push(row);
        }
        drop(rows);
        Ok(StmtResult { rows: out, changes: conn.changes() })
    }
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => n.as_i64().map_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(0.0)), SqlValue::Integer),
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(hex::encode(b)),
    }
}

impl Db for SqliteDb {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.statements.set(self.statements.get() + 1);
        Ok(Self::run(&self.conn.borrow(), sql, params)?.rows)
    }

    async fn query_primary(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.primary_reads.set(self.primary_reads.get() + 1);
        self.query(sql, params).await
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.statements.set(self.statements.get() + 1);
        Ok(Self::run(&self.conn.borrow(), sql, params)?.changes)
    }

    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError> {
        // D1's batch is one implicit transaction: mirror it so a failing statement rolls back all.
        self.statements.set(self.statements.get() + stmts.len() as u64);
        let mut conn = self.conn.borrow_mut();
        let tx = conn.transaction().map_err(err)?;
        let mut out = Vec::with_capacity(stmts.len());
        for s in &stmts {
            out.push(Self::run(&tx, s.sql, &s.params)?);
        }
        tx.commit().map_err(err)?;
        Ok(out)
    }
}

//! D1 executor of [`shared::store::Db`]: prepare, bind, run. Numbers cross the JS boundary as
//! f64 (D1 has no BigInt), exact for our integers (ids are TEXT, times are ms below 2^53).

use serde_json::{Map, Value};
use shared::store::{Db, Row, Stmt, StmtResult, StoreError};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

/// The account database. Addressed through [`crate::env::AppEnv::db`], the one function to
/// change when accounts are sharded across databases.
pub struct D1Db(pub D1Database);

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
    fn prepare(&self, sql: &str, params: &[Value]) -> Result<D1PreparedStatement, StoreError> {
        let binds: Vec<JsValue> = params.iter().map(bind).collect();
        self.0.prepare(sql).bind(&binds).map_err(err)
    }
}

fn rows(r: &D1Result) -> Result<Vec<Row>, StoreError> {
    r.results::<Map<String, Value>>().map_err(err)
}

fn changes(r: &D1Result) -> u64 {
    r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) as u64
}

impl Db for D1Db {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        rows(&self.prepare(sql, params)?.all().await.map_err(err)?)
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        Ok(changes(&self.prepare(sql, params)?.run().await.map_err(err)?))
    }

    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError> {
        let prepared = stmts.iter().map(|s| self.prepare(s.sql, &s.params)).collect::<Result<Vec<_>, _>>()?;
        let results = self.0.batch(prepared).await.map_err(err)?;
        results.iter().map(|r| Ok(StmtResult { rows: rows(r)?, changes: changes(r) })).collect()
    }
}

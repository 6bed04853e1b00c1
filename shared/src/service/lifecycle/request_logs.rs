//! Request logs (Keygen EE's `/request-logs`, issue 8): the write the Worker runs after each
//! response ([`record`], in `ctx.waitUntil`) and the admin-only read side with Keygen's filters
//! (`date[start]`/`date[end]`, `requestor`, `resource`, `ip`, `method`, `url`, `status`). What is
//! logged and how it is bounded and redacted is `domain::request_log`.

use serde_json::Value;

use crate::access::{Action, Ownership};
use crate::api::query::{Page, Query};
use crate::clock::Millis;
use crate::domain::request_log::{date_range, normalize_type};
use crate::error::{Code, Error};
use crate::service::lifecycle::request_log_batch::Batch;
use crate::service::{readable, App, Bearer, Caller};
use crate::store::sql::request_logs::RequestLogRow;
use crate::store::{fetch_one, sql, Db, Kv};
use crate::Result;

/// One answered request, as the Worker saw it.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// Upper-case method.
    pub method: String,
    /// Path and query as received (redacted and cut by [`record`]).
    pub target: String,
    /// The response's status.
    pub status: u16,
    /// `CF-Connecting-IP`.
    pub ip: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// The authenticated bearer: JSON:API type and id.
    pub requestor: Option<(&'static str, String)>,
    /// The resource addressed or returned: JSON:API type and id.
    pub resource: Option<(String, String)>,
    /// Request body bytes.
    pub request_size: usize,
    /// Response body bytes (`None`: streamed).
    pub response_size: Option<usize>,
    /// Milliseconds from the account's resolution to the signed response.
    pub run_time_ms: i64,
}

/// The requestor a bearer is logged as (Keygen's `Current.bearer`): users (admins too),
/// products or licenses; nobody for anonymous callers.
pub fn requestor(bearer: &Bearer) -> Option<(&'static str, String)> {
    match bearer {
        Bearer::Admin { user_id, .. } | Bearer::User { user_id } => Some(("users", user_id.clone())),
        Bearer::Product { product_id } => Some(("products", product_id.clone())),
        Bearer::License { license_id } => Some(("licenses", license_id.clone())),
        Bearer::Environment { environment_id } => Some(("environments", environment_id.clone())),
        Bearer::Anonymous => None,
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => Some(("users", user_id.clone())),
        // Resellers (issue 10 §7).
        Bearer::ResellerAdmin { user_id, .. } => Some(("users", user_id.clone())),
    }
}

/// Writes the log of `e` for account `account_id` with id `id` at `now`, unless the account
/// reached `daily_limit` rows today (UTC) or logging is off (`daily_limit` 0). `Ok(false)`:
/// not written. (The Worker buffers rows and writes them with [`write`].)
///
/// # Errors
/// The store's.
pub async fn record<D: Db>(db: &D, id: String, account_id: &str, e: &Entry, daily_limit: i64, now: Millis) -> Result<bool> {
    let mut batch = Batch::default();
    batch.push(&id, account_id, e, now);
    Ok(write(db, &batch, daily_limit).await? == 1)
}

/// Writes a batch of logs in one statement, each row only while its account is under
/// `daily_limit` rows for its UTC day; nothing when logging is off (`daily_limit` 0) or the
/// batch is empty. The rows written.
///
/// # Errors
/// The store's.
pub async fn write<D: Db>(db: &D, batch: &Batch, daily_limit: i64) -> Result<u64> {
    if daily_limit <= 0 || batch.is_empty() {
        return Ok(0);
    }
    Ok(db.execute(sql::request_logs::INSERT_BATCH, &[batch.param().into(), daily_limit.into()]).await?)
}

/// What [`write_buffered`] did with the buffered rows.
#[derive(Debug)]
pub enum Flushed {
    /// Written (the rows the daily cap admitted).
    Written(u64),
    /// The write failed: the rows, for the caller to keep for its next write
    /// ([`Batch::restore`]), and why. The read goes on: it shows what D1 already holds.
    Failed(Batch, crate::Error),
}

/// Writes the rows an isolate still buffers (`take` hands them over) once `caller` passes the
/// access table's gate for reading the logs (what [`list`] and [`show`] check first), so that a
/// read right after a request sees it (issue 11); a caller refused here takes nothing. A failed
/// write does not fail the read (issue 11): the rows come back in [`Flushed::Failed`].
///
/// # Errors
/// 401/403 from the access table.
pub async fn write_buffered<D: Db>(db: &D, caller: &Caller, take: impl FnOnce() -> Batch, daily_limit: i64) -> Result<Flushed> {
    crate::access::gate(caller, Action::RequestLogRead)?;
    let batch = take();
    match write(db, &batch, daily_limit).await {
        Ok(n) => Ok(Flushed::Written(n)),
        Err(e) => Ok(Flushed::Failed(batch, e)),
    }
}

/// A `requestor`/`resource` filter: `key[type]` and `key[id]`, or `key=<id>`, as two nullable
/// parameters (the type normalized: `user`, `User` and `users` all name `users`).
///
/// # Errors
/// 400 `PARAMETER_INVALID` naming the parameter for an empty value.
pub fn pair(q: &Query, key: &str) -> Result<[Value; 2]> {
    let mut out = [Value::Null, Value::Null];
    let ty = format!("{key}[type]");
    let id = format!("{key}[id]");
    for (slot, name) in out.iter_mut().zip([ty.as_str(), id.as_str()]) {
        if let Some(v) = q.get(name) {
            if v.trim().is_empty() {
                return Err(Error::new(Code::ParameterInvalid, "must not be empty").parameter(name));
            }
            *slot = if name == ty { normalize_type(v) } else { v.trim().to_owned() }.into();
        }
    }
    if let (Value::Null, Some(v)) = (&out[1], q.get(key)) {
        if v.trim().is_empty() {
            return Err(Error::new(Code::ParameterInvalid, "must not be empty").parameter(key));
        }
        out[1] = v.trim().into();
    }
    Ok(out)
}

/// A text filter: `None` when absent.
///
/// # Errors
/// 400 `PARAMETER_INVALID` for an empty one (Keygen answers an empty list; refused here so a
/// client's bug is not silent).
fn text(q: &Query, key: &str) -> Result<Value> {
    match q.get(key) {
        None => Ok(Value::Null),
        Some(v) if v.trim().is_empty() => Err(Error::new(Code::ParameterInvalid, "must not be empty").parameter(key)),
        Some(v) => Ok(v.to_owned().into()),
    }
}

/// The list filters as the eleven parameters of `sql::request_logs::log_filters!`.
///
/// # Errors
/// 401/403 from the access table (admins only); 400 `PARAMETER_INVALID` naming a bad filter.
pub fn filters(caller: &Caller, q: &Query) -> Result<Vec<Value>> {
    crate::access::require(caller, Action::RequestLogRead)?;
    let (start, end) = date_range(q.get("date[start]"), q.get("date[end]"))?.map_or((Value::Null, Value::Null), |(s, e)| (s.into(), e.into()));
    let status = match q.get("status") {
        None => Value::Null,
        Some(s) => match s.trim().parse::<i64>() {
            Ok(n) if (100..=599).contains(&n) => n.into(),
            _ => return Err(Error::new(Code::ParameterInvalid, "must be an HTTP status code (100-599)").parameter("status")),
        },
    };
    let method = text(q, "method")?.as_str().map_or(Value::Null, |m| m.trim().to_ascii_uppercase().into());
    let mut f = vec![caller.account_id().into(), start, end];
    f.extend(pair(q, "requestor")?);
    f.extend(pair(q, "resource")?);
    f.extend([text(q, "ip")?, method, text(q, "url")?, status]);
    Ok(f)
}

/// Lists request logs, newest first.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<RequestLogRow>, u64, Page)> {
    let f = filters(caller, q)?;
    let page = Page::from_query(q)?;
    crate::service::fetch_page(app.db, sql::request_logs::LIST, sql::request_logs::COUNT, f, page).await
}

/// One request log (admins only).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<RequestLogRow> {
    let find = async { Ok(fetch_one(app.db, sql::request_logs::FIND, &[caller.account_id().into(), id.into()]).await?) };
    readable(caller, Action::RequestLogRead, "request log", id, find, async |_: &RequestLogRow| Ok(Ownership::None)).await
}

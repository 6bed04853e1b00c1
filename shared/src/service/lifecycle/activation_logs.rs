//! Activation logs (Cryptlex's `/activation-logs`): the read side. Rows are written by the
//! changes themselves (`service::activation_log`), in their own batches. Admins read every
//! log, a product the logs of its product. Filters: `license`, `machine`, `product`, `action`,
//! `created[gt|gte|lt|lte]`.

use serde_json::Value;

use crate::access::{Action, Ownership};
use crate::api::filters;
use crate::api::query::{Page, Query};
use crate::domain::states::ActivationAction;
use crate::service::{readable, App, Bearer, Caller};
use crate::store::sql::activation_logs::ActivationLogRow;
use crate::store::{fetch_all, fetch_one, sql, Db, Kv};
use crate::Result;

/// The list filters as the nine parameters of `sql::activation_logs::log_filters!`.
///
/// # Errors
/// 401/403 from the access table; 400 `PARAMETER_INVALID` naming a bad filter.
pub fn filters(caller: &Caller, q: &Query) -> Result<Vec<Value>> {
    let scope = caller.list_scope(Action::ActivationLogRead, q)?;
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let actions: Vec<&str> = ActivationAction::ALL.iter().map(|a| a.as_str()).collect();
    let mut f = vec![caller.account_id().into(), get("license"), get("machine"), scope.product, filters::one_of(q, "action", &actions)?];
    f.extend(filters::time_range(q, "created")?);
    Ok(f)
}

/// Lists activation logs, newest first.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<ActivationLogRow>, u64, Page)> {
    let f = filters(caller, q)?;
    let page = Page::from_query(q)?;
    crate::service::fetch_page(app.db, sql::activation_logs::LIST, sql::activation_logs::COUNT, f, page).await
}

/// One keyset page of the filtered logs, oldest first, after `after` (created at, id).
pub async fn page_after<D: Db>(db: &D, filters: &[Value], after: Option<(i64, String)>, rows: i64) -> Result<Vec<ActivationLogRow>> {
    let mut p = filters.to_vec();
    let (at, id) = after.map_or((Value::Null, Value::Null), |(at, id)| (at.into(), id.into()));
    p.extend([at, id, rows.into()]);
    Ok(fetch_all(db, sql::activation_logs::PAGE_AFTER, &p).await?)
}

/// One activation log (admins; a product its own product's).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ActivationLogRow> {
    let find = async { Ok(fetch_one(app.db, sql::activation_logs::FIND, &[caller.account_id().into(), id.into()]).await?) };
    readable(caller, Action::ActivationLogRead, "activation log", id, find, async |l: &ActivationLogRow| {
        Ok(Ownership::of(matches!(&caller.bearer, Bearer::Product { product_id } if Some(product_id) == l.product_id.as_ref())))
    })
    .await
}

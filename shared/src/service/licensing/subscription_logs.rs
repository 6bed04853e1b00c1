//! Subscription logs (Cryptlex 3.80): every change of a license's expiry, subscription interval
//! or maintenance expiry appends one row, in the same batch as the change and only if the
//! guarded write changed the license, with a `license.subscription.updated` event. Reads:
//! `GET /subscription-logs[/{id}]` and `GET /licenses/{id}/subscription-logs`.

use serde_json::{json, Value};

use crate::access::{self, Action};
use crate::api::query::{Page, Query};
use crate::clock::{iso8601, parse_iso8601, Millis};
use crate::error::{Code, Error};
use crate::service::{events, fetch_page, licensing::licenses, App, Bearer, Caller};
use crate::store::rows::{LicenseRow, SubscriptionLogRow};
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// What changed the subscription (the log's `action`).
pub use crate::domain::states::SubscriptionLogAction as Cause;

/// One change: the cause and each value's before → after (`None` = not touched).
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Expiry before → after.
    pub expiry: Option<(Option<Millis>, Option<Millis>)>,
    /// Subscription interval (the license's effective one) before → after.
    pub interval: Option<(Option<String>, Option<String>)>,
    /// Maintenance expiry before → after.
    pub maintenance: Option<(Option<Millis>, Option<Millis>)>,
}

impl Change {
    /// An expiry change.
    pub fn expiry(from: Option<Millis>, to: Option<Millis>) -> Self {
        Self { expiry: Some((from, to)), ..Self::default() }
    }

    /// The `changes` of the event: only the pairs that differ.
    fn changes(&self) -> Value {
        let mut m = serde_json::Map::new();
        if let Some((a, b)) = self.expiry.filter(|(a, b)| a != b) {
            m.insert("expiry".into(), json!([a.map(iso8601), b.map(iso8601)]));
        }
        if let Some((a, b)) = self.interval.as_ref().filter(|(a, b)| a != b) {
            m.insert("subscriptionInterval".into(), json!([a, b]));
        }
        if let Some((a, b)) = self.maintenance.filter(|(a, b)| a != b) {
            m.insert("maintenanceExpiry".into(), json!([a.map(iso8601), b.map(iso8601)]));
        }
        Value::Object(m)
    }
}

/// The log row and its `license.subscription.updated` event for license `l`, to put RIGHT
/// AFTER the guarded write of the change in the same batch: both are written iff that write
/// changed a row (and leave `changes()` at 1 when they wrote, 0 when not, so later chained
/// events still follow the same guard).
pub fn record_if_changed<D: Db, K: Kv>(app: &App<'_, D, K>, who: &Bearer, l: &LicenseRow, cause: Cause, change: &Change) -> Vec<Stmt> {
    record_for_if_changed(app, who, LicenseRef { account_id: &l.account_id, id: &l.id, product_id: &l.product_id }, cause, change)
}

/// The license a log row is about (a [`LicenseRow`], or one being inserted in the same batch).
#[derive(Debug, Clone, Copy)]
pub struct LicenseRef<'a> {
    /// Its account.
    pub account_id: &'a str,
    /// Its id.
    pub id: &'a str,
    /// Its product.
    pub product_id: &'a str,
}

/// The guarded log row alone (after the write it records, in the same batch) and its id.
fn log_stmt<D: Db, K: Kv>(app: &App<'_, D, K>, who: &Bearer, l: LicenseRef<'_>, cause: Cause, change: &Change) -> (Stmt, String) {
    let (wt, wi) = who.whodunnit();
    let id = app.uuid();
    let pair = |p: Option<(Option<Millis>, Option<Millis>)>| p.map_or((Value::Null, Value::Null), |(a, b)| (opt(a), opt(b)));
    let (ef, et) = pair(change.expiry);
    let (mf, mt) = pair(change.maintenance);
    let (inf, int) = change.interval.clone().map_or((Value::Null, Value::Null), |(a, b)| (opt(a), opt(b)));
    let params = vec![
        id.clone().into(),
        l.account_id.into(),
        l.id.into(),
        l.product_id.into(),
        cause.as_str().into(),
        ef,
        et,
        inf,
        int,
        mf,
        mt,
        wt,
        wi,
        app.now().into(),
    ];
    (Stmt::new(sql::subscriptions::INSERT_LOG_IF_CHANGED, params), id)
}

/// [`record_if_changed`] for a license known by reference.
pub fn record_for_if_changed<D: Db, K: Kv>(app: &App<'_, D, K>, who: &Bearer, l: LicenseRef<'_>, cause: Cause, change: &Change) -> Vec<Stmt> {
    let (log, id) = log_stmt(app, who, l, cause, change);
    let ev = events::Event {
        name: "license.subscription.updated",
        resource_type: "licenses",
        resource_id: l.id,
        changes: Some(change.changes()),
        meta: Some(json!({"action": cause.as_str(), "subscriptionLog": id})),
    };
    vec![log, events::record_if_changed(app, l.account_id, who, ev)]
}

/// The `created` row of license `l` being inserted in the same batch (put it right after the
/// insert's `license.created`, which it follows as a guard): the log starts at creation with
/// the initial expiry, the effective interval of `cfg` and the maintenance window's end
/// (Cryptlex 3.80). No `license.subscription.updated` event: `license.created` announces it.
pub fn on_creation<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    who: &Bearer,
    l: LicenseRef<'_>,
    expiry: Option<Millis>,
    cfg: &crate::domain::policy::PolicyConfig,
    maintenance: Option<Millis>,
) -> Stmt {
    let change = Change {
        expiry: Some((None, expiry)),
        interval: Some((None, cfg.subscription_interval.map(|d| d.to_string()))),
        maintenance: Some((None, maintenance)),
    };
    log_stmt(app, who, l, Cause::Created, &change).0
}

/// `GET /subscription-logs` (admins; a product its own licenses') with filters `license`,
/// `product`, `action`, `date[start]`, `date[end]`.
///
/// # Errors
/// 400 `PARAMETER_INVALID` for an unknown action or a bad date.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<SubscriptionLogRow>, u64, Page)> {
    let scope = caller.list_scope(Action::SubscriptionLogRead, q)?;
    let license = q.get("license").map_or(Value::Null, |v| Value::from(v.to_owned()));
    page(app, caller, q, license, scope.product).await
}

/// `GET /licenses/{id}/subscription-logs`: the license's log (same filters but `license`).
pub async fn for_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<SubscriptionLogRow>, u64, Page)> {
    let l = licenses::authorize(app, caller, id, Action::SubscriptionLogRead).await?;
    page(app, caller, q, l.id.into(), Value::Null).await
}

async fn page<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query, license: Value, product: Value) -> Result<(Vec<SubscriptionLogRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let action = match q.get("action") {
        None => Value::Null,
        Some(a) if a.parse::<Cause>().is_ok() => a.into(),
        Some(_) => {
            let all: Vec<&str> = Cause::ALL.iter().map(|c| c.as_str()).collect();
            return Err(Error::new(Code::ParameterInvalid, format!("must be one of {}", all.join(", "))).parameter("action"));
        }
    };
    let date = |k: &str| -> Result<Value> {
        match q.get(k) {
            None => Ok(Value::Null),
            Some(v) => parse_iso8601(v).map(Value::from).ok_or_else(|| Error::new(Code::ParameterInvalid, "must be an ISO-8601 date").parameter(k)),
        }
    };
    let filters = vec![caller.account_id().into(), license, product, action, date("date[start]")?, date("date[end]")?];
    fetch_page(app.db, sql::subscriptions::LIST_LOGS, sql::subscriptions::COUNT_LOGS, filters, page).await
}

/// `GET /subscription-logs/{id}` (admins; a product only its own licenses' rows, else 404).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<SubscriptionLogRow> {
    access::gate(caller, Action::SubscriptionLogRead)?;
    let row: Option<SubscriptionLogRow> = fetch_one(app.db, sql::subscriptions::FIND_LOG, &[caller.account_id().into(), id.into()]).await?;
    let row = row.ok_or_else(|| Error::not_found("subscription log", id))?;
    let own = match &caller.bearer {
        Bearer::Product { product_id } => *product_id == row.product_id,
        _ => true,
    };
    access::check(caller, Action::SubscriptionLogRead, access::Ownership::of(own), "subscription log", id)?;
    Ok(row)
}

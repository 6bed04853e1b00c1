//! CSV exports (Cryptlex's `GET /{type}/export`): the same filters and access as the list, and
//! the rows in keyset pages (oldest first) so the Worker streams the body page by page and never
//! holds the whole table. Every field goes through the one CSV writer (`domain::csv`: RFC 4180
//! quoting, formula injection neutralised).

use serde_json::Value;

use crate::access::Action;
use crate::api::query::Query;
use crate::clock::iso8601;
use crate::domain::csv;
use crate::service::lifecycle::activation_logs;
use crate::service::Caller;
use crate::store::sql::activation_logs::ActivationLogRow;
use crate::store::sql::trials::TrialActivationRow;
use crate::store::{fetch_all, sql, Db};
use crate::Result;

/// Rows per page (one D1 read each).
pub const PAGE_ROWS: i64 = 500;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /activation-logs/export`.
    ActivationLogs,
    /// `GET /trial-activations/export`.
    TrialActivations,
}

impl Kind {
    /// The download's file name.
    pub fn filename(self) -> &'static str {
        match self {
            Kind::ActivationLogs => "activation-logs.csv",
            Kind::TrialActivations => "trial-activations.csv",
        }
    }

    /// The header record.
    pub fn header(self) -> String {
        let cols: &[&str] = match self {
            Kind::ActivationLogs => &[
                "id",
                "created",
                "action",
                "fingerprint",
                "offline",
                "appVersion",
                "os",
                "hostname",
                "ip",
                "country",
                "userAgent",
                "product",
                "license",
                "machine",
                "trialActivation",
            ],
            Kind::TrialActivations => &[
                "id",
                "created",
                "updated",
                "expiresAt",
                "fingerprint",
                "activations",
                "allowedActivations",
                "offline",
                "os",
                "osVersion",
                "hostname",
                "vmName",
                "container",
                "appVersion",
                "ip",
                "country",
                "userAgent",
                "product",
                "trialPolicy",
                "user",
                "metadata",
            ],
        };
        let mut out = String::new();
        csv::record(&mut out, cols);
        out
    }
}

/// A prepared export: the checked filters, bound as the list binds them.
#[derive(Debug, Clone)]
pub struct Export {
    /// What.
    pub kind: Kind,
    filters: Vec<Value>,
}

/// Checks access (as the list) and parses the list's filters.
///
/// # Errors
/// 401/403 from the access table; 400 `PARAMETER_INVALID` naming a bad filter.
pub fn prepare(caller: &Caller, kind: Kind, q: &Query) -> Result<Export> {
    let filters = match kind {
        Kind::ActivationLogs => activation_logs::filters(caller, q)?,
        Kind::TrialActivations => {
            let scope = caller.list_scope(Action::TrialActivationRead, q)?;
            let fp = q.get("fingerprint").map_or(Value::Null, |f| Value::from(f.to_owned()));
            vec![caller.account_id().into(), scope.product, fp]
        }
    };
    Ok(Export { kind, filters })
}

/// Where the next page starts: the last (created at, id) written.
pub type Cursor = (i64, String);

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// The CSV records of the page after `after` and the cursor of the next page (`None`: done).
pub async fn page<D: Db>(db: &D, export: &Export, after: Option<Cursor>) -> Result<(String, Option<Cursor>)> {
    let mut out = String::new();
    let (n, last) = match export.kind {
        Kind::ActivationLogs => {
            let rows: Vec<ActivationLogRow> = activation_logs::page_after(db, &export.filters, after, PAGE_ROWS).await?;
            for l in &rows {
                let f = [
                    l.id.clone(),
                    iso8601(l.created_at),
                    l.action.as_str().to_owned(),
                    l.fingerprint.clone(),
                    (l.offline == 1).to_string(),
                    text(&l.app_version),
                    text(&l.os),
                    text(&l.hostname),
                    text(&l.ip),
                    text(&l.country),
                    text(&l.user_agent),
                    text(&l.product_id),
                    text(&l.license_id),
                    text(&l.machine_id),
                    text(&l.trial_activation_id),
                ];
                csv::record(&mut out, &f);
            }
            (rows.len(), rows.last().map(|l| (l.created_at, l.id.clone())))
        }
        Kind::TrialActivations => {
            let mut p = export.filters.clone();
            let (at, id) = after.map_or((Value::Null, Value::Null), |(at, id)| (at.into(), id.into()));
            p.extend([at, id, PAGE_ROWS.into()]);
            let rows: Vec<TrialActivationRow> = fetch_all(db, sql::trials::PAGE_ACTIVATIONS_AFTER, &p).await?;
            for t in &rows {
                let f = [
                    t.id.clone(),
                    iso8601(t.created_at),
                    iso8601(t.updated_at),
                    iso8601(t.expires_at),
                    t.fingerprint.clone(),
                    t.activation_count.to_string(),
                    t.allowed_activations.to_string(),
                    (t.offline == 1).to_string(),
                    text(&t.os),
                    text(&t.os_version),
                    text(&t.hostname),
                    text(&t.vm_name),
                    text(&t.container),
                    text(&t.app_version),
                    text(&t.ip),
                    text(&t.country),
                    text(&t.user_agent),
                    t.product_id.clone(),
                    text(&t.trial_policy_id),
                    text(&t.user_id),
                    t.metadata.clone(),
                ];
                csv::record(&mut out, &f);
            }
            (rows.len(), rows.last().map(|t| (t.created_at, t.id.clone())))
        }
    };
    let next = if (n as i64) < PAGE_ROWS { None } else { last };
    Ok((out, next))
}

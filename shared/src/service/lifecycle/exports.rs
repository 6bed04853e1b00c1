//! CSV exports (Cryptlex's `GET /{type}/export`: activation logs, trial activations, licenses,
//! machines, users, event logs): the same filters and access as the list, and
//! the rows in keyset pages (oldest first). Every field goes through the one CSV writer
//! (`domain::csv`: RFC 4180 quoting, formula injection neutralised).
//!
//! Signed exports (issue 10 follow-up): a response's `Digest`/`Keygen-Signature` cover its
//! whole body, so one response is one bounded part of the export ([`body`]: at most `limit`
//! rows, default and cap [`MAX_EXPORT_ROWS`], and about [`MAX_EXPORT_BYTES`]), never the whole
//! table; the next part starts at the `cursor` the response's `Link: <…>; rel="next"` names.

use serde_json::Value;

use crate::access::Action;
use crate::api::licenses::license_status;
use crate::api::query::Query;
use crate::clock::iso8601;
use crate::domain::csv;
use crate::error::{Code, Error};
use crate::service::lifecycle::activation_logs;
use crate::service::{fleet::machines, identity::users, licensing::licenses, Caller};
use crate::store::rows::{EventRow, LicenseRow, MachineRow, UserRow};
use crate::store::sql::activation_logs::ActivationLogRow;
use crate::store::sql::trials::TrialActivationRow;
use crate::store::{fetch_all, sql, Db};
use crate::Result;

/// Rows per page (one D1 read each).
pub const PAGE_ROWS: i64 = 500;

/// The most rows one export response holds (ten pages: ten D1 reads, within the Free plan's
/// 50 queries per invocation), and the default `limit`.
pub const MAX_EXPORT_ROWS: i64 = 5_000;

/// One export response stops after the page that brings its body past this size.
pub const MAX_EXPORT_BYTES: usize = 4 * 1024 * 1024;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /activation-logs/export`.
    ActivationLogs,
    /// `GET /trial-activations/export`.
    TrialActivations,
    /// `GET /licenses/export`.
    Licenses,
    /// `GET /machines/export`.
    Machines,
    /// `GET /users/export`.
    Users,
    /// `GET /event-logs/export` (admins only, as the list).
    EventLogs,
}

impl Kind {
    /// The download's file name.
    pub fn filename(self) -> &'static str {
        match self {
            Kind::ActivationLogs => "activation-logs.csv",
            Kind::TrialActivations => "trial-activations.csv",
            Kind::Licenses => "licenses.csv",
            Kind::Machines => "machines.csv",
            Kind::Users => "users.csv",
            Kind::EventLogs => "event-logs.csv",
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
            Kind::Licenses => &[
                "id",
                "created",
                "updated",
                "name",
                "key",
                "status",
                "expiry",
                "suspended",
                "uses",
                "maxMachines",
                "machines",
                "lastValidated",
                "product",
                "policy",
                "owner",
                "group",
                "metadata",
            ],
            Kind::Machines => &[
                "id",
                "created",
                "updated",
                "fingerprint",
                "name",
                "ip",
                "hostname",
                "platform",
                "cores",
                "memory",
                "disk",
                "lastHeartbeat",
                "license",
                "product",
                "policy",
                "owner",
                "group",
                "metadata",
            ],
            Kind::Users => &["id", "created", "updated", "email", "firstName", "lastName", "role", "banned", "group", "metadata"],
            Kind::EventLogs => &["id", "created", "event", "resourceType", "resourceId", "whodunnitType", "whodunnitId", "request", "changes", "meta"],
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
    /// "Now" for computed columns (a license's status).
    now: crate::clock::Millis,
    /// Where this response starts (`cursor`; `None`: the first row).
    start: Option<Cursor>,
    /// The most rows this response holds (`limit`).
    limit: i64,
}

/// Checks access (as the list) and parses the list's filters.
///
/// # Errors
/// 401/403 from the access table; 400 `PARAMETER_INVALID` naming a bad filter.
pub fn prepare(caller: &Caller, kind: Kind, q: &Query, now: crate::clock::Millis) -> Result<Export> {
    crate::access::require(caller, Action::ExportRead)?;
    let filters = match kind {
        Kind::ActivationLogs => activation_logs::filters(caller, q)?,
        Kind::TrialActivations => {
            let scope = caller.list_scope(Action::TrialActivationRead, q)?;
            let fp = q.get("fingerprint").map_or(Value::Null, |f| Value::from(f.to_owned()));
            vec![caller.account_id().into(), scope.product, fp]
        }
        Kind::Licenses => licenses::list_filters(caller, q, now)?,
        Kind::Machines => machines::list_filters(caller, q, now)?,
        Kind::Users => users::list_filters(caller, None, q)?,
        Kind::EventLogs => crate::service::events::list_filters(caller, q)?,
    };
    let limit = match q.get("limit") {
        None => MAX_EXPORT_ROWS,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_EXPORT_ROWS).contains(n))
            .ok_or_else(|| Error::new(Code::ParameterInvalid, format!("must be an integer between 1 and {MAX_EXPORT_ROWS}")).parameter("limit"))?,
    };
    let start = q.get("cursor").map(parse_cursor).transpose()?;
    Ok(Export { kind, filters, now, start, limit })
}

/// Parses a `cursor` (`<created ms>.<id>`, as [`render_cursor`] writes it).
///
/// # Errors
/// 400 `PARAMETER_INVALID` (`source.parameter: cursor`).
pub fn parse_cursor(s: &str) -> Result<Cursor> {
    let bad = || Error::new(Code::ParameterInvalid, "must be a cursor from an export's Link header").parameter("cursor");
    let (at, id) = s.split_once('.').ok_or_else(bad)?;
    let at_ok = !at.is_empty() && at.len() <= 16 && at.bytes().all(|b| b.is_ascii_digit());
    let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !(at_ok && id_ok) {
        return Err(bad());
    }
    Ok((at.parse().map_err(|_| bad())?, id.to_owned()))
}

/// A cursor as the `cursor` parameter takes it.
pub fn render_cursor(c: &Cursor) -> String {
    format!("{}.{}", c.0, c.1)
}

/// The `Link` header naming the next part of an export at `path` (the request's path) with the
/// request's other parameters (credentials in the query, `token`/`auth`, are not repeated).
pub fn next_link(path: &str, q: &Query, next: &Cursor) -> String {
    fn enc(s: &str) -> String {
        s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~[]".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") }).collect()
    }
    let mut parts: Vec<String> =
        q.0.iter().filter(|(k, _)| !matches!(k.as_str(), "cursor" | "token" | "auth")).map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    parts.push(format!("cursor={}", render_cursor(next)));
    format!("<{path}?{}>; rel=\"next\"", parts.join("&"))
}

/// One export response's body: the header record, then the rows from the export's `cursor`, in
/// pages, until `limit` rows, [`MAX_EXPORT_BYTES`] or the end; and the cursor of the next part
/// (`None`: this part ends the export).
///
/// # Errors
/// Store errors (nothing is answered then: the body is whole or not at all).
pub async fn body<D: Db>(db: &D, export: &Export) -> Result<(String, Option<Cursor>)> {
    let mut out = export.kind.header();
    let (mut after, mut left) = (export.start.clone(), export.limit);
    loop {
        let rows = left.min(PAGE_ROWS);
        let (chunk, next) = page_of(db, export, after, rows).await?;
        out.push_str(&chunk);
        left -= rows;
        match next {
            None => return Ok((out, None)),
            Some(c) if left <= 0 || out.len() >= MAX_EXPORT_BYTES => return Ok((out, Some(c))),
            Some(c) => after = Some(c),
        }
    }
}

/// Where the next page starts: the last (created at, id) written.
pub type Cursor = (i64, String);

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn time(v: Option<i64>) -> String {
    v.map(iso8601).unwrap_or_default()
}

/// The rows of `sql` after `after` (its filters first, then the cursor and the page size).
async fn rows_after<T: serde::de::DeserializeOwned, D: Db>(db: &D, sql: &str, export: &Export, after: Option<Cursor>, rows: i64) -> Result<Vec<T>> {
    let mut p = export.filters.clone();
    let (at, id) = after.map_or((Value::Null, Value::Null), |(at, id)| (at.into(), id.into()));
    p.extend([at, id, rows.into()]);
    Ok(fetch_all(db, sql, &p).await?)
}

/// The CSV records of the page (of [`PAGE_ROWS`]) after `after` and the cursor of the next
/// page (`None`: done).
pub async fn page<D: Db>(db: &D, export: &Export, after: Option<Cursor>) -> Result<(String, Option<Cursor>)> {
    page_of(db, export, after, PAGE_ROWS).await
}

/// [`page`] with `page_rows` rows per page.
async fn page_of<D: Db>(db: &D, export: &Export, after: Option<Cursor>, page_rows: i64) -> Result<(String, Option<Cursor>)> {
    let mut out = String::new();
    let (n, last) = match export.kind {
        Kind::ActivationLogs => {
            let rows: Vec<ActivationLogRow> = activation_logs::page_after(db, &export.filters, after, page_rows).await?;
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
            let rows: Vec<TrialActivationRow> = rows_after(db, sql::trials::PAGE_ACTIVATIONS_AFTER, export, after, page_rows).await?;
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
        Kind::Licenses => {
            let rows: Vec<LicenseRow> = rows_after(db, sql::licenses::PAGE_AFTER, export, after, page_rows).await?;
            for l in &rows {
                let f = [
                    l.id.clone(),
                    iso8601(l.created_at),
                    iso8601(l.updated_at),
                    text(&l.name),
                    l.key.clone(),
                    license_status(l, export.now).to_owned(),
                    time(l.expiry),
                    (l.suspended == 1).to_string(),
                    l.uses.to_string(),
                    num(l.max_machines),
                    l.machines_count.to_string(),
                    time(l.last_validated_at),
                    l.product_id.clone(),
                    l.policy_id.clone(),
                    text(&l.owner_id),
                    text(&l.group_id),
                    l.metadata.clone(),
                ];
                csv::record(&mut out, &f);
            }
            (rows.len(), rows.last().map(|l| (l.created_at, l.id.clone())))
        }
        Kind::Machines => {
            let rows: Vec<MachineRow> = rows_after(db, sql::machines::PAGE_AFTER, export, after, page_rows).await?;
            for m in &rows {
                let f = [
                    m.id.clone(),
                    iso8601(m.created_at),
                    iso8601(m.updated_at),
                    m.fingerprint.clone(),
                    text(&m.name),
                    text(&m.ip),
                    text(&m.hostname),
                    text(&m.platform),
                    num(m.cores),
                    num(m.memory),
                    num(m.disk),
                    time(m.last_heartbeat_at),
                    m.license_id.clone(),
                    m.product_id.clone(),
                    m.policy_id.clone(),
                    text(&m.owner_id),
                    text(&m.group_id),
                    m.metadata.clone(),
                ];
                csv::record(&mut out, &f);
            }
            (rows.len(), rows.last().map(|m| (m.created_at, m.id.clone())))
        }
        Kind::Users => {
            let rows: Vec<UserRow> = rows_after(db, sql::users::PAGE_AFTER, export, after, page_rows).await?;
            for u in &rows {
                let f = [
                    u.id.clone(),
                    iso8601(u.created_at),
                    iso8601(u.updated_at),
                    u.email.clone(),
                    text(&u.first_name),
                    text(&u.last_name),
                    u.role.as_str().to_owned(),
                    u.banned_at.is_some().to_string(),
                    text(&u.group_id),
                    u.metadata.clone(),
                ];
                csv::record(&mut out, &f);
            }
            (rows.len(), rows.last().map(|u| (u.created_at, u.id.clone())))
        }
        Kind::EventLogs => {
            let rows: Vec<EventRow> = rows_after(db, sql::events::PAGE_AFTER, export, after, page_rows).await?;
            for e in &rows {
                let f = [
                    e.id.clone(),
                    iso8601(e.created_at),
                    e.event.clone(),
                    e.resource_type.clone(),
                    e.resource_id.clone(),
                    text(&e.whodunnit_type),
                    text(&e.whodunnit_id),
                    text(&e.request_log_id),
                    text(&e.changes),
                    text(&e.meta),
                ];
                csv::record(&mut out, &f);
            }
            (rows.len(), rows.last().map(|e| (e.created_at, e.id.clone())))
        }
    };
    let next = if (n as i64) < page_rows { None } else { last };
    Ok((out, next))
}

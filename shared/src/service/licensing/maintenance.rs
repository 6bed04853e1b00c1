//! A license's maintenance window (Cryptlex maintenance policies, issue 10 §5): its
//! `maintenancePolicy` (given on creation, else the policy's default; `PUT
//! /licenses/{id}/maintenance-policy`), `maintenanceExpiry` started from it at creation or first
//! activation, `actions/renew-maintenance` (one interval) and `actions/extend-maintenance` (a
//! given ISO-8601 duration), and `currentReleaseVersion` / `maxAllowedReleaseVersion`. Every
//! change of the expiry is a subscription log in the same batch.

use serde_json::{json, Value};

use crate::access::Action;
use crate::api::input::{parse_meta, to_one_body, Field, Members};
use crate::clock::{iso8601, Millis};
use crate::domain::duration::{InvalidDuration, IsoDuration};
use crate::domain::license;
use crate::domain::states::StartTrigger;
use crate::error::{AttrFault, Code, Error};
use crate::service::catalogue::maintenance_policies;
use crate::service::events::{self, Event};
use crate::service::licensing::subscription_logs::{self, Cause, Change};
use crate::service::{licensing::licenses, App, Caller};
use crate::store::rows::{LicenseRow, MaintenancePolicyRow, PolicyRow};
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

fn not_found(pointer: &str) -> Error {
    Error::attribute("maintenancePolicy", AttrFault::NotFound, "must exist").pointer(pointer)
}

/// The maintenance policy a new license of `policy` gets: `given` (the document's
/// `maintenancePolicy`; `Null` = none), else the policy's default.
///
/// # Errors
/// 422 `MAINTENANCE_POLICY_NOT_FOUND` for one that is not the policy's product's.
pub async fn for_new_license<D: Db, K: Kv>(app: &App<'_, D, K>, policy: &PolicyRow, given: &Field<String>) -> Result<Option<MaintenancePolicyRow>> {
    let id = match given {
        Field::Set(id) => id.clone(),
        Field::Null => return Ok(None),
        Field::Absent => match &policy.maintenance_policy_id {
            Some(id) => id.clone(),
            None => return Ok(None),
        },
    };
    let mp = maintenance_policies::find(app, &policy.account_id, &id).await?;
    match mp {
        Some(m) if m.product_id == policy.product_id => Ok(Some(m)),
        _ => Err(not_found("/data/relationships/maintenancePolicy")),
    }
}

/// The creation batch's statements (after the INSERT): the maintenance policy, and under the
/// `creation` trigger the window's end.
pub fn initial_stmts(account_id: &str, license_id: &str, mp: Option<&MaintenancePolicyRow>, now: Millis) -> Vec<Stmt> {
    let Some(m) = mp else { return Vec::new() };
    let mut stmts = vec![Stmt::new(sql::maintenance_policies::SET_INITIAL_MAINTENANCE_POLICY, vec![account_id.into(), license_id.into(), m.id.clone().into()])];
    if let Some(end) = initial_expiry(mp, now) {
        stmts.push(Stmt::new(sql::jobs::SET_MAINTENANCE_EXPIRY, vec![account_id.into(), license_id.into(), end.into(), Value::Null, now.into()]));
    }
    stmts
}

/// The maintenance window's end a license created now under `mp` gets: under the `creation`
/// trigger, now plus the interval; otherwise none until its first activation.
pub fn initial_expiry(mp: Option<&MaintenancePolicyRow>, now: Millis) -> Option<Millis> {
    mp.filter(|m| m.subscription_start_trigger == StartTrigger::Creation).and_then(|m| m.subscription_interval.add_to(now))
}

/// The activation batch's statements for license `l` and the machine `machine_id` inserted
/// before them: under the `activation` trigger, the window starts now (once: guarded by
/// `maintenance_expiry IS NULL`), with its subscription log. Reads the maintenance policy only
/// while the license has one and no window yet.
pub async fn on_activation<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, l: &LicenseRow, machine_id: &str) -> Result<Vec<Stmt>> {
    let (Some(mp_id), None) = (&l.maintenance_policy_id, l.maintenance_expiry) else { return Ok(Vec::new()) };
    let Some(m) = maintenance_policies::find(app, &l.account_id, mp_id).await? else { return Ok(Vec::new()) };
    let now = app.now();
    let end = match (m.subscription_start_trigger, m.subscription_interval.add_to(now)) {
        (StartTrigger::Activation, Some(end)) => end,
        _ => return Ok(Vec::new()),
    };
    let mut stmts = vec![Stmt::new(
        sql::maintenance_policies::SET_MAINTENANCE_EXPIRY_ON_ACTIVATION,
        vec![l.account_id.clone().into(), l.id.clone().into(), end.into(), now.into(), machine_id.into()],
    )];
    let change = Change { maintenance: Some((None, Some(end))), ..Change::default() };
    stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, l, Cause::FirstActivated, &change));
    Ok(stmts)
}

/// The license's maintenance policy.
///
/// # Errors
/// 422 `MAINTENANCE_POLICY_MISSING` when it has none.
async fn policy_of<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow) -> Result<MaintenancePolicyRow> {
    let missing = || Error::new(Code::MaintenancePolicyMissing, "cannot renew maintenance because the license has no maintenance policy");
    let id = l.maintenance_policy_id.as_deref().ok_or_else(missing)?;
    maintenance_policies::find(app, &l.account_id, id).await?.ok_or_else(missing)
}

/// `POST /licenses/{id}/actions/renew-maintenance` (admins and the license's product): one
/// interval of its maintenance policy from the later of now and the current end.
///
/// # Errors
/// 422 `MAINTENANCE_POLICY_MISSING`; 409 `CONFLICT` when a concurrent renewal won.
pub async fn renew<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseRenew).await?;
    let m = policy_of(app, &l).await?;
    write(app, caller, l, &m.subscription_interval, Cause::MaintenanceRenewed, "license.maintenance.renewed").await
}

/// `meta.duration` of `actions/extend-maintenance`: an ISO-8601 duration.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID`; 422 `DURATION_INVALID` (`/meta/duration`).
pub fn parse_extension(body: &[u8]) -> Result<IsoDuration> {
    let mut meta = parse_meta(body)?;
    let d = match meta.string("duration")? {
        Field::Set(s) => s.parse().map_err(|e: InvalidDuration| Error::attribute("duration", AttrFault::Invalid, e.0).pointer("/meta/duration"))?,
        _ => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/meta/duration")),
    };
    meta.finish()?;
    Ok(d)
}

/// `POST /licenses/{id}/actions/extend-maintenance` with `{"meta":{"duration":"P1M"}}`
/// (admins and the license's product): the given duration from the later of now and the
/// current end, with or without a maintenance policy.
///
/// # Errors
/// As [`parse_extension`]; 409 `CONFLICT` when a concurrent change won.
pub async fn extend<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseRenew).await?;
    let d = parse_extension(body)?;
    write(app, caller, l, &d, Cause::MaintenanceExtended, "license.maintenance.extended").await
}

/// Moves `l`'s maintenance end by `by` from the later of now and its current end, guarded by
/// the end it was read with, with the subscription log and the event in the same batch.
async fn write<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, l: LicenseRow, by: &IsoDuration, cause: Cause, name: &str) -> Result<LicenseRow> {
    let now = app.now();
    let next = license::maintenance_expiry_after(by, l.maintenance_expiry, now)
        .ok_or_else(|| Error::attribute("maintenanceExpiry", AttrFault::Invalid, "out of range"))?;
    let ev = Event {
        name,
        resource_type: "licenses",
        resource_id: &l.id,
        changes: Some(json!({"maintenanceExpiry": [l.maintenance_expiry.map(iso8601), iso8601(next)]})),
        meta: None,
    };
    let set =
        Stmt::new(sql::jobs::SET_MAINTENANCE_EXPIRY, vec![caller.account_id().into(), l.id.clone().into(), next.into(), opt(l.maintenance_expiry), now.into()]);
    let change = Change { maintenance: Some((l.maintenance_expiry, Some(next))), ..Change::default() };
    let mut stmts = vec![set];
    stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, cause, &change));
    // The event requires the guarded update to have changed the row (else the batch fails).
    stmts.push(events::record_many(app, &caller.bearer, &[(caller.account_id(), ev)], Some(1)));
    if let Err(e) = app.db.batch(stmts).await {
        let current = licenses::find(app, caller.account_id(), &l.id).await?;
        if current.is_some_and(|c| c.maintenance_expiry != l.maintenance_expiry) {
            return Err(Error::new(Code::ConcurrentUpdate, "maintenance was changed concurrently; retry"));
        }
        return Err(e.into());
    }
    // The answer is what this guarded write set (a re-read could show a later request's change).
    Ok(LicenseRow { maintenance_expiry: Some(next), updated_at: now, ..l })
}

/// `PUT /licenses/{id}/maintenance-policy` with a `maintenance-policies` identifier or `null`
/// (admins and the license's product). A license without a window starts one now when the new
/// policy's trigger is `creation` (or `activation` and it was activated before). Logged as
/// `maintenance-policy-changed`.
///
/// # Errors
/// 422 `MAINTENANCE_POLICY_NOT_FOUND` (`/data`) for one of another product; 422
/// `STATE_INVALID` when a concurrent change won.
pub async fn set_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseUpdate).await?;
    let target = to_one_body(body, "maintenance-policies")?;
    let mp = match &target {
        Some(t) => match maintenance_policies::find(app, caller.account_id(), t).await? {
            Some(m) if m.product_id == l.product_id => Some(m),
            _ => return Err(not_found("/data")),
        },
        None => None,
    };
    let now = app.now();
    let interval = |m: Option<&MaintenancePolicyRow>| m.map(|m| m.subscription_interval.to_string());
    let before = match &l.maintenance_policy_id {
        Some(old) => interval(maintenance_policies::find(app, caller.account_id(), old).await?.as_ref()),
        None => None,
    };
    let start = mp.as_ref().filter(|_| l.maintenance_expiry.is_none()).and_then(|m| match m.subscription_start_trigger {
        StartTrigger::Creation => m.subscription_interval.add_to(now),
        StartTrigger::Activation => l.first_activated_at.and(m.subscription_interval.add_to(now)),
    });
    let mut stmts = vec![Stmt::new(
        sql::maintenance_policies::SET_LICENSE_MAINTENANCE_POLICY,
        vec![caller.account_id().into(), l.id.clone().into(), opt(target.clone()), now.into(), opt(l.maintenance_policy_id.clone())],
    )];
    let change = Change { interval: Some((before, interval(mp.as_ref()))), maintenance: start.map(|s| (None, Some(s))), ..Change::default() };
    stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, Cause::MaintenancePolicyChanged, &change));
    if let Some(s) = start {
        stmts.push(Stmt::new(
            sql::maintenance_policies::START_MAINTENANCE_IF_CHANGED,
            vec![caller.account_id().into(), l.id.clone().into(), s.into(), now.into()],
        ));
    }
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::StateInvalid, "the license changed while setting its maintenance policy; retry the request"));
    }
    Ok(LicenseRow { maintenance_policy_id: target, maintenance_expiry: start.or(l.maintenance_expiry), updated_at: now, ..l })
}

/// A license document's release versions (`currentReleaseVersion`, `maxAllowedReleaseVersion`;
/// Cryptlex's, for distribution to gate updates on). `null` clears.
#[derive(Debug, Default, Clone)]
pub struct ReleaseVersions {
    current: Field<String>,
    max_allowed: Field<String>,
}

/// Takes the release versions from license attributes: at most 64 characters of
/// `[0-9A-Za-z.+-]`, starting with a digit (a semver-like version).
///
/// # Errors
/// 400 for non-strings; 422 `<ATTR>_INVALID`.
pub fn parse_versions(attrs: &mut Members) -> Result<ReleaseVersions> {
    let mut take = |k: &str| -> Result<Field<String>> {
        let f = attrs.string(k)?;
        if let Field::Set(v) = &f {
            let ok =
                v.len() <= 64 && v.starts_with(|c: char| c.is_ascii_digit()) && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
            if !ok {
                return Err(Error::attribute(k, AttrFault::Invalid, "must be a version such as 1.2.3 (at most 64 characters)"));
            }
        }
        Ok(f)
    };
    Ok(ReleaseVersions { current: take("currentReleaseVersion")?, max_allowed: take("maxAllowedReleaseVersion")? })
}

impl ReleaseVersions {
    /// Whether the document sets either.
    pub fn is_present(&self) -> bool {
        self.current.is_present() || self.max_allowed.is_present()
    }

    /// The statement writing them onto `license_id` (given the values it has now); `None` when
    /// the document sets neither.
    pub fn stmt(&self, account_id: &str, license_id: &str, now_values: (Option<String>, Option<String>), now: Millis) -> Option<Stmt> {
        if !self.is_present() {
            return None;
        }
        let current = self.current.clone().into_update().unwrap_or(now_values.0);
        let max_allowed = self.max_allowed.clone().into_update().unwrap_or(now_values.1);
        let parsed = current.as_deref().and_then(|c| c.parse::<crate::domain::semver::Version>().ok());
        let (next_major, next_minor) = crate::domain::max_release::bounds(parsed.as_ref());
        Some(Stmt::new(
            sql::maintenance_policies::SET_RELEASE_VERSIONS,
            vec![account_id.into(), license_id.into(), opt(current), opt(max_allowed), now.into(), opt(next_major), opt(next_minor)],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_and_versions_parse_strictly() {
        assert_eq!(parse_extension(br#"{"meta":{"duration":"P1M"}}"#).map(|d| d.to_string()).ok(), Some("P1M".into()));
        assert_eq!(parse_extension(br#"{"meta":{}}"#).unwrap_err().code, "PARAMETER_MISSING");
        assert_eq!(parse_extension(br#"{"meta":{"duration":"1 month"}}"#).unwrap_err().code, "DURATION_INVALID");
        assert_eq!(parse_extension(br#"{"meta":{"duration":"P1M","x":1}}"#).unwrap_err().code, "PARAMETER_UNPERMITTED");
        let mut m = Members::new(
            json!({"currentReleaseVersion": "1.2.3-beta+7", "maxAllowedReleaseVersion": null}).as_object().cloned().unwrap_or_default(),
            "/data/attributes",
        );
        let v = parse_versions(&mut m).unwrap();
        assert!(v.is_present());
        for bad in ["v1.2", "1.2 3", "", "1;DROP"] {
            let mut m = Members::new(json!({"currentReleaseVersion": bad}).as_object().cloned().unwrap_or_default(), "/data/attributes");
            assert_eq!(parse_versions(&mut m).unwrap_err().code, "CURRENT_RELEASE_VERSION_INVALID", "{bad}");
        }
    }
}

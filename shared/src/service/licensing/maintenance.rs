//! Cryptlex's maintenance window on licenses: `maintenanceExpiry`, set from the policy's
//! `maintenanceDuration` at creation and extended by `actions/renew-maintenance`.

use serde_json::json;

use crate::access::Action;
use crate::clock::{iso8601, Millis};
use crate::domain::license;
use crate::domain::policy::PolicyConfig;
use crate::error::{Code, Error};
use crate::service::events::{self, Event};
use crate::service::{licensing::licenses, licensing::subscription_logs, App, Caller};
use crate::store::rows::LicenseRow;
use crate::store::{sql, Db, Kv, Stmt};
use crate::Result;

/// The maintenance expiry of a license created at `now` under `cfg` (`None` without a
/// `maintenanceDuration`).
pub fn maintenance_expiry_for(cfg: &PolicyConfig, now: Millis) -> Option<Millis> {
    license::initial_maintenance_expiry(cfg, now)
}

/// The statement that gives a just-inserted license its initial maintenance expiry, for the
/// license-creation batch (after the INSERT): `None` when the policy has no maintenance.
pub fn initial_stmt(account_id: &str, license_id: &str, cfg: &PolicyConfig, now: Millis) -> Option<Stmt> {
    let m = maintenance_expiry_for(cfg, now)?;
    Some(Stmt::new(sql::jobs::SET_MAINTENANCE_EXPIRY, vec![account_id.into(), license_id.into(), m.into(), serde_json::Value::Null, now.into()]))
}

/// The new maintenance expiry of a renewal at `now`: the duration added to the later of now
/// and the current maintenance expiry.
pub fn renewed(cfg: &PolicyConfig, current: Option<Millis>, now: Millis) -> Result<Millis> {
    license::renewed_maintenance_expiry(cfg, current, now)
        .ok_or_else(|| Error::new(Code::PolicyMaintenanceDurationMissing, "cannot renew maintenance because the policy does not have a maintenanceDuration"))
}

/// `POST /licenses/{id}/actions/renew-maintenance` (admins and the license's product):
/// extends maintenance and records `license.maintenance.renewed` with the change.
///
/// # Errors
/// 422 `POLICY_MAINTENANCE_DURATION_MISSING`; 409 `CONFLICT` when a concurrent renewal won.
pub async fn renew<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseRenew).await?;
    let now = app.now();
    let next = renewed(&l.config(), l.maintenance_expiry, now)?;
    let ev = Event {
        name: "license.maintenance.renewed",
        resource_type: "licenses",
        resource_id: &l.id,
        changes: Some(json!({"maintenanceExpiry": [l.maintenance_expiry.map(iso8601), iso8601(next)]})),
        meta: None,
    };
    let set = Stmt::new(
        sql::jobs::SET_MAINTENANCE_EXPIRY,
        vec![caller.account_id().into(), l.id.clone().into(), next.into(), l.maintenance_expiry.map_or(serde_json::Value::Null, Into::into), now.into()],
    );
    // The event requires the guarded update to have changed the row (else the batch fails).
    let change = subscription_logs::Change { maintenance: Some((l.maintenance_expiry, Some(next))), ..subscription_logs::Change::default() };
    let mut stmts = vec![set];
    stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, subscription_logs::Cause::MaintenanceRenewed, &change));
    stmts.push(events::record_many(app, &caller.bearer, &[(caller.account_id(), ev)], Some(1)));
    if let Err(e) = app.db.batch(stmts).await {
        let current = licenses::find(app, caller.account_id(), &l.id).await?;
        if current.is_some_and(|c| c.maintenance_expiry != l.maintenance_expiry) {
            return Err(Error::new(Code::ConcurrentUpdate, "maintenance was renewed concurrently; retry"));
        }
        return Err(e.into());
    }
    // The answer is what this guarded write set (a re-read could show a later request's change).
    Ok(LicenseRow { maintenance_expiry: Some(next), updated_at: now, ..l })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_extends_from_the_later_of_now_and_current() {
        let cfg = PolicyConfig { maintenance_duration: Some(86_400), ..PolicyConfig::default() };
        assert_eq!(renewed(&cfg, None, 1000).unwrap(), 1000 + 86_400_000);
        assert_eq!(renewed(&cfg, Some(5000), 1000).unwrap(), 5000 + 86_400_000);
        assert_eq!(renewed(&cfg, Some(10), 1000).unwrap(), 1000 + 86_400_000);
        assert_eq!(renewed(&PolicyConfig::default(), None, 0).unwrap_err().code, "POLICY_MAINTENANCE_DURATION_MISSING");
        assert_eq!(maintenance_expiry_for(&cfg, 7), Some(7 + 86_400_000));
    }
}

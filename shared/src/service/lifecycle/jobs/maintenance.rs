//! Cryptlex's maintenance window: `license.maintenance-expiring-soon` (same offset as
//! expiry) and `license.maintenance-expired`, once per maintenance expiry. Every 10 minutes.

use super::{license_job, passed, soon, Budget, JobReport, LicenseJob};
use crate::service::App;
use crate::store::{sql, Db, Kv};
use crate::Result;

/// Emits `license.maintenance-expiring-soon`.
pub async fn expiring_soon<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let job = LicenseJob {
        name: "maintenance-expiring-soon",
        scan: sql::jobs::MAINTENANCE_EXPIRING_SOON,
        mark: sql::jobs::MARK_MAINTENANCE_EXPIRING_SOON,
        event: "license.maintenance-expiring-soon",
        catch_up: false,
        decide: |l, cfg, now| {
            soon(l.maintenance_expiry, cfg.expiring_soon_event_offset.saturating_mul(1000), l.last_maintenance_expiring_soon_event_at, now)
                .then_some([l.maintenance_expiry, l.last_maintenance_expiring_soon_event_at])
        },
    };
    license_job(app, budget, job).await
}

/// Emits `license.maintenance-expired`.
pub async fn expired<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let job = LicenseJob {
        name: "maintenance-expired",
        scan: sql::jobs::MAINTENANCE_EXPIRED,
        mark: sql::jobs::MARK_MAINTENANCE_EXPIRED,
        event: "license.maintenance-expired",
        catch_up: true,
        decide: |l, _, now| {
            passed(l.maintenance_expiry, l.last_maintenance_expired_event_at, now).then_some([l.maintenance_expiry, l.last_maintenance_expired_event_at])
        },
    };
    license_job(app, budget, job).await
}

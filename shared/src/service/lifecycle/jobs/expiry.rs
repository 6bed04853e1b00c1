//! `license.expiring-soon` (once per expiry, when the policy's `expiringSoonEventOffset`
//! window opens; default 3 days) and `license.expired` (once per expiry). Every 10 minutes.

use super::{license_job, passed, soon, Budget, JobReport, LicenseJob};
use crate::service::App;
use crate::store::{sql, Db, Kv};
use crate::Result;

/// Emits `license.expiring-soon`.
pub async fn expiring_soon<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let job = LicenseJob {
        name: "license-expiring-soon",
        scan: sql::jobs::EXPIRING_SOON,
        mark: sql::jobs::MARK_EXPIRING_SOON,
        event: "license.expiring-soon",
        catch_up: false,
        decide: |l, cfg, now| {
            soon(l.expiry, cfg.expiring_soon_event_offset.saturating_mul(1000), l.last_expiring_soon_event_at, now)
                .then_some([l.expiry, l.last_expiring_soon_event_at])
        },
    };
    license_job(app, budget, job).await
}

/// Emits `license.expired`.
pub async fn expired<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let job = LicenseJob {
        name: "license-expired",
        scan: sql::jobs::EXPIRED,
        mark: sql::jobs::MARK_EXPIRED,
        event: "license.expired",
        catch_up: true,
        decide: |l, _, now| passed(l.expiry, l.last_expired_event_at, now).then_some([l.expiry, l.last_expired_event_at]),
    };
    license_job(app, budget, job).await
}

//! Check-ins (policies with `requireCheckIn`): `license.check-in-required-soon` once when the
//! next check-in is due within 3 days, `license.check-in-overdue` once when it is missed.
//! A check-in moves the due date, which opens both windows again. Every 10 minutes.

use super::{license_job, passed, soon, Budget, JobReport, LicenseJob};
use crate::clock::DAY_MS;
use crate::service::App;
use crate::store::{sql, Db, Kv};
use crate::Result;

/// How long before the due date `license.check-in-required-soon` fires (Keygen: 3 days).
pub const REQUIRED_SOON_MS: i64 = 3 * DAY_MS;

/// Emits `license.check-in-required-soon`.
pub async fn required_soon<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let job = LicenseJob {
        name: "check-in-required-soon",
        scan: sql::jobs::CHECK_IN_REQUIRED_SOON,
        mark: sql::jobs::MARK_CHECK_IN_REQUIRED_SOON,
        event: "license.check-in-required-soon",
        catch_up: false,
        decide: |l, cfg, now| {
            let due = cfg.next_check_in_at(l.created_at, l.last_check_in_at);
            soon(due, REQUIRED_SOON_MS, l.last_check_in_required_soon_event_at, now).then_some([l.last_check_in_at, l.last_check_in_required_soon_event_at])
        },
    };
    license_job(app, budget, job).await
}

/// Emits `license.check-in-overdue`.
pub async fn overdue<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let job = LicenseJob {
        name: "check-in-overdue",
        scan: sql::jobs::CHECK_IN_OVERDUE,
        mark: sql::jobs::MARK_CHECK_IN_OVERDUE,
        event: "license.check-in-overdue",
        catch_up: true,
        decide: |l, cfg, now| {
            let due = cfg.next_check_in_at(l.created_at, l.last_check_in_at);
            passed(due, l.last_check_in_overdue_event_at, now).then_some([l.last_check_in_at, l.last_check_in_overdue_event_at])
        },
    };
    license_job(app, budget, job).await
}

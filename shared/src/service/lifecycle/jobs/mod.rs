//! Scheduled jobs, fired by the Worker's cron triggers ([`run`] maps a cron to its jobs).
//!
//! Every job is idempotent (bookkeeping columns and optimistic guards: a tick run twice emits
//! nothing twice), works in bounded chunks (≤ [`CHUNK`] rows per scan, a handful of bound
//! parameters per statement — sets travel as one JSON parameter), counts its statements
//! against the invocation's [`Budget`] (D1 allows 1,000 queries per invocation) and resumes on
//! the next tick, because whatever it has not handled still matches its scan.
//!
//! The app's clock is the scheduled time: every event a tick records carries it.

pub mod check_in;
pub mod cull;
pub mod expiry;
pub mod maintenance;
pub mod prune;
pub mod webhook_retry;

use std::cell::Cell;

use serde_json::{json, Map, Value};

use crate::clock::{Millis, DAY_MS};
use crate::domain::policy::PolicyConfig;
use crate::service::events::{self, Event};
use crate::service::lifecycle::webhook_delivery::HttpClient;
use crate::service::{App, Bearer};
use crate::store::rows::LicenseScanRow;
use crate::store::{fetch_all, Db, Kv};
use crate::Result;

/// D1's limit of queries per Worker invocation.
pub const D1_QUERIES_PER_INVOCATION: u32 = 1000;
/// What one cron invocation lets its jobs spend (headroom for the runtime's own reads).
pub const INVOCATION_BUDGET: u32 = 900;
/// Rows per scan statement.
pub const CHUNK: i64 = 250;
/// Rows one job handles per invocation at most (bounds CPU and wall time; the rest waits for
/// the next tick).
pub const MAX_ROWS_PER_TICK: usize = 5000;
/// How far back the expired / overdue scans look, so a deployment's first tick does not
/// replay years of history and a few missed ticks are caught up.
pub const CATCH_UP_MS: Millis = 3 * DAY_MS;

/// The statements an invocation may still run. Every query counts 1, a batch counts its
/// statements.
#[derive(Debug)]
pub struct Budget {
    left: Cell<u32>,
    spent: Cell<u32>,
}

impl Budget {
    /// A budget of `n` statements.
    pub fn new(n: u32) -> Self {
        Self { left: Cell::new(n), spent: Cell::new(0) }
    }
    /// Takes `n` statements if they are left.
    pub fn take(&self, n: usize) -> bool {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if self.left.get() < n {
            return false;
        }
        self.left.set(self.left.get() - n);
        self.spent.set(self.spent.get() + n);
        true
    }
    /// Statements spent so far.
    pub fn spent(&self) -> u32 {
        self.spent.get()
    }
}

/// What one job did in one invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    /// The job.
    pub job: &'static str,
    /// Rows read.
    pub rows: usize,
    /// Events recorded.
    pub events: usize,
    /// Rows deleted.
    pub deleted: usize,
    /// Whether the job finished its work (false: stopped at a limit, resumes next tick).
    pub done: bool,
}

/// What an invocation did.
#[derive(Debug, Default)]
pub struct RunReport {
    /// One entry per job run.
    pub jobs: Vec<JobReport>,
    /// Statements spent.
    pub statements: u32,
    /// Jobs that failed, with the error (the others still ran).
    pub errors: Vec<(&'static str, String)>,
}

impl RunReport {
    /// Whether every job finished.
    pub fn done(&self) -> bool {
        self.errors.is_empty() && self.jobs.iter().all(|j| j.done)
    }
}

/// The crons of `wrangler.toml`.
pub const CRON_CULL: &str = "*/2 * * * *";
/// Expiry, maintenance, check-in, webhook retries.
pub const CRON_LIFECYCLE: &str = "*/10 * * * *";
/// Pruning.
pub const CRON_DAILY: &str = "0 6 * * *";

/// Runs the jobs of `cron` with the app's clock at the scheduled time, then fans out the
/// events they (and requests since the last tick) recorded and delivers due webhooks.
/// A failing job is reported and the next one still runs.
pub async fn run<D: Db, K: Kv, H: HttpClient>(app: &App<'_, D, K>, http: &H, cron: &str) -> RunReport {
    let budget = Budget::new(INVOCATION_BUDGET);
    let mut report = RunReport::default();
    macro_rules! job {
        ($name:literal, $e:expr) => {
            match $e.await {
                Ok(r) => report.jobs.push(r),
                Err(e) => report.errors.push(($name, e.to_string())),
            }
        };
    }
    match cron {
        CRON_CULL => {
            job!("cull-machines", cull::machines(app, &budget));
            job!("cull-processes", cull::processes(app, &budget));
        }
        CRON_LIFECYCLE => {
            job!("license-expiring-soon", expiry::expiring_soon(app, &budget));
            job!("license-expired", expiry::expired(app, &budget));
            job!("maintenance-expiring-soon", maintenance::expiring_soon(app, &budget));
            job!("maintenance-expired", maintenance::expired(app, &budget));
            job!("check-in-required-soon", check_in::required_soon(app, &budget));
            job!("check-in-overdue", check_in::overdue(app, &budget));
        }
        CRON_DAILY => {
            job!("prune-webhook-events", prune::webhook_events(app, &budget));
            job!("prune-tokens", prune::tokens(app, &budget));
        }
        other => report.errors.push(("dispatch", format!("unknown cron {other:?}"))),
    }
    job!("webhooks", webhook_retry::run(app, http, &budget));
    report.statements = budget.spent();
    report
}

/// A license job's rule: `Some([subject, bookkeeping])` when the row gets the event now.
pub(crate) type Decide = fn(&LicenseScanRow, &PolicyConfig, Millis) -> Option<[Option<Millis>; 2]>;

/// A license job: a scan, the bookkeeping statement, the event, and the rule deciding whether
/// a scanned row gets the event now — `Some([subject, bookkeeping])` with the two values the
/// guarded write checks, or `None`.
pub(crate) struct LicenseJob {
    pub name: &'static str,
    pub scan: &'static str,
    pub mark: &'static str,
    pub event: &'static str,
    /// Whether the scan takes the catch-up bound (?4).
    pub catch_up: bool,
    pub decide: Decide,
}

/// Runs a license job chunk by chunk in keyset order until its scan is empty, its row cap or
/// the budget is reached. Each chunk is one atomic batch: the guarded bookkeeping UPDATE and
/// the events, which roll back together if a concurrent run marked any row first.
pub(crate) async fn license_job<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget, job: LicenseJob) -> Result<JobReport> {
    let now = app.now();
    let mut rep = JobReport { job: job.name, ..JobReport::default() };
    let mut cursor = String::new();
    loop {
        if rep.rows >= MAX_ROWS_PER_TICK || !budget.take(3) {
            return Ok(rep);
        }
        let mut params: Vec<Value> = vec![cursor.clone().into(), now.into(), CHUNK.into()];
        if job.catch_up {
            params.push((now - CATCH_UP_MS).into());
        }
        let rows: Vec<LicenseScanRow> = fetch_all(app.db, job.scan, &params).await?;
        let Some(last) = rows.last() else {
            rep.done = true;
            return Ok(rep);
        };
        cursor = last.id.clone();
        rep.rows += rows.len();
        let mut guard = Map::new();
        let mut evs = Vec::new();
        for r in &rows {
            if let Some(vals) = (job.decide)(r, &r.config(), now) {
                guard.insert(r.id.clone(), json!(vals));
                evs.push((r.account_id.as_str(), license_event(job.event, &r.id)));
            }
        }
        if !evs.is_empty() {
            let n = evs.len();
            app.db
                .batch(vec![
                    crate::store::Stmt::new(job.mark, vec![Value::Object(guard).to_string().into(), now.into()]),
                    events::record_many(app, &Bearer::Anonymous, &evs, Some(n as u64)),
                ])
                .await?;
            rep.events += n;
        }
        if (rows.len() as i64) < CHUNK {
            rep.done = true;
            return Ok(rep);
        }
    }
}

fn license_event<'a>(name: &'a str, id: &'a str) -> Event<'a> {
    Event { name, resource_type: "licenses", resource_id: id, changes: None, meta: None }
}

/// "Entering the window `[at - offset, at]` and no event since it opened."
pub(crate) fn soon(at: Option<Millis>, offset_ms: Millis, last: Option<Millis>, now: Millis) -> bool {
    at.is_some_and(|at| now <= at && now >= at - offset_ms && last.is_none_or(|t| t < at - offset_ms))
}

/// "`at` passed (within the catch-up window) and no event since."
pub(crate) fn passed(at: Option<Millis>, last: Option<Millis>, now: Millis) -> bool {
    at.is_some_and(|at| at < now && at >= now - CATCH_UP_MS && last.is_none_or(|t| t < at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_refuses_what_is_not_left() {
        let b = Budget::new(5);
        assert!(b.take(3));
        assert!(!b.take(3));
        assert!(b.take(2));
        assert_eq!(b.spent(), 5);
    }

    #[test]
    fn windows_open_once() {
        let day = DAY_MS;
        assert!(soon(Some(10 * day), 3 * day, None, 7 * day));
        assert!(!soon(Some(10 * day), 3 * day, None, 7 * day - 1));
        assert!(!soon(Some(10 * day), 3 * day, Some(7 * day), 8 * day), "already sent in this window");
        assert!(soon(Some(20 * day), 3 * day, Some(7 * day), 18 * day), "a renewal opens a new window");
        assert!(!soon(Some(10 * day), 3 * day, None, 10 * day + 1), "expired is not expiring");
        assert!(passed(Some(10 * day), None, 10 * day + 1));
        assert!(!passed(Some(10 * day), Some(10 * day + 1), 10 * day + 5));
        assert!(!passed(Some(10 * day), None, 14 * day), "beyond the catch-up window");
    }
}

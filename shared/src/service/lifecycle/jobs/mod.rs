//! Scheduled jobs, fired by the Worker's cron triggers ([`run`] maps a cron to its jobs).
//!
//! Every job is idempotent (bookkeeping columns and optimistic guards: a tick run twice emits
//! nothing twice), works in bounded chunks (≤ [`CHUNK`] rows per scan, a handful of bound
//! parameters per statement — sets travel as one JSON parameter), counts its statements
//! against the invocation's [`Budget`] (D1 allows 50 queries per invocation on the Free plan,
//! 1,000 on Paid: [`Settings`]) and resumes on
//! the next tick, because whatever it has not handled still matches its scan.
//!
//! The app's clock is the scheduled time: every event a tick records carries it.

pub mod check_in;
pub mod cull;
pub mod expiry;
pub mod maintenance;
pub mod prune;
// Trials: trial-activation.expired.
pub mod trial_expiry;
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

/// The Cloudflare plan the deployment runs on (`LATCHKEY_PLAN`): it sets how many D1 queries
/// one invocation may make (Free 50, Paid 1,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Workers Free: 50 D1 queries and 50 subrequests per invocation, 10 ms CPU.
    Free,
    /// Workers Paid: 1,000 D1 queries and 1,000 subrequests per invocation, 30 s CPU.
    Paid,
}

impl Plan {
    /// D1 queries one invocation may make on this plan.
    pub const fn d1_queries(self) -> u32 {
        match self {
            Self::Free => 50,
            Self::Paid => 1000,
        }
    }
}

/// How the jobs and the webhook queue consumer spend an invocation, read once from the deployment's vars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// D1 queries one invocation may make (the plan's, or `LATCHKEY_CRON_D1_QUERIES`).
    pub d1_queries: u32,
    /// `ENVIRONMENT=development`: webhooks may target `http` and loopback.
    pub development: bool,
    /// Request logs (issue 8): retention (the daily prune) and the per-account daily cap.
    pub request_logs: crate::domain::request_log::Settings,
}

/// Statements a request itself may have spent before its delivery hook runs.
const REQUEST_QUERIES: u32 = 20;

impl Settings {
    /// The Free-plan defaults (safe on every plan).
    pub const fn free(development: bool) -> Self {
        Self { d1_queries: Plan::Free.d1_queries(), development, request_logs: crate::domain::request_log::Settings::DEFAULT }
    }
    /// Reads `LATCHKEY_PLAN` (`free` | `paid`, default `free`) and `LATCHKEY_CRON_D1_QUERIES`
    /// (an explicit per-invocation limit, 10–1,000, overriding the plan's).
    ///
    /// # Errors
    /// Which var is invalid, and why.
    pub fn from_vars(plan: Option<&str>, d1_queries: Option<&str>, development: bool) -> std::result::Result<Self, String> {
        let plan = match plan.map(str::trim) {
            None | Some("") | Some("free") => Plan::Free,
            Some("paid") => Plan::Paid,
            Some(other) => return Err(format!("LATCHKEY_PLAN must be \"free\" or \"paid\", not {other:?}")),
        };
        let d1_queries = match d1_queries.map(str::trim).filter(|s| !s.is_empty()) {
            None => plan.d1_queries(),
            Some(n) => match n.parse::<u32>() {
                Ok(n) if (10..=1000).contains(&n) => n,
                _ => return Err(format!("LATCHKEY_CRON_D1_QUERIES must be an integer from 10 to 1000, not {n:?}")),
            },
        };
        Ok(Self { d1_queries, development, request_logs: crate::domain::request_log::Settings::DEFAULT })
    }
    /// What one cron invocation lets its jobs spend: 90% of the limit (headroom for the
    /// runtime's own reads).
    pub const fn cron_budget(&self) -> u32 {
        self.d1_queries / 10 * 9
    }
    /// What the post-request delivery hook may spend (the request spent some already).
    pub const fn hook_budget(&self) -> u32 {
        let b = self.cron_budget().saturating_sub(REQUEST_QUERIES);
        if b > 200 {
            200
        } else {
            b
        }
    }
    /// Deliveries per cron invocation (each is a subrequest: 50 per invocation on Free).
    pub const fn deliveries_per_tick(&self) -> usize {
        if self.d1_queries >= 1000 {
            40
        } else {
            10
        }
    }
}

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
    /// Rows skipped because they could not be handled (a stored document that does not
    /// decode, a failed chunk): each with why. The job carried on with the other rows.
    pub errors: Vec<String>,
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
    /// Whether any job failed or skipped a row.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty() || self.jobs.iter().any(|j| !j.errors.is_empty())
    }
    /// The report as one JSON object (logged by the scheduled handler, read by the e2e tests).
    pub fn to_json(&self) -> Value {
        json!({
            "statements": self.statements,
            "ok": !self.failed(),
            "jobs": self.jobs.iter().map(|j| json!({
                "job": j.job, "rows": j.rows, "events": j.events, "deleted": j.deleted, "done": j.done, "errors": j.errors,
            })).collect::<Vec<_>>(),
            "errors": self.errors.iter().map(|(job, e)| json!({"job": job, "error": e})).collect::<Vec<_>>(),
        })
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
pub async fn run<D: Db, K: Kv, H: HttpClient>(app: &App<'_, D, K>, http: &H, cron: &str, settings: &Settings) -> RunReport {
    let budget = Budget::new(settings.cron_budget());
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
            job!("trial-activation-expired", trial_expiry::expired(app, &budget));
        }
        CRON_DAILY => {
            job!("prune-webhook-events", prune::webhook_events(app, &budget));
            job!("prune-tokens", prune::tokens(app, &budget));
            job!("prune-stale-uploads", prune::stale_uploads(app, &budget)); // distribution (issue 9)
            job!("prune-request-logs", prune::request_logs(app, &budget, settings.request_logs.retention_ms));
            // request logs (issue 8)
        }
        other => report.errors.push(("dispatch", format!("unknown cron {other:?}"))),
    }
    job!("webhooks", webhook_retry::run(app, http, &budget, settings));
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
            // A stored policy that does not decode is skipped (and reported), never read as the
            // defaults; the other rows go on.
            let cfg = match policy_config(&r.policy_config) {
                Ok(c) => c,
                Err(e) => {
                    rep.errors.push(format!("license {}: {e}", r.id));
                    continue;
                }
            };
            if let Some(vals) = (job.decide)(r, &cfg, now) {
                guard.insert(r.id.clone(), json!(vals));
                evs.push((r.account_id.as_str(), license_event(job.event, &r.id)));
            }
        }
        if !evs.is_empty() {
            let n = evs.len();
            let batch = app
                .db
                .batch(vec![
                    crate::store::Stmt::new(job.mark, vec![Value::Object(guard).to_string().into(), now.into()]),
                    events::record_many(app, &Bearer::Anonymous, &evs, Some(n as u64)),
                ])
                .await;
            // A failed chunk rolls back as a whole and is re-read next tick; the next chunk runs.
            match batch {
                Ok(_) => rep.events += n,
                Err(e) => rep.errors.push(format!("chunk after {}: {e}", rows.first().map_or("", |r| r.id.as_str()))),
            }
        }
        if (rows.len() as i64) < CHUNK {
            rep.done = true;
            return Ok(rep);
        }
    }
}

/// A stored policy document, strictly: `Err` (with why) when it does not decode.
pub(crate) fn policy_config(stored: &str) -> std::result::Result<PolicyConfig, String> {
    serde_json::from_str(stored).map_err(|e| format!("stored policy config does not decode: {e}"))
}

fn license_event<'a>(name: &'a str, id: &'a str) -> Event<'a> {
    Event { name, resource_type: "licenses", resource_id: id, changes: None, meta: None }
}

/// "Entering the window `[at - offset, at]` and no event since it opened."
pub(crate) fn soon(at: Option<Millis>, offset_ms: Millis, last: Option<Millis>, now: Millis) -> bool {
    let opens = |at: Millis| at.saturating_sub(offset_ms);
    at.is_some_and(|at| now <= at && now >= opens(at) && last.is_none_or(|t| t < opens(at)))
}

/// "`at` passed (within the catch-up window) and no event since."
pub(crate) fn passed(at: Option<Millis>, last: Option<Millis>, now: Millis) -> bool {
    at.is_some_and(|at| at < now && at >= now.saturating_sub(CATCH_UP_MS) && last.is_none_or(|t| t < at))
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
    fn settings_default_to_the_free_plan_and_reject_bad_vars() {
        let free = Settings::from_vars(None, None, false).unwrap();
        assert_eq!(free, Settings::free(false));
        assert_eq!((free.d1_queries, free.cron_budget(), free.hook_budget(), free.deliveries_per_tick()), (50, 45, 25, 10));
        let paid = Settings::from_vars(Some("paid"), None, false).unwrap();
        assert_eq!((paid.d1_queries, paid.cron_budget(), paid.hook_budget(), paid.deliveries_per_tick()), (1000, 900, 200, 40));
        assert_eq!(Settings::from_vars(Some("paid"), Some("300"), true).unwrap(), Settings { d1_queries: 300, development: true, ..Settings::free(true) });
        assert!(Settings::from_vars(Some("enterprise"), None, false).unwrap_err().contains("LATCHKEY_PLAN"));
        for bad in ["0", "9", "1001", "-1", "lots"] {
            assert!(Settings::from_vars(None, Some(bad), false).unwrap_err().contains("LATCHKEY_CRON_D1_QUERIES"), "{bad}");
        }
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

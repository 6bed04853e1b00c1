//! Request logs (issue 8) on SQLite with the real migrations: the guarded insert and its daily
//! cap, every list filter of Keygen's request-logs controller, admin-only reads, redaction of
//! what is stored, and the daily prune by retention.

use shared::api::query::Query;
use shared::clock::DAY_MS;
use shared::domain::request_log::Settings;
use shared::error::Source;
use shared::service::lifecycle::jobs;
use shared::service::lifecycle::request_logs::{self as logs, Entry};
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::service::{Bearer, Caller};
use shared::Clock;

use crate::support::{block, Env, T0};

const U1: &str = "11111111-1111-4111-8111-111111111111";
const P1: &str = "22222222-2222-4222-8222-222222222222";
const L1: &str = "33333333-3333-4333-8333-333333333333";

fn entry(method: &str, target: &str, status: u16, ip: &str, requestor: Option<(&'static str, &str)>, resource: Option<(&str, &str)>) -> Entry {
    Entry {
        method: method.into(),
        target: target.into(),
        status,
        ip: Some(ip.into()),
        user_agent: Some("app/1.0".into()),
        requestor: requestor.map(|(t, i)| (t, i.to_owned())),
        resource: resource.map(|(t, i)| (t.to_owned(), i.to_owned())),
        request_size: 12,
        response_size: Some(345),
        run_time_ms: 7,
    }
}

fn record(env: &Env, admin: &Caller, e: &Entry, limit: i64) -> bool {
    block(logs::record(&env.db, shared::rng::uuid_v4(&env.rng), admin.account_id(), e, limit, env.clock.now_ms())).unwrap()
}

fn urls(env: &Env, caller: &Caller, q: &str) -> Vec<String> {
    let (rows, n, _) = block(logs::list(&env.app(), caller, &Query::parse(q))).unwrap();
    assert_eq!(n as usize, rows.len(), "{q}");
    rows.into_iter().map(|r| r.url).collect()
}

fn seed(env: &Env, admin: &Caller) {
    record(env, admin, &entry("GET", "/v1/licenses", 200, "198.51.100.7", Some(("users", U1)), None), 100);
    env.clock.advance(1000);
    record(env, admin, &entry("POST", "/v1/machines", 201, "198.51.100.8", Some(("products", P1)), Some(("machines", L1))), 100);
    env.clock.advance(1000);
    record(env, admin, &entry("POST", &format!("/v1/licenses/{L1}/actions/validate"), 422, "2001:db8::1", Some(("licenses", L1)), Some(("licenses", L1))), 100);
    env.clock.advance(DAY_MS);
    record(env, admin, &entry("DELETE", "/v1/machines/x", 404, "203.0.113.1", None, None), 100);
}

#[test]
fn every_keygen_filter_narrows_the_list() {
    let env = Env::new();
    let admin = env.admin();
    seed(&env, &admin);
    let validate = format!("/v1/licenses/{L1}/actions/validate");
    assert_eq!(urls(&env, &admin, ""), ["/v1/machines/x", validate.as_str(), "/v1/machines", "/v1/licenses"], "newest first");
    assert_eq!(urls(&env, &admin, "method=post"), [validate.as_str(), "/v1/machines"]);
    assert_eq!(urls(&env, &admin, "status=201"), ["/v1/machines"]);
    assert_eq!(urls(&env, &admin, "url=actions/validate"), [validate.as_str()]);
    assert_eq!(urls(&env, &admin, "url=MACHINES"), Vec::<String>::new(), "url is case-sensitive, as Keygen's like");
    assert_eq!(urls(&env, &admin, "ip=198.51.100"), ["/v1/machines", "/v1/licenses"], "ip is a prefix");
    assert_eq!(urls(&env, &admin, "ip=2001:DB8"), [validate.as_str()], "case-insensitive");
    assert_eq!(urls(&env, &admin, "requestor[type]=User"), ["/v1/licenses"]);
    assert_eq!(urls(&env, &admin, &format!("requestor[type]=product&requestor[id]={P1}")), ["/v1/machines"]);
    assert_eq!(urls(&env, &admin, &format!("requestor={L1}")), [validate.as_str()]);
    assert_eq!(urls(&env, &admin, "resource[type]=licenses"), [validate.as_str()]);
    assert_eq!(urls(&env, &admin, &format!("resource[id]={L1}")), [validate.as_str(), "/v1/machines"]);
    // date[start]..date[end]: whole UTC days; T0 is midnight, the last log is a day later.
    assert_eq!(urls(&env, &admin, "date[start]=2023-12-31&date[end]=2024-01-01").len(), 3);
    assert_eq!(urls(&env, &admin, "date[start]=2024-01-02&date[end]=2024-01-03"), ["/v1/machines/x"]);
    assert_eq!(urls(&env, &admin, "date[start]=2024-01-01&date[end]=2024-01-02&method=DELETE"), ["/v1/machines/x"]);
}

#[test]
fn bad_filters_are_400_naming_the_parameter() {
    let env = Env::new();
    let admin = env.admin();
    for (q, param) in [
        ("status=abc", "status"),
        ("status=99", "status"),
        ("date[start]=2024-01-01", "date"),
        ("date[start]=2024-01-01&date[end]=2024-01-01", "date"),
        ("date[start]=2024-01-01&date[end]=2024-03-01", "date"),
        ("date[start]=nope&date[end]=2024-01-02", "date"),
        ("url=", "url"),
        ("ip=%20", "ip"),
        ("method=", "method"),
        ("requestor[id]=", "requestor[id]"),
        ("resource=", "resource"),
    ] {
        let e = block(logs::list(&env.app(), &admin, &Query::parse(q))).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"), "{q}");
        assert!(matches!(&e.source, Some(Source::Parameter(p)) if p == param), "{q}: {:?}", e.source);
    }
}

#[test]
fn only_admins_read_request_logs() {
    let env = Env::new();
    let admin = env.admin();
    record(&env, &admin, &entry("GET", "/v1/me", 200, "198.51.100.7", None, None), 100);
    let (rows, _, _) = block(logs::list(&env.app(), &admin, &Query::default())).unwrap();
    let id = rows[0].id.clone();
    assert_eq!(block(logs::show(&env.app(), &admin, &id)).unwrap().url, "/v1/me");
    for (bearer, status) in [
        (Bearer::Product { product_id: P1.into() }, 403),
        (Bearer::User { user_id: U1.into() }, 403),
        (Bearer::License { license_id: L1.into() }, 403),
        (Bearer::Anonymous, 401),
    ] {
        let c = Caller { bearer, token_id: None, ..admin.clone() };
        assert_eq!(block(logs::list(&env.app(), &c, &Query::default())).unwrap_err().status, status);
        assert_eq!(block(logs::show(&env.app(), &c, &id)).unwrap_err().status, status);
    }
    // Another account's admin: the log does not exist for it.
    env.clock.advance(1);
    let other = env.admin();
    assert_eq!(block(logs::show(&env.app(), &other, &id)).unwrap_err().status, 404);
    assert!(urls(&env, &other, "").is_empty());
}

#[test]
fn secrets_are_redacted_and_long_fields_cut_before_insert() {
    let env = Env::new();
    let admin = env.admin();
    let mut e = entry("GET", "/v1/licenses/ABCDEF-123456-V3/actions/validate?token=prod-secret&include=x", 200, "198.51.100.7", None, None);
    e.user_agent = Some("u".repeat(5000));
    record(&env, &admin, &e, 100);
    let (rows, _, _) = block(logs::list(&env.app(), &admin, &Query::default())).unwrap();
    assert_eq!(rows[0].url, "/v1/licenses/[FILTERED]/actions/validate?token=[FILTERED]&include=x");
    assert_eq!(rows[0].user_agent.as_deref().map(str::len), Some(512));
    assert_eq!((rows[0].request_size, rows[0].response_size, rows[0].run_time), (12, Some(345), 7));
}

#[test]
fn the_daily_cap_holds_per_account_and_resets_at_midnight_utc() {
    let env = Env::new();
    let admin = env.admin();
    env.clock.advance(1);
    let other = env.admin();
    let e = entry("GET", "/v1/me", 200, "198.51.100.7", None, None);
    let written: Vec<bool> = (0..5).map(|_| record(&env, &admin, &e, 3)).collect();
    assert_eq!(written, [true, true, true, false, false]);
    assert!(record(&env, &other, &e, 3), "the cap is per account");
    assert!(!record(&env, &admin, &e, 0), "0 turns logging off");
    env.clock.advance(DAY_MS);
    assert!(record(&env, &admin, &e, 3), "a new UTC day");
    assert_eq!(urls(&env, &admin, "").len(), 4);
}

#[test]
fn the_daily_cron_prunes_logs_past_the_retention() {
    let env = Env::new();
    let admin = env.admin();
    let e = entry("GET", "/v1/me", 200, "198.51.100.7", None, None);
    record(&env, &admin, &e, 100);
    env.clock.advance(5 * DAY_MS);
    record(&env, &admin, &e, 100);
    env.clock.advance(3 * DAY_MS);
    let settings = jobs::Settings { request_logs: Settings { retention_ms: 7 * DAY_MS, daily_limit: 100 }, ..jobs::Settings::free(false) };
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), jobs::CRON_DAILY, &settings));
    let job = r.jobs.iter().find(|j| j.job == "prune-request-logs").unwrap();
    assert_eq!((job.deleted, job.done), (1, true));
    assert_eq!(urls(&env, &admin, "").len(), 1, "the 3-day-old log stays");
    // Idempotent: a second run deletes nothing.
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), jobs::CRON_DAILY, &settings));
    assert_eq!(r.jobs.iter().find(|j| j.job == "prune-request-logs").unwrap().deleted, 0);
    assert_eq!(T0 % DAY_MS, 0);
}

#[test]
fn a_batch_is_one_statement_that_keeps_every_field_and_the_daily_cap() {
    use shared::service::lifecycle::request_log_batch::Batch;
    let env = Env::new();
    let admin = env.admin();
    env.clock.advance(1);
    let other = env.admin();
    let e = entry("POST", "/v1/machines?token=x", 201, "198.51.100.8", Some(("products", P1)), Some(("machines", L1)));
    assert!(record(&env, &admin, &e, 4), "one row today already");
    let now = env.clock.now_ms();
    let mut b = Batch::default();
    for _ in 0..5 {
        b.push(&shared::rng::uuid_v4(&env.rng), admin.account_id(), &e, now);
        b.push(&shared::rng::uuid_v4(&env.rng), other.account_id(), &e, now);
    }
    // Tomorrow's rows of the same batch count against tomorrow's cap.
    b.push(&shared::rng::uuid_v4(&env.rng), admin.account_id(), &e, now + DAY_MS);
    assert_eq!(block(logs::write(&env.db, &b, 4)).unwrap(), 3 + 4 + 1, "admin: 3 more today, 1 tomorrow; other: its own cap of 4");
    env.clock.advance(DAY_MS);
    let (rows, _, _) = block(logs::list(&env.app(), &admin, &Query::parse("page[size]=100"))).unwrap();
    assert_eq!(rows.len(), 5);
    let (theirs, _, _) = block(logs::list(&env.app(), &other, &Query::default())).unwrap();
    assert_eq!(theirs.len(), 4);
    // Every field as the single-row write stores it.
    let fields = |r: &shared::store::sql::request_logs::RequestLogRow| {
        (r.method.clone(), r.url.clone(), r.status, r.ip.clone(), r.user_agent.clone(), r.requestor_type.clone(), r.requestor_id.clone())
    };
    let more =
        |r: &shared::store::sql::request_logs::RequestLogRow| (r.resource_type.clone(), r.resource_id.clone(), r.request_size, r.response_size, r.run_time);
    for r in rows.iter().chain(&theirs) {
        assert_eq!(fields(r), fields(&rows[rows.len() - 1]));
        assert_eq!(more(r), (Some("machines".into()), Some(L1.into()), 12, Some(345), 7));
    }
    assert_eq!(rows[0].url, "/v1/machines?token=[FILTERED]");
    assert_eq!(rows[0].created_at, now + DAY_MS);
    assert!(rows[1..].iter().all(|r| r.created_at <= now));
    // Empty batches and logging off write nothing.
    assert_eq!(block(logs::write(&env.db, &Batch::default(), 4)).unwrap(), 0);
    assert_eq!(block(logs::write(&env.db, &b, 0)).unwrap(), 0);
}

#[test]
fn the_buffer_is_handed_over_only_to_a_caller_who_may_read_the_logs() {
    use shared::service::lifecycle::request_log_batch::Batch;
    let env = Env::new();
    let admin = env.admin();
    let take = |taken: &std::cell::Cell<bool>| {
        taken.set(true);
        let mut b = Batch::default();
        b.push(&shared::rng::uuid_v4(&env.rng), admin.account_id(), &entry("GET", "/v1/me", 200, "198.51.100.7", None, None), env.clock.now_ms());
        b
    };
    let taken = std::cell::Cell::new(false);
    let product = Caller { bearer: Bearer::Product { product_id: P1.into() }, token_id: None, ..admin.clone() };
    assert_eq!(block(logs::write_buffered(&env.db, &product, || take(&taken), 100)).unwrap_err().status, 403);
    assert!(!taken.get(), "a refused caller takes nothing");
    assert!(matches!(block(logs::write_buffered(&env.db, &admin, || take(&taken), 100)).unwrap(), logs::Flushed::Written(1)));
    assert!(taken.get());
    assert_eq!(urls(&env, &admin, ""), ["/v1/me"]);
}

/// SQLite whose writes fail (D1 refusing the buffered rows' statement).
struct WritesFail<'a>(&'a shared::store::sqlite::SqliteDb);

impl shared::store::Db for WritesFail<'_> {
    async fn query(&self, sql: &str, params: &[serde_json::Value]) -> Result<Vec<shared::store::Row>, shared::store::StoreError> {
        self.0.query(sql, params).await
    }
    async fn execute(&self, _: &str, _: &[serde_json::Value]) -> Result<u64, shared::store::StoreError> {
        Err(shared::store::StoreError::Db("injected failure".into()))
    }
    async fn batch(&self, _: Vec<shared::store::Stmt>) -> Result<Vec<shared::store::StmtResult>, shared::store::StoreError> {
        Err(shared::store::StoreError::Db("injected failure".into()))
    }
}

#[test]
fn a_failed_write_of_the_buffer_hands_the_rows_back_and_the_read_goes_on() {
    use shared::service::lifecycle::request_log_batch::Batch;
    let env = Env::new();
    let admin = env.admin();
    let buffered = || {
        let mut b = Batch::default();
        b.push(&shared::rng::uuid_v4(&env.rng), admin.account_id(), &entry("GET", "/v1/me", 200, "198.51.100.7", None, None), env.clock.now_ms());
        b
    };
    let failed = match block(logs::write_buffered(&WritesFail(&env.db), &admin, buffered, 100)).unwrap() {
        logs::Flushed::Failed(batch, e) => {
            assert_eq!(e.status, 500);
            batch
        }
        other => panic!("expected a failed write, got {other:?}"),
    };
    assert_eq!(failed.len(), 1, "the rows come back");
    assert!(urls(&env, &admin, "").is_empty(), "nothing was written");
    // Kept for the next write, they are written then.
    let mut next = Batch::default();
    assert!(next.restore(failed));
    assert!(matches!(block(logs::write_buffered(&env.db, &admin, || next, 100)).unwrap(), logs::Flushed::Written(1)));
    assert_eq!(urls(&env, &admin, ""), ["/v1/me"]);
}

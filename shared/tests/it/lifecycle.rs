//! Lifecycle jobs on SQLite with a frozen clock: each job on crafted data, run twice, with the
//! exact events asserted; culling per strategy and resurrection window; the outbox guard.

use serde_json::{json, Value};
use shared::clock::{iso8601, DAY_MS};
use shared::service::events::{self, Event};
use shared::service::lifecycle::jobs::{self, CRON_CULL, CRON_DAILY, CRON_LIFECYCLE};
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::service::{licensing::maintenance, Bearer, Caller};
use shared::store::rows::LicenseRow;
use shared::store::{Db, Stmt};

use crate::support::{block, Env, T0};

const MIN: i64 = 60_000;

/// Job events recorded since `from` (an index into `env.events()`), as `(event, resource)`.
fn since(env: &Env, from: usize) -> Vec<(String, String)> {
    env.events().into_iter().skip(from).collect()
}

fn tick(env: &Env, cron: &str) -> Vec<(String, String)> {
    let before = env.events().len();
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), cron, &jobs::Settings::free(false)));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.statements <= jobs::Settings::free(false).cron_budget());
    since(env, before)
}

fn ev(name: &str, id: &str) -> (String, String) {
    (name.to_owned(), id.to_owned())
}

/// Inserts a machine directly (the machines service is another branch's).
pub fn machine(env: &Env, l: &LicenseRow, id: &str, created_at: i64, last_heartbeat_at: Option<i64>) {
    let sql = "INSERT INTO machines (id, account_id, license_id, product_id, policy_id, fingerprint, last_heartbeat_at, created_at, updated_at) \
               VALUES (?1, ?2, ?3, ?4, ?5, ?1, ?6, ?7, ?7)";
    let hb = last_heartbeat_at.map_or(Value::Null, Value::from);
    block(env.db.execute(
        sql,
        &[id.into(), l.account_id.clone().into(), l.id.clone().into(), l.product_id.clone().into(), l.policy_id.clone().into(), hb, created_at.into()],
    ))
    .unwrap();
}

fn process(env: &Env, l: &LicenseRow, id: &str, machine_id: &str, last_heartbeat_at: i64) {
    let sql = "INSERT INTO processes (id, account_id, machine_id, license_id, pid, last_heartbeat_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?1, ?5, ?5, ?5)";
    block(env.db.execute(sql, &[id.into(), l.account_id.clone().into(), machine_id.into(), l.id.clone().into(), last_heartbeat_at.into()])).unwrap();
}

fn exists(env: &Env, table: &str, id: &str) -> bool {
    let sql = match table {
        "machines" => "SELECT id FROM machines WHERE id = ?1",
        _ => "SELECT id FROM processes WHERE id = ?1",
    };
    !block(env.db.query(sql, &[id.into()])).unwrap().is_empty()
}

#[test]
fn expiry_job_emits_expiring_soon_and_expired_once() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let wide = env.policy(&admin, &product, json!({"expiringSoonEventOffset": 10 * 86_400}));
    let soon = env.license(&admin, &policy, json!({"expiry": iso8601(T0 + 2 * DAY_MS)}));
    let later = env.license(&admin, &policy, json!({"expiry": iso8601(T0 + 10 * DAY_MS)}));
    let offset = env.license(&admin, &wide, json!({"expiry": iso8601(T0 + 9 * DAY_MS)}));
    let _never = env.license(&admin, &policy, json!({}));

    let mut first = tick(&env, CRON_LIFECYCLE);
    first.sort();
    let mut want = vec![ev("license.expiring-soon", &soon.id), ev("license.expiring-soon", &offset.id)];
    want.sort();
    assert_eq!(first, want);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![], "a second run in the same minute emits nothing");

    env.clock.set(T0 + 2 * DAY_MS + 1);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.expired", &soon.id)]);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);

    env.clock.set(T0 + 7 * DAY_MS + 10 * MIN);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.expiring-soon", &later.id)]);
    // Ticks missed for longer than the 3-day catch-up window are not replayed.
    env.clock.set(T0 + 20 * DAY_MS);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![], "expiries older than the catch-up window are not replayed");
}

#[test]
fn renewing_moves_the_window_so_expiring_soon_fires_again() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"duration": 30 * 86_400}));
    let l = env.license(&admin, &policy, json!({"expiry": iso8601(T0 + DAY_MS)}));
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.expiring-soon", &l.id)]);
    block(shared::service::licensing::licenses::renew(&env.app(), &admin, &l.id)).unwrap();
    env.clock.set(T0 + 28 * DAY_MS);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.expiring-soon", &l.id)]);
    env.clock.set(T0 + 31 * DAY_MS + 1);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.expired", &l.id)]);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);
}

#[test]
fn maintenance_renewal_and_its_events() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let (_, policy) = env.maintained_policy(&admin, &product, "P5D", json!({}));
    let plain = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let other = env.license(&admin, &plain, json!({}));
    let e = block(maintenance::renew(&env.app(), &admin, &other.id)).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "MAINTENANCE_POLICY_MISSING"));

    // Creation starts the window from the policy's maintenance policy (P5D).
    assert_eq!(l.maintenance_expiry, Some(T0 + 5 * DAY_MS));
    let before = env.events().len();
    let r = block(maintenance::renew(&env.app(), &admin, &l.id)).unwrap();
    assert_eq!(r.maintenance_expiry, Some(T0 + 10 * DAY_MS));
    // With its subscription-log event (issue 10 §5).
    assert_eq!(since(&env, before), vec![ev("license.subscription.updated", &l.id), ev("license.maintenance.renewed", &l.id)]);
    let doc = shared::api::licenses::license(&r, T0).into_value();
    assert_eq!(doc["attributes"]["maintenanceExpiry"], iso8601(T0 + 10 * DAY_MS));

    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);
    env.clock.set(T0 + 7 * DAY_MS + 1);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.maintenance-expiring-soon", &l.id)]);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);
    env.clock.set(T0 + 10 * DAY_MS + 1);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.maintenance-expired", &l.id)]);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);

    // Renewing after expiry extends from now, and the next window fires again.
    let r = block(maintenance::renew(&env.app(), &admin, &l.id)).unwrap();
    assert_eq!(r.maintenance_expiry, Some(T0 + 15 * DAY_MS + 1));
    env.clock.set(T0 + 13 * DAY_MS);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.maintenance-expiring-soon", &l.id)]);

    // Users and licenses may not renew; another account cannot see it.
    let license_bearer = Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: l.id.clone() }, token_id: None, permissions: None };
    assert_eq!(block(maintenance::renew(&env.app(), &license_bearer, &l.id)).unwrap_err().status, 403);
    let stranger = env.admin();
    assert_eq!(block(maintenance::renew(&env.app(), &stranger, &l.id)).unwrap_err().status, 404);
}

#[test]
fn check_in_job_warns_before_and_after_the_due_date_once() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"requireCheckIn": true, "checkInInterval": "day", "checkInIntervalCount": 5}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);
    env.clock.set(T0 + 2 * DAY_MS + 1);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.check-in-required-soon", &l.id)]);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);
    env.clock.set(T0 + 5 * DAY_MS + 1);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.check-in-overdue", &l.id)]);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![]);
    // A check-in moves the due date: both windows open again.
    block(env.db.execute("UPDATE licenses SET last_check_in_at = ?1 WHERE id = ?2", &[(T0 + 5 * DAY_MS + 2).into(), l.id.clone().into()])).unwrap();
    env.clock.set(T0 + 8 * DAY_MS + 3);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.check-in-required-soon", &l.id)]);
    env.clock.set(T0 + 10 * DAY_MS + 3);
    assert_eq!(tick(&env, CRON_LIFECYCLE), vec![ev("license.check-in-overdue", &l.id)]);
}

#[test]
fn cull_follows_strategies_and_resurrection_windows() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let deactivate = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10, "requireHeartbeat": true}));
    let keep = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10, "heartbeatCullStrategy": "KEEP_DEAD"}));
    let window = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10, "heartbeatResurrectionStrategy": "5_MINUTE_REVIVE"}));
    let optional = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10}));
    let (la, lk, lw, lo) = (
        env.license(&admin, &deactivate, json!({})),
        env.license(&admin, &keep, json!({})),
        env.license(&admin, &window, json!({})),
        env.license(&admin, &optional, json!({})),
    );
    machine(&env, &la, "a1", T0, Some(T0));
    machine(&env, &la, "a2", T0, Some(T0 + 10 * MIN));
    machine(&env, &la, "a3", T0, None);
    machine(&env, &lk, "k1", T0, Some(T0));
    machine(&env, &lw, "w1", T0, Some(T0));
    machine(&env, &lo, "o1", T0, None);
    process(&env, &la, "p1", "a2", T0);
    process(&env, &lk, "p2", "k1", T0);
    process(&env, &la, "p3", "a2", T0 + 10 * MIN);

    env.clock.set(T0 + 10 * MIN);
    assert_eq!(tick(&env, CRON_CULL), vec![], "due but not overdue is alive");

    env.clock.set(T0 + 11 * MIN);
    let got = tick(&env, CRON_CULL);
    let want = vec![
        ev("machine.heartbeat.dead", "a1"),
        ev("machine.heartbeat.dead", "a3"),
        ev("machine.heartbeat.dead", "k1"),
        ev("machine.heartbeat.dead", "w1"),
        ev("machine.lease.expired", "a1"),
        ev("machine.lease.expired", "a3"),
        ev("process.heartbeat.dead", "p1"),
        ev("process.heartbeat.dead", "p2"),
    ];
    assert_eq!(got, want);
    assert_eq!(tick(&env, CRON_CULL), vec![], "run twice: nothing twice");
    assert!(!exists(&env, "machines", "a1") && !exists(&env, "machines", "a3"));
    assert!(exists(&env, "machines", "a2") && exists(&env, "machines", "k1") && exists(&env, "machines", "w1") && exists(&env, "machines", "o1"));
    assert!(!exists(&env, "processes", "p1") && exists(&env, "processes", "p2") && exists(&env, "processes", "p3"));

    // w1 died at T0+10m; its 5-minute window ends at T0+15m (inclusive).
    env.clock.set(T0 + 15 * MIN);
    assert_eq!(tick(&env, CRON_CULL), vec![]);
    env.clock.set(T0 + 15 * MIN + 1);
    assert_eq!(tick(&env, CRON_CULL), vec![ev("machine.lease.expired", "w1")]);
    assert!(!exists(&env, "machines", "w1"));

    // A kept machine that is pinged and dies again gets a new death event.
    block(env.db.execute("UPDATE machines SET last_heartbeat_at = ?1 WHERE id IN ('k1', 'a2')", &[(T0 + 16 * MIN).into()])).unwrap();
    env.clock.set(T0 + 20 * MIN);
    assert_eq!(tick(&env, CRON_CULL), vec![]);
    env.clock.set(T0 + 20 * MIN + 1);
    assert_eq!(tick(&env, CRON_CULL), vec![ev("process.heartbeat.dead", "p3")]);
    env.clock.set(T0 + 27 * MIN);
    let want = vec![ev("machine.heartbeat.dead", "a2"), ev("machine.heartbeat.dead", "k1"), ev("machine.lease.expired", "a2")];
    assert_eq!(tick(&env, CRON_CULL), want);
    assert_eq!(tick(&env, CRON_CULL), vec![]);
}

#[test]
fn events_of_a_guarded_set_roll_back_when_the_guard_matched_fewer_rows() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let e = |id| (admin.account_id(), Event { name: "license.expired", resource_type: "licenses", resource_id: id, changes: None, meta: None });
    let touch = || Stmt::new("UPDATE accounts SET updated_at = updated_at WHERE id = ?1", vec![admin.account_id().into()]);
    let before = env.events().len();
    let r = block(env.db.batch(vec![touch(), events::record_many(&app, &Bearer::Anonymous, &[e("x"), e("y")], Some(2))]));
    assert!(r.is_err(), "1 row changed, 2 expected: the batch fails");
    assert_eq!(env.events().len(), before, "and nothing was recorded");
    block(env.db.batch(vec![touch(), events::record_many(&app, &Bearer::Anonymous, &[e("x")], Some(1))])).unwrap();
    assert_eq!(since(&env, before), vec![ev("license.expired", "x")]);
}

#[test]
fn daily_prune_removes_old_webhook_events_and_expired_tokens() {
    let env = Env::new();
    let admin = env.admin();
    let acct = admin.account_id().to_owned();
    let ins_ep = "INSERT INTO webhook_endpoints (id, account_id, url, api_version, created_at, updated_at) VALUES ('ep', ?1, 'https://x.test', '1.8', ?2, ?2)";
    block(env.db.execute(ins_ep, &[acct.clone().into(), T0.into()])).unwrap();
    let ins = "INSERT INTO webhook_events (id, account_id, endpoint_id, event_log_id, event, endpoint_url, api_version, payload, idempotency_token, status, \
               next_attempt_at, created_at, updated_at) VALUES (?1, ?2, 'ep', ?1, 'license.created', 'https://x.test', '1.8', '{}', 't', 'DELIVERED', ?3, ?3, ?3)";
    block(env.db.execute(ins, &["old".into(), acct.clone().into(), T0.into()])).unwrap();
    block(env.db.execute(ins, &["new".into(), acct.clone().into(), (T0 + 20 * DAY_MS).into()])).unwrap();
    block(env.db.execute("UPDATE tokens SET expiry = ?1", &[(T0 + DAY_MS).into()])).unwrap();
    env.clock.set(T0 + 31 * DAY_MS);
    assert_eq!(tick(&env, CRON_DAILY), vec![]);
    let left = block(env.db.query("SELECT id FROM webhook_events WHERE id IN ('old', 'new')", &[])).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], "new");
    assert!(block(env.db.query("SELECT id FROM tokens", &[])).unwrap().is_empty());
}

#[test]
fn unknown_crons_are_reported() {
    let env = Env::new();
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), "* * * * *", &jobs::Settings::free(false)));
    assert_eq!(r.errors.len(), 1);
}

/// Overwrites a policy's stored config behind the API's back (a poisoned row).
fn poison_policy(env: &Env, policy_id: &str, config: &str) {
    block(env.db.execute("UPDATE policies SET config = ?2 WHERE id = ?1", &[policy_id.into(), config.into()])).unwrap();
}

#[test]
fn a_poisoned_policy_skips_its_rows_and_the_cull_goes_on_for_every_other_account() {
    let env = Env::new();
    let hb = json!({"floating": true, "requireHeartbeat": true, "heartbeatDuration": 600});
    let mut licenses = Vec::new();
    for _ in 0..3 {
        env.clock.advance(1); // account slugs are made of the clock
        let admin = env.admin();
        let product = env.product(&admin, "App");
        licenses.push(env.license(&admin, &env.policy(&admin, &product, hb.clone()), json!({})));
    }
    // Account 0's policy: valid JSON that does not decode; account 1's: not JSON at all.
    poison_policy(&env, &licenses[0].policy_id, r#"{"floating":"yes","requireHeartbeat":true,"heartbeatDuration":600}"#);
    poison_policy(&env, &licenses[1].policy_id, "not json");
    for (i, l) in licenses.iter().enumerate() {
        machine(&env, l, &format!("00000000-0000-4000-8000-00000000000{i}"), T0, Some(T0));
    }
    env.clock.set(T0 + 11 * MIN);
    let before = env.events().len();
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), CRON_CULL, &jobs::Settings::free(false)));
    let cull = &r.jobs[0];
    assert_eq!(cull.job, "cull-machines");
    assert_eq!(cull.errors.len(), 2, "{:?}", cull.errors);
    assert!(cull.errors.iter().all(|e| e.contains("does not decode")), "{:?}", cull.errors);
    assert!(r.failed(), "a skipped row makes the run fail visibly");
    assert_eq!(r.to_json()["jobs"][0]["errors"].as_array().map(Vec::len), Some(2));
    // The healthy account's machine got its death event (and was deleted past the window).
    let evs = since(&env, before);
    assert!(evs.contains(&ev("machine.heartbeat.dead", "00000000-0000-4000-8000-000000000002")), "{evs:?}");
    assert!(!evs.iter().any(|(_, id)| id.ends_with("0000") || id.ends_with("0001")), "poisoned rows are not culled under defaults: {evs:?}");
    assert!(exists(&env, "machines", "00000000-0000-4000-8000-000000000000"));
}

#[test]
fn a_poisoned_policy_skips_its_license_and_expiry_goes_on() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let bad = env.license(&admin, &env.policy(&admin, &product, json!({})), json!({"expiry": iso8601(T0 + DAY_MS)}));
    let good = env.license(&admin, &env.policy(&admin, &product, json!({})), json!({"expiry": iso8601(T0 + DAY_MS)}));
    poison_policy(&env, &bad.policy_id, r#"{"expiringSoonEventOffset":"soon"}"#);
    env.clock.set(T0 + 2 * DAY_MS);
    let before = env.events().len();
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), CRON_LIFECYCLE, &jobs::Settings::free(false)));
    let expired = r.jobs.iter().find(|j| j.job == "license-expired").unwrap();
    assert_eq!((expired.events, expired.errors.len()), (1, 1), "{expired:?}");
    assert!(expired.errors[0].contains(&bad.id));
    assert_eq!(since(&env, before).iter().filter(|(e, _)| e == "license.expired").collect::<Vec<_>>(), vec![&ev("license.expired", &good.id)]);
}

//! Floating-seat leases (issue 10 §4 follow-up, Cryptlex's `leaseDuration` /
//! `allowClientLeaseDuration`) on SQLite with the real migrations: the lease length a machine
//! gets on activation (policy, license override, the client's shorter request), the precise
//! refusals, renewal by ping, status in SQL and Rust alike, the cull freeing the seat with
//! `machine.lease.expired`, and validation seeing the lease.

use serde_json::json;
use shared::api::query::Query;
use shared::service::fleet::{heartbeats, machines};
use shared::service::licensing::validation;
use shared::service::lifecycle::jobs::{self, CRON_CULL};
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::store::rows::LicenseRow;

use crate::machines::activate;
use crate::support::{block, Env};

fn count(env: &Env, l: &LicenseRow) -> i64 {
    let rows = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n FROM machines WHERE license_id = ?1", &[l.id.clone().into()])).unwrap();
    rows[0]["n"].as_i64().unwrap()
}

fn cull(env: &Env) {
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), CRON_CULL, &jobs::Settings::free(false)));
    assert!(r.jobs.iter().all(|j| j.errors.is_empty()), "{:?}", r.jobs);
}

#[test]
fn machines_get_the_policy_license_or_client_lease() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 10, "leaseDuration": 3600, "allowClientLeaseDuration": true}));
    let rendered = shared::api::licenses::policy(&pol);
    assert_eq!((rendered.attributes["leaseDuration"].clone(), rendered.attributes["allowClientLeaseDuration"].clone()), (json!(3600), json!(true)));
    let l = env.license(&admin, &pol, json!({}));
    let m = activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    assert_eq!((m.lease_duration, m.last_heartbeat_at.is_some()), (Some(3600), true), "the policy's lease, started at activation");
    assert_eq!(shared::api::machines::machine(&m, shared::Clock::now_ms(&env.clock), None).attributes["heartbeatDuration"], 3600);
    let m = activate(&env, &admin, &l, json!({"fingerprint": "b", "leaseDuration": 120})).unwrap();
    assert_eq!(m.lease_duration, Some(120), "the client's shorter lease");
    let e = activate(&env, &admin, &l, json!({"fingerprint": "c", "leaseDuration": 3601})).unwrap_err();
    assert_eq!((e.code.as_ref(), e.source.clone()), ("LEASE_DURATION_INVALID", Some(shared::error::Source::Pointer("/data/attributes/leaseDuration".into()))));
    for (bad, status) in [(json!(0), 422), (json!(-1), 422), (json!(2_147_483_648_i64), 422), (json!("60"), 400), (json!(1.5), 400)] {
        let e = activate(&env, &admin, &l, json!({"fingerprint": "d", "leaseDuration": bad})).unwrap_err();
        assert_eq!((e.status, e.source.clone()), (status, Some(shared::error::Source::Pointer("/data/attributes/leaseDuration".into()))), "{bad}");
    }
    // A license override turns the client's choice off: refused with its own code.
    let strict = env.license(&admin, &pol, json!({"allowClientLeaseDuration": false, "leaseDuration": 60}));
    assert_eq!(strict.activation_rules().unwrap().lease_duration, 60);
    let e = activate(&env, &admin, &strict, json!({"fingerprint": "e", "leaseDuration": 30})).unwrap_err();
    assert_eq!(e.code, "LEASE_DURATION_NOT_ALLOWED");
    assert_eq!(activate(&env, &admin, &strict, json!({"fingerprint": "e"})).unwrap().lease_duration, Some(60));
    // Without a lease on the policy nothing changes (the heartbeat duration, no heartbeat yet).
    let plain = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 2}));
    let pl = env.license(&admin, &plain, json!({}));
    let m = activate(&env, &admin, &pl, json!({"fingerprint": "f"})).unwrap();
    assert_eq!((m.lease_duration, m.last_heartbeat_at), (None, None));
    let e = activate(&env, &admin, &pl, json!({"fingerprint": "g", "leaseDuration": 30})).unwrap_err();
    assert_eq!(e.code, "LEASE_DURATION_NOT_ALLOWED");
    // Bad policy values are 400 at their attribute.
    for bad in [json!(0), json!(-2), json!("1h")] {
        let body = json!({"data":{"type":"policies","attributes":{"name":"x","leaseDuration":bad},"relationships":{"product":{"data":{"type":"products","id":p.id}}}}});
        let e = block(shared::service::catalogue::policies::create(
            &env.app(),
            &admin,
            shared::service::catalogue::policies::parse(body.to_string().as_bytes(), true).unwrap(),
        ))
        .unwrap_err();
        assert_eq!((e.status, e.source.clone()), (400, Some(shared::error::Source::Pointer("/data/attributes/leaseDuration".into()))), "{bad}");
    }
}

#[test]
fn an_expired_lease_frees_the_seat_and_a_ping_renews_it() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 2, "leaseDuration": 300, "allowClientLeaseDuration": true}));
    let l = env.license(&admin, &pol, json!({}));
    let a = activate(&env, &admin, &l, json!({"fingerprint": "a", "leaseDuration": 60})).unwrap();
    let b = activate(&env, &admin, &l, json!({"fingerprint": "b"})).unwrap();
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "c"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    // 50 s: a is renewed by a ping (its own 60 s lease from now).
    env.clock.advance(50_000);
    let (a2, _) = block(heartbeats::ping(&env.app(), &admin, &a.id)).unwrap();
    assert_eq!(a2.lease_duration, Some(60), "the ping keeps the machine's lease");
    // 100 s: a is alive (pinged at 50 s), b is alive (300 s); the SQL status filter agrees.
    env.clock.advance(50_000);
    let alive = |env: &Env| {
        let (rows, _, _) = block(machines::list(&env.app(), &admin, &Query::parse("status=ALIVE"))).unwrap();
        let mut ids: Vec<String> = rows.into_iter().map(|m| m.id).collect();
        ids.sort();
        ids
    };
    let mut both = vec![a.id.clone(), b.id.clone()];
    both.sort();
    assert_eq!(alive(&env), both);
    // 111 s: a's lease (pinged at 50 s + 60 s) has run out; b's has not.
    env.clock.advance(11_000);
    assert_eq!(alive(&env), vec![b.id.clone()]);
    let m = block(machines::find(&env.app(), admin.account_id(), &a.id)).unwrap().unwrap();
    assert_eq!(shared::api::machines::machine(&m, shared::Clock::now_ms(&env.clock), None).attributes["heartbeatStatus"], "DEAD");
    // Validation scoped to a sees the lease as dead.
    let key = json!({"meta":{"key": l.key, "scope": {"fingerprint": "a"}}}).to_string();
    let v = block(validation::validate_license(&env.app(), &admin, validation::parse_validate_key(key.as_bytes()).unwrap())).unwrap();
    assert_eq!(v.outcome.code.as_str(), "HEARTBEAT_DEAD");
    // The cull frees the seat (NO_REVIVE: at once) with `machine.lease.expired`; a new machine fits.
    cull(&env);
    assert_eq!(count(&env, &l), 1);
    assert!(env.events().iter().any(|(e, id)| e == "machine.lease.expired" && *id == a.id));
    activate(&env, &admin, &l, json!({"fingerprint": "c"})).unwrap();
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "d"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    // b's 300 s lease runs out too: culled, the limit holds throughout.
    env.clock.advance(200_000);
    cull(&env);
    assert_eq!(count(&env, &l), 1, "b culled; c (activated at 111 s, 300 s lease) alive");
}

/// An activation refused only because expired leases still hold the seats frees them itself,
/// as the cull would (`machine.lease.expired`, the activation log, the seat count), and takes
/// the seat; live leases are never freed, and a seat limit that live machines fill still holds.
#[test]
fn an_activation_frees_expired_leases_at_once_instead_of_waiting_for_the_cull() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 2, "leaseDuration": 60}));
    let l = env.license(&admin, &pol, json!({}));
    let a = activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    env.clock.advance(30_000);
    let b = activate(&env, &admin, &l, json!({"fingerprint": "b"})).unwrap();
    // 45 s: both alive; the limit holds and nothing is freed.
    env.clock.advance(15_000);
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "c"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    assert_eq!(count(&env, &l), 2);
    // 61 s: a's lease ran out (b's runs to 90 s). No cull has run; the activation frees a's seat.
    env.clock.advance(16_000);
    let c = activate(&env, &admin, &l, json!({"fingerprint": "c"})).unwrap();
    assert_eq!(count(&env, &l), 2);
    assert!(block(machines::find(&env.app(), admin.account_id(), &a.id)).unwrap().is_none(), "a freed");
    assert!(block(machines::find(&env.app(), admin.account_id(), &b.id)).unwrap().is_some(), "b kept: its lease runs");
    let evs = env.events();
    assert!(evs.iter().any(|(e, id)| e == "machine.lease.expired" && *id == a.id), "{evs:?}");
    assert!(evs.iter().any(|(e, id)| e == "machine.heartbeat.dead" && *id == a.id), "{evs:?}");
    let logs = block(shared::store::Db::query(&env.db, "SELECT action FROM activation_logs WHERE machine_id = ?1 ORDER BY created_at", &[a.id.clone().into()]))
        .unwrap();
    let actions: Vec<&str> = logs.iter().filter_map(|r| r["action"].as_str()).collect();
    assert_eq!(actions.last(), Some(&"culled"), "{actions:?}");
    // b and c hold both seats, alive: refused, nothing freed.
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "d"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    assert!(block(machines::find(&env.app(), admin.account_id(), &c.id)).unwrap().is_some());
    assert_eq!(count(&env, &l), 2);
}

/// A policy that keeps dead machines (`KEEP_DEAD`) keeps their seats too: activation frees
/// nothing, as the cull would free nothing.
#[test]
fn an_activation_frees_no_seat_a_keep_dead_policy_keeps() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 1, "leaseDuration": 60, "heartbeatCullStrategy": "KEEP_DEAD"}));
    let l = env.license(&admin, &pol, json!({}));
    let a = activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    env.clock.advance(61_000);
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "b"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    assert!(block(machines::find(&env.app(), admin.account_id(), &a.id)).unwrap().is_some());
}

//! Meter attributes on SQLite with the real migrations: create/update/delete/reset, the guarded
//! increment (the SQL guard and `domain::meters::fits` agree), decrements, floating releases on
//! deactivation and on the heartbeat cull (in the same batch), and meters in license/machine reads.

use serde_json::{json, Value};
use shared::api::licenses::license;
use shared::api::machines::machine;
use shared::domain::meters::fits;
use shared::service::licensing::{activation, meters};
use shared::service::lifecycle::jobs::{self, CRON_CULL};
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::service::{fleet::machines, licensing::licenses, Caller};
use shared::store::rows::LicenseRow;

use crate::machines::activate;
use crate::support::{block, Env, T0};

fn meter(env: &Env, c: &Caller, l: &LicenseRow, attrs: Value) -> Result<LicenseRow, shared::Error> {
    let body = json!({"data":{"type":"meters","attributes":attrs}}).to_string();
    block(meters::create(&env.app(), c, &l.id, meters::parse(body.as_bytes(), true)?))
}

fn attrs(env: &Env, l: &LicenseRow) -> Value {
    let l = block(licenses::find(&env.app(), &l.account_id, &l.id)).unwrap().unwrap();
    license(&l, T0).into_value()["attributes"]["meterAttributes"].clone()
}

fn setup(env: &Env) -> (Caller, LicenseRow) {
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10, "requireHeartbeat": true})), json!({}));
    (admin, l)
}

#[test]
fn meters_are_created_listed_on_the_license_updated_and_deleted() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    let got = meter(&env, &admin, &l, json!({"name": "exports", "allowedUses": 5, "floating": true})).unwrap();
    assert_eq!(
        license(&got, T0).into_value()["attributes"]["meterAttributes"],
        json!([{"name":"exports","allowedUses":5,"totalUses":0,"grossUses":0,"floating":true,"visible":true}])
    );
    let e = meter(&env, &admin, &l, json!({"name": "exports", "allowedUses": 1})).unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("NAME_TAKEN", 422));
    meter(&env, &admin, &l, json!({"name": "api", "allowedUses": -1, "visible": false})).unwrap();
    let patch = meters::parse(br#"{"data":{"type":"meters","attributes":{"allowedUses":9}}}"#, false).unwrap();
    block(meters::update(&env.app(), &admin, &l.id, "exports", patch)).unwrap();
    assert_eq!(attrs(&env, &l)[1]["allowedUses"], 9, "sorted by name: api, exports");
    assert_eq!(attrs(&env, &l)[0]["visible"], false);
    let patch = meters::parse(br#"{"data":{"type":"meters","attributes":{"allowedUses":1}}}"#, false).unwrap();
    assert_eq!(block(meters::update(&env.app(), &admin, &l.id, "nope", patch)).unwrap_err().code, "NOT_FOUND");
    block(meters::delete(&env.app(), &admin, &l.id, "api")).unwrap();
    assert_eq!(block(meters::delete(&env.app(), &admin, &l.id, "api")).unwrap_err().code, "NOT_FOUND");
    assert_eq!(attrs(&env, &l).as_array().map(Vec::len), Some(1));
}

#[test]
fn a_license_has_at_most_twenty_meters() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    for i in 0..shared::domain::meters::MAX_METERS_PER_LICENSE {
        meter(&env, &admin, &l, json!({"name": format!("m{i}"), "allowedUses": 1})).unwrap();
    }
    let e = meter(&env, &admin, &l, json!({"name": "one-more", "allowedUses": 1})).unwrap_err();
    assert_eq!(e.code, "METER_ATTRIBUTES_LIMIT_EXCEEDED");
}

#[test]
fn increments_stop_exactly_at_allowed_uses_and_agree_with_the_pure_rule() {
    for (allowed, steps) in [(3_i64, vec![1_i64, 1, 1, 1]), (5, vec![2, 2, 2, 1]), (0, vec![1]), (-1, vec![1000, 2_147_483_647]), (10, vec![11, 10, 1])] {
        let env = Env::new();
        let (admin, l) = setup(&env);
        meter(&env, &admin, &l, json!({"name": "m", "allowedUses": allowed})).unwrap();
        let m = activate(&env, &admin, &l, json!({"fingerprint": "fp"})).unwrap();
        let mut total = 0;
        for step in steps {
            let want = fits(allowed, total, step);
            let got = block(meters::increment(&env.app(), &admin, &m.id, "m", step));
            assert_eq!(got.is_ok(), want, "allowed {allowed}, total {total}, step {step}");
            match got {
                Ok(s) => {
                    total += step;
                    assert_eq!((s.uses, s.total_uses), (total, total));
                }
                Err(e) => assert_eq!((e.code.as_ref(), e.status), ("METER_USES_LIMIT_EXCEEDED", 422)),
            }
        }
        assert_eq!(attrs(&env, &l)[0]["totalUses"], total);
        assert_eq!(attrs(&env, &l)[0]["grossUses"], total);
    }
}

#[test]
fn an_unknown_meter_or_a_foreign_machine_is_refused() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    let m = activate(&env, &admin, &l, json!({"fingerprint": "fp"})).unwrap();
    let e = block(meters::increment(&env.app(), &admin, &m.id, "nope", 1)).unwrap_err();
    assert_eq!(e.code, "METER_NOT_FOUND");
    env.clock.advance(1);
    let other = env.admin();
    assert_eq!(block(meters::increment(&env.app(), &other, &m.id, "nope", 1)).unwrap_err().code, "NOT_FOUND");
}

#[test]
fn decrements_never_go_below_the_machines_uses_and_reset_keeps_gross() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    meter(&env, &admin, &l, json!({"name": "m", "allowedUses": 10})).unwrap();
    let a = activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    let b = activate(&env, &admin, &l, json!({"fingerprint": "b"})).unwrap();
    block(meters::increment(&env.app(), &admin, &a.id, "m", 4)).unwrap();
    block(meters::increment(&env.app(), &admin, &b.id, "m", 3)).unwrap();
    let e = block(meters::decrement(&env.app(), &admin, &b.id, "m", 4)).unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("METER_USES_INVALID", 422));
    let s = block(meters::decrement(&env.app(), &admin, &b.id, "m", 2)).unwrap();
    assert_eq!((s.uses, s.total_uses), (1, 5));
    let m = block(machines::find(&env.app(), &a.account_id, &a.id)).unwrap().unwrap();
    assert_eq!(machine(&m, T0, None).into_value()["attributes"]["meterAttributes"], json!([{"name": "m", "uses": 4, "visible": true}]));
    block(meters::reset(&env.app(), &admin, &l.id, "m")).unwrap();
    assert_eq!((attrs(&env, &l)[0]["totalUses"].clone(), attrs(&env, &l)[0]["grossUses"].clone()), (json!(0), json!(7)));
    let m = block(machines::find(&env.app(), &a.account_id, &a.id)).unwrap().unwrap();
    assert_eq!(machine(&m, T0, None).into_value()["attributes"]["meterAttributes"], json!([{"name": "m", "uses": 0, "visible": true}]));
}

#[test]
fn deactivation_gives_floating_uses_back_and_keeps_fixed_ones() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    meter(&env, &admin, &l, json!({"name": "float", "allowedUses": 5, "floating": true})).unwrap();
    meter(&env, &admin, &l, json!({"name": "fixed", "allowedUses": 5})).unwrap();
    let a = activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    let b = activate(&env, &admin, &l, json!({"fingerprint": "b"})).unwrap();
    for m in [&a, &b] {
        block(meters::increment(&env.app(), &admin, &m.id, "float", 2)).unwrap();
        block(meters::increment(&env.app(), &admin, &m.id, "fixed", 2)).unwrap();
    }
    block(activation::deactivate(&env.app(), &admin, &a.id)).unwrap();
    let got = attrs(&env, &l);
    assert_eq!((got[0]["name"].clone(), got[0]["totalUses"].clone()), (json!("fixed"), json!(4)), "{got}");
    assert_eq!((got[1]["name"].clone(), got[1]["totalUses"].clone(), got[1]["grossUses"].clone()), (json!("float"), json!(2), json!(4)));
    // A second deactivation of the same machine (a concurrent one) releases nothing twice.
    assert!(block(activation::deactivate(&env.app(), &admin, &a.id)).is_err());
    assert_eq!(attrs(&env, &l)[1]["totalUses"], 2);
    let n = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n FROM machine_meters WHERE machine_id = ?1", &[a.id.clone().into()])).unwrap();
    assert_eq!(n[0]["n"], 0, "the gone machine's shares are purged");
    // The freed floating uses can be used again.
    block(meters::increment(&env.app(), &admin, &b.id, "float", 3)).unwrap();
}

#[test]
fn the_heartbeat_cull_gives_floating_uses_back_in_its_batch() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    meter(&env, &admin, &l, json!({"name": "float", "allowedUses": 5, "floating": true})).unwrap();
    let dead = activate(&env, &admin, &l, json!({"fingerprint": "dead"})).unwrap();
    block(shared::store::Db::execute(&env.db, "UPDATE machines SET last_heartbeat_at = ?2 WHERE id = ?1", &[dead.id.clone().into(), T0.into()])).unwrap();
    block(meters::increment(&env.app(), &admin, &dead.id, "float", 5)).unwrap();
    env.clock.set(T0 + 11 * 60_000);
    let r = block(jobs::run(&env.app(), &RecordingHttp::default(), CRON_CULL, &jobs::Settings::free(false)));
    assert!(r.errors.is_empty() && !r.failed(), "{}", r.to_json());
    assert!(block(machines::find(&env.app(), &l.account_id, &dead.id)).unwrap().is_none(), "culled");
    assert_eq!(attrs(&env, &l)[0]["totalUses"], 0);
    assert_eq!(attrs(&env, &l)[0]["grossUses"], 5);
}

#[test]
fn deleting_a_license_takes_its_meters_and_machine_shares() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    meter(&env, &admin, &l, json!({"name": "m", "allowedUses": 5})).unwrap();
    let a = activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    block(meters::increment(&env.app(), &admin, &a.id, "m", 1)).unwrap();
    block(licenses::delete(&env.app(), &admin, &l.id, false)).unwrap();
    for t in ["license_meters", "machine_meters"] {
        let n = block(shared::store::Db::query(&env.db, &format!("SELECT count(*) AS n FROM {t}"), &[])).unwrap();
        assert_eq!(n[0]["n"], 0, "{t}");
    }
}

#[test]
fn steps_and_resets_record_meter_events_only_when_they_wrote() {
    let env = Env::new();
    let (admin, l) = setup(&env);
    meter(&env, &admin, &l, json!({"name": "m", "allowedUses": 3})).unwrap();
    let m = activate(&env, &admin, &l, json!({"fingerprint": "fp"})).unwrap();
    let count = |name: &str| env.events().iter().filter(|(e, r)| e == name && *r == l.id).count();
    block(meters::increment(&env.app(), &admin, &m.id, "m", 2)).unwrap();
    block(meters::increment(&env.app(), &admin, &m.id, "m", 2)).unwrap_err();
    block(meters::increment(&env.app(), &admin, &m.id, "nope", 1)).unwrap_err();
    assert_eq!(count("license.meter.incremented"), 1, "the refused steps record nothing");
    block(meters::decrement(&env.app(), &admin, &m.id, "m", 1)).unwrap();
    block(meters::decrement(&env.app(), &admin, &m.id, "m", 5)).unwrap_err();
    assert_eq!(count("license.meter.decremented"), 1);
    block(meters::reset(&env.app(), &admin, &l.id, "m")).unwrap();
    block(meters::reset(&env.app(), &admin, &l.id, "nope")).unwrap_err();
    assert_eq!(count("license.meter.reset"), 1);
    let rows = block(shared::store::Db::query(&env.db, "SELECT meta FROM event_logs WHERE event = 'license.meter.incremented'", &[])).unwrap();
    let meta: Value = serde_json::from_str(rows[0]["meta"].as_str().unwrap()).unwrap();
    assert_eq!(meta, json!({"meter": "m", "machine": m.id, "increment": 2}));
}

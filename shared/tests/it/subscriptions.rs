//! Subscriptions (issue 10 §5) on SQLite with the real migrations: the one expiry rule under
//! `subscriptionInterval` (calendar months) on creation, renewal, lazy start and policy change;
//! license-level overrides; `expires-at`; and the subscription log, written in the change's
//! batch only when the change happened, with its `license.subscription.updated` event.

use serde_json::json;
use shared::api::query::Query;
use shared::clock::parse_iso8601;
use shared::service::licensing::{activation, licenses, subscription_logs, subscriptions};
use shared::service::{Bearer, Caller};
use shared::store::rows::{LicenseRow, SubscriptionLogRow};

use shared::Clock;

use crate::support::{block, Env};

fn at(s: &str) -> i64 {
    parse_iso8601(s).unwrap()
}

fn logs(env: &Env, caller: &Caller, l: &LicenseRow) -> Vec<SubscriptionLogRow> {
    block(subscription_logs::for_license(&env.app(), caller, &l.id, &Query::parse(""))).unwrap().0
}

fn reread(env: &Env, admin: &Caller, l: &LicenseRow) -> LicenseRow {
    block(licenses::find(&env.app(), admin.account_id(), &l.id)).unwrap().unwrap()
}

fn count_events(env: &Env, name: &str, id: &str) -> usize {
    env.events().iter().filter(|(e, r)| e == name && r == id).count()
}

#[test]
fn calendar_interval_on_creation_renewal_and_expires_at() {
    let env = Env::new();
    env.clock.set(at("2025-01-31T12:00:00.000Z"));
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"subscriptionInterval": "P1M"}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(l.expiry, Some(at("2025-02-28T12:00:00.000Z")), "Jan 31 + P1M = Feb 28");
    let doc = shared::api::licenses::license(&l, env.clock.now_ms()).into_value();
    assert_eq!((doc["attributes"]["subscriptionInterval"].as_str(), doc["attributes"]["subscriptionStartTrigger"].as_str()), (Some("P1M"), Some("creation")));
    // Creation starts the log (its initial expiry and interval), with no subscription event.
    let got = logs(&env, &admin, &l);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].action.as_str(), got[0].expiry_from, got[0].expiry_to), ("created", None, l.expiry));
    assert_eq!((got[0].interval_from.as_deref(), got[0].interval_to.as_deref(), got[0].maintenance_expiry_to), (None, Some("P1M"), None));
    assert_eq!(count_events(&env, "license.subscription.updated", &l.id), 0);
    env.clock.advance(1000);

    // Renewal from the expiry: Feb 28 + P1M = Mar 28, logged once with the event.
    let r = block(licenses::renew(&env.app(), &admin, &l.id)).unwrap();
    assert_eq!(r.expiry, Some(at("2025-03-28T12:00:00.000Z")));
    let got = logs(&env, &admin, &l);
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].action.as_str(), got[0].expiry_from, got[0].expiry_to), ("renewed", l.expiry, r.expiry));
    assert_eq!(count_events(&env, "license.subscription.updated", &l.id), 1);

    // expires-at: exact date, then null; an unchanged value writes nothing.
    let body = br#"{"meta":{"expiry":"2026-06-30T00:00:00Z"}}"#;
    env.clock.advance(1000);
    let e = block(subscriptions::set_expiry(&env.app(), &admin, &l.id, body)).unwrap();
    assert_eq!(e.expiry, Some(at("2026-06-30T00:00:00.000Z")));
    block(subscriptions::set_expiry(&env.app(), &admin, &l.id, body)).unwrap();
    env.clock.advance(1000);
    let cleared = block(subscriptions::set_expiry(&env.app(), &admin, &l.id, br#"{"meta":{"expiry":null}}"#)).unwrap();
    assert_eq!((cleared.expiry, reread(&env, &admin, &l).expiry), (None, None));
    let got = logs(&env, &admin, &l);
    let actions: Vec<&str> = got.iter().map(|g| g.action.as_str()).collect();
    assert_eq!(actions, ["expiry-updated", "expiry-updated", "renewed", "created"], "newest first, no row for the no-op");
    assert_eq!((got[0].expiry_from, got[0].expiry_to), (e.expiry, None));
    assert_eq!(count_events(&env, "license.subscription.updated", &l.id), 3);

    // Bad bodies: precise errors, nothing written.
    for (body, status, code) in [
        (&br#"{"meta":{}}"#[..], 400, "PARAMETER_MISSING"),
        (br#"{"meta":{"expiry":5}}"#, 400, "PARAMETER_INVALID"),
        (br#"{"meta":{"expiry":"soon"}}"#, 422, "EXPIRY_INVALID"),
        (br#"{"meta":{"expiry":null,"x":1}}"#, 400, "PARAMETER_UNPERMITTED"),
    ] {
        let err = block(subscriptions::set_expiry(&env.app(), &admin, &l.id, body)).unwrap_err();
        assert_eq!((err.status, err.code.as_ref()), (status, code), "{}", String::from_utf8_lossy(body));
    }
    assert_eq!(logs(&env, &admin, &l).len(), 4);
}

#[test]
fn activation_trigger_and_license_overrides() {
    let env = Env::new();
    env.clock.set(at("2024-01-31T00:00:00.000Z"));
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"subscriptionInterval": "P1M", "subscriptionStartTrigger": "activation"}));
    // The license overrides the interval (P1Y) but keeps the policy's trigger.
    let l = env.license(&admin, &policy, json!({"subscriptionInterval": "P1Y"}));
    assert_eq!(l.expiry, None, "the clock starts at the first activation");
    env.clock.set(at("2024-02-29T10:00:00.000Z"));
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-1"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    assert_eq!(reread(&env, &admin, &l).expiry, Some(at("2025-02-28T10:00:00.000Z")), "Feb 29 + P1Y = Feb 28");
    let got = logs(&env, &admin, &l);
    assert_eq!((got.len(), got[0].action.as_str(), got[0].expiry_from), (2, "first-activated", None));
    assert_eq!((got[1].action.as_str(), got[1].expiry_to, got[1].interval_to.as_deref()), ("created", None, Some("P1Y")), "the override is logged");

    // Clearing the override goes back to the policy's interval; logged as subscription-updated.
    let patch = json!({"data":{"type":"licenses","attributes":{"subscriptionInterval":null,"subscriptionStartTrigger":"creation"}}}).to_string();
    env.clock.advance(1000);
    let u = block(licenses::update(&env.app(), &admin, &l.id, licenses::parse(patch.as_bytes(), false).unwrap())).unwrap();
    assert_eq!(u.config().subscription_interval.map(|d| d.to_string()), Some("P1M".into()));
    assert_eq!(u.config().expiration_basis.as_str(), "FROM_CREATION");
    let got = logs(&env, &admin, &l);
    assert_eq!((got[0].action.as_str(), got[0].interval_from.as_deref(), got[0].interval_to.as_deref()), ("subscription-updated", Some("P1Y"), Some("P1M")));

    // Bad overrides are 422 with a pointer; both checked at parse time.
    let bad = json!({"data":{"type":"licenses","attributes":{"subscriptionInterval":"P1M1Y"}}}).to_string();
    let e = licenses::parse(bad.as_bytes(), false).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "SUBSCRIPTION_INTERVAL_INVALID"));
    let bad = json!({"data":{"type":"licenses","attributes":{"subscriptionStartTrigger":"later"}}}).to_string();
    assert_eq!(licenses::parse(bad.as_bytes(), false).unwrap_err().code, "SUBSCRIPTION_START_TRIGGER_NOT_ALLOWED");
}

#[test]
fn policy_change_logs_the_interval_and_reset_expiry() {
    let env = Env::new();
    env.clock.set(at("2025-03-31T00:00:00.000Z"));
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let monthly = env.policy(&admin, &product, json!({"subscriptionInterval": "P1M", "transferStrategy": "RESET_EXPIRY"}));
    let yearly = env.policy(&admin, &product, json!({"subscriptionInterval": "P1Y"}));
    let l = env.license(&admin, &monthly, json!({}));
    assert_eq!(l.expiry, Some(at("2025-04-30T00:00:00.000Z")));
    let body = json!({"data":{"type":"policies","id":yearly.id}}).to_string();
    let t = block(licenses::transfer(&env.app(), &admin, &l.id, body.as_bytes())).unwrap();
    assert_eq!(t.expiry, Some(at("2026-03-31T00:00:00.000Z")));
    let got = logs(&env, &admin, &l);
    let mut actions: Vec<&str> = got.iter().map(|g| g.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(actions, ["created", "policy-changed"], "same instant: order by action");
    let changed = got.iter().find(|g| g.action == "policy-changed").unwrap();
    assert_eq!((changed.interval_from.as_deref(), changed.interval_to.as_deref()), (Some("P1M"), Some("P1Y")));
    assert_eq!((changed.expiry_from, changed.expiry_to), (l.expiry, t.expiry));
}

#[test]
fn logs_are_scoped_filtered_and_refused_to_users_and_licenses() {
    let env = Env::new();
    let admin = env.admin();
    let (a, b) = (env.product(&admin, "A"), env.product(&admin, "B"));
    let (pa, pb) = (env.policy(&admin, &a, json!({"duration": 86_400})), env.policy(&admin, &b, json!({"duration": 86_400})));
    let (la, lb) = (env.license(&admin, &pa, json!({})), env.license(&admin, &pb, json!({})));
    env.clock.advance(1000);
    for l in [&la, &lb] {
        block(licenses::renew(&env.app(), &admin, &l.id)).unwrap();
    }
    let prod_a = Caller { bearer: Bearer::Product { product_id: a.id.clone() }, ..admin.clone() };
    let all = block(subscription_logs::list(&env.app(), &admin, &Query::parse(""))).unwrap();
    assert_eq!(all.1, 4, "two creations, two renewals");
    let mine = block(subscription_logs::list(&env.app(), &prod_a, &Query::parse(""))).unwrap().0;
    assert_eq!(mine.iter().map(|r| r.license_id.as_str()).collect::<Vec<_>>(), [la.id.as_str(), la.id.as_str()]);
    let filtered = block(subscription_logs::list(&env.app(), &admin, &Query::parse(&format!("license={}&action=renewed", lb.id)))).unwrap();
    assert_eq!(filtered.1, 1);
    assert_eq!(block(subscription_logs::list(&env.app(), &admin, &Query::parse("action=expired"))).unwrap_err().code, "PARAMETER_INVALID");
    assert_eq!(block(subscription_logs::list(&env.app(), &admin, &Query::parse("date[start]=x"))).unwrap_err().code, "PARAMETER_INVALID");
    // Show: a product sees its own row, someone else's is 404; users and licenses 403.
    let theirs = &logs(&env, &admin, &lb)[0];
    assert_eq!(block(subscription_logs::show(&env.app(), &prod_a, &mine[0].id)).unwrap().id, mine[0].id);
    assert_eq!(block(subscription_logs::show(&env.app(), &prod_a, &theirs.id)).unwrap_err().status, 404);
    assert_eq!(block(subscription_logs::for_license(&env.app(), &prod_a, &lb.id, &Query::parse(""))).unwrap_err().status, 404);
    let lic = Caller { bearer: Bearer::License { license_id: la.id.clone() }, ..admin.clone() };
    assert_eq!(block(subscription_logs::for_license(&env.app(), &lic, &la.id, &Query::parse(""))).unwrap_err().status, 403);
    assert_eq!(block(subscriptions::set_expiry(&env.app(), &lic, &la.id, br#"{"meta":{"expiry":null}}"#)).unwrap_err().status, 403);
    assert_eq!(block(subscriptions::set_expiry(&env.app(), &prod_a, &lb.id, br#"{"meta":{"expiry":null}}"#)).unwrap_err().status, 404);
}

#[test]
fn a_lost_compare_and_set_writes_no_log() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"duration": 86_400}));
    let l = env.license(&admin, &policy, json!({}));
    // Another writer moves the expiry between our read and our write: replay the batch a
    // stale reader would send (CAS on the old expiry) and check nothing is logged.
    block(subscriptions::set_expiry(&env.app(), &admin, &l.id, br#"{"meta":{"expiry":"2030-01-01T00:00:00Z"}}"#)).unwrap();
    let stale = l.clone();
    let stmts = {
        let app = env.app();
        let mut s = vec![shared::store::Stmt::new(
            shared::store::sql::licenses::SET_EXPIRY_FROM,
            vec![admin.account_id().into(), l.id.clone().into(), 1.into(), 0.into(), shared::store::opt(stale.expiry)],
        )];
        s.extend(subscription_logs::record_if_changed(
            &app,
            &admin.bearer,
            &stale,
            subscription_logs::Cause::ExpiryUpdated,
            &subscription_logs::Change::expiry(stale.expiry, Some(1)),
        ));
        s
    };
    let res = block(shared::store::Db::batch(&env.db, stmts)).unwrap();
    assert_eq!(res[0].changes, 0);
    assert_eq!(logs(&env, &admin, &l).len(), 2, "the creation and the real change only");
    assert_eq!(count_events(&env, "license.subscription.updated", &l.id), 1);
}

/// The data part of migration 0013 (after its `-- Data:` comment), run over rows written the
/// way the former `maintenanceDuration` left them: each distinct duration of a product becomes
/// one maintenance policy, policies and licenses point at it, expiries are untouched.
#[test]
fn migration_0013_turns_maintenance_durations_into_maintenance_policies() {
    use shared::store::Db;
    let env = Env::new();
    let admin = env.admin();
    let (a, b) = (env.product(&admin, "A"), env.product(&admin, "B"));
    let (p30, p30b, p_odd, p_none, q30) = (
        env.policy(&admin, &a, json!({})),
        env.policy(&admin, &a, json!({})),
        env.policy(&admin, &a, json!({})),
        env.policy(&admin, &a, json!({})),
        env.policy(&admin, &b, json!({})),
    );
    let l = env.license(&admin, &p30, json!({}));
    for (p, secs) in [(&p30, Some(30 * 86_400)), (&p30b, Some(30 * 86_400)), (&p_odd, Some(86_400 + 1)), (&q30, Some(30 * 86_400)), (&p_none, None)] {
        if let Some(s) = secs {
            block(env.db.execute("UPDATE policies SET config = json_set(config, '$.maintenanceDuration', ?2) WHERE id = ?1", &[p.id.clone().into(), s.into()]))
                .unwrap();
        }
    }
    block(env.db.execute("UPDATE licenses SET maintenance_expiry = 12345 WHERE id = ?1", &[l.id.clone().into()])).unwrap();
    let text = std::fs::read_to_string(shared::store::sqlite::migrations_dir().join("0013_create_subscriptions.sql")).unwrap();
    let data = text.split("-- Data:").nth(1).and_then(|d| d.split_once('\n')).unwrap().1;
    let body: String = data.lines().filter(|line| !line.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    for stmt in body.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        block(env.db.execute(stmt.trim_end_matches(';'), &[])).unwrap_or_else(|e| panic!("{stmt}: {e}"));
    }
    let mps = block(env.db.query(
        "SELECT product_id, subscription_interval, subscription_start_trigger, id FROM maintenance_policies ORDER BY product_id, subscription_interval",
        &[],
    ))
    .unwrap();
    let mut got: Vec<(String, String)> =
        mps.iter().map(|r| (r["product_id"].as_str().unwrap().to_owned(), r["subscription_interval"].as_str().unwrap().to_owned())).collect();
    got.sort();
    let mut want = vec![(a.id.clone(), "P30D".to_owned()), (a.id.clone(), "PT86401S".to_owned()), (b.id.clone(), "P30D".to_owned())];
    want.sort();
    assert_eq!(got, want);
    assert!(mps.iter().all(|r| r["subscription_start_trigger"] == "creation" && shared::rng::is_uuid(r["id"].as_str().unwrap())));
    let policy_mp = |id: &str| block(env.db.query("SELECT maintenance_policy_id AS m, config FROM policies WHERE id = ?1", &[id.into()])).unwrap()[0].clone();
    assert_eq!(policy_mp(&p30.id)["m"], policy_mp(&p30b.id)["m"], "one maintenance policy per distinct duration");
    assert_ne!(policy_mp(&p30.id)["m"], policy_mp(&q30.id)["m"], "per product");
    assert_eq!(policy_mp(&p_none.id)["m"], serde_json::Value::Null);
    assert!(!policy_mp(&p30.id)["config"].as_str().unwrap().contains("maintenanceDuration"), "the ad-hoc attribute is gone");
    let lic = reread(&env, &admin, &l);
    assert_eq!(lic.maintenance_policy_id.as_ref().map(|s| serde_json::Value::from(s.as_str())), Some(policy_mp(&p30.id)["m"].clone()));
    assert_eq!(lic.maintenance_expiry, Some(12345), "licenses keep their maintenance expiry");
    // The migrated rows work: renewal adds the 30 days from now.
    let r = block(shared::service::licensing::maintenance::renew(&env.app(), &admin, &l.id)).unwrap();
    assert_eq!(r.maintenance_expiry, Some(env.clock.now_ms() + 30 * 86_400_000));
}

//! Maintenance policies (issue 10 §5) on SQLite: CRUD scoped to a product, the window started
//! at creation or first activation by the calendar, renew / extend, changing a license's
//! maintenance policy, each change logged in its batch.

use serde_json::json;
use shared::api::query::Query;
use shared::clock::parse_iso8601;
use shared::service::catalogue::maintenance_policies as mp;
use shared::service::licensing::{activation, licenses, maintenance, subscription_logs};
use shared::service::{Bearer, Caller};
use shared::store::rows::LicenseRow;

use shared::Clock;

use crate::support::{block, Env};

fn at(s: &str) -> i64 {
    parse_iso8601(s).unwrap()
}

fn reread(env: &Env, admin: &Caller, l: &LicenseRow) -> LicenseRow {
    block(licenses::find(&env.app(), admin.account_id(), &l.id)).unwrap().unwrap()
}

fn actions(env: &Env, admin: &Caller, l: &LicenseRow) -> Vec<String> {
    block(subscription_logs::for_license(&env.app(), admin, &l.id, &Query::parse(""))).unwrap().0.into_iter().map(|r| r.action).collect()
}

#[test]
fn crud_is_scoped_to_the_product() {
    let env = Env::new();
    let admin = env.admin();
    let (a, b) = (env.product(&admin, "A"), env.product(&admin, "B"));
    let prod_a = Caller { bearer: Bearer::Product { product_id: a.id.clone() }, ..admin.clone() };
    let body = |product: &str| {
        json!({"data":{"type":"maintenance-policies","attributes":{"name":"Gold","subscriptionInterval":"P1Y","allowMajorVersionUpdates":false},
            "relationships":{"product":{"data":{"type":"products","id":product}}}}})
        .to_string()
    };
    let m = block(mp::create(&env.app(), &prod_a, mp::parse(body(&a.id).as_bytes(), true).unwrap())).unwrap();
    assert_eq!(
        (m.subscription_interval.to_string(), m.subscription_start_trigger.as_str(), m.allow_major_version_updates, m.allow_minor_version_updates),
        ("P1Y".into(), "creation", 0, 1)
    );
    let e = block(mp::create(&env.app(), &prod_a, mp::parse(body(&b.id).as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "PRODUCT_NOT_FOUND"));
    let theirs = block(mp::create(&env.app(), &admin, mp::parse(body(&b.id).as_bytes(), true).unwrap())).unwrap();
    assert_eq!(block(mp::show(&env.app(), &prod_a, &theirs.id)).unwrap_err().status, 404);
    assert_eq!(block(mp::list(&env.app(), &prod_a, &Query::parse(""))).unwrap().1, 1);
    assert_eq!(block(mp::list(&env.app(), &admin, &Query::parse(""))).unwrap().1, 2);
    let patch = json!({"data":{"type":"maintenance-policies","attributes":{"subscriptionInterval":"P6M","subscriptionStartTrigger":"activation"}}}).to_string();
    let u = block(mp::update(&env.app(), &prod_a, &m.id, mp::parse(patch.as_bytes(), false).unwrap())).unwrap();
    assert_eq!((u.subscription_interval.to_string(), u.subscription_start_trigger.as_str(), u.name.as_str()), ("P6M".into(), "activation", "Gold"));
    let user = Caller { bearer: Bearer::User { user_id: "u".into() }, ..admin.clone() };
    assert_eq!(block(mp::show(&env.app(), &user, &m.id)).unwrap_err().status, 403);
    block(mp::delete(&env.app(), &prod_a, &m.id)).unwrap();
    assert_eq!(block(mp::show(&env.app(), &admin, &m.id)).unwrap_err().status, 404);
    // Parsing: required members, bad values, pointers.
    for (doc, creating, code) in [
        (
            json!({"data":{"type":"maintenance-policies","attributes":{"name":"x"},"relationships":{"product":{"data":{"type":"products","id":a.id}}}}}),
            true,
            "SUBSCRIPTION_INTERVAL_MISSING",
        ),
        (json!({"data":{"type":"maintenance-policies","attributes":{"name":"x","subscriptionInterval":"P1Y"}}}), true, "PARAMETER_MISSING"),
        (json!({"data":{"type":"maintenance-policies","attributes":{"subscriptionInterval":"1 year"}}}), false, "SUBSCRIPTION_INTERVAL_INVALID"),
        (json!({"data":{"type":"maintenance-policies","attributes":{"subscriptionStartTrigger":"now"}}}), false, "SUBSCRIPTION_START_TRIGGER_NOT_ALLOWED"),
        (json!({"data":{"type":"maintenance-policies","attributes":{"allowMajorVersionUpdates":"yes"}}}), false, "PARAMETER_INVALID"),
        (json!({"data":{"type":"maintenance-policies","attributes":{"name":""}}}), false, "NAME_MISSING"),
    ] {
        assert_eq!(mp::parse(doc.to_string().as_bytes(), creating).unwrap_err().code, code, "{doc}");
    }
}

#[test]
fn activation_trigger_extend_and_changing_the_policy() {
    let env = Env::new();
    env.clock.set(at("2024-01-31T08:00:00.000Z"));
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let (m, policy) = env.maintained_policy(&admin, &product, "P1M", json!({"subscriptionStartTrigger": "activation"}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!((l.maintenance_policy_id.as_deref(), l.maintenance_expiry), (Some(m.id.as_str()), None), "the window waits for the activation");
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    assert_eq!(reread(&env, &admin, &l).maintenance_expiry, Some(at("2024-02-29T08:00:00.000Z")), "Jan 31 + P1M in a leap year");
    assert_eq!(actions(&env, &admin, &l), ["first-activated", "created"]);

    // Extend by a given duration from the current end: Feb 29 + P1M = Mar 29.
    env.clock.advance(1000);
    let e = block(maintenance::extend(&env.app(), &admin, &l.id, br#"{"meta":{"duration":"P1M"}}"#)).unwrap();
    assert_eq!(e.maintenance_expiry, Some(at("2024-03-29T08:00:00.000Z")));
    assert_eq!(env.events().iter().filter(|(n, _)| n == "license.maintenance.extended").count(), 1);

    // Another license without one gets a creation-trigger policy: its window starts now.
    env.clock.advance(1000);
    let plain = env.policy(&admin, &product, json!({}));
    let other = env.license(&admin, &plain, json!({}));
    assert_eq!(block(maintenance::renew(&env.app(), &admin, &other.id)).unwrap_err().code, "MAINTENANCE_POLICY_MISSING");
    let (yearly, _) = env.maintained_policy(&admin, &product, "P1Y", json!({}));
    let link = json!({"data":{"type":"maintenance-policies","id":yearly.id}}).to_string();
    env.clock.advance(1000);
    let now = env.clock.now_ms();
    let s = block(maintenance::set_policy(&env.app(), &admin, &other.id, link.as_bytes())).unwrap();
    assert_eq!(s.maintenance_policy_id.as_deref(), Some(yearly.id.as_str()));
    let stored = reread(&env, &admin, &other);
    assert_eq!(stored.maintenance_expiry, "P1Y".parse::<shared::domain::duration::IsoDuration>().unwrap().add_to(now));
    assert_eq!(actions(&env, &admin, &other), ["maintenance-policy-changed", "created"]);
    // A maintenance policy of another product is refused; nothing changes.
    let b = env.product(&admin, "B");
    let (foreign, _) = env.maintained_policy(&admin, &b, "P1Y", json!({}));
    let link = json!({"data":{"type":"maintenance-policies","id":foreign.id}}).to_string();
    assert_eq!(block(maintenance::set_policy(&env.app(), &admin, &other.id, link.as_bytes())).unwrap_err().code, "MAINTENANCE_POLICY_NOT_FOUND");
    let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":plain.id}},"maintenancePolicy":{"data":{"type":"maintenance-policies","id":foreign.id}}}}});
    let e = block(licenses::create(&env.app(), &admin, licenses::parse(body.to_string().as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(e.code, "MAINTENANCE_POLICY_NOT_FOUND");
    assert_eq!(reread(&env, &admin, &other).maintenance_policy_id.as_deref(), Some(yearly.id.as_str()));
    // Clearing keeps the window the license has.
    let s = block(maintenance::set_policy(&env.app(), &admin, &other.id, br#"{"data":null}"#)).unwrap();
    assert_eq!((s.maintenance_policy_id, reread(&env, &admin, &other).maintenance_expiry), (None, stored.maintenance_expiry));
}

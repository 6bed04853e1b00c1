//! The outbox: one event-recording function, and an event if and only if its change happened.

use serde_json::json;
use shared::service::events::{self, Event};
use shared::service::{catalogue::products, licensing::licenses};
use shared::store::{sql, Db, Stmt};

use crate::support::{block, Env};

fn ev(name: &str) -> Event<'_> {
    Event { name, resource_type: "components", resource_id: "c-1", changes: None, meta: None }
}

#[test]
fn record_if_changed_follows_the_previous_statement_of_the_batch() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let acc = admin.account_id();
    let before = env.events().len();
    // A delete that matches nothing: neither the event nor the one chained after it.
    let missing = Stmt::new(sql::components::DELETE, vec![acc.into(), "nope".into()]);
    block(app.db.batch(vec![
        missing,
        events::record_if_changed(&app, acc, &admin.bearer, ev("a")),
        events::record_if_changed(&app, acc, &admin.bearer, ev("b")),
    ]))
    .unwrap();
    assert_eq!(env.events().len(), before);
    // Still nothing changed, but an unconditional event is written, and one chained after it
    // follows that insert.
    let touch = Stmt::new(sql::licenses::SET_SUSPENDED, vec![acc.into(), "nope".into(), 1.into(), 0.into()]);
    block(app.db.batch(vec![touch, events::record(&app, acc, &admin.bearer, ev("c")), events::record_if_changed(&app, acc, &admin.bearer, ev("d"))])).unwrap();
    let names: Vec<String> = env.events().into_iter().skip(before).map(|(e, _)| e).collect();
    assert_eq!(names, ["c", "d"], "the guarded event follows the insert right before it");
}

#[test]
fn refused_creates_record_no_event() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    env.license(&admin, &policy, json!({"key": "TAKEN-KEY-1"}));
    let body = json!({"data":{"type":"licenses","attributes":{"key":"TAKEN-KEY-1"},"relationships":{"policy":{"data":{"type":"policies","id":policy.id}}}}});
    let e = block(licenses::create(&env.app(), &admin, licenses::parse(body.to_string().as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(e.code, "KEY_TAKEN");
    let body = json!({"data":{"type":"products","id":product.id,"attributes":{"name":"Again"}}});
    let e = block(products::create(&env.app(), &admin, products::parse(body.to_string().as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(e.status, 409, "{e:?}");
    let count = |name: &str| env.events().iter().filter(|(e, _)| e == name).count();
    assert_eq!((count("license.created"), count("product.created")), (1, 1), "{:?}", env.events());
    let orphans = block(env.db.query(
        "SELECT count(*) AS n FROM event_logs e WHERE e.resource_type = 'licenses' AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.id = e.resource_id)",
        &[],
    ))
    .unwrap();
    assert_eq!(orphans[0]["n"], 0);
}

#[test]
fn suspending_twice_records_one_event() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    block(licenses::set_suspended(&env.app(), &admin, &l.id, true)).unwrap();
    let e = block(licenses::set_suspended(&env.app(), &admin, &l.id, true)).unwrap_err();
    assert_eq!(e.code, "STATE_INVALID");
    assert_eq!(env.events().iter().filter(|(e, _)| e == "license.suspended").count(), 1);
}

//! Cross-cutting limits on activation and deactivation: license tokens' `maxActivations` /
//! `maxDeactivations`, groups' `maxMachines`, and the events activation emits
//! (`license.first-activated`, `license.activation.limit-reached`).

use serde_json::json;
use shared::api::query::Query;
use shared::service::{catalogue::groups, licensing::activation, licensing::license_tokens, licensing::relations, Bearer, Caller};
use shared::store::rows::LicenseRow;

use crate::machines::activate;
use crate::support::{block, Env};

fn as_token(admin: &Caller, l: &LicenseRow, token_id: &str) -> Caller {
    Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: l.id.clone() }, token_id: Some(token_id.into()), permissions: None }
}

fn token(env: &Env, admin: &Caller, l: &LicenseRow, attrs: serde_json::Value) -> String {
    let body = json!({"data":{"type":"tokens","attributes":attrs}}).to_string();
    block(license_tokens::generate(&env.app(), admin, &l.id, body.as_bytes())).unwrap().row.id
}

fn machine_count(env: &Env, l: &LicenseRow) -> i64 {
    let rows = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n FROM machines WHERE license_id = ?1", &[l.id.clone().into()])).unwrap();
    rows[0]["n"].as_i64().unwrap()
}

/// Events recorded after the first `skip`, as names.
fn events_since(env: &Env, skip: usize) -> Vec<String> {
    env.events().into_iter().skip(skip).map(|(e, _)| e).collect()
}

#[test]
fn a_token_with_max_activations_one_activates_once() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10}));
    let l = env.license(&admin, &policy, json!({}));
    let t = token(&env, &admin, &l, json!({"maxActivations": 1}));
    let me = as_token(&admin, &l, &t);
    activate(&env, &me, &l, json!({"fingerprint": "fp-1"})).unwrap();
    let before = env.events().len();
    let e = activate(&env, &me, &l, json!({"fingerprint": "fp-2"})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "ACTIVATIONS_LIMIT_EXCEEDED"));
    assert_eq!(machine_count(&env, &l), 1, "the refused activation wrote no machine");
    assert_eq!(events_since(&env, before), Vec::<String>::new(), "nor any event");
    let row = block(license_tokens::show(&env.app(), &admin, &l.id, &t)).unwrap();
    assert_eq!(row.activations, 1);
    // Other bearers are not charged and not limited by the token.
    activate(&env, &admin, &l, json!({"fingerprint": "fp-2"})).unwrap();
    assert_eq!(block(license_tokens::show(&env.app(), &admin, &l.id, &t)).unwrap().activations, 1);
}

#[test]
fn a_token_with_max_deactivations_one_deactivates_once() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10}));
    let l = env.license(&admin, &policy, json!({}));
    let a = activate(&env, &admin, &l, json!({"fingerprint": "fp-1"})).unwrap();
    let b = activate(&env, &admin, &l, json!({"fingerprint": "fp-2"})).unwrap();
    let t = token(&env, &admin, &l, json!({"maxDeactivations": 1}));
    let me = as_token(&admin, &l, &t);
    block(activation::deactivate(&env.app(), &me, &a.id)).unwrap();
    let before = env.events().len();
    let e = block(activation::deactivate(&env.app(), &me, &b.id)).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "DEACTIVATIONS_LIMIT_EXCEEDED"));
    assert_eq!(machine_count(&env, &l), 1, "the refused deactivation deleted nothing");
    assert_eq!(events_since(&env, before), Vec::<String>::new());
    assert_eq!(block(license_tokens::show(&env.app(), &admin, &l.id, &t)).unwrap().deactivations, 1);
    block(activation::deactivate(&env.app(), &admin, &b.id)).unwrap();
    assert_eq!(block(license_tokens::show(&env.app(), &admin, &l.id, &t)).unwrap().deactivations, 1, "admins are not charged");
}

#[test]
fn a_group_counts_its_machines_against_max_machines() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10}));
    let l = env.license(&admin, &policy, json!({}));
    let g =
        block(groups::create(&env.app(), &admin, groups::parse(br#"{"data":{"type":"groups","attributes":{"name":"Lab","maxMachines":1}}}"#, true).unwrap()))
            .unwrap();
    let group = |fp: &str| {
        json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{
        "license":{"data":{"type":"licenses","id":l.id}},"group":{"data":{"type":"groups","id":g.id}}}}})
    };
    let run = |body: serde_json::Value| {
        block(shared::service::licensing::activation::activate(
            &env.app(),
            &admin,
            shared::service::licensing::activation::parse(body.to_string().as_bytes()).unwrap(),
        ))
    };
    let m = run(group("fp-1")).unwrap();
    assert_eq!(m.group_id.as_deref(), Some(g.id.as_str()));
    let before = env.events().len();
    let e = run(group("fp-2")).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "GROUP_MACHINE_LIMIT_EXCEEDED"));
    assert!(matches!(&e.source, Some(shared::error::Source::Pointer(p)) if p == "/data/relationships/group"), "{:?}", e.source);
    assert_eq!((machine_count(&env, &l), events_since(&env, before)), (1, vec![]));
    // Outside the group the license still has room; the group lists its one machine.
    activate(&env, &admin, &l, json!({"fingerprint": "fp-2"})).unwrap();
    let (rows, n, _) = block(relations::machines_of_group(&env.app(), &admin, &g.id, &Query::default())).unwrap();
    assert_eq!((rows.len(), n, rows[0].id.as_str()), (1, 1, m.id.as_str()));
    let mut missing = group("fp-3");
    missing["data"]["relationships"]["group"]["data"]["id"] = "00000000-0000-4000-8000-000000000000".into();
    assert_eq!(run(missing).unwrap_err().code, "GROUP_NOT_FOUND");
}

#[test]
fn activation_emits_first_activated_once_and_limit_reached_when_it_reaches_the_limit() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 2, "overageStrategy": "ALLOW_2X_OVERAGE"}));
    let l = env.license(&admin, &policy, json!({}));
    let named = |skip: usize| -> Vec<(String, String)> { env.events().into_iter().skip(skip).collect() };
    let lic = |e: &str| (e.to_owned(), l.id.clone());

    let n = env.events().len();
    let a = activate(&env, &admin, &l, json!({"fingerprint": "fp-1"})).unwrap();
    assert_eq!(named(n), vec![("machine.created".to_owned(), a.id.clone()), lic("license.first-activated")]);

    let n = env.events().len();
    let b = activate(&env, &admin, &l, json!({"fingerprint": "fp-2"})).unwrap();
    assert_eq!(named(n), vec![("machine.created".to_owned(), b.id.clone()), lic("license.activation.limit-reached")]);

    // Past the limit (overage) it is not reached again.
    let n = env.events().len();
    let c = activate(&env, &admin, &l, json!({"fingerprint": "fp-3"})).unwrap();
    assert_eq!(named(n), vec![("machine.created".to_owned(), c.id.clone())]);

    // Back down to the limit by deactivation: not an activation reaching it.
    block(activation::deactivate(&env.app(), &admin, &c.id)).unwrap();
    block(activation::deactivate(&env.app(), &admin, &b.id)).unwrap();
    block(activation::deactivate(&env.app(), &admin, &a.id)).unwrap();
    // With every machine gone, the next activation is not the first one ever; reaching the
    // limit again is reported again.
    let n = env.events().len();
    let d = activate(&env, &admin, &l, json!({"fingerprint": "fp-4"})).unwrap();
    assert_eq!(named(n), vec![("machine.created".to_owned(), d.id.clone())]);
    let e = activate(&env, &admin, &l, json!({"fingerprint": "fp-5"})).unwrap();
    assert_eq!(named(n + 1), vec![("machine.created".to_owned(), e.id.clone()), lic("license.activation.limit-reached")]);
}

#[test]
fn a_refused_activation_emits_no_license_event() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    activate(&env, &admin, &l, json!({"fingerprint": "fp-1"})).unwrap();
    let n = env.events().len();
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "fp-2"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "fp-1"})).unwrap_err().code, "FINGERPRINT_TAKEN");
    assert_eq!(events_since(&env, n), Vec::<String>::new());
    // A node-locked license reaches its limit (1) with its first machine.
    let l2 = env.license(&admin, &policy, json!({}));
    let n = env.events().len();
    activate(&env, &admin, &l2, json!({"fingerprint": "fp-9"})).unwrap();
    assert_eq!(events_since(&env, n), ["machine.created", "license.first-activated", "license.activation.limit-reached"]);
}

//! Activation logs on SQLite with the real migrations: one row per activation, deactivation
//! (request, cull, bulk) and trial activation, written in the change's own batch (a refused
//! change logs nothing); filters with query operators; product scoping; bulk deactivation by
//! creation date, all or nothing.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::clock::{iso8601, DAY_MS};
use shared::domain::states::ActivationAction;
use shared::service::activation_log::Origin;
use shared::service::licensing::{activation, bulk_deactivation};
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::service::lifecycle::{activation_logs, jobs};
use shared::service::{Bearer, Caller};
use shared::store::rows::{LicenseRow, MachineRow};

use crate::support::{block, Env, T0};

fn origin() -> Origin {
    Origin { ip: Some("198.51.100.7".into()), country: Some("NZ".into()), user_agent: Some("app/1.0".into()) }
}

fn activate(env: &Env, caller: &Caller, l: &LicenseRow, fp: &str) -> shared::Result<MachineRow> {
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fp,"platform":"linux"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    block(activation::activate_from(&env.app(), caller, activation::parse(body.to_string().as_bytes()).unwrap(), &origin()))
}

fn logs(env: &Env, caller: &Caller, q: &str) -> Vec<(ActivationAction, String)> {
    let (rows, _, _) = block(activation_logs::list(&env.app(), caller, &Query::parse(q))).unwrap();
    rows.into_iter().rev().map(|r| (r.action, r.fingerprint)).collect()
}

#[test]
fn every_activation_and_deactivation_is_logged_with_its_origin() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 1}));
    let l = env.license(&admin, &pol, json!({}));
    let m = activate(&env, &admin, &l, "fp-1").unwrap();
    // Refused (the one seat is taken): nothing is logged.
    assert_eq!(activate(&env, &admin, &l, "fp-2").unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    env.clock.advance(1000);
    block(activation::deactivate_from(&env.app(), &admin, &m.id, &origin())).unwrap();
    // Deactivating again: 404, nothing logged.
    assert!(block(activation::deactivate_from(&env.app(), &admin, &m.id, &origin())).is_err());
    assert_eq!(logs(&env, &admin, ""), vec![(ActivationAction::Activated, "fp-1".into()), (ActivationAction::Deactivated, "fp-1".into())]);
    let (rows, n, _) = block(activation_logs::list(&env.app(), &admin, &Query::default())).unwrap();
    assert_eq!(n, 2);
    let a = rows.iter().find(|r| r.action == ActivationAction::Activated).unwrap();
    assert_eq!(
        (a.ip.as_deref(), a.country.as_deref(), a.user_agent.as_deref(), a.os.as_deref()),
        (Some("198.51.100.7"), Some("NZ"), Some("app/1.0"), Some("linux"))
    );
    assert_eq!((a.license_id.as_deref(), a.machine_id.as_deref(), a.product_id.as_deref()), (Some(l.id.as_str()), Some(m.id.as_str()), Some(p.id.as_str())));
}

#[test]
fn filters_use_the_query_operators_and_products_see_their_own() {
    let env = Env::new();
    let admin = env.admin();
    let (p, q) = (env.product(&admin, "P"), env.product(&admin, "Q"));
    let lp = env.license(&admin, &env.policy(&admin, &p, json!({"floating": true, "maxMachines": 10})), json!({}));
    let lq = env.license(&admin, &env.policy(&admin, &q, json!({"floating": true, "maxMachines": 10})), json!({}));
    activate(&env, &admin, &lp, "a").unwrap();
    env.clock.advance(DAY_MS);
    activate(&env, &admin, &lp, "b").unwrap();
    activate(&env, &admin, &lq, "c").unwrap();
    let at = |ms: i64| iso8601(ms).replace('+', "%2B");
    assert_eq!(logs(&env, &admin, &format!("created[gt]={}", at(T0))).len(), 2);
    assert_eq!(logs(&env, &admin, &format!("created[lte]={}", at(T0))).len(), 1);
    assert_eq!(logs(&env, &admin, &format!("created[gte]={}&created[lt]={}", at(T0), at(T0 + DAY_MS))).len(), 1);
    assert_eq!(logs(&env, &admin, &format!("license={}", lq.id)), vec![(ActivationAction::Activated, "c".into())]);
    assert_eq!(logs(&env, &admin, "action=deactivated"), vec![]);
    let e = block(activation_logs::list(&env.app(), &admin, &Query::parse("action=everything"))).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"));
    let e = block(activation_logs::list(&env.app(), &admin, &Query::parse("created[gt]=soon"))).unwrap_err();
    assert_eq!(e.status, 400);
    // Product Q's token sees only Q's logs, whatever it filters by.
    let prod_q = Caller { bearer: Bearer::Product { product_id: q.id.clone() }, ..admin.clone() };
    assert_eq!(logs(&env, &prod_q, ""), vec![(ActivationAction::Activated, "c".into())]);
    assert_eq!(logs(&env, &prod_q, &format!("license={}", lp.id)), vec![]);
    let (rows, _, _) = block(activation_logs::list(&env.app(), &admin, &Query::parse(&format!("license={}", lp.id)))).unwrap();
    assert_eq!(block(activation_logs::show(&env.app(), &prod_q, &rows[0].id)).unwrap_err().status, 404);
    // A license bearer reads no logs.
    let lic = Caller { bearer: Bearer::License { license_id: lp.id.clone() }, ..admin.clone() };
    assert_eq!(block(activation_logs::list(&env.app(), &lic, &Query::default())).unwrap_err().status, 403);
}

#[test]
fn culled_machines_are_logged_in_the_culls_batch() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &p, json!({"floating": true, "maxMachines": 10, "requireHeartbeat": true})), json!({}));
    let m = activate(&env, &admin, &l, "dead").unwrap();
    block(shared::store::Db::execute(&env.db, "UPDATE machines SET last_heartbeat_at = ?1 WHERE id = ?2", &[T0.into(), m.id.clone().into()])).unwrap();
    for minutes in [11, 30, 60] {
        env.clock.set(T0 + minutes * 60_000);
        let r = block(jobs::run(&env.app(), &RecordingHttp::default(), jobs::CRON_CULL, &jobs::Settings::free(false)));
        assert!(r.errors.is_empty() && !r.failed(), "{:?}", r.to_json());
    }
    assert_eq!(logs(&env, &admin, ""), vec![(ActivationAction::Activated, "dead".into()), (ActivationAction::Culled, "dead".into())]);
}

#[test]
fn bulk_deactivation_removes_a_range_atomically_with_logs_and_events() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &p, json!({"floating": true, "maxMachines": 500})), json!({}));
    let ids: Vec<String> = (0..5)
        .map(|i| {
            env.clock.set(T0 + i * DAY_MS);
            activate(&env, &admin, &l, &format!("m{i}")).unwrap().id
        })
        .collect();
    let range =
        bulk_deactivation::parse(json!({"meta": {"createdAfter": iso8601(T0 + DAY_MS), "createdBefore": iso8601(T0 + 3 * DAY_MS)}}).to_string().as_bytes())
            .unwrap();
    let gone = block(bulk_deactivation::deactivate_machines(&env.app(), &admin, &l.id, range, &origin())).unwrap();
    assert_eq!(gone, ids[1..3].to_vec());
    let left: Vec<Value> =
        block(shared::store::Db::query(&env.db, "SELECT id FROM machines ORDER BY created_at", &[])).unwrap().into_iter().map(|r| r["id"].clone()).collect();
    assert_eq!(left, vec![Value::from(ids[0].clone()), ids[3].clone().into(), ids[4].clone().into()]);
    let mut bulk = logs(&env, &admin, "action=bulk-deactivated");
    bulk.sort_by(|a, b| a.1.cmp(&b.1)); // one time for both: ordered by their random ids
    assert_eq!(bulk, vec![(ActivationAction::BulkDeactivated, "m1".into()), (ActivationAction::BulkDeactivated, "m2".into())]);
    let mut deleted: Vec<String> = env.events().into_iter().filter(|(e, _)| e == "machine.deleted").map(|(_, id)| id).collect();
    deleted.sort();
    let mut want = ids[1..3].to_vec();
    want.sort();
    assert_eq!(deleted, want);
    // Bad bodies name their member; an empty range deactivates nothing.
    let e = bulk_deactivation::parse(br#"{"meta":{"createdAfter":"then"}}"#).unwrap_err();
    assert_eq!(format!("{:?}", e.source), "Some(Pointer(\"/meta/createdAfter\"))");
    assert_eq!(bulk_deactivation::parse(br#"{"meta":{"bogus":1}}"#).unwrap_err().code, "PARAMETER_UNPERMITTED");
    let none = (Some(T0 + 100 * DAY_MS), None);
    assert!(block(bulk_deactivation::deactivate_machines(&env.app(), &admin, &l.id, none, &origin())).unwrap().is_empty());
    // Over the cap: refused whole, nothing deleted.
    for i in 0..bulk_deactivation::MAX_MACHINES {
        activate(&env, &admin, &l, &format!("x{i}")).unwrap();
    }
    let e = block(bulk_deactivation::deactivate_machines(&env.app(), &admin, &l.id, (None, None), &origin())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "UNPROCESSABLE_ENTITY"));
    assert_eq!(logs(&env, &admin, "action=bulk-deactivated").len(), 2);
    // Another product's token: 404.
    let q = env.product(&admin, "Q");
    let prod_q = Caller { bearer: Bearer::Product { product_id: q.id.clone() }, ..admin.clone() };
    assert_eq!(block(bulk_deactivation::deactivate_machines(&env.app(), &prod_q, &l.id, (None, None), &origin())).unwrap_err().status, 404);
}

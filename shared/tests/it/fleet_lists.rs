//! Keygen's list scopes of machines, components, processes and event logs (issue 8:
//! `machine_components_controller.rb`, `machine_processes_controller.rb`,
//! `event_logs_controller.rb`) and `PATCH /processes/{id}` (metadata), on SQLite with the real
//! migrations. The process `status` filter is held to `domain::heartbeat::process_status`.

use serde_json::json;
use shared::api::query::Query;
use shared::domain::heartbeat::{process_status, ProcessStatus};
use shared::service::fleet::{components, machines, processes};
use shared::service::identity::users;
use shared::service::licensing::{licensees, licenses};
use shared::service::{events, Bearer, Caller};
use shared::store::Db;
use shared::Clock;

use crate::machines::activate;
use crate::support::{block, Env};

fn user(env: &Env, admin: &Caller, email: &str) -> String {
    let body = json!({"data":{"type":"users","attributes":{"email":email}}});
    block(users::create(&env.app(), admin, users::parse(body.to_string().as_bytes(), true).unwrap())).unwrap().id
}

#[test]
fn components_and_processes_take_keygens_owner_user_and_status_scopes() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 5, "heartbeatDuration": 120}));
    let (a, b) = (user(&env, &admin, "a@x.test"), user(&env, &admin, "b@x.test"));
    let la = env.license(&admin, &pol, json!({}));
    let owner = json!({"data":{"type":"users","id":a}});
    block(licenses::change_owner(&env.app(), &admin, &la.id, owner.to_string().as_bytes())).unwrap();
    let lb = env.license(&admin, &pol, json!({}));
    block(licensees::attach(&env.app(), &admin, &lb.id, json!({"data":[{"type":"users","id":b}]}).to_string().as_bytes())).unwrap();
    let ma = activate(&env, &admin, &la, json!({"fingerprint": "ma"})).unwrap();
    let mb = activate(&env, &admin, &lb, json!({"fingerprint": "mb"})).unwrap();
    // Machine mb is owned by a (Keygen's `owner` scope is the machine's owner).
    block(env.db.query("UPDATE machines SET owner_id = ?2 WHERE id = ?1", &[mb.id.clone().into(), a.clone().into()])).unwrap();
    let component = |m: &str, fp: &str| {
        let body =
            json!({"data":{"type":"components","attributes":{"fingerprint":fp,"name":fp},"relationships":{"machine":{"data":{"type":"machines","id":m}}}}});
        block(components::create(&env.app(), &admin, components::parse(body.to_string().as_bytes()).unwrap())).unwrap()
    };
    let spawn = |m: &str, pid: &str| {
        let body = json!({"data":{"type":"processes","attributes":{"pid":pid},"relationships":{"machine":{"data":{"type":"machines","id":m}}}}});
        block(processes::spawn(&env.app(), &admin, processes::parse(body.to_string().as_bytes()).unwrap())).unwrap()
    };
    let (ca, cb) = (component(&ma.id, "ca"), component(&mb.id, "cb"));
    let (pa, pb) = (spawn(&ma.id, "1"), spawn(&mb.id, "2"));
    let comps = |q: &str| {
        let (rows, n, _) = block(components::list(&env.app(), &admin, &Query::parse(q))).unwrap();
        assert_eq!(n as usize, rows.len());
        let mut v: Vec<String> = rows.into_iter().map(|c| c.id).collect();
        v.sort();
        v
    };
    let procs = |q: &str| {
        let (rows, n, _) = block(processes::list(&env.app(), &admin, &Query::parse(q))).unwrap();
        assert_eq!(n as usize, rows.len());
        rows
    };
    let ids = |rows: Vec<shared::store::rows::ProcessRow>| {
        let mut v: Vec<String> = rows.into_iter().map(|p| p.id).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(comps(""), sorted(vec![ca.id.clone(), cb.id.clone()]));
    assert_eq!(comps(&format!("owner={a}")), [cb.id.as_str()]);
    assert_eq!(comps(&format!("owner={b}")), Vec::<String>::new());
    // user: the machine's owner, the license's owner or a licensee; by id or email.
    assert_eq!(comps("user=a@x.test"), sorted(vec![ca.id.clone(), cb.id.clone()]));
    assert_eq!(comps("user=b@x.test"), [cb.id.as_str()]);
    assert_eq!(comps(&format!("user={b}&machine={}", ma.id)), Vec::<String>::new());
    // The machine list takes the same `user` (id or email) and `owner` scopes.
    let machines_of = |q: &str| {
        let (rows, n, _) = block(machines::list(&env.app(), &admin, &Query::parse(q))).unwrap();
        assert_eq!(n as usize, rows.len());
        sorted(rows.into_iter().map(|m| m.id).collect())
    };
    assert_eq!(machines_of("user=a@x.test"), sorted(vec![ma.id.clone(), mb.id.clone()]));
    assert_eq!(machines_of("user=B@x.test"), [mb.id.as_str()]);
    assert_eq!(machines_of(&format!("user={b}")), [mb.id.as_str()]);
    assert_eq!(machines_of("user=nobody@x.test"), Vec::<String>::new());
    assert_eq!(machines_of(&format!("owner={a}")), [mb.id.as_str()]);
    assert_eq!(ids(procs(&format!("owner={a}"))), [pb.id.as_str()]);
    assert_eq!(ids(procs("user=B@X.test")), [pb.id.as_str()]);
    // status: ALIVE/DEAD (any case), the same answer as the domain rule at every step.
    let agree = |at: &str| {
        let now = env.clock.now_ms();
        for row in procs("") {
            let s = process_status(row.last_heartbeat_at, row.config().heartbeat_duration_secs(), now);
            let want = if s == ProcessStatus::Alive { "ALIVE" } else { "DEAD" };
            assert!(procs(&format!("status={want}")).iter().any(|r| r.id == row.id), "{at}: {} is {want}", row.pid);
        }
    };
    agree("at birth");
    assert_eq!(ids(procs("status=alive")), sorted(vec![pa.id.clone(), pb.id.clone()]));
    env.clock.advance(100_000);
    block(processes::ping(&env.app(), &admin, &pb.id)).unwrap();
    env.clock.advance(30_000);
    agree("after a ping");
    assert_eq!(ids(procs("status=DEAD")), [pa.id.as_str()]);
    assert_eq!(ids(procs("status=Alive")), [pb.id.as_str()]);
    env.clock.advance(120_001);
    agree("past both heartbeats");
    assert!(procs("status=ALIVE").is_empty());
    let e = block(processes::list(&env.app(), &admin, &Query::parse("status=zombie"))).unwrap_err();
    assert_eq!((e.status, format!("{:?}", e.source)), (400, "Some(Parameter(\"status\"))".to_owned()));
}

#[test]
fn a_process_update_replaces_its_metadata_for_staff_and_products_only() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 5}));
    let l = env.license(&admin, &pol, json!({}));
    let m = activate(&env, &admin, &l, json!({"fingerprint": "m"})).unwrap();
    let body =
        json!({"data":{"type":"processes","attributes":{"pid":"7","metadata":{"a":1}},"relationships":{"machine":{"data":{"type":"machines","id":m.id}}}}});
    let pr = block(processes::spawn(&env.app(), &admin, processes::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    let patch =
        |attrs: serde_json::Value| processes::parse_update(json!({"data":{"type":"processes","id":"ignored","attributes":attrs}}).to_string().as_bytes());
    env.clock.advance(1_000);
    let u = block(processes::update(&env.app(), &admin, &pr.id, patch(json!({"metadata":{"b":"2"}})).unwrap())).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&u.metadata).unwrap(), json!({"b":"2"}));
    assert_eq!((u.pid.as_str(), u.updated_at), ("7", pr.updated_at + 1_000));
    assert_eq!(env.events().last().map(|e| e.0.as_str()), Some("process.updated"));
    // No metadata: unchanged; null empties it.
    let same = block(processes::update(&env.app(), &admin, &pr.id, patch(json!({})).unwrap())).unwrap();
    assert_eq!(same.metadata, u.metadata);
    let emptied = block(processes::update(&env.app(), &admin, &pr.id, patch(json!({"metadata":null})).unwrap())).unwrap();
    assert_eq!(emptied.metadata, "{}");
    // pid and the machine never change; a license updates its process but not its metadata.
    assert_eq!(patch(json!({"pid":"8"})).unwrap_err().code, "PARAMETER_UNPERMITTED");
    let license = Caller { bearer: Bearer::License { license_id: l.id.clone() }, ..admin.clone() };
    let e = block(processes::update(&env.app(), &license, &pr.id, patch(json!({"metadata":{"x":1}})).unwrap())).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_ref(), format!("{:?}", e.source)),
        (400, "PARAMETER_UNPERMITTED", "Some(Pointer(\"/data/attributes/metadata\"))".to_owned())
    );
    block(processes::update(&env.app(), &license, &pr.id, patch(json!({})).unwrap())).unwrap();
    let other = env.license(&admin, &pol, json!({}));
    let stranger = Caller { bearer: Bearer::License { license_id: other.id }, ..admin.clone() };
    assert_eq!(block(processes::update(&env.app(), &stranger, &pr.id, patch(json!({})).unwrap())).unwrap_err().status, 404);
    assert_eq!(block(processes::update(&env.app(), &admin, "nope", patch(json!({})).unwrap())).unwrap_err().status, 404);
}

#[test]
fn event_logs_take_keygens_whodunnit_resource_and_events_scopes() {
    let env = Env::new();
    let admin = env.admin();
    let Bearer::Admin { user_id: admin_id, .. } = admin.bearer.clone() else { unreachable!() };
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 5}));
    let l = env.license(&admin, &pol, json!({}));
    let as_license = Caller { bearer: Bearer::License { license_id: l.id.clone() }, ..admin.clone() };
    let m = activate(&env, &as_license, &l, json!({"fingerprint": "m"})).unwrap();
    let list = |q: &str| {
        let (rows, n, _) = block(events::list(&env.app(), &admin, &Query::parse(q))).unwrap();
        assert_eq!(n as usize, rows.len(), "{q}");
        rows
    };
    let all = list("");
    assert!(all.len() >= 4, "{}", all.len());
    // whodunnit: type in any spelling and id, or the id alone; a part of an id matches too.
    let by_license = list(&format!("whodunnit[type]=License&whodunnit[id]={}", l.id));
    assert!(!by_license.is_empty() && by_license.iter().all(|e| e.whodunnit_id.as_deref() == Some(l.id.as_str())));
    assert!(by_license.iter().any(|e| e.event == "machine.created" && e.resource_id == m.id));
    assert_eq!(list(&format!("whodunnit={}", l.id)).len(), by_license.len());
    assert_eq!(list(&format!("whodunnit={}", &l.id[..8])).len(), by_license.len());
    let by_admin = list(&format!("whodunnit[type]=users&whodunnit[id]={admin_id}"));
    assert_eq!(by_admin.len() + by_license.len(), all.iter().filter(|e| e.whodunnit_id.is_some()).count());
    assert!(list(&format!("whodunnit[type]=product&whodunnit[id]={}", l.id)).is_empty());
    // resource: `resource=<id>` and a part of one; events[]: any of several names.
    assert!(list(&format!("resource={}", m.id)).iter().all(|e| e.resource_id == m.id));
    assert!(list(&format!("resource[type]=machine&resource[id]={}", &m.id[..13])).iter().any(|e| e.event == "machine.created"));
    let two = list("events[]=license.created&events[]=machine.created");
    assert_eq!(two.len(), 2, "{:?}", two.iter().map(|e| &e.event).collect::<Vec<_>>());
    assert_eq!(list("events[]=machine.created&event=license.created").len(), 0);
    for (q, param) in [("whodunnit[type]=", "whodunnit[type]"), ("whodunnit=%20", "whodunnit"), ("resource[id]=", "resource[id]")] {
        let e = block(events::list(&env.app(), &admin, &Query::parse(q))).unwrap_err();
        assert_eq!((e.status, format!("{:?}", e.source)), (400, format!("Some(Parameter({param:?}))")), "{q}");
    }
}

/// Keygen's `request` scope and relationship (issue 8): the events a request wrote carry its id
/// (the request log's), found by the id or a part of it; an empty term finds nothing; events
/// outside a request (`request_id: None`, scheduled jobs) carry none.
#[test]
fn event_logs_name_the_request_that_wrote_them() {
    let env = Env::new();
    let admin = env.admin();
    let rid = "0b7d6c2e-4f1a-4c3b-9a8e-5d6f7a8b9c0d";
    let in_request = shared::service::App { request_id: Some(rid), ..env.app() };
    let p = block(shared::service::catalogue::products::create(
        &in_request,
        &admin,
        shared::service::catalogue::products::parse(br#"{"data":{"type":"products","attributes":{"name":"In a request"}}}"#, true).unwrap(),
    ))
    .unwrap();
    let outside = env.product(&admin, "Outside");
    let list = |q: &str| block(events::list(&env.app(), &admin, &Query::parse(q))).unwrap().0;
    let mine = list(&format!("request={rid}"));
    assert_eq!(mine.iter().map(|e| (e.event.as_str(), e.resource_id.as_str())).collect::<Vec<_>>(), [("product.created", p.id.as_str())]);
    assert_eq!(list("request=0B7D6C2E").len(), 1, "a part of the id, case-insensitively");
    assert!(list("request=").is_empty(), "an empty term finds nothing (Keygen's none)");
    assert!(list("request=ffffffff-ffff-4fff-bfff-ffffffffffff").is_empty());
    assert!(list("request=%27%20OR%201=1--").is_empty());
    let all = list("");
    let other = all.iter().find(|e| e.resource_id == outside.id).unwrap();
    assert_eq!(other.request_log_id, None);
    // Rendered as Keygen's `relationships.request`, linking to the request log.
    let doc = shared::api::accounts::event(&mine[0]).into_value();
    assert_eq!(doc["relationships"]["request"]["data"], json!({"type": "request-logs", "id": rid}));
    assert!(doc["relationships"]["request"]["links"]["related"].as_str().unwrap().ends_with(&format!("/request-logs/{rid}")));
    assert_eq!(shared::api::accounts::event(other).into_value()["relationships"]["request"], json!({"data": null}));
}

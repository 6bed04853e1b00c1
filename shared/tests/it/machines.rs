//! Activation limits, uniqueness strategies, heartbeats, processes and components on SQLite.

use serde_json::json;
use shared::domain::heartbeat::HeartbeatStatus;
use shared::service::{fleet::components, fleet::heartbeats, fleet::leases, fleet::machines, fleet::processes, licensing::activation, Caller};
use shared::store::rows::{LicenseRow, MachineRow};

use shared::Clock;

use crate::support::{block, Env, T0};

pub fn activate(env: &Env, caller: &Caller, license: &LicenseRow, attrs: serde_json::Value) -> Result<MachineRow, shared::Error> {
    let body = json!({"data":{"type":"machines","attributes":attrs,"relationships":{"license":{"data":{"type":"licenses","id":license.id}}}}});
    block(activation::activate(&env.app(), caller, activation::parse(body.to_string().as_bytes())?))
}

fn count(env: &Env, license: &LicenseRow) -> i64 {
    let rows = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n FROM machines WHERE license_id = ?1", &[license.id.clone().into()])).unwrap();
    rows[0]["n"].as_i64().unwrap()
}

#[test]
fn floating_limit_refuses_the_sixth_machine() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 5}));
    let l = env.license(&admin, &policy, json!({}));
    for i in 0..5 {
        activate(&env, &admin, &l, json!({"fingerprint": format!("fp-{i}")})).unwrap();
    }
    let e = activate(&env, &admin, &l, json!({"fingerprint": "fp-6"})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "MACHINE_LIMIT_EXCEEDED"));
    assert!(e.detail.contains("(5)"), "{}", e.detail);
    assert_eq!(count(&env, &l), 5);
    assert_eq!(env.events().iter().filter(|(e, _)| e == "machine.created").count(), 5, "no event for the refused activation");
}

#[test]
fn overage_raises_the_ceiling_and_node_locked_defaults_to_one() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 2, "overageStrategy": "ALLOW_2X_OVERAGE"}));
    let l = env.license(&admin, &policy, json!({}));
    for i in 0..4 {
        activate(&env, &admin, &l, json!({"fingerprint": format!("fp-{i}")})).unwrap();
    }
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "x"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
    let node = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &node, json!({}));
    activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "b"})).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
}

#[test]
fn core_memory_and_disk_limits_are_enforced() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxCores": 8, "maxMemory": 100, "maxDisk": 50}));
    let l = env.license(&admin, &policy, json!({}));
    activate(&env, &admin, &l, json!({"fingerprint": "a", "cores": 6, "memory": 60, "disk": 30})).unwrap();
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "b", "cores": 4})).unwrap_err().code, "MACHINE_CORE_LIMIT_EXCEEDED");
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "b", "memory": 41})).unwrap_err().code, "MACHINE_MEMORY_LIMIT_EXCEEDED");
    assert_eq!(activate(&env, &admin, &l, json!({"fingerprint": "b", "disk": 21})).unwrap_err().code, "MACHINE_DISK_LIMIT_EXCEEDED");
    activate(&env, &admin, &l, json!({"fingerprint": "b", "cores": 2, "memory": 40, "disk": 20})).unwrap();
}

#[test]
fn fingerprint_uniqueness_follows_the_strategy() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let per_license = env.policy(&admin, &product, json!({"floating": true}));
    let (a, b) = (env.license(&admin, &per_license, json!({})), env.license(&admin, &per_license, json!({})));
    activate(&env, &admin, &a, json!({"fingerprint": "same"})).unwrap();
    let e = activate(&env, &admin, &a, json!({"fingerprint": "same"})).unwrap_err();
    assert_eq!((e.code.as_ref(), e.source.clone()), ("FINGERPRINT_TAKEN", Some(shared::error::Source::Pointer("/data/attributes/fingerprint".into()))));
    activate(&env, &admin, &b, json!({"fingerprint": "same"})).expect("another license may use it under UNIQUE_PER_LICENSE");

    let per_product = env.policy(&admin, &product, json!({"floating": true, "machineUniquenessStrategy": "UNIQUE_PER_PRODUCT"}));
    let (c, d) = (env.license(&admin, &per_product, json!({})), env.license(&admin, &per_product, json!({})));
    activate(&env, &admin, &c, json!({"fingerprint": "p"})).unwrap();
    assert_eq!(activate(&env, &admin, &d, json!({"fingerprint": "p"})).unwrap_err().code, "FINGERPRINT_TAKEN");
}

#[test]
fn per_user_leasing_counts_each_owner_separately() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 1, "machineLeasingStrategy": "PER_USER"}));
    let l = env.license(&admin, &policy, json!({}));
    let user = |email: &str| {
        let body = json!({"data":{"type":"users","attributes":{"email":email}}});
        block(shared::service::identity::users::create(&env.app(), &admin, shared::service::identity::users::parse(body.to_string().as_bytes(), true).unwrap()))
            .unwrap()
    };
    let (u1, u2) = (user("a@x.test"), user("b@x.test"));
    // A machine's owner must be a user of its license.
    let licensees = json!({"data":[{"type":"users","id":u1.id},{"type":"users","id":u2.id}]}).to_string();
    block(shared::service::licensing::licensees::attach(&env.app(), &admin, &l.id, licensees.as_bytes())).unwrap();
    let with_owner = |fp: &str, owner: &str| {
        let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":l.id}},"owner":{"data":{"type":"users","id":owner}}}}});
        block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap()))
    };
    with_owner("a1", &u1.id).unwrap();
    with_owner("b1", &u2.id).expect("a different owner has their own seat");
    assert_eq!(with_owner("a2", &u1.id).unwrap_err().code, "MACHINE_LIMIT_EXCEEDED");
}

#[test]
fn components_are_inserted_with_the_machine_and_their_conflicts_refused() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "componentUniquenessStrategy": "UNIQUE_PER_ACCOUNT"}));
    let l = env.license(&admin, &policy, json!({}));
    let body = |fp: &str, comps: &[&str]| {
        let data: Vec<_> = comps.iter().map(|c| json!({"type":"components","attributes":{"fingerprint":c,"name":"cpu"}})).collect();
        json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":l.id}},"components":{"data":data}}}})
            .to_string()
    };
    let e = activation::parse(body("m", &["c1", "c1"]).as_bytes()).unwrap_err();
    assert_eq!(e.code, "COMPONENTS_FINGERPRINT_CONFLICT");
    let m = block(activation::activate(&env.app(), &admin, activation::parse(body("m", &["c1", "c2"]).as_bytes()).unwrap())).unwrap();
    let q = shared::api::query::Query::parse(&format!("machine={}", m.id));
    assert_eq!(block(components::list(&env.app(), &admin, &q)).unwrap().1, 2);
    let e = block(activation::activate(&env.app(), &admin, activation::parse(body("n", &["c2"]).as_bytes()).unwrap())).unwrap_err();
    assert_eq!(e.code, "COMPONENTS_FINGERPRINT_TAKEN");
    assert_eq!(count(&env, &l), 1, "the refused machine and its components were not written");
    let too_many: Vec<String> = (0..21).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = too_many.iter().map(String::as_str).collect();
    assert_eq!(activation::parse(body("z", &refs).as_bytes()).unwrap_err().status, 400);
}

#[test]
fn heartbeat_ping_death_resurrection_and_reset() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(
        &admin,
        &product,
        json!({"heartbeatDuration": 600, "heartbeatResurrectionStrategy": "5_MINUTE_REVIVE", "heartbeatCullStrategy": "KEEP_DEAD"}),
    );
    let l = env.license(&admin, &policy, json!({}));
    let m = activate(&env, &admin, &l, json!({"fingerprint": "hb"})).unwrap();
    let status = |m: &MachineRow| shared::api::machines::machine(m, env.clock.now_ms(), None).attributes["heartbeatStatus"].clone();
    assert_eq!(status(&m), "NOT_STARTED");
    let (m, s) = block(heartbeats::ping(&env.app(), &admin, &m.id)).unwrap();
    assert_eq!((status(&m), s), (json!("ALIVE"), None));
    assert_eq!(block(leases::read(&env.app(), &admin.account.id, &m.id)).unwrap().heartbeat, Some(T0));
    env.clock.advance(600_000 + 60_000);
    let (m, s) = block(heartbeats::ping(&env.app(), &admin, &m.id)).unwrap();
    assert_eq!(s, Some(HeartbeatStatus::Resurrected));
    env.clock.advance(600_000 + 300_001);
    let e = block(heartbeats::ping(&env.app(), &admin, &m.id)).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "MACHINE_HEARTBEAT_DEAD"));
    let m = block(heartbeats::reset(&env.app(), &admin, &m.id)).unwrap();
    assert_eq!(m.last_heartbeat_at, None);
    assert!(block(leases::read(&env.app(), &admin.account.id, &m.id)).is_none());
    let names: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e.starts_with("machine.heartbeat")).collect();
    assert_eq!(names, ["machine.heartbeat.ping", "machine.heartbeat.resurrected", "machine.heartbeat.reset"]);
}

#[test]
fn a_ping_within_half_the_lease_ttl_does_not_rewrite_it() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"heartbeatDuration": 600, "requireHeartbeat": true}));
    let l = env.license(&admin, &policy, json!({}));
    let m = activate(&env, &admin, &l, json!({"fingerprint": "kv"})).unwrap();
    let lease = || block(leases::read(&env.app(), &admin.account.id, &m.id)).unwrap();
    // KV writes of one ping (MemoryKv counts puts and deletes).
    let ping = || {
        let before = env.kv.writes();
        let (pinged, _) = block(heartbeats::ping(&env.app(), &admin, &m.id)).unwrap();
        (pinged, env.kv.writes() - before)
    };
    // requireHeartbeat starts the heartbeat at activation, whose lease records it: a ping at
    // once writes nothing (tests/tests/edge.rs covers the lease without a heartbeat: 1 write).
    assert_eq!(ping().1, 0);
    assert_eq!(lease().heartbeat, Some(T0));
    // 200 s later 400 s are left (> half of 600): no rewrite.
    env.clock.advance(200_000);
    let (pinged, writes) = ping();
    assert_eq!(writes, 0, "no KV write within half the TTL");
    assert_eq!(pinged.last_heartbeat_at, Some(T0 + 200_000), "D1 still records every ping");
    assert_eq!(lease().heartbeat, Some(T0), "the lease was not rewritten");
    // 400 s after the write only 200 s are left: rewritten.
    env.clock.advance(200_000);
    assert_eq!(ping().1, 1);
    assert_eq!(lease().heartbeat, Some(T0 + 400_000));
    env.clock.advance(200_000);
    assert_eq!(ping().1, 0);
    assert_eq!(lease().heartbeat, Some(T0 + 400_000), "skipped again");
    // Past the lease's expiry but within the last skipped ping's duration, the machine validates
    // as alive (D1 is the truth).
    env.clock.advance(599_000);
    use shared::service::licensing::validation;
    let req = validation::parse_validate_key(json!({"meta": {"key": l.key, "scope": {"fingerprint": "kv"}}}).to_string().as_bytes()).unwrap();
    let v = block(validation::validate_license(&env.app(), &admin, req)).unwrap();
    assert_eq!((v.outcome.valid, v.outcome.code.as_str()), (true, "VALID"));
}

#[test]
fn machines_are_found_by_fingerprint_filtered_and_deleted() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true}));
    let l = env.license(&admin, &policy, json!({}));
    let m = activate(&env, &admin, &l, json!({"fingerprint": "find-me"})).unwrap();
    activate(&env, &admin, &l, json!({"fingerprint": "other"})).unwrap();
    assert_eq!(block(machines::show(&env.app(), &admin, "find-me")).unwrap().id, m.id);
    let q = shared::api::query::Query::parse("fingerprint=find-me");
    assert_eq!(block(machines::list(&env.app(), &admin, &q)).unwrap().1, 1);
    let q = shared::api::query::Query::parse(&format!("key={}", l.key));
    assert_eq!(block(machines::list(&env.app(), &admin, &q)).unwrap().1, 2);
    let q = shared::api::query::Query::parse("status=DEAD");
    assert_eq!(block(machines::list(&env.app(), &admin, &q)).unwrap().1, 0);
    block(activation::deactivate(&env.app(), &admin, &m.id)).unwrap();
    assert_eq!(block(machines::show(&env.app(), &admin, &m.id)).unwrap_err().status, 404);
    assert!(env.events().iter().any(|(e, id)| e == "machine.deleted" && *id == m.id));
}

#[test]
fn processes_respect_the_per_machine_limit_and_unique_pids() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"maxProcesses": 2}));
    let l = env.license(&admin, &policy, json!({}));
    let m = activate(&env, &admin, &l, json!({"fingerprint": "p"})).unwrap();
    let spawn = |pid: &str| {
        let body = json!({"data":{"type":"processes","attributes":{"pid":pid},"relationships":{"machine":{"data":{"type":"machines","id":m.id}}}}});
        block(processes::spawn(&env.app(), &admin, processes::parse(body.to_string().as_bytes()).unwrap()))
    };
    let p = spawn("1").unwrap();
    assert_eq!(spawn("1").unwrap_err().code, "PID_TAKEN");
    spawn("2").unwrap();
    let e = spawn("3").unwrap_err();
    assert_eq!((e.code.as_ref(), e.detail.as_str()), ("MACHINE_PROCESS_LIMIT_EXCEEDED", "process count has exceeded maximum allowed for machine (2)"));
    let (_, s) = block(processes::ping(&env.app(), &admin, &p.id)).unwrap();
    assert_eq!(s, None);
    env.clock.advance(601_000);
    assert_eq!(block(processes::ping(&env.app(), &admin, &p.id)).unwrap_err().code, "PROCESS_HEARTBEAT_DEAD");
    block(processes::kill(&env.app(), &admin, &p.id)).unwrap();
    spawn("3").expect("a killed process frees its slot");
}

#[test]
fn machine_max_processes_falls_back_to_the_license_then_the_policy() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"maxProcesses": 5, "floating": true, "maxMachines": 3}));
    let overridden = env.license(&admin, &policy, json!({"maxProcesses": 3}));
    let plain = env.license(&admin, &policy, json!({}));
    let max = |m: &MachineRow| shared::api::machines::machine(m, T0, None).attributes["maxProcesses"].clone();
    let inherits = activate(&env, &admin, &overridden, json!({"fingerprint": "a"})).unwrap();
    let own = activate(&env, &admin, &overridden, json!({"fingerprint": "b", "maxProcesses": 2})).unwrap();
    let from_policy = activate(&env, &admin, &plain, json!({"fingerprint": "c"})).unwrap();
    assert_eq!((max(&inherits), max(&own), max(&from_policy)), (json!(3), json!(2), json!(5)));
    // Every machine read carries the license's value: show and list.
    assert_eq!(max(&block(machines::show(&env.app(), &admin, &inherits.id)).unwrap()), json!(3));
    let q = shared::api::query::Query::parse(&format!("license={}", overridden.id));
    let listed = block(machines::list(&env.app(), &admin, &q)).unwrap().0;
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|m| max(m) == json!(if m.id == own.id { 2 } else { 3 })));
}

// keygen-rs SDK measure (issue 8): `PATCH /components/{id}` (Keygen's machine_components#update).
#[test]
fn a_component_update_sets_name_and_metadata_only() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true}));
    let l = env.license(&admin, &policy, json!({}));
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"m"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}},
        "components":{"data":[{"type":"components","attributes":{"fingerprint":"gpu","name":"GPU"}}]}}}});
    let m = block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    let q = shared::api::query::Query::parse(&format!("machine={}", m.id));
    let c = block(components::list(&env.app(), &admin, &q)).unwrap().0.remove(0);
    let patch = |attrs: serde_json::Value| components::parse_update(json!({"data":{"type":"components","attributes":attrs}}).to_string().as_bytes());
    let renamed = block(components::update(&env.app(), &admin, &c.id, patch(json!({"name":"GPU 0"})).unwrap())).unwrap();
    assert_eq!((renamed.name.as_str(), renamed.fingerprint.as_str(), renamed.metadata.as_str()), ("GPU 0", "gpu", c.metadata.as_str()));
    let tagged = block(components::update(&env.app(), &admin, &c.id, patch(json!({"metadata":{"slot":1}})).unwrap())).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&tagged.metadata).unwrap(), json!({"slot":1}));
    assert_eq!(tagged.name, "GPU 0", "an absent name is unchanged");
    // Only name and metadata: the fingerprint is not writable; a blank name is refused.
    assert_eq!(patch(json!({"fingerprint":"other"})).unwrap_err().status, 400);
    assert_eq!(patch(json!({"name":" "})).unwrap_err().code, "NAME_MISSING");
    assert_eq!(patch(json!({"name":null})).unwrap_err().code, "NAME_MISSING");
    let e = block(components::update(&env.app(), &admin, "nope", patch(json!({"name":"x"})).unwrap())).unwrap_err();
    assert_eq!(e.status, 404);
}

//! Validation end to end through the service: loading in one round trip, the interesting codes,
//! lazy expiry, and the deferred writes.

use std::cell::Cell;

use serde_json::{json, Value};
use shared::service::licensing::validation::{self, Validated};
use shared::service::{fleet::heartbeats, fleet::leases, App, Bearer, Caller};
use shared::store::rows::LicenseRow;
use shared::store::sqlite::SqliteDb;
use shared::store::{Db, Row, Stmt, StmtResult, StoreError};
use shared::Clock;

use crate::machines::activate;
use crate::support::{block, Env, SECRET, T0};

/// Counts round trips (query, execute and batch each count one).
struct Counting<'a>(&'a SqliteDb, Cell<u32>);

impl Db for Counting<'_> {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.1.set(self.1.get() + 1);
        self.0.query(sql, params).await
    }
    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.1.set(self.1.get() + 1);
        self.0.execute(sql, params).await
    }
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError> {
        self.1.set(self.1.get() + 1);
        self.0.batch(stmts).await
    }
}

fn validate_key(env: &Env, caller: &Caller, key: &str, scope: Option<Value>) -> Validated {
    let mut meta = json!({"key": key});
    if let Some(s) = scope {
        meta["scope"] = s;
    }
    let req = validation::parse_validate_key(json!({ "meta": meta }).to_string().as_bytes()).unwrap();
    block(validation::validate_license(&env.app(), caller, req)).unwrap()
}

fn code(v: &Validated) -> (bool, &str) {
    (v.outcome.valid, v.outcome.code.as_str())
}

fn anonymous(admin: &Caller) -> Caller {
    Caller { bearer: Bearer::Anonymous, ..admin.clone() }
}

#[test]
fn validation_loads_in_one_round_trip_and_defers_its_writes() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "strict": true}));
    let l = env.license(&admin, &policy, json!({}));
    activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    let counting = Counting(&env.db, Cell::new(0));
    let app = App { db: &counting, kv: &env.kv, clock: &env.clock, rng: &env.rng, secret: SECRET, kdf: &env.kdf, request_id: None };
    let req = validation::parse_validate_key(json!({"meta":{"key": l.key, "nonce": 42, "scope": {"fingerprint": "a"}}}).to_string().as_bytes()).unwrap();
    let v = block(validation::validate_license(&app, &anonymous(&admin), req)).unwrap();
    assert_eq!(counting.1.get(), 1, "one D1 round trip");
    assert_eq!(code(&v), (true, "VALID"));
    assert_eq!(v.meta["nonce"], 42);
    assert_eq!(v.meta["scope"], json!({"fingerprint": "a"}));
    assert!(!env.events().iter().any(|(e, _)| e.starts_with("license.validation")), "writes wait for commit");
    block(v.pending.commit(&env.db)).unwrap();
    assert!(env.events().iter().any(|(e, id)| e == "license.validation.succeeded" && *id == l.id));
    let stored: LicenseRow = block(shared::service::licensing::licenses::find(&env.app(), &admin.account.id, &l.id)).unwrap().unwrap();
    assert_eq!(stored.last_validated_at, Some(T0));
}

#[test]
fn meta_scope_is_always_present_and_unknown_keys_are_not_found() {
    let env = Env::new();
    let admin = env.admin();
    let v = validate_key(&env, &anonymous(&admin), "NOPE-NOPE", None);
    assert_eq!(code(&v), (false, "NOT_FOUND"));
    assert!(v.license.is_none());
    assert_eq!(v.meta["scope"], json!({}));
    let e = validation::parse_validate_key(br#"{"meta":{"key":"k","scope":{"bogus":1}}}"#).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_UNPERMITTED"));
    let e = validation::parse_validate_key(br#"{"meta":{}}"#).unwrap_err();
    assert_eq!(e.code, "PARAMETER_MISSING");
}

#[test]
fn node_locked_without_machine_then_scope_mismatch_then_valid() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let anon = anonymous(&admin);
    assert_eq!(code(&validate_key(&env, &anon, &l.key, Some(json!({"fingerprint": "a"})))), (false, "NO_MACHINE"));
    activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    assert_eq!(code(&validate_key(&env, &anon, &l.key, Some(json!({"fingerprint": "b"})))), (false, "FINGERPRINT_SCOPE_MISMATCH"));
    assert_eq!(code(&validate_key(&env, &anon, &l.key, Some(json!({"fingerprint": "a"})))), (true, "VALID"));
}

#[test]
fn required_heartbeat_not_started_then_alive_through_lease_only() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"requireHeartbeat": true, "heartbeatDuration": 600, "heartbeatBasis": "FROM_FIRST_PING"}));
    let l = env.license(&admin, &policy, json!({}));
    let anon = anonymous(&admin);
    let m = activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    assert_eq!(code(&validate_key(&env, &anon, &l.key, Some(json!({"fingerprint": "a"})))), (false, "HEARTBEAT_NOT_STARTED"));
    env.clock.advance(601_000);
    assert_eq!(code(&validate_key(&env, &anon, &l.key, Some(json!({"fingerprint": "a"})))), (false, "HEARTBEAT_DEAD"));
    // A ping seen only through the KV lease (e.g. D1 read replica not caught up) keeps it alive.
    let lease = leases::Lease { machine: m.id.clone(), license: l.id.clone(), heartbeat: Some(env.clock.now_ms()), expires: env.clock.now_ms() + 600_000 };
    block(shared::store::Kv::put(&env.kv, &leases::key(&admin.account.id, &m.id), &serde_json::to_string(&lease).unwrap(), 600)).unwrap();
    assert_eq!(code(&validate_key(&env, &anon, &l.key, Some(json!({"fingerprint": "a"})))), (true, "VALID"));
    // Pings decide on D1 alone: with NO_REVIVE the dead machine is refused, lease or not.
    assert_eq!(block(heartbeats::ping(&env.app(), &admin, &m.id)).unwrap_err().code, "MACHINE_HEARTBEAT_DEAD");
}

#[test]
fn suspended_and_expired_licenses() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"expirationStrategy": "REVOKE_ACCESS"}));
    let anon = anonymous(&admin);
    let expired = env.license(&admin, &policy, json!({"expiry": "2023-12-01T00:00:00.000Z"}));
    assert_eq!(code(&validate_key(&env, &anon, &expired.key, None)), (false, "EXPIRED"));
    let suspended = env.license(&admin, &policy, json!({"suspended": true}));
    assert_eq!(code(&validate_key(&env, &anon, &suspended.key, None)), (false, "SUSPENDED"));
    let maintain = env.policy(&admin, &product, json!({"expirationStrategy": "MAINTAIN_ACCESS"}));
    let l = env.license(&admin, &maintain, json!({"expiry": "2023-12-01T00:00:00.000Z"}));
    assert_eq!(code(&validate_key(&env, &anon, &l.key, None)), (true, "EXPIRED"));
}

#[test]
fn too_many_machines_is_valid_within_overage() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "strict": true, "maxMachines": 2, "overageStrategy": "ALLOW_2X_OVERAGE"}));
    let l = env.license(&admin, &policy, json!({}));
    for fp in ["a", "b", "c"] {
        activate(&env, &admin, &l, json!({"fingerprint": fp})).unwrap();
    }
    assert_eq!(code(&validate_key(&env, &anonymous(&admin), &l.key, None)), (true, "TOO_MANY_MACHINES"));
    let strict = env.policy(&admin, &product, json!({"floating": true, "strict": true, "maxMachines": 3}));
    let l2 = env.license(&admin, &strict, json!({}));
    activate(&env, &admin, &l2, json!({"fingerprint": "a"})).unwrap();
    let req = validation::parse_validate(b"", &l2.id, true).unwrap();
    let v = block(validation::validate_license(&env.app(), &admin, req)).unwrap();
    assert_eq!(code(&v), (true, "VALID"));
}

#[test]
fn first_validation_sets_the_expiry_and_validation_by_id_needs_access() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"duration": 86400, "expirationBasis": "FROM_FIRST_VALIDATION"}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(l.expiry, None);
    let v = validate_key(&env, &anonymous(&admin), &l.key, None);
    assert_eq!(v.license.as_ref().unwrap().expiry, Some(T0 + 86_400_000));
    block(v.pending.commit(&env.db)).unwrap();
    env.clock.advance(1000);
    let v = validate_key(&env, &anonymous(&admin), &l.key, None);
    block(v.pending.commit(&env.db)).unwrap();
    let stored = block(shared::service::licensing::licenses::find(&env.app(), &admin.account.id, &l.id)).unwrap().unwrap();
    assert_eq!(stored.expiry, Some(T0 + 86_400_000), "first writer wins");

    let req = validation::parse_validate(br#"{"meta":{}}"#, &l.id, false).unwrap();
    let e = block(validation::validate_license(&env.app(), &anonymous(&admin), req.clone())).unwrap_err();
    assert_eq!(e.status, 401);
    let other = Caller { bearer: Bearer::License { license_id: "someone-else".into() }, ..admin.clone() };
    assert_eq!(block(validation::validate_license(&env.app(), &other, req.clone())).unwrap_err().status, 404);
    let own = Caller { bearer: Bearer::License { license_id: l.id.clone() }, ..admin.clone() };
    assert_eq!(code(&block(validation::validate_license(&env.app(), &own, req)).unwrap()), (true, "VALID"));
}

#[test]
fn repeated_validations_with_the_same_outcome_are_recorded_once_a_minute() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let anon = anonymous(&admin);
    let validations = || env.events().into_iter().filter(|(e, _)| e.starts_with("license.validation.")).count();
    let run = |scope: Option<Value>| {
        let v = validate_key(&env, &anon, &l.key, scope);
        let (writes, c) = (v.pending.0.len(), code(&v).1.to_owned());
        block(v.pending.commit(&env.db)).unwrap();
        (c, writes)
    };
    // First validation: touch + event.
    assert_eq!(run(None), ("VALID".to_owned(), 2));
    env.clock.advance(10_000);
    // Same outcome within a minute: nothing written.
    assert_eq!(run(None), ("VALID".to_owned(), 0));
    assert_eq!(validations(), 1);
    // A different outcome is always recorded.
    assert_eq!(run(Some(json!({"product": "00000000-0000-4000-8000-000000000000"}))).0, "PRODUCT_SCOPE_MISMATCH");
    assert_eq!(validations(), 2);
    // And flipping back is a change too.
    assert_eq!(run(None).1, 2);
    env.clock.advance(59_000);
    assert_eq!(run(None).1, 0);
    // A minute after the last recorded one, the same outcome is recorded again.
    env.clock.advance(2_000);
    assert_eq!(run(None).1, 2);
    assert_eq!(validations(), 4);
    let stored = block(shared::service::licensing::licenses::find(&env.app(), &admin.account.id, &l.id)).unwrap().unwrap();
    assert_eq!((stored.last_validated_at, stored.last_validation_code.as_deref()), (Some(env.clock.now_ms()), Some("VALID")));
}

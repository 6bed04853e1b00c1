//! Records that tell the truth under concurrency: an event's `changes` and the response of a
//! guarded license write come from that write itself, never from a read before or after it.
//!
//! SQLite natively runs one request at a time, so [`Racing`] stands in for the other clients:
//! it lands a concurrent client's write right before the use case's batch (after its read) and
//! another one right after it (before any re-read). Before the fix each of these failed.

use serde_json::{json, Value};
use shared::service::licensing::{licenses, usage};
use shared::service::App;
use shared::store::sqlite::SqliteDb;
use shared::store::{Db, MemoryKv, Row, Stmt, StmtResult, StoreError};
use std::cell::RefCell;

use crate::support::{block, Env, SECRET};

/// A database where other clients write around each batch: `before` runs just before the
/// next batch, `after` just after it (each once).
struct Racing<'a> {
    db: &'a SqliteDb,
    before: RefCell<Option<(&'static str, Vec<Value>)>>,
    after: RefCell<Option<(&'static str, Vec<Value>)>>,
}

impl Db for Racing<'_> {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.db.query(sql, params).await
    }
    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.db.execute(sql, params).await
    }
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError> {
        let before = self.before.borrow_mut().take();
        if let Some((sql, p)) = before {
            self.db.execute(sql, &p).await?;
        }
        let res = self.db.batch(stmts).await?;
        let after = self.after.borrow_mut().take();
        if let Some((sql, p)) = after {
            self.db.execute(sql, &p).await?;
        }
        Ok(res)
    }
}

fn racing<'a>(env: &'a Env, before: Option<(&'static str, Vec<Value>)>, after: Option<(&'static str, Vec<Value>)>) -> Racing<'a> {
    Racing { db: &env.db, before: RefCell::new(before), after: RefCell::new(after) }
}

fn app<'a>(env: &'a Env, db: &'a Racing<'a>) -> App<'a, Racing<'a>, MemoryKv> {
    App { db, kv: &env.kv, clock: &env.clock, rng: &env.rng, secret: SECRET, kdf: &env.kdf, request_id: None }
}

/// The `changes` of every `name` event, oldest first.
fn changes(env: &Env, name: &str) -> Vec<Value> {
    let rows = block(env.db.query("SELECT changes FROM event_logs WHERE event = ?1 ORDER BY created_at, rowid", &[name.into()])).unwrap();
    rows.iter().map(|r| serde_json::from_str(r["changes"].as_str().unwrap_or("null")).unwrap()).collect()
}

const ADD_USE: &str = "UPDATE licenses SET uses = uses + 1 WHERE id = ?1";

#[test]
fn an_increment_records_and_answers_its_own_before_and_after() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({"maxUses": 10})), json!({}));
    // Another client's increment lands after this one read the license (uses 0) and another
    // right after this one's write: this write is 1 → 2, and it answers 2.
    let db = racing(&env, Some((ADD_USE, vec![l.id.clone().into()])), Some((ADD_USE, vec![l.id.clone().into()])));
    let got = block(usage::increment(&app(&env, &db), &admin, &l.id, 1)).unwrap();
    assert_eq!(got.uses, 2, "the response shows what this write left, not a later re-read");
    assert_eq!(changes(&env, "license.usage.incremented"), vec![json!({"uses": [1, 2]})]);
}

#[test]
fn a_decrement_and_a_reset_record_the_counts_they_changed() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({})), json!({}));
    block(usage::increment(&env.app(), &admin, &l.id, 5)).unwrap();
    let db = racing(&env, Some((ADD_USE, vec![l.id.clone().into()])), Some((ADD_USE, vec![l.id.clone().into()])));
    let got = block(usage::decrement(&app(&env, &db), &admin, &l.id, 2)).unwrap();
    assert_eq!(got.uses, 4);
    assert_eq!(changes(&env, "license.usage.decremented"), vec![json!({"uses": [6, 4]})]);
    let db = racing(&env, Some(("UPDATE licenses SET uses = 9 WHERE id = ?1", vec![l.id.clone().into()])), Some((ADD_USE, vec![l.id.clone().into()])));
    let got = block(usage::reset(&app(&env, &db), &admin, &l.id)).unwrap();
    assert_eq!(got.uses, 0);
    assert_eq!(changes(&env, "license.usage.reset"), vec![json!({"uses": [9, 0]})]);
}

#[test]
fn a_refused_increment_records_nothing_even_when_the_read_said_there_was_room() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({"maxUses": 1})), json!({}));
    let db = racing(&env, Some((ADD_USE, vec![l.id.clone().into()])), None);
    let e = block(usage::increment(&app(&env, &db), &admin, &l.id, 1)).unwrap_err();
    assert_eq!(e.code, "USES_LIMIT_EXCEEDED");
    assert!(changes(&env, "license.usage.incremented").is_empty());
}

#[test]
fn concurrent_renewals_both_extend_and_each_records_its_own_expiry_change() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let day = 86_400_000_i64;
    let l = env.license(&admin, &env.policy(&admin, &product, json!({"duration": 86_400})), json!({}));
    let e0 = l.expiry.unwrap();
    // Another renewal lands between this one's read and its write.
    let other = ("UPDATE licenses SET expiry = expiry + 86400000 WHERE id = ?1", vec![l.id.clone().into()]);
    let db = racing(&env, Some(other), None);
    let got = block(licenses::renew(&app(&env, &db), &admin, &l.id)).unwrap();
    assert_eq!(got.expiry, Some(e0 + 2 * day), "a renewal is never lost to a concurrent one");
    let iso = |ms: i64| shared::clock::iso8601(ms);
    assert_eq!(changes(&env, "license.expiry.updated").last().cloned(), Some(json!({"expiry": [iso(e0 + day), iso(e0 + 2 * day)]})));
    assert_eq!(changes(&env, "license.renewed").len(), 1);
}

#[test]
fn suspend_and_check_in_answer_what_they_wrote() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({"requireCheckIn": true, "checkInInterval": "day", "checkInIntervalCount": 1})), json!({}));
    let db = racing(&env, None, Some(("UPDATE licenses SET suspended = 0 WHERE id = ?1", vec![l.id.clone().into()])));
    let got = block(licenses::set_suspended(&app(&env, &db), &admin, &l.id, true)).unwrap();
    assert_eq!(got.suspended, 1, "the response is the suspension this request made");
    let db = racing(&env, None, Some(("UPDATE licenses SET last_check_in_at = 1 WHERE id = ?1", vec![l.id.clone().into()])));
    let got = block(usage::check_in(&app(&env, &db), &admin, &l.id)).unwrap();
    assert_eq!(got.last_check_in_at, Some(crate::support::T0));
}

#[test]
fn a_transfer_that_lost_a_race_writes_nothing_and_records_nothing() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let (a, b, c) = (env.policy(&admin, &product, json!({})), env.policy(&admin, &product, json!({})), env.policy(&admin, &product, json!({})));
    let l = env.license(&admin, &a, json!({}));
    // A concurrent transfer to C lands after this one read the license (on A).
    let db = racing(&env, Some(("UPDATE licenses SET policy_id = ?2 WHERE id = ?1", vec![l.id.clone().into(), c.id.clone().into()])), None);
    let body = json!({"data": {"type": "policies", "id": b.id}}).to_string();
    let e = block(licenses::transfer(&app(&env, &db), &admin, &l.id, body.as_bytes())).unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("STATE_INVALID", 422));
    assert!(changes(&env, "license.policy.updated").is_empty(), "no event claims A → B");
    let now = block(licenses::find(&env.app(), admin.account_id(), &l.id)).unwrap().unwrap();
    assert_eq!(now.policy_id, c.id);
    // Uncontended, the event is the write's own change and the answer is what it wrote.
    let moved = block(licenses::transfer(&env.app(), &admin, &l.id, body.as_bytes())).unwrap();
    assert_eq!(moved.policy_id, b.id);
    assert_eq!(changes(&env, "license.policy.updated"), vec![json!({"policy": [c.id, b.id]})]);
}

#[test]
fn an_owner_change_that_lost_a_race_writes_nothing_and_records_nothing() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({})), json!({}));
    let shared::service::Bearer::Admin { user_id, .. } = admin.bearer.clone() else { panic!("env.admin() is an admin") };
    let db = racing(&env, Some(("UPDATE licenses SET owner_id = ?2 WHERE id = ?1", vec![l.id.clone().into(), user_id.clone().into()])), None);
    let e = block(licenses::change_owner(&app(&env, &db), &admin, &l.id, br#"{"data":null}"#)).unwrap_err();
    assert_eq!(e.code, "STATE_INVALID");
    assert!(changes(&env, "license.owner.updated").is_empty(), "no event claims null → null over the concurrent owner");
    let cleared = block(licenses::change_owner(&env.app(), &admin, &l.id, br#"{"data":null}"#)).unwrap();
    assert_eq!(cleared.owner_id, None);
    assert_eq!(changes(&env, "license.owner.updated"), vec![json!({"owner": [user_id, null]})]);
}

#[test]
fn activation_and_process_writes_answer_what_they_wrote() {
    use shared::service::fleet::processes;
    use shared::service::licensing::activation;
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({"floating": true, "maxMachines": 3})), json!({}));
    // A concurrent deactivation lands right after the activation's batch: the activation
    // still answers the machine it created (before: a 500 "activated machine vanished").
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-r"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    let db = racing(&env, None, Some(("DELETE FROM machines WHERE fingerprint = 'fp-r'", vec![])));
    let m = block(activation::activate(&app(&env, &db), &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    assert_eq!((m.fingerprint.as_str(), m.license_id.as_str()), ("fp-r", l.id.as_str()));
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-s"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    let m = block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    let spawn = json!({"data":{"type":"processes","attributes":{"pid":"7"},"relationships":{"machine":{"data":{"type":"machines","id":m.id}}}}});
    let db = racing(&env, None, Some(("UPDATE processes SET last_heartbeat_at = last_heartbeat_at + 1 WHERE pid = '7'", vec![])));
    let p = block(processes::spawn(&app(&env, &db), &admin, processes::parse(spawn.to_string().as_bytes()).unwrap())).unwrap();
    assert_eq!(p.last_heartbeat_at, crate::support::T0, "the spawn answers its own heartbeat");
    env.clock.advance(5_000);
    let db = racing(&env, None, Some(("DELETE FROM processes WHERE id = ?1", vec![p.id.clone().into()])));
    let (pinged, _) = block(processes::ping(&app(&env, &db), &admin, &p.id)).unwrap();
    assert_eq!(pinged.last_heartbeat_at, crate::support::T0 + 5_000, "the ping answers what it wrote (before: a 404 from the re-read)");
}

#[test]
fn a_machine_ping_answers_what_it_wrote() {
    use shared::service::fleet::heartbeats;
    use shared::service::licensing::activation;
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({})), json!({}));
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-h"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    let m = block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    env.clock.advance(1_000);
    // A concurrent write lands right after the ping's batch: the ping answers its own heartbeat.
    let db = racing(&env, None, Some(("UPDATE machines SET last_heartbeat_at = 5 WHERE id = ?1", vec![m.id.clone().into()])));
    let (pinged, _) = block(heartbeats::ping(&app(&env, &db), &admin, &m.id)).unwrap();
    assert_eq!(pinged.last_heartbeat_at, Some(crate::support::T0 + 1_000));
    // Same for an update: a concurrent rename right after it does not show in its answer.
    let db = racing(&env, None, Some(("UPDATE machines SET name = 'theirs' WHERE id = ?1", vec![m.id.clone().into()])));
    let u = shared::service::fleet::machines::parse_update(br#"{"data":{"type":"machines","attributes":{"name":"mine"}}}"#).unwrap();
    let updated = block(shared::service::fleet::machines::update(&app(&env, &db), &admin, &m.id, u)).unwrap();
    assert_eq!(updated.name.as_deref(), Some("mine"));
}

#[test]
fn group_changes_record_what_they_overwrote_and_answer_what_they_wrote() {
    use shared::service::catalogue::groups;
    use shared::service::licensing::relations;
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &product, json!({})), json!({}));
    let group = |name: &str| {
        let body = json!({"data":{"type":"groups","attributes":{"name":name}}}).to_string();
        block(groups::create(&env.app(), &admin, groups::parse(body.as_bytes(), true).unwrap())).unwrap()
    };
    let (mine, theirs) = (group("Mine"), group("Theirs"));
    let into = |g: &str| json!({"data":{"type":"groups","id":g}}).to_string();
    // Another client regroups the license after this request read it (no group): this write
    // would overwrite "theirs" while recording `[null, mine]`, so it writes nothing.
    let db = racing(&env, Some(("UPDATE licenses SET group_id = ?2 WHERE id = ?1", vec![l.id.clone().into(), theirs.id.clone().into()])), None);
    let e = block(relations::set_license_group(&app(&env, &db), &admin, &l.id, into(&mine.id).as_bytes())).unwrap_err();
    assert_eq!(e.code, "STATE_INVALID");
    assert!(changes(&env, "license.group.updated").is_empty());
    // Uncontended: recorded `[theirs, mine]`; a change landing right after is not in the answer.
    let db = racing(&env, None, Some(("UPDATE licenses SET group_id = NULL WHERE id = ?1", vec![l.id.clone().into()])));
    let got = block(relations::set_license_group(&app(&env, &db), &admin, &l.id, into(&mine.id).as_bytes())).unwrap();
    assert_eq!(got.group_id.as_deref(), Some(mine.id.as_str()));
    assert_eq!(changes(&env, "license.group.updated"), vec![json!({"group": [theirs.id, mine.id]})]);

    let shared::service::Bearer::Admin { user_id, .. } = admin.bearer.clone() else { panic!("env.admin() is an admin") };
    let db = racing(&env, Some(("UPDATE users SET group_id = ?2 WHERE id = ?1", vec![user_id.clone().into(), theirs.id.clone().into()])), None);
    let e = block(groups::set_user_group(&app(&env, &db), &admin, &user_id, into(&mine.id).as_bytes())).unwrap_err();
    assert_eq!(e.code, "STATE_INVALID");
    assert!(changes(&env, "user.group.updated").is_empty());
}

#[test]
fn an_entitlement_update_records_the_names_it_overwrote() {
    use shared::service::catalogue::entitlements;
    let env = Env::new();
    let admin = env.admin();
    let body = json!({"data":{"type":"entitlements","attributes":{"name":"Pro","code":"PRO"}}}).to_string();
    let e = block(entitlements::create(&env.app(), &admin, entitlements::parse(body.as_bytes(), true).unwrap())).unwrap();
    let rename = |name: &str| entitlements::parse(json!({"data":{"type":"entitlements","attributes":{"name":name}}}).to_string().as_bytes(), false).unwrap();
    // A concurrent rename after this request's read: `["Pro", "Mine"]` would be a lie.
    let db = racing(&env, Some(("UPDATE entitlements SET name = 'Theirs' WHERE id = ?1", vec![e.id.clone().into()])), None);
    let err = block(entitlements::update(&app(&env, &db), &admin, &e.id, rename("Mine"))).unwrap_err();
    assert_eq!(err.code, "STATE_INVALID");
    assert!(changes(&env, "entitlement.updated").is_empty());
    let got = block(entitlements::update(&env.app(), &admin, &e.id, rename("Mine"))).unwrap();
    assert_eq!(got.name, "Mine");
    assert_eq!(changes(&env, "entitlement.updated"), vec![json!({"name": ["Theirs", "Mine"], "code": ["PRO", "PRO"]})]);
}

//! Create paths tell a conflict (no row inserted) from a store failure (a 500), and lookups by
//! "id or key/code/email" let an exact id win.

use serde_json::{json, Value};
use shared::service::catalogue::{policies, products};
use shared::service::identity::users;
use shared::service::licensing::licenses;
use shared::service::App;
use shared::store::sqlite::SqliteDb;
use shared::store::{Db, Row, Stmt, StmtResult, StoreError};

use crate::support::{block, Env, SECRET};

/// SQLite that fails every statement containing `fail_on` (a store outage for that table).
struct Failing<'a> {
    db: &'a SqliteDb,
    fail_on: &'static str,
}

impl Failing<'_> {
    fn check(&self, sql: &str) -> Result<(), StoreError> {
        if sql.contains(self.fail_on) {
            return Err(StoreError::Db("injected failure".into()));
        }
        Ok(())
    }
}

impl Db for Failing<'_> {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.check(sql)?;
        self.db.query(sql, params).await
    }
    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.check(sql)?;
        self.db.execute(sql, params).await
    }
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<StmtResult>, StoreError> {
        for s in &stmts {
            self.check(s.sql)?;
        }
        self.db.batch(stmts).await
    }
}

fn failing<'a>(env: &'a Env, f: &'a Failing<'a>) -> App<'a, Failing<'a>, shared::store::MemoryKv> {
    App { db: f, kv: &env.kv, clock: &env.clock, rng: &env.rng, kdf: &env.kdf, secret: SECRET, request_id: None }
}

fn doc(ty: &str, attrs: Value, rels: Value) -> Vec<u8> {
    json!({"data":{"type":ty,"attributes":attrs,"relationships":rels}}).to_string().into_bytes()
}

#[test]
fn a_store_failure_on_create_is_a_500_not_a_conflict() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let f = Failing { db: &env.db, fail_on: "INSERT INTO licenses" };
    let e = block(licenses::create(
        &failing(&env, &f),
        &admin,
        licenses::parse(&doc("licenses", json!({}), json!({"policy":{"data":{"type":"policies","id":policy.id}}})), true).unwrap(),
    ))
    .unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (500, "INTERNAL_ERROR"), "was 422 KEY_TAKEN");
    let f = Failing { db: &env.db, fail_on: "INSERT INTO products" };
    let e = block(products::create(&failing(&env, &f), &admin, products::parse(&doc("products", json!({"name":"B"}), json!({})), true).unwrap())).unwrap_err();
    assert_eq!(e.status, 500, "was 409");
    let f = Failing { db: &env.db, fail_on: "INSERT INTO users" };
    let e = block(users::create(&failing(&env, &f), &admin, users::parse(&doc("users", json!({"email":"a@b.test"}), json!({})), true).unwrap())).unwrap_err();
    assert_eq!(e.status, 500, "was 409");
    let f = Failing { db: &env.db, fail_on: "FROM products" };
    let body = doc("policies", json!({"name":"P"}), json!({"product":{"data":{"type":"products","id":product.id}}}));
    let e = block(policies::create(&failing(&env, &f), &admin, policies::parse(&body, true).unwrap())).unwrap_err();
    assert_eq!(e.status, 500, "was 422 PRODUCT_NOT_FOUND");
}

#[test]
fn real_conflicts_are_still_client_errors() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let p = block(products::create(&app, &admin, products::parse(&doc("products", json!({"name":"A","code":"app"}), json!({})), true).unwrap())).unwrap();
    let e = block(products::create(&app, &admin, products::parse(&doc("products", json!({"name":"B","code":"app"}), json!({})), true).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (409, "ID_CONFLICT"));
    let u = block(users::create(&app, &admin, users::parse(&doc("users", json!({"email":"a@b.test"}), json!({})), true).unwrap())).unwrap();
    let e = block(users::create(&app, &admin, users::parse(&doc("users", json!({"email":"A@b.test"}), json!({})), true).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "EMAIL_TAKEN"));
    let same_id = json!({"data":{"type":"users","id":u.id,"attributes":{"email":"other@b.test"}}}).to_string();
    let e = block(users::create(&app, &admin, users::parse(same_id.as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (409, "ID_CONFLICT"), "an id in use is a conflict, not a 500");
    let policy = env.policy(&admin, &p, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let body = doc("licenses", json!({"key": l.key}), json!({"policy":{"data":{"type":"policies","id":policy.id}}}));
    let e = block(licenses::create(&app, &admin, licenses::parse(&body, true).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "KEY_TAKEN"));
    let e = block(policies::create(
        &app,
        &admin,
        policies::parse(&doc("policies", json!({"name":"P"}), json!({"product":{"data":{"type":"products","id":"nope"}}})), true).unwrap(),
    ))
    .unwrap_err();
    assert_eq!(e.code, "PRODUCT_NOT_FOUND");
}

#[test]
fn an_exact_id_wins_over_a_key_code_or_email() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 5}));
    let rel = json!({"policy":{"data":{"type":"policies","id":policy.id}}});
    // Both orders of creation, so the test does not hang on which row SQLite scans first.
    for key_first in [true, false] {
        let target = shared::rng::uuid_v4(&env.rng);
        let create = |attrs: Value, id: Option<&str>| {
            let mut d: Value = serde_json::from_slice(&doc("licenses", attrs, rel.clone())).unwrap();
            if let Some(id) = id {
                d["data"]["id"] = id.into();
            }
            block(licenses::create(&app, &admin, licenses::parse(d.to_string().as_bytes(), true).unwrap())).unwrap()
        };
        let (shadow, real) = if key_first {
            let s = create(json!({"key": target}), None);
            (s, create(json!({}), Some(&target)))
        } else {
            let r = create(json!({}), Some(&target));
            (create(json!({"key": target}), None), r)
        };
        assert_eq!(real.id, target);
        assert_eq!(block(licenses::show(&app, &admin, &target)).unwrap().id, real.id, "key_first = {key_first}");
        // Validation by id reads in one statement that looks at the key first.
        let req = shared::service::licensing::validation::parse_validate(b"{}", &target, false).unwrap();
        let Ok(v) = block(shared::service::licensing::validation::validate_license(&app, &admin, req)) else { panic!("validation answers") };
        assert_eq!(v.license.map(|l| l.id), Some(real.id.clone()), "validate by id hit the license whose key is that id (key_first = {key_first})");
        assert_ne!(shadow.id, real.id);
    }
    for code_first in [true, false] {
        let target = shared::rng::uuid_v4(&env.rng);
        let mk = |attrs: Value| block(products::create(&app, &admin, products::parse(&doc("products", attrs, json!({})), true).unwrap())).unwrap();
        let with_id = |id: &str| {
            let d = json!({"data":{"type":"products","id":id,"attributes":{"name":"Real"}}}).to_string();
            block(products::create(&app, &admin, products::parse(d.as_bytes(), true).unwrap())).unwrap()
        };
        let real = if code_first {
            mk(json!({"name":"Shadow","code":target}));
            with_id(&target)
        } else {
            let r = with_id(&target);
            mk(json!({"name":"Shadow","code":target}));
            r
        };
        assert_eq!(block(products::show(&app, &admin, &target)).unwrap().id, real.id, "code_first = {code_first}");
    }
}

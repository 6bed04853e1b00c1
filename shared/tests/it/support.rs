//! Shared fixtures for the native integration tests: a fresh SQLite database with the real
//! migrations, a frozen clock, seeded randomness, in-memory KV, and helpers that create an
//! account, products, policies and licenses through the real services.

use shared::clock::FixedClock;
use shared::kdf::NativePbkdf2;
use shared::rng::SeededRandom;
use shared::service::{catalogue::policies, catalogue::products, identity::accounts, licensing::licenses, App, Bearer, Caller};
use shared::store::rows::{LicenseRow, MaintenancePolicyRow, PolicyRow, ProductRow};
use shared::store::sqlite::SqliteDb;
use shared::store::MemoryKv;
use shared::Clock;

/// 2024-01-01T00:00:00Z.
pub const T0: i64 = 1_704_067_200_000;

/// The deployment secret used by tests.
pub const SECRET: &str = "test-deployment-secret";

/// Everything a service needs, owned.
pub struct Env {
    pub db: SqliteDb,
    pub kv: MemoryKv,
    pub clock: FixedClock,
    pub rng: SeededRandom,
    /// Few iterations keep the suite fast; the count is stored in each hash anyway.
    pub kdf: NativePbkdf2,
}

/// Iterations the native tests hash with.
pub const TEST_ITERATIONS: u32 = 1_000;

impl Env {
    /// A fresh environment at [`T0`].
    pub fn new() -> Self {
        Self {
            db: SqliteDb::in_memory(),
            kv: MemoryKv::default(),
            clock: FixedClock::at(T0),
            rng: SeededRandom::new(7),
            kdf: NativePbkdf2 { iterations: TEST_ITERATIONS },
        }
    }

    /// The service view of this environment.
    pub fn app(&self) -> App<'_, SqliteDb, MemoryKv> {
        App { db: &self.db, kv: &self.kv, clock: &self.clock, rng: &self.rng, secret: SECRET, kdf: &self.kdf, request_id: None }
    }

    /// A fresh account and a caller that is its admin.
    pub fn admin(&self) -> Caller {
        let body = format!(
            r#"{{"data":{{"type":"accounts","attributes":{{"name":"Acme","slug":"acme-{}"}},"relationships":{{"admins":{{"data":[{{"type":"users","attributes":{{"email":"admin@acme.test","password":"correct horse"}}}}]}}}}}}}}"#,
            self.clock.now_ms()
        );
        let b = block(accounts::bootstrap(&self.app(), accounts::parse_create(body.as_bytes()).unwrap())).unwrap();
        Caller {
            account: b.account,
            bearer: Bearer::Admin { user_id: b.admin_id, role: shared::domain::states::UserRole::Admin },
            token_id: None,
            permissions: None,
        }
    }

    /// A product named `name`.
    pub fn product(&self, admin: &Caller, name: &str) -> ProductRow {
        let body = format!(r#"{{"data":{{"type":"products","attributes":{{"name":"{name}"}}}}}}"#);
        block(products::create(&self.app(), admin, products::parse(body.as_bytes(), true).unwrap())).unwrap()
    }

    /// A policy of `product` with the given JSON attributes (e.g. `{"floating":true,"maxMachines":5}`).
    pub fn policy(&self, admin: &Caller, product: &ProductRow, attrs: serde_json::Value) -> PolicyRow {
        let mut a = attrs.as_object().cloned().unwrap_or_default();
        a.entry("name").or_insert("Policy".into());
        let body = serde_json::json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
        block(policies::create(&self.app(), admin, policies::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
    }

    /// A license of `policy` with the given JSON attributes.
    pub fn license(&self, admin: &Caller, policy: &PolicyRow, attrs: serde_json::Value) -> LicenseRow {
        let body = serde_json::json!({"data":{"type":"licenses","attributes":attrs,"relationships":{"policy":{"data":{"type":"policies","id":policy.id}}}}});
        block(licenses::create(&self.app(), admin, licenses::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
    }

    /// Events recorded so far, oldest first, as `(event, resource_id)`.
    pub fn events(&self) -> Vec<(String, String)> {
        let rows = block(shared::store::Db::query(&self.db, "SELECT event, resource_id FROM event_logs ORDER BY created_at, rowid", &[])).unwrap();
        rows.into_iter().map(|r| (r["event"].as_str().unwrap().to_owned(), r["resource_id"].as_str().unwrap().to_owned())).collect()
    }
}

/// Runs a future to completion (services are single-threaded async).
pub fn block<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

#[test]
fn migrations_apply_on_a_fresh_database() {
    let env = Env::new();
    let rows = block(shared::store::Db::query(&env.db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'licenses'", &[])).unwrap();
    assert_eq!(rows.len(), 1);
}

// Maintenance policies (issue 10 §5).
impl Env {
    /// A maintenance policy of `product` with `interval` (and `attrs`), and a policy of the
    /// product whose licenses get it by default.
    pub fn maintained_policy(&self, admin: &Caller, product: &ProductRow, interval: &str, attrs: serde_json::Value) -> (MaintenancePolicyRow, PolicyRow) {
        use shared::service::catalogue::maintenance_policies as mp;
        let mut a = attrs.as_object().cloned().unwrap_or_default();
        a.insert("name".into(), "Maintenance".into());
        a.insert("subscriptionInterval".into(), interval.into());
        let body =
            serde_json::json!({"data":{"type":"maintenance-policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
        let m = block(mp::create(&self.app(), admin, mp::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
        let policy = self.policy(admin, product, serde_json::json!({}));
        let link = serde_json::json!({"data":{"type":"maintenance-policies","id":m.id}}).to_string();
        let policy = block(mp::set_for_policy(&self.app(), admin, &policy.id, link.as_bytes())).unwrap();
        (m, policy)
    }
}

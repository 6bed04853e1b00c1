//! `PATCH /v1/accounts/{id}` on SQLite with the real migrations: admins only, a taken or
//! UUID-shaped slug refused without a partial write, `account.updated` recorded once.

use serde_json::json;
use shared::error::Source;
use shared::service::identity::accounts;
use shared::service::{Bearer, Caller};
use shared::store::Db;

use crate::support::{block, Env};

fn changes(attrs: serde_json::Value) -> shared::Result<accounts::AccountChanges> {
    accounts::parse_update(json!({"data": {"type": "accounts", "attributes": attrs}}).to_string().as_bytes())
}

fn other_account(env: &Env, slug: &str) {
    let body = json!({"data": {"type": "accounts", "attributes": {"name": "Other", "slug": slug},
        "relationships": {"admins": {"data": [{"type": "users", "attributes": {"email": "o@other.test", "password": "correct horse"}}]}}}});
    block(accounts::bootstrap(&env.app(), accounts::parse_create(body.to_string().as_bytes()).unwrap())).unwrap();
}

fn updated_events(env: &Env) -> usize {
    env.events().iter().filter(|(name, _)| name == "account.updated").count()
}

#[test]
fn an_admin_renames_the_account_and_replaces_its_metadata() {
    let env = Env::new();
    let admin = env.admin();
    let a = block(accounts::update(&env.app(), &admin, changes(json!({"name": "Renamed", "slug": "renamed", "metadata": {"tier": "gold"}})).unwrap())).unwrap();
    assert_eq!((a.name.as_str(), a.slug.as_str()), ("Renamed", "renamed"));
    assert!(a.metadata.contains("gold"));
    assert_eq!(block(accounts::find(&env.app(), "renamed")).unwrap().id, admin.account.id);
    assert_eq!(updated_events(&env), 1);
}

#[test]
fn a_taken_slug_is_refused_and_nothing_is_written() {
    let env = Env::new();
    let admin = env.admin();
    other_account(&env, "taken");
    let e = block(accounts::update(&env.app(), &admin, changes(json!({"name": "New", "slug": "taken"})).unwrap())).unwrap_err();
    assert_eq!((e.status, &*e.code), (422, "SLUG_TAKEN"));
    assert!(matches!(&e.source, Some(Source::Pointer(p)) if p == "/data/attributes/slug"));
    let a = block(accounts::find(&env.app(), &admin.account.id)).unwrap();
    assert_eq!((a.name.as_str(), a.slug.as_str()), (admin.account.name.as_str(), admin.account.slug.as_str()));
    assert_eq!(updated_events(&env), 0);
}

#[test]
fn a_slug_shaped_like_an_account_id_is_refused() {
    let env = Env::new();
    let admin = env.admin();
    let e = changes(json!({"slug": "00000000-0000-4000-8000-000000000000"})).unwrap_err();
    assert_eq!((e.status, &*e.code), (422, "SLUG_INVALID"));
    for bad in [json!({"slug": "Upper"}), json!({"slug": ""}), json!({"slug": null}), json!({"name": " "}), json!({"name": 1}), json!({"plan": "x"})] {
        assert!(changes(bad.clone()).is_err(), "{bad}");
    }
    // The bootstrap route keeps the same rule.
    let body = json!({"data": {"type": "accounts", "attributes": {"name": "X", "slug": admin.account.id},
        "relationships": {"admins": {"data": [{"type": "users", "attributes": {"email": "x@x.test", "password": "correct horse"}}]}}}});
    assert_eq!(accounts::parse_create(body.to_string().as_bytes()).unwrap_err().code.as_ref(), "SLUG_INVALID");
}

#[test]
fn only_admins_update_the_account() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    for bearer in [Bearer::Anonymous, Bearer::Product { product_id: product.id.clone() }, Bearer::User { user_id: "u".into() }] {
        let caller = Caller { bearer, token_id: None, ..admin.clone() };
        let e = block(accounts::update(&env.app(), &caller, changes(json!({"name": "Mine"})).unwrap())).unwrap_err();
        assert!(matches!(e.status, 401 | 403), "{e}");
    }
    let rows = block(env.db.query("SELECT name FROM accounts WHERE id = ?1", &[admin.account.id.clone().into()])).unwrap();
    assert_eq!(rows.first().and_then(|r| r["name"].as_str()), Some("Acme"));
}

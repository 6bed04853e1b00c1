//! Environments (issue 8) on SQLite with the real migrations: the tenant scope isolates every
//! store statement, creation and deletion are atomic batches, tokens bind to their
//! environment, and the validation scope codes.

use serde_json::json;
use shared::api::query::Query;
use shared::domain::environments::tenant_id;
use shared::service::identity::{auth, environments, tokens};
use shared::service::licensing::licenses;
use shared::service::{catalogue::products, Bearer, Caller};
use shared::store::rows::EnvironmentRow;

use crate::support::{block, Env};

fn create(env: &Env, admin: &Caller, code: &str) -> Result<EnvironmentRow, shared::Error> {
    let body = json!({"data":{"type":"environments","attributes":{"name":code,"code":code}}}).to_string();
    block(environments::create(&env.app(), admin, environments::parse(body.as_bytes(), true)?))
}

/// The caller as its environment sees it (what the router makes of `Keygen-Environment`).
fn inside(caller: &Caller, e: &EnvironmentRow) -> Caller {
    let mut c = caller.clone();
    c.account.id = tenant_id(&caller.account.id, &e.id);
    c.bearer = Bearer::Environment { environment_id: e.id.clone() };
    c
}

fn count(env: &Env, sql: &str, p: &str) -> i64 {
    let rows = block(shared::store::Db::query(&env.db, sql, &[p.into()])).unwrap();
    rows.first().and_then(|r| r["n"].as_i64()).unwrap_or(-1)
}

#[test]
fn records_of_an_environment_are_out_of_reach_of_the_account_and_the_other_way_round() {
    let env = Env::new();
    let admin = env.admin();
    let sandbox = create(&env, &admin, "sandbox").unwrap();
    let s = inside(&admin, &sandbox);
    let global = env.product(&admin, "Global");
    let mine = env.product(&s, "Sandboxed");
    let ids = |c: &Caller| block(products::list(&env.app(), c, &Query::default())).unwrap().0.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(&admin), vec![global.id.clone()]);
    assert_eq!(ids(&s), vec![mine.id.clone()]);
    assert_eq!(block(products::show(&env.app(), &admin, &mine.id)).unwrap_err().status, 404);
    assert_eq!(block(products::show(&env.app(), &s, &global.id)).unwrap_err().status, 404);
    // A sandbox policy for a production product: the product is not found inside.
    let body =
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":global.id}}}}}).to_string();
    let e = block(shared::service::catalogue::policies::create(&env.app(), &s, shared::service::catalogue::policies::parse(body.as_bytes(), true).unwrap()))
        .unwrap_err();
    assert!(matches!(e.status, 404 | 422), "{e:?}");
    // Another account's environment is invalid here.
    assert_eq!(block(environments::select(&env.app(), "another-account", "sandbox")).unwrap_err().code.as_ref(), "ENVIRONMENT_INVALID");
    assert_eq!(block(environments::select(&env.app(), &admin.account.id, "SANDBOX")).unwrap_err().code.as_ref(), "ENVIRONMENT_INVALID");
    assert_eq!(block(environments::select(&env.app(), &admin.account.id, "sandbox")).unwrap().id, sandbox.id);
    assert_eq!(block(environments::select(&env.app(), &admin.account.id, &sandbox.id)).unwrap().id, sandbox.id);
}

#[test]
fn codes_are_unique_case_insensitively_and_a_conflict_writes_nothing() {
    let env = Env::new();
    let admin = env.admin();
    create(&env, &admin, "sandbox").unwrap();
    let e = create(&env, &admin, "SandBox").unwrap_err();
    assert_eq!(e.code.as_ref(), "CODE_TAKEN");
    assert_eq!(count(&env, "SELECT count(*) AS n FROM accounts WHERE parent_id = ?1", &admin.account.id), 1, "no orphan tenant row");
    assert_eq!(env.events().iter().filter(|(n, _)| n == "environment.created").count(), 1);
}

#[test]
fn environment_tokens_authenticate_only_inside_their_environment() {
    let env = Env::new();
    let admin = env.admin();
    let a = create(&env, &admin, "a").unwrap();
    let b = create(&env, &admin, "b").unwrap();
    let t = block(environments::create_token(&env.app(), &admin, &a.id, tokens::TokenInput::default())).unwrap();
    let raw = t.raw.clone().unwrap();
    assert!(raw.starts_with("env-"), "{raw}");
    assert_eq!(t.row.expiry, None);
    let auth_in = |account_id: String| {
        let mut account = admin.account.clone();
        account.id = account_id;
        block(auth::authenticate(&env.app(), account, auth::Credentials::Token(raw.clone())))
    };
    let c = auth_in(tenant_id(&admin.account.id, &a.id)).unwrap();
    assert_eq!(c.bearer, Bearer::Environment { environment_id: a.id.clone() });
    assert_eq!(auth_in(admin.account.id.clone()).unwrap_err().code.as_ref(), "TOKEN_INVALID");
    assert_eq!(auth_in(tenant_id(&admin.account.id, &b.id)).unwrap_err().code.as_ref(), "TOKEN_INVALID");
    // From inside an environment no environment is managed, and only its own is visible.
    let s = inside(&admin, &a);
    assert_eq!(block(environments::create_token(&env.app(), &s, &a.id, tokens::TokenInput::default())).unwrap_err().status, 403);
    assert_eq!(block(environments::show(&env.app(), &s, &b.id)).unwrap_err().status, 404);
    assert_eq!(block(environments::show(&env.app(), &s, "a")).unwrap().id, a.id);
    assert_eq!(block(environments::list(&env.app(), &s, &Query::default())).unwrap().1, 1);
}

#[test]
fn deleting_an_environment_removes_everything_in_it_in_one_batch() {
    let env = Env::new();
    let admin = env.admin();
    let e = create(&env, &admin, "sandbox").unwrap();
    let s = inside(&admin, &e);
    let p = env.product(&s, "App");
    let pol = env.policy(&s, &p, json!({"floating": true, "maxMachines": 3}));
    let l = env.license(&s, &pol, json!({}));
    block(environments::create_token(&env.app(), &admin, &e.id, tokens::TokenInput::default())).unwrap();
    let global = env.product(&admin, "Kept");
    let tenant = tenant_id(&admin.account.id, &e.id);
    for table in ["products", "policies", "licenses", "tokens", "event_logs"] {
        assert!(count(&env, &format!("SELECT count(*) AS n FROM {table} WHERE account_id = ?1"), &tenant) > 0, "{table}");
    }
    block(environments::delete(&env.app(), &admin, "sandbox")).unwrap();
    for table in ["products", "policies", "licenses", "tokens", "event_logs", "accounts"] {
        let col = if table == "accounts" { "id" } else { "account_id" };
        assert_eq!(count(&env, &format!("SELECT count(*) AS n FROM {table} WHERE {col} = ?1"), &tenant), 0, "{table} survived");
    }
    assert!(block(licenses::show(&env.app(), &admin, &l.id)).is_err());
    assert_eq!(block(products::show(&env.app(), &admin, &global.id)).unwrap().id, global.id);
    assert!(env.events().iter().any(|(n, id)| n == "environment.deleted" && *id == e.id));
}

#[test]
fn an_environment_signs_with_the_keys_its_account_publishes_whoever_needed_them_first() {
    use shared::crypto::signer::Pair;
    use shared::service::identity::{account_keys, accounts};
    let env = Env::new();
    let admin = env.admin();
    let a = create(&env, &admin, "a").unwrap();
    let find = |id: &str| block(accounts::find(&env.app(), id)).unwrap();
    let (parent_id, a_id) = (admin.account.id.clone(), tenant_id(&admin.account.id, &a.id));
    assert!(find(&parent_id).rsa_private_key_sealed.is_none() && find(&parent_id).ecdsa_private_key_sealed.is_none(), "the pairs are made on first use");
    // The environment needs the RSA pair first, the account the P-256 pair first.
    block(account_keys::ensure(&env.app(), &find(&a_id), Pair::Rsa)).unwrap();
    block(account_keys::ensure(&env.app(), &find(&parent_id), Pair::Ecdsa)).unwrap();
    // An environment made afterwards copies both.
    let b = create(&env, &admin, "b").unwrap();
    let rows = [find(&parent_id), find(&a_id), find(&tenant_id(&admin.account.id, &b.id))];
    for r in &rows {
        assert!(r.rsa_public_key.is_some() && r.ecdsa_public_key.is_some(), "{}", r.id);
        assert_eq!((&r.rsa_public_key, &r.ecdsa_public_key), (&rows[0].rsa_public_key, &rows[0].ecdsa_public_key), "{}", r.id);
    }
}

#[test]
fn an_account_update_reaches_its_environments_and_a_refused_one_does_not() {
    use shared::service::identity::accounts;
    let env = Env::new();
    let admin = env.admin();
    let e = create(&env, &admin, "sandbox").unwrap();
    let tenant = || block(accounts::find(&env.app(), &tenant_id(&admin.account.id, &e.id))).unwrap();
    let change = |attrs: serde_json::Value| accounts::parse_update(json!({"data": {"type": "accounts", "attributes": attrs}}).to_string().as_bytes()).unwrap();
    block(accounts::update(&env.app(), &admin, change(json!({"name": "Renamed", "apiVersion": "1.5", "metadata": {"tier": "gold"}})))).unwrap();
    let t = tenant();
    assert_eq!((t.name.as_str(), t.api_version.as_str()), ("Renamed", "1.5"));
    assert!(t.metadata.contains("gold"));
    assert_eq!(t.slug, tenant_id(&admin.account.id, &e.id), "the tenant keeps its own slug");
    // A refused update (another account holds the slug) changes no environment either.
    let other = json!({"data": {"type": "accounts", "attributes": {"name": "Other", "slug": "taken"},
        "relationships": {"admins": {"data": [{"type": "users", "attributes": {"email": "o@other.test", "password": "correct horse"}}]}}}});
    block(accounts::bootstrap(&env.app(), accounts::parse_create(other.to_string().as_bytes()).unwrap())).unwrap();
    let refused = block(accounts::update(&env.app(), &admin, change(json!({"name": "Other", "slug": "taken", "apiVersion": "1.2"})))).unwrap_err();
    assert_eq!(refused.code.as_ref(), "SLUG_TAKEN");
    assert_eq!((tenant().name.as_str(), tenant().api_version.as_str()), ("Renamed", "1.5"));
}

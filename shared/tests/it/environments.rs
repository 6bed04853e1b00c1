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
    // From inside an environment no environment is managed; its token sees only its own
    // (Keygen's `EnvironmentPolicy`: never the list).
    let s = inside(&admin, &a);
    assert_eq!(block(environments::create_token(&env.app(), &s, &a.id, tokens::TokenInput::default())).unwrap_err().status, 403);
    assert_eq!(block(environments::show(&env.app(), &s, &b.id)).unwrap_err().status, 404);
    assert_eq!(block(environments::show(&env.app(), &s, "a")).unwrap().id, a.id);
    assert_eq!(block(environments::list(&env.app(), &s, &Query::default())).unwrap_err().status, 403);
    assert_eq!(block(environments::list_tokens(&env.app(), &s, "a", &Query::default())).unwrap().1, 1);
    assert_eq!(block(environments::list_tokens(&env.app(), &s, &b.id, &Query::default())).unwrap_err().status, 404);
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
    let left = block(environments::delete(&env.app(), &admin, "sandbox")).unwrap();
    assert_eq!(left.tenant, tenant);
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

// --- Admins inside an environment (issue 8) ---

fn create_with_admins(env: &Env, admin: &Caller, code: &str, admins: serde_json::Value) -> Result<EnvironmentRow, shared::Error> {
    let body = json!({"data":{"type":"environments","attributes":{"name":code,"code":code},"relationships":{"admins":{"data":admins}}}}).to_string();
    block(environments::create(&env.app(), admin, environments::parse(body.as_bytes(), true)?))
}

#[test]
fn founding_admins_are_written_with_the_environment_or_not_at_all() {
    let env = Env::new();
    let admin = env.admin();
    let e = create_with_admins(&env, &admin, "sandbox", json!([{"type":"users","attributes":{"email":"f@acme.test","password":"founding pw"}}])).unwrap();
    let tenant = tenant_id(&admin.account.id, &e.id);
    let mut account = admin.account.clone();
    account.id = tenant.clone();
    let anonymous = Caller { account, bearer: Bearer::Anonymous, token_id: None, permissions: None };
    let t = block(tokens::login(&env.app(), &anonymous, Some(("f@acme.test".into(), "founding pw".into())), tokens::TokenInput::default())).unwrap();
    assert_eq!(t.row.account_id, tenant);
    assert_eq!(count(&env, "SELECT count(*) AS n FROM users WHERE account_id = ?1 AND role = 'admin'", &tenant), 1);
    // A code conflict writes neither the environment nor its admins (one batch).
    let e = create_with_admins(&env, &admin, "SANDBOX", json!([{"type":"users","attributes":{"email":"g@acme.test"}}])).unwrap_err();
    assert_eq!(e.code.as_ref(), "CODE_TAKEN");
    assert_eq!(count(&env, "SELECT count(*) AS n FROM users WHERE email = ?1", "g@acme.test"), 0);
    assert_eq!(count(&env, "SELECT count(*) AS n FROM accounts WHERE parent_id = ?1", &admin.account.id), 1);
}

#[test]
fn a_global_admin_logs_in_and_acts_inside_an_environment_and_a_global_user_does_not() {
    use shared::service::identity::{accounts, users};
    let env = Env::new();
    let admin = env.admin();
    let e = create(&env, &admin, "sandbox").unwrap();
    let body = json!({"data":{"type":"users","attributes":{"email":"u@acme.test","password":"user password"}}}).to_string();
    block(users::create(&env.app(), &admin, users::parse(body.as_bytes(), true).unwrap())).unwrap();
    let mut account = admin.account.clone();
    account.id = tenant_id(&admin.account.id, &e.id);
    let anonymous = Caller { account: account.clone(), bearer: Bearer::Anonymous, token_id: None, permissions: None };
    let login = |email: &str, pw: &str| block(tokens::login(&env.app(), &anonymous, Some((email.into(), pw.into())), tokens::TokenInput::default()));
    let t = login("admin@acme.test", "correct horse").unwrap();
    assert_eq!(login("u@acme.test", "user password").unwrap_err().code.as_ref(), "CREDENTIALS_INVALID");
    // Its token authenticates inside as the admin, and only there.
    let raw = t.raw.clone().unwrap();
    let inside = block(auth::authenticate(&env.app(), account.clone(), auth::Credentials::Token(raw.clone()))).unwrap();
    assert!(matches!(&inside.bearer, Bearer::Admin { user_id, .. } if *user_id == t.row.bearer_id), "{:?}", inside.bearer);
    assert_eq!(block(auth::authenticate(&env.app(), admin.account.clone(), auth::Credentials::Token(raw))).unwrap_err().code.as_ref(), "TOKEN_INVALID");
    let p = env.product(&inside, "Sandboxed");
    assert_eq!(p.account_id, account.id);
    // An account update from inside changes the account, not only the tenant row.
    let change = accounts::parse_update(json!({"data":{"type":"accounts","attributes":{"name":"Inside"}}}).to_string().as_bytes()).unwrap();
    let a = block(accounts::update(&env.app(), &inside, change)).unwrap();
    assert_eq!(a.id, admin.account.id);
    assert_eq!(block(accounts::find(&env.app(), &admin.account.id)).unwrap().name, "Inside");
    assert_eq!(block(accounts::find(&env.app(), &account.id)).unwrap().name, "Inside");
}

#[test]
fn deleting_an_environment_removes_its_leases_and_artifact_objects() {
    use shared::service::distribution::{artifacts, releases, transfer};
    use shared::service::fleet::leases;
    use shared::service::identity::environment_leftovers;
    use shared::store::distribution::{Blobs, MemoryBlobs};
    let env = Env::new();
    let admin = env.admin();
    let e = create(&env, &admin, "sandbox").unwrap();
    let s = inside(&admin, &e);
    let mut s_admin = s.clone();
    s_admin.bearer = admin.bearer.clone();
    let p = env.product(&s, "App");
    let pol = env.policy(&s, &p, json!({"floating": true, "maxMachines": 3}));
    let l = env.license(&s, &pol, json!({}));
    let m = crate::machines::activate(&env, &s, &l, json!({"fingerprint": "fp-1"})).unwrap();
    assert!(block(leases::read(&env.app(), &s.account.id, &m.id)).is_some(), "activation writes a lease");
    // A global machine's lease is kept.
    let gp = env.product(&admin, "Kept");
    let gl = env.license(&admin, &env.policy(&admin, &gp, json!({"floating": true, "maxMachines": 3})), json!({}));
    let gm = crate::machines::activate(&env, &admin, &gl, json!({"fingerprint": "fp-g"})).unwrap();
    let body = json!({"data":{"type":"releases","attributes":{"version":"1.0.0","channel":"stable","status":"PUBLISHED"},
        "relationships":{"product":{"data":{"type":"products","id":p.id}}}}});
    let r =
        block(releases::create(&env.app(), &s_admin, releases::parse(body.to_string().as_bytes(), true, shared::Clock::now_ms(&env.clock)).unwrap())).unwrap();
    let body = json!({"data":{"type":"artifacts","attributes":{"filename":"app.bin"},"relationships":{"release":{"data":{"type":"releases","id":r.id}}}}});
    let (a, _) = block(artifacts::create(&env.app(), &s_admin, artifacts::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
    let a = block(transfer::settle(&env.app(), &a, "objects/app.bin", 3, true)).unwrap();
    let blobs = MemoryBlobs::default();
    block(blobs.put(&a.r2_key, vec![1, 2, 3])).unwrap();
    block(blobs.put("objects/global.bin", vec![4])).unwrap();
    let left = block(environments::delete(&env.app(), &admin, "sandbox")).unwrap();
    assert_eq!((left.machines.clone(), left.objects.clone()), (vec![m.id.clone()], vec![a.r2_key.clone()]));
    block(environment_leftovers::remove_leases(&env.app(), &left));
    assert_eq!(block(environment_leftovers::remove_objects(&blobs, &left)), 1);
    assert!(block(leases::read(&env.app(), &s.account.id, &m.id)).is_none(), "the environment's lease survived");
    assert!(block(blobs.head(&a.r2_key)).unwrap().is_none(), "the environment's object survived");
    assert!(block(leases::read(&env.app(), &admin.account.id, &gm.id)).is_some(), "a global lease went");
    assert!(block(blobs.head("objects/global.bin")).unwrap().is_some());
}

#[test]
fn a_relationship_to_another_environment_is_explained_as_incompatible() {
    use shared::service::identity::environment_compat::explain;
    let env = Env::new();
    let admin = env.admin();
    let e = create(&env, &admin, "sandbox").unwrap();
    let s = inside(&admin, &e);
    let global = env.policy(&admin, &env.product(&admin, "G"), json!({}));
    let mine = env.policy(&s, &env.product(&s, "S"), json!({}));
    let attempt = |c: &Caller, policy: &str| {
        let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}}}}}).to_string();
        let err = block(licenses::create(&env.app(), c, licenses::parse(body.as_bytes(), true).unwrap())).unwrap_err();
        assert_eq!(err.code.as_ref(), "POLICY_NOT_FOUND");
        block(explain(&env.app(), c.account_id(), body.as_bytes(), err))
    };
    for (c, policy) in [(&s, &global.id), (&admin, &mine.id)] {
        let e = attempt(c, policy);
        assert_eq!((e.status, e.code.as_ref(), e.detail.as_str()), (422, "ENVIRONMENT_NOT_ALLOWED", "must be compatible with policy environment"));
        assert!(matches!(&e.source, Some(shared::error::Source::Pointer(p)) if p == "/data/relationships/policy"), "{e:?}");
    }
    // Unknown anywhere in the account: still not found.
    assert_eq!(attempt(&s, "00000000-0000-4000-8000-000000000000").code.as_ref(), "POLICY_NOT_FOUND");
}

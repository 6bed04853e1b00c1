//! SHARED environments (issue 8) on SQLite with the real migrations: `sql::visible!` lets a
//! shared environment read the account's global records (never another environment's, and
//! never from an isolated one), writes stay strict (a global record is read-only inside),
//! records made inside land in the environment, and global tokens and license keys
//! authenticate inside a shared environment only.

use serde_json::json;
use shared::api::query::Query;
use shared::domain::environments::tenant_id;
use shared::service::catalogue::{policies, products};
use shared::service::identity::{auth, environments, tokens};
use shared::service::licensing::licenses;
use shared::service::{Bearer, Caller};
use shared::store::rows::EnvironmentRow;
use shared::store::sql;

use crate::support::{block, Env};

fn create(env: &Env, admin: &Caller, code: &str, strategy: &str) -> EnvironmentRow {
    let body = json!({"data":{"type":"environments","attributes":{"name":code,"code":code,"isolationStrategy":strategy}}}).to_string();
    block(environments::create(&env.app(), admin, environments::parse(body.as_bytes(), true).unwrap())).unwrap()
}

/// The caller as an environment token inside `e` (what the router makes of `Keygen-Environment`).
fn inside(caller: &Caller, e: &EnvironmentRow) -> Caller {
    let mut c = caller.clone();
    c.account.id = tenant_id(&caller.account.id, &e.id);
    c.bearer = Bearer::Environment { environment_id: e.id.clone() };
    c
}

/// The ids `sql::products::LIST` yields for tenant `scope`.
fn visible_products(env: &Env, scope: &str) -> Vec<String> {
    let params = [scope.into(), serde_json::Value::Null, serde_json::Value::Null, serde_json::Value::Null, 100.into(), 0.into()];
    let rows = block(shared::store::Db::query(&env.db, sql::products::LIST, &params)).unwrap();
    let mut ids: Vec<String> = rows.iter().filter_map(|r| r["id"].as_str().map(str::to_owned)).collect();
    ids.sort();
    ids
}

#[test]
fn the_visibility_rule_adds_the_global_records_to_shared_environments_only() {
    let env = Env::new();
    let admin = env.admin();
    let (shared, isolated, other) = (create(&env, &admin, "s", "SHARED"), create(&env, &admin, "i", "ISOLATED"), create(&env, &admin, "o", "SHARED"));
    let global = env.product(&admin, "Global").id;
    let s = env.product(&inside(&admin, &shared), "S").id;
    let i = env.product(&inside(&admin, &isolated), "I").id;
    let o = env.product(&inside(&admin, &other), "O").id;
    let account = admin.account.id.as_str();
    let mut want = vec![global.clone(), s.clone()];
    want.sort();
    assert_eq!(visible_products(&env, &tenant_id(account, &shared.id)), want, "shared: its own and the global ones");
    assert_eq!(visible_products(&env, &tenant_id(account, &isolated.id)), vec![i], "isolated: its own only");
    assert_eq!(visible_products(&env, account), vec![global.clone()], "global: the global ones only (strict)");
    assert!(!visible_products(&env, &tenant_id(account, &shared.id)).contains(&o), "never another shared environment's");
    // The environment's id grafted onto another account sees nothing of this one.
    assert!(visible_products(&env, &tenant_id("elsewhere", &shared.id)).is_empty());
    // The count agrees with the list.
    let rows = block(shared::store::Db::query(
        &env.db,
        sql::products::COUNT,
        &[tenant_id(account, &shared.id).into(), serde_json::Value::Null, serde_json::Value::Null, serde_json::Value::Null],
    ))
    .unwrap();
    assert_eq!(rows[0]["n"].as_i64(), Some(2));
}

#[test]
fn inside_a_shared_environment_global_records_are_read_only_and_new_ones_land_inside() {
    let env = Env::new();
    let admin = env.admin();
    let e = create(&env, &admin, "shared", "SHARED");
    let s = inside(&admin, &e);
    let product = env.product(&admin, "Global");
    let policy = env.policy(&admin, &product, json!({}));
    let license = env.license(&admin, &policy, json!({}));
    // Reads: shows and lists include the global records.
    assert_eq!(block(products::show(&env.app(), &s, &product.id)).unwrap().account_id, admin.account.id);
    assert_eq!(block(licenses::show(&env.app(), &s, &license.id)).unwrap().id, license.id);
    assert_eq!(block(policies::list(&env.app(), &s, &Query::default())).unwrap().1, 1);
    // Writes on them: Keygen's strict check, 403, nothing changed.
    let body = br#"{"data":{"type":"products","attributes":{"name":"Renamed"}}}"#;
    let e403 = block(products::update(&env.app(), &s, &product.id, products::parse(body, false).unwrap())).unwrap_err();
    assert_eq!((e403.status, e403.detail.as_str()), (403, "record environment is not compatible with the current environment"));
    assert_eq!(block(licenses::delete(&env.app(), &s, &license.id, false)).unwrap_err().status, 403);
    assert_eq!(block(policies::delete(&env.app(), &s, &policy.id)).unwrap_err().status, 403);
    assert_eq!(block(products::show(&env.app(), &admin, &product.id)).unwrap().name, "Global");
    // A license of the global policy made inside is the environment's.
    let mine = env.license(&s, &policy, json!({}));
    assert_eq!(mine.account_id, s.account.id);
    assert_eq!(mine.policy_id, policy.id);
    assert!(block(licenses::show(&env.app(), &admin, &mine.id)).is_err(), "out of the global environment's sight");
    block(licenses::delete(&env.app(), &s, &mine.id, false)).unwrap();
}

#[test]
fn global_tokens_and_keys_authenticate_inside_shared_environments_only() {
    let env = Env::new();
    let admin = env.admin();
    let (shared, isolated) = (create(&env, &admin, "s", "SHARED"), create(&env, &admin, "i", "ISOLATED"));
    let Bearer::Admin { user_id, .. } = &admin.bearer else { panic!("an admin") };
    let t =
        block(tokens::issue(&env.app(), &admin, shared::domain::states::BearerType::User, user_id, shared::access::Kind::Admin, tokens::TokenInput::default()))
            .unwrap();
    let raw = t.raw.unwrap();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"authenticationStrategy": "LICENSE"}));
    let key = env.license(&admin, &policy, json!({})).key;
    let auth_in = |e: &EnvironmentRow, creds: auth::Credentials| {
        let mut account = admin.account.clone();
        account.id = tenant_id(&admin.account.id, &e.id);
        block(auth::authenticate(&env.app(), account, creds))
    };
    assert!(matches!(auth_in(&shared, auth::Credentials::Token(raw.clone())).unwrap().bearer, Bearer::Admin { .. }));
    assert_eq!(auth_in(&isolated, auth::Credentials::Token(raw)).unwrap_err().code.as_ref(), "TOKEN_INVALID");
    assert!(matches!(auth_in(&shared, auth::Credentials::LicenseKey(key.clone())).unwrap().bearer, Bearer::License { .. }));
    assert_eq!(auth_in(&isolated, auth::Credentials::LicenseKey(key)).unwrap_err().code.as_ref(), "LICENSE_INVALID");
}

#[test]
fn list_pages_walk_the_account_index_in_order_without_sorting_the_account() {
    // `visible!`'s OR would make SQLite sort every row of the account for each page; the list
    // statements are `visible_union!` arms merged in index order instead. (Entitlements have
    // no `(account_id, created_at)` index: their pages sorted before environments too.)
    let env = Env::new();
    let null = serde_json::Value::Null;
    let plan = |statement: &str, n: usize| -> Vec<String> {
        let mut params: Vec<serde_json::Value> = vec!["acct.env".into()];
        params.extend(std::iter::repeat_n(null.clone(), n - 3));
        params.extend([10.into(), 0.into()]);
        let rows = block(shared::store::Db::query(&env.db, &format!("EXPLAIN QUERY PLAN {statement}"), &params)).unwrap();
        rows.iter().filter_map(|r| r["detail"].as_str().map(str::to_owned)).collect()
    };
    for (name, statement, n) in [
        ("products", sql::products::LIST, 6),
        ("policies", sql::policies::LIST, 5),
        ("licenses", sql::licenses::LIST, 31),
        ("users", sql::users::LIST, 14),
        ("groups", sql::groups::LIST, 6),
        ("machines", sql::machines::LIST, 21),
        ("event logs", sql::events::LIST, 15),
        ("request logs", sql::request_logs::LIST, 13),
    ] {
        let p = plan(statement, n);
        assert!(p.iter().any(|d| d.contains("MERGE (UNION ALL)")), "{name}: {p:?}");
        assert!(!p.iter().any(|d| d == "USE TEMP B-TREE FOR ORDER BY"), "{name} sorts the account: {p:?}");
    }
}

#[test]
fn lookups_by_key_seek_the_account_key_index() {
    // The license lookups that validation and license-key authentication run on every request
    // must seek `(account_id, key)` (or the primary key), in an environment or not: with
    // `visible!` as an OR of two equalities SQLite scanned every license of every account.
    let env = Env::new();
    let plan = |statement: &str, params: Vec<serde_json::Value>| -> Vec<String> {
        let rows = block(shared::store::Db::query(&env.db, &format!("EXPLAIN QUERY PLAN {statement}"), &params)).unwrap();
        rows.iter().filter_map(|r| r["detail"].as_str().map(str::to_owned)).collect()
    };
    for tenant in ["acct", "acct.env"] {
        for (name, statement, params) in [
            ("validation by key", sql::licenses::FIND_FOR_VALIDATION, vec![tenant.into(), "KEY".into(), 1.into(), 0.into()]),
            ("validation by id or key", sql::licenses::FIND_FOR_VALIDATION, vec![tenant.into(), "KEY".into(), 0.into(), 0.into()]),
            ("license by key", sql::licenses::FIND_BY_KEY, vec![tenant.into(), "KEY".into()]),
            ("license by id or key", sql::licenses::FIND, vec![tenant.into(), "KEY".into()]),
        ] {
            let p = plan(statement, params);
            assert!(!p.iter().any(|d| d == "SCAN l" || d.starts_with("SCAN licenses")), "{name} in {tenant} scans the licenses: {p:?}");
            assert!(p.iter().any(|d| d.contains("sqlite_autoindex_licenses_2") || d.contains("(account_id=? AND key=?)")), "{name} in {tenant}: {p:?}");
            // Nor walk the account's licenses in an index on `account_id` alone (SQLite took
            // `(account_id, created_at)` for `visible!`'s term: every license, per validation).
            assert!(!p.iter().any(|d| walks_the_account(d)), "{name} in {tenant} walks the account's licenses: {p:?}");
        }
        // The other lookups by id or a unique column (`id_or!`): users by email, products and
        // entitlements by code.
        for (table, statement) in [("users", sql::users::FIND), ("products", sql::products::FIND), ("entitlements", sql::entitlements::FIND)] {
            let p = plan(statement, vec![tenant.into(), "x@y.test".into()]);
            assert!(!p.iter().any(|d| d.starts_with(&format!("SCAN {table}")) || d == "SCAN x"), "{table} by id or code/email in {tenant} scans: {p:?}");
            assert!(!p.iter().any(|d| walks_the_account(d)), "{table} by id or code/email in {tenant} walks the account: {p:?}");
        }
        // The other lookups by id or a second column, whose ORs SQLite serves from two indexes
        // (`MULTI-INDEX OR`) or one: machines by fingerprint, packages by key, releases by
        // version or tag, environments by code.
        for (table, statement, filters) in [
            ("machines", sql::machines::FIND, 0),
            ("packages", sql::packages::FIND, 0),
            ("releases", sql::releases::FIND, 2),
            ("environments", sql::environments::FIND, 0),
        ] {
            let mut params: Vec<serde_json::Value> = vec![tenant.into(), "x".into()];
            params.extend(std::iter::repeat_n(serde_json::Value::Null, filters));
            let p = plan(statement, params);
            assert!(
                !p.iter().any(|d| d.starts_with(&format!("SCAN {table}")) || d == "SCAN m" || d == "SCAN r"),
                "{table} by id or name in {tenant} scans: {p:?}"
            );
            assert!(!p.iter().any(|d| walks_the_account(d)), "{table} by id or name in {tenant} walks the account: {p:?}");
        }
    }
}

#[test]
fn inside_a_shared_environment_a_global_license_activates_machines_that_land_inside() {
    use shared::service::fleet::machines;
    use shared::service::licensing::activation;
    let env = Env::new();
    let admin = env.admin();
    let (e, isolated) = (create(&env, &admin, "s", "SHARED"), create(&env, &admin, "i", "ISOLATED"));
    let (s, iso) = (inside(&admin, &e), inside(&admin, &isolated));
    let product = env.product(&admin, "Global");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 2}));
    let license = env.license(&admin, &policy, json!({}));
    let activate = |c: &Caller, fp: &str| {
        let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":license.id}}}}});
        block(activation::activate(&env.app(), c, activation::parse(body.to_string().as_bytes()).unwrap()))
    };
    // An older global machine of another license with the fingerprint the environment's will use.
    let other = env.license(&admin, &policy, json!({}));
    let body =
        json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-inside"},"relationships":{"license":{"data":{"type":"licenses","id":other.id}}}}});
    let older = block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    let global = activate(&admin, "fp-global").unwrap();
    // Keygen's `has_environment`: the current environment wins over the license's.
    let mine = activate(&s, "fp-inside").unwrap();
    assert_eq!((mine.account_id.as_str(), global.account_id.as_str()), (s.account.id.as_str(), admin.account.id.as_str()));
    // The license's limit counts its machines wherever they live; the fingerprint is taken
    // by the global machine inside too; an isolated environment does not see the license.
    assert_eq!(activate(&s, "fp-third").unwrap_err().code.as_ref(), "MACHINE_LIMIT_EXCEEDED");
    block(activation::deactivate(&env.app(), &s, &mine.id)).unwrap();
    assert_eq!(activate(&s, "fp-global").unwrap_err().code.as_ref(), "FINGERPRINT_TAKEN");
    assert_eq!(activate(&iso, "fp-iso").unwrap_err().code.as_ref(), "LICENSE_NOT_FOUND");
    let mine = activate(&s, "fp-inside").unwrap();
    // Reads: inside sees both (lists, counts, by id or fingerprint); the global environment
    // only its own.
    let ids = |c: &Caller| {
        let (rows, n, _) = block(machines::list(&env.app(), c, &Query::default())).unwrap();
        let mut v: Vec<String> = rows.into_iter().map(|m| m.id).collect();
        v.sort();
        (v, n)
    };
    let mut all = vec![global.id.clone(), mine.id.clone(), older.id.clone()];
    all.sort();
    assert_eq!(ids(&s), (all, 3));
    let mut globals = vec![global.id.clone(), older.id.clone()];
    globals.sort();
    assert_eq!(ids(&admin), (globals, 2));
    assert_eq!(block(machines::show(&env.app(), &s, "fp-global")).unwrap().id, global.id);
    // By fingerprint the environment's own wins over an older global one.
    assert_eq!(block(machines::show(&env.app(), &s, "fp-inside")).unwrap().id, mine.id);
    assert_eq!(block(machines::show(&env.app(), &admin, "fp-inside")).unwrap().id, older.id);
    assert!(block(machines::show(&env.app(), &iso, &global.id)).is_err());
    // Writes on the global machine from inside: 403; on its own: fine.
    let body = br#"{"data":{"type":"machines","attributes":{"name":"renamed"}}}"#;
    let e403 = block(machines::update(&env.app(), &s, &global.id, machines::parse_update(body).unwrap())).unwrap_err();
    assert_eq!((e403.status, e403.detail.as_str()), (403, "record environment is not compatible with the current environment"));
    assert_eq!(block(activation::deactivate(&env.app(), &s, &global.id)).unwrap_err().status, 403);
    assert_eq!(block(machines::update(&env.app(), &s, &mine.id, machines::parse_update(body).unwrap())).unwrap().name.as_deref(), Some("renamed"));
    // Processes of the global machine: listed and shown inside, managed only globally; a
    // spawn on it from inside is a write on it (403).
    use shared::service::fleet::processes;
    let spawn = |c: &Caller, pid: &str| {
        let body = json!({"data":{"type":"processes","attributes":{"pid":pid},"relationships":{"machine":{"data":{"type":"machines","id":global.id}}}}});
        block(processes::spawn(&env.app(), c, processes::parse(body.to_string().as_bytes()).unwrap()))
    };
    let pr = spawn(&admin, "1").unwrap();
    assert_eq!(block(processes::list(&env.app(), &s, &Query::default())).unwrap().1, 1);
    assert_eq!(block(processes::show(&env.app(), &s, &pr.id)).unwrap().id, pr.id);
    assert_eq!(block(processes::kill(&env.app(), &s, &pr.id)).unwrap_err().status, 403);
    assert_eq!(spawn(&s, "2").unwrap_err().status, 403);
    assert_eq!(block(processes::list(&env.app(), &iso, &Query::default())).unwrap().1, 0);
    // Moving the global license to another policy moves its machines wherever they live.
    use shared::service::licensing::license_actions;
    let other = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 2}));
    let body = json!({"data":{"type":"policies","id":other.id}}).to_string();
    block(license_actions::transfer(&env.app(), &admin, &license.id, body.as_bytes())).unwrap();
    assert_eq!(block(machines::show(&env.app(), &s, &mine.id)).unwrap().policy_id, other.id);
    // The global license's first activation was recorded where it lives.
    assert!(block(licenses::show(&env.app(), &admin, &license.id)).unwrap().first_activated_at.is_some());
}

#[test]
fn inside_a_shared_environment_the_global_releases_are_read_and_never_written() {
    use shared::service::distribution::derived::{self, Kind};
    use shared::service::distribution::{artifacts, packages, releases};
    let env = Env::new();
    let admin = env.admin();
    let (e, isolated) = (create(&env, &admin, "s", "SHARED"), create(&env, &admin, "i", "ISOLATED"));
    let (s, iso) = (inside(&admin, &e), inside(&admin, &isolated));
    let product = env.product(&admin, "Global");
    let body = json!({"data":{"type":"packages","attributes":{"name":"App","key":"app","engine":"pypi"},"relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
    let pkg = block(packages::create(&env.app(), &admin, packages::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
    let release = |c: &Caller, version: &str| {
        let body = json!({"data":{"type":"releases","attributes":{"version":version,"channel":"stable","status":"PUBLISHED"},
            "relationships":{"product":{"data":{"type":"products","id":product.id}},"package":{"data":{"type":"packages","id":pkg.id}}}}});
        block(releases::create(&env.app(), c, releases::parse(body.to_string().as_bytes(), true, 0).unwrap())).unwrap()
    };
    let global = release(&admin, "1.0.0");
    let body = json!({"data":{"type":"artifacts","attributes":{"filename":"app-1.0.0.tar.gz","platform":"linux"},"relationships":{"release":{"data":{"type":"releases","id":global.id}}}}});
    let (art, _) = block(artifacts::create(&env.app(), &admin, artifacts::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
    // Inside the shared environment: a release of the global product lands there; lists,
    // shows (by id and version), packages (by key), artifacts and the derived lists include the
    // global ones. The isolated environment sees none of them.
    let mine = release(&s, "1.1.0");
    assert_eq!(mine.account_id, s.account.id);
    let q = Query::default();
    assert_eq!(block(releases::list(&env.app(), &s, &q)).unwrap().1, 2);
    assert_eq!(block(releases::list(&env.app(), &admin, &q)).unwrap().1, 1, "the global environment: its own");
    assert_eq!(block(releases::list(&env.app(), &iso, &q)).unwrap().1, 0);
    assert_eq!(block(releases::show(&env.app(), &s, "1.0.0", &Query::parse(&format!("product={}", product.id)))).unwrap().id, global.id);
    assert_eq!(block(packages::show(&env.app(), &s, "app")).unwrap().id, pkg.id);
    assert!(block(packages::show(&env.app(), &iso, "app")).is_err());
    assert_eq!(block(artifacts::list(&env.app(), &s, &q, None)).unwrap().1, 1);
    assert_eq!(block(derived::list(&env.app(), &s, Kind::Platforms, None)).unwrap().len(), 1);
    assert_eq!(block(derived::list(&env.app(), &s, Kind::Engines, None)).unwrap().len(), 1);
    assert!(block(derived::list(&env.app(), &iso, Kind::Engines, None)).unwrap().is_empty());
    // Writes on the global ones from inside: 403; its own release it changes.
    let forbidden = |r: shared::Result<()>| {
        let e = r.unwrap_err();
        assert_eq!((e.status, e.detail.as_str()), (403, "record environment is not compatible with the current environment"));
    };
    let rename = || releases::parse(br#"{"data":{"type":"releases","attributes":{"name":"renamed"}}}"#, false, 0).unwrap();
    forbidden(block(releases::update(&env.app(), &s, &global.id, rename())).map(|_| ()));
    forbidden(block(packages::delete(&env.app(), &s, &pkg.id)));
    forbidden(block(artifacts::yank(&env.app(), &s, &art.id)).map(|_| ()));
    assert_eq!(block(releases::update(&env.app(), &s, &mine.id, rename())).unwrap().name.as_deref(), Some("renamed"));
}

#[test]
fn inside_a_shared_environment_the_event_log_includes_the_global_events() {
    use shared::service::events;
    let env = Env::new();
    let admin = env.admin();
    let (e, isolated) = (create(&env, &admin, "s", "SHARED"), create(&env, &admin, "i", "ISOLATED"));
    let (s, iso) = (inside(&admin, &e), inside(&admin, &isolated));
    env.product(&admin, "Global");
    env.product(&s, "Inside");
    let q = Query::parse("event=product.created");
    let names = |c: &Caller| block(events::list(&env.app(), c, &q)).unwrap();
    let (inside_rows, n, _) = names(&s);
    assert_eq!(n, 2, "its own and the global one");
    assert_eq!(inside_rows.len(), 2);
    let global_id = names(&admin).0.into_iter().map(|ev| ev.id).collect::<Vec<_>>();
    assert_eq!(global_id.len(), 1, "the global environment: its own only");
    assert_eq!(block(events::show(&env.app(), &s, &global_id[0])).unwrap().id, global_id[0]);
    assert_eq!(names(&iso).1, 0);
    assert!(block(events::show(&env.app(), &iso, &global_id[0])).is_err());
}

#[test]
fn inside_a_shared_environment_the_request_logs_include_the_global_ones() {
    use shared::service::lifecycle::request_logs::{self as logs, Entry};
    let env = Env::new();
    let admin = env.admin();
    let (e, isolated) = (create(&env, &admin, "s", "SHARED"), create(&env, &admin, "i", "ISOLATED"));
    // A global admin inside (its token stored in the environment, as `POST /tokens` makes it).
    let admin_in = |env_row: &EnvironmentRow| {
        let mut c = admin.clone();
        c.account.id = tenant_id(&admin.account.id, &env_row.id);
        c
    };
    let (s, iso) = (admin_in(&e), admin_in(&isolated));
    let log = |c: &Caller, target: &str| {
        let entry = Entry {
            method: "GET".into(),
            target: target.into(),
            status: 200,
            ip: None,
            user_agent: None,
            requestor: None,
            resource: None,
            request_size: 0,
            response_size: None,
            run_time_ms: 1,
        };
        let id = shared::rng::uuid_v4(&env.rng);
        assert!(block(logs::record(&env.db, id.clone(), c.account_id(), &entry, 100, shared::Clock::now_ms(&env.clock))).unwrap());
        id
    };
    let global = log(&admin, "/v1/global");
    log(&s, "/v1/inside");
    let n = |c: &Caller| block(logs::list(&env.app(), c, &Query::default())).unwrap().1;
    assert_eq!((n(&s), n(&admin), n(&iso)), (2, 1, 0));
    assert_eq!(block(logs::show(&env.app(), &s, &global)).unwrap().url, "/v1/global");
    assert!(block(logs::show(&env.app(), &iso, &global)).is_err());
}

#[test]
fn inside_a_shared_environment_its_own_license_key_shadows_a_global_one() {
    use shared::service::licensing::validation;
    let env = Env::new();
    let admin = env.admin();
    let e = create(&env, &admin, "s", "SHARED");
    let s = inside(&admin, &e);
    let product = env.product(&admin, "Global");
    let policy = env.policy(&admin, &product, json!({}));
    // Inside, a global key is taken; the global environment does not see the environment's, so
    // the same key can still exist in both (made inside first).
    let mine = env.license(&s, &policy, json!({"key": "SAME-KEY"}));
    let global = env.license(&admin, &policy, json!({"key": "SAME-KEY"}));
    assert_ne!(global.id, mine.id);
    assert_eq!(block(licenses::show(&env.app(), &s, "SAME-KEY")).unwrap().id, mine.id);
    assert_eq!(block(licenses::show(&env.app(), &admin, "SAME-KEY")).unwrap().id, global.id);
    let body = br#"{"meta":{"key":"SAME-KEY"}}"#;
    let v = block(validation::validate_license(&env.app(), &s, validation::parse_validate_key(body).unwrap())).unwrap();
    assert_eq!(v.license.map(|l| l.id), Some(mine.id.clone()));
    let by_key = block(shared::store::licenses::find_by_key(&env.db, &s.account.id, "SAME-KEY")).unwrap();
    assert_eq!(by_key.map(|l| l.id), Some(mine.id));
}

/// A plan step that seeks an index on the tenant column alone (`(account_id=?)`, say
/// `licenses_account_created`): a walk over every row of the account, a scan in all but name.
fn walks_the_account(detail: &str) -> bool {
    detail.starts_with("SEARCH ") && detail.ends_with("(account_id=?)")
}

//! Search terms (issue 8, Keygen's `search_<relation>` scopes) on SQLite with the real
//! migrations: relationship terms match the related record's id, an id prefix or its
//! name/email (not only exact ids); a license's `user` is a licensee; metadata keys match under
//! their camelCase and snake_case spellings; users by role; request logs by requestor,
//! resource, method, status, url and ip.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::service::lifecycle::request_logs::{self as logs, Entry};
use shared::service::lifecycle::search::{self as s, Found};
use shared::service::{identity::users, licensing::licensees, licensing::licenses, Caller};
use shared::store::rows::{LicenseRow, PolicyRow, UserRow};
use shared::Clock;

use crate::support::{block, Env};

fn found(env: &Env, caller: &Caller, meta: Value) -> Result<(Vec<String>, u64), shared::Error> {
    let input = s::parse(json!({ "meta": meta }).to_string().as_bytes())?;
    let (f, n, _) = block(s::search(&env.app(), caller, &Query::default(), input))?;
    let mut ids: Vec<String> = match f {
        Found::Licenses(r) => r.into_iter().map(|x| x.id).collect(),
        Found::Machines(r) => r.into_iter().map(|x| x.id).collect(),
        Found::Users(r) => r.into_iter().map(|x| x.id).collect(),
        Found::Policies(r) => r.into_iter().map(|x| x.id).collect(),
        Found::RequestLogs(r) => r.into_iter().map(|x| x.url).collect(),
        other => panic!("{other:?}"),
    };
    ids.sort();
    Ok((ids, n))
}

fn ids(env: &Env, caller: &Caller, meta: Value) -> Vec<String> {
    let (v, n) = found(env, caller, meta.clone()).unwrap_or_else(|e| panic!("{meta}: {e:?}"));
    assert_eq!(n as usize, v.len(), "{meta}");
    v
}

fn user(env: &Env, admin: &Caller, email: &str, role: &str) -> UserRow {
    let body = json!({"data":{"type":"users","attributes":{"email":email,"role":role}}}).to_string();
    block(users::create(&env.app(), admin, users::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn owned(env: &Env, admin: &Caller, policy: &PolicyRow, name: &str, owner: &str, metadata: Value) -> LicenseRow {
    let body = json!({"data":{"type":"licenses","attributes":{"name":name,"metadata":metadata},
        "relationships":{"policy":{"data":{"type":"policies","id":policy.id}},"owner":{"data":{"type":"users","id":owner}}}}})
    .to_string();
    block(licenses::create(&env.app(), admin, licenses::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn relationship_terms_match_ids_prefixes_names_and_emails() {
    let env = Env::new();
    let admin = env.admin();
    let (desktop, mobile) = (env.product(&admin, "Desktop Suite"), env.product(&admin, "Mobile Kit"));
    let (pro, lite) = (env.policy(&admin, &desktop, json!({"name": "Pro Annual"})), env.policy(&admin, &mobile, json!({"name": "Lite Monthly"})));
    let (ann, bob) = (user(&env, &admin, "ann@acme.example", "user"), user(&env, &admin, "bob@globex.example", "user"));
    let a = owned(&env, &admin, &pro, "Alpha", &ann.id, json!({"customerId": "cus_123", "nested": {"deepKey": 1}}));
    let b = owned(&env, &admin, &lite, "Beta", &bob.id, json!({"customer_id": "cus_456"}));
    // Owner: by email (substring, any case), exact id, id prefix; another user's email none.
    assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"owner":"ACME"}})), vec![a.id.clone()]);
    assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"owner":bob.id}})), vec![b.id.clone()]);
    assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"owner":&ann.id[..8]}})), vec![a.id.clone()]);
    assert!(ids(&env, &admin, json!({"type":"licenses","query":{"owner":"initech"}})).is_empty());
    // Product and policy by name; policies by their product's name.
    assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"product":"desktop"}})), vec![a.id.clone()]);
    assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"policy":"monthly"}})), vec![b.id.clone()]);
    assert_eq!(
        ids(&env, &admin, json!({"type":"licenses","op":"OR","query":{"policy":"monthly","product":"desktop"}})),
        sorted(vec![a.id.clone(), b.id.clone()])
    );
    assert!(ids(&env, &admin, json!({"type":"licenses","query":{"policy":"monthly","product":"desktop"}})).is_empty(), "AND");
    assert_eq!(ids(&env, &admin, json!({"type":"policies","query":{"product":"mobile"}})), vec![lite.id.clone()]);
    // A licensee (`user`): by email.
    let carol = user(&env, &admin, "carol@umbrella.example", "user");
    let body = json!({"data":[{"type":"users","id":carol.id}]}).to_string();
    block(licensees::attach(&env.app(), &admin, &b.id, body.as_bytes())).unwrap();
    assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"user":"umbrella"}})), vec![b.id.clone()]);
    assert!(ids(&env, &admin, json!({"type":"licenses","query":{"user":"acme"}})).is_empty(), "the owner is not a licensee");
    // Machines: by their license's name, their product's, their license's licensee.
    let m = crate::machines::activate(&env, &admin, &b, json!({"fingerprint": "fp-search-terms"})).unwrap();
    assert_eq!(ids(&env, &admin, json!({"type":"machines","query":{"license":"bet"}})), vec![m.id.clone()]);
    assert_eq!(ids(&env, &admin, json!({"type":"machines","query":{"product":"MOBILE"}})), vec![m.id.clone()]);
    assert_eq!(ids(&env, &admin, json!({"type":"machines","query":{"user":"carol@"}})), vec![m.id.clone()]);
    assert!(ids(&env, &admin, json!({"type":"machines","query":{"license":"alpha"}})).is_empty());
    // Metadata keys: either spelling finds either stored spelling; nested keys are not terms.
    for q in [json!({"customerId":"cus_123"}), json!({"customer_id":"cus_123"})] {
        assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"metadata":q}})), vec![a.id.clone()], "{q}");
    }
    assert_eq!(ids(&env, &admin, json!({"type":"licenses","query":{"metadata":{"customerId":"cus_456"}}})), vec![b.id.clone()]);
    // Users by role (Keygen's underscored names too).
    let sales = user(&env, &admin, "sam@acme.example", "sales-agent");
    assert_eq!(ids(&env, &admin, json!({"type":"users","query":{"role":"sales_agent"}})), vec![sales.id.clone()]);
    assert_eq!(ids(&env, &admin, json!({"type":"users","query":{"role":"sales-agent","email":"acme"}})), vec![sales.id]);
}

fn entry(method: &str, target: &str, status: u16, ip: &str, requestor: (&'static str, &str)) -> Entry {
    Entry {
        method: method.into(),
        target: target.into(),
        status,
        ip: Some(ip.into()),
        user_agent: None,
        requestor: Some((requestor.0, requestor.1.to_owned())),
        resource: Some(("licenses".to_owned(), "33333333-3333-4333-8333-333333333333".to_owned())),
        request_size: 1,
        response_size: Some(1),
        run_time_ms: 1,
    }
}

#[test]
fn request_logs_are_searched_by_keygens_terms_for_their_readers_only() {
    let env = Env::new();
    let admin = env.admin();
    let u = "11111111-1111-4111-8111-111111111111";
    for e in [
        entry("GET", "/v1/licenses", 200, "198.51.100.7", ("users", u)),
        entry("POST", "/v1/machines", 422, "203.0.113.9", ("products", "22222222-2222-4222-8222-222222222222")),
    ] {
        assert!(block(logs::record(&env.db, shared::rng::uuid_v4(&env.rng), admin.account_id(), &e, 100, env.clock.now_ms())).unwrap());
    }
    let q = |query: Value| ids(&env, &admin, json!({"type":"request-logs","query":query}));
    assert_eq!(q(json!({"requestor":{"type":"User","id":u}})), ["/v1/licenses"]);
    assert_eq!(q(json!({"requestor":"22222222"})), ["/v1/machines"]);
    assert!(q(json!({"requestor":{"type":"licenses"}})).is_empty());
    assert_eq!(q(json!({"resource":{"type":"license"}})).len(), 2);
    assert_eq!(q(json!({"method":"post"})), ["/v1/machines"]);
    assert_eq!(q(json!({"status":422})), ["/v1/machines"]);
    assert_eq!(q(json!({"url":"LICENSES"})), ["/v1/licenses"]);
    assert_eq!(q(json!({"ip":"198.51"})), ["/v1/licenses"]);
    assert_eq!(sorted(q(json!({"ip":"203.0","status":"200"}))), Vec::<String>::new(), "AND");
    let (_, n) = found(&env, &admin, json!({"type":"request-logs","op":"OR","query":{"ip":"203.0","status":"200"}})).unwrap();
    assert_eq!(n, 2, "OR");
    // A product may not search at all; bad terms are 400s at their pointer.
    let prod = env.product(&admin, "P");
    let p = Caller { bearer: shared::service::Bearer::Product { product_id: prod.id }, ..admin.clone() };
    assert_eq!(found(&env, &p, json!({"type":"request-logs","query":{"ip":"198.51"}})).unwrap_err().status, 403);
    let e = found(&env, &admin, json!({"type":"request-logs","query":{"fingerprint":"abc"}})).unwrap_err();
    assert_eq!((e.status, e.source.clone()), (400, Some(shared::error::Source::Pointer("/meta/query/fingerprint".into()))));
}

//! Resellers (issue 10 §7): a reseller admin's lists are the account's lists — every filter of
//! `GET /users|licenses|machines|products|policies|organizations`, their exports and search —
//! limited to its reseller inside the list statement itself; the products and policies allotted
//! to it are readable (and nothing else of the catalogue); the allotment of a reseller admin's
//! new license is checked by the insert, so a withdrawal racing the create never leaves a license
//! on a policy the reseller no longer has.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::service::catalogue::{policies, products, reseller_policies as allot};
use shared::service::fleet::machines;
use shared::service::identity::{organizations as orgs, reseller_members as members, users};
use shared::service::licensing::{activation, licenses, resellers as license_resellers};
use shared::service::lifecycle::{exports, search};
use shared::service::{Bearer, Caller};
use shared::store::rows::{LicenseRow, PolicyRow, UserRow};
use shared::store::{sql, Db};

use crate::resellers::{doc, err, ids, license_doc, new_reseller, new_user, to, world, World};
use crate::support::{block, Env, T0};

fn license(env: &Env, caller: &Caller, p: &PolicyRow, owner: &UserRow) -> LicenseRow {
    block(licenses::create(&env.app(), caller, licenses::parse(&license_doc(p, Some(&owner.id)), true).unwrap())).unwrap()
}

fn activate(env: &Env, admin: &Caller, l: &LicenseRow, fingerprint: &str) {
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fingerprint},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    block(activation::activate(&env.app(), admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
}

fn export(env: &Env, caller: &Caller, kind: exports::Kind, q: &str) -> String {
    let ex = exports::prepare(caller, kind, &Query::parse(q), T0).unwrap();
    block(exports::body(&env.db, &ex)).unwrap().0
}

/// Two resellers, each with an admin, customers, licenses and machines, and one license of the
/// account's own: what each reseller admin's lists show.
#[test]
fn a_reseller_admins_lists_are_the_lists_limited_to_its_reseller() {
    let World { env, admin, r, p, q, ra } = world(-1);
    let app = env.app();
    // A second reseller, allotted `q`, with its own admin and customer.
    let r2 = new_reseller(&env, &admin, json!({"name":"Other"}));
    block(allot::attach(&app, &admin, &r2.id, &ids("policies", &[&q.id]))).unwrap();
    let u2 = new_user(&env, &admin, json!({"email":"ra2@x.test","role":"reseller-admin"})).unwrap();
    let u2 = block(members::set_user_reseller(&app, &admin, &u2.id, &to("resellers", Some(&r2.id)))).unwrap();
    let ra2 = Caller { bearer: Bearer::of_user(&u2), ..admin.clone() };
    let (c1, c2) = (new_user(&env, &ra, json!({"email":"c1@x.test"})).unwrap(), new_user(&env, &ra, json!({"email":"c2@x.test"})).unwrap());
    let d1 = new_user(&env, &ra2, json!({"email":"d1@x.test"})).unwrap();
    let (l1, l2) = (license(&env, &ra, &p, &c1), license(&env, &ra, &p, &c2));
    block(licenses::set_suspended(&app, &ra, &l2.id, true)).unwrap();
    let lx = license(&env, &ra2, &q, &d1);
    let own = env.license(&admin, &p, json!({}));
    for (l, fp) in [(&l1, "fp-a"), (&l2, "fp-b"), (&lx, "fp-c"), (&own, "fp-d")] {
        activate(&env, &admin, l, fp);
    }
    let count_users = |c: &Caller, qs: &str| block(users::list(&app, c, &Query::parse(qs))).unwrap().1;
    let count_licenses = |c: &Caller, qs: &str| block(licenses::list(&app, c, &Query::parse(qs))).unwrap().1;
    let count_machines = |c: &Caller, qs: &str| block(machines::list(&app, c, &Query::parse(qs))).unwrap().1;
    // Users: itself and its customers, with the list's filters.
    assert_eq!(count_users(&ra, ""), 3);
    assert_eq!(count_users(&ra, &format!("license={}", l1.id)), 1);
    assert_eq!(count_users(&ra, &format!("license={}", lx.id)), 0);
    assert_eq!(count_users(&ra2, ""), 2);
    assert_eq!(err(block(users::show(&app, &ra, &d1.id))).0, 404);
    // Licenses: its reseller's, with the list's filters.
    assert_eq!(count_licenses(&ra, ""), 2);
    assert_eq!(count_licenses(&ra, "suspended=true"), 1);
    assert_eq!(count_licenses(&ra, &format!("owner={}", c1.id)), 1);
    assert_eq!(count_licenses(&ra, &format!("owner={}", d1.id)), 0);
    assert_eq!(count_licenses(&ra, &format!("policy={}", q.id)), 0);
    assert_eq!(count_licenses(&ra2, ""), 1);
    assert_eq!(count_licenses(&admin, ""), 4);
    // Machines: its licenses', with the list's filters.
    assert_eq!(count_machines(&ra, ""), 2);
    assert_eq!(count_machines(&ra, "fingerprint=fp-a"), 1);
    assert_eq!(count_machines(&ra, "fingerprint=fp-c"), 0);
    assert_eq!(count_machines(&ra, &format!("license={}", l2.id)), 1);
    assert_eq!(count_machines(&ra2, ""), 1);
    // Admins' reseller views are the same lists pinned to the reseller, filters included.
    assert_eq!(block(license_resellers::licenses_of(&app, &admin, &r.id, &Query::parse("suspended=true"))).unwrap().1, 1);
    assert_eq!(block(members::users_of(&app, &admin, &r.id, &Query::parse(&format!("license={}", l2.id)))).unwrap().1, 1);
    assert_eq!(block(members::users_of(&app, &admin, &r2.id, &Query::default())).unwrap().1, 2);
    // Products and policies: the allotted ones, read-only.
    let other_product = env.product(&admin, "Elsewhere");
    let z = env.policy(&admin, &other_product, json!({}));
    let (ps, n_ps, _) = block(policies::list(&app, &ra, &Query::default())).unwrap();
    assert_eq!((n_ps, ps[0].id.as_str()), (1, p.id.as_str()));
    assert_eq!(block(policies::list(&app, &ra2, &Query::default())).unwrap().0[0].id, q.id);
    assert_eq!(block(policies::show(&app, &ra, &p.id)).unwrap().id, p.id);
    assert_eq!(err(block(policies::show(&app, &ra, &q.id))).0, 404);
    assert_eq!(err(block(policies::show(&app, &ra, &z.id))).0, 404);
    let (pr, n_pr, _) = block(products::list(&app, &ra, &Query::default())).unwrap();
    assert_eq!((n_pr, pr[0].id.as_str()), (1, p.product_id.as_str()));
    assert_eq!(block(products::show(&app, &ra, &p.product_id)).unwrap().id, p.product_id);
    assert_eq!(err(block(products::show(&app, &ra, &other_product.id))).0, 404);
    let upd = policies::parse(&doc("policies", json!({"name":"Mine"})), false).unwrap();
    assert_eq!(err(block(policies::update(&app, &ra, &p.id, upd))).0, 403);
    assert_eq!(block(allot::list(&app, &admin, &r.id, &Query::default())).unwrap().1, 1);
    assert_eq!(block(allot::products(&app, &admin, &r.id, &Query::default())).unwrap().1, 1);
    // Organizations: its reseller's (the one list, pinned for admins too).
    let o = block(orgs::create(&app, &ra, orgs::parse(&doc("organizations", json!({"name":"Cust"})), true).unwrap())).unwrap();
    block(orgs::create(&app, &admin, orgs::parse(&doc("organizations", json!({"name":"Theirs"})), true).unwrap())).unwrap();
    assert_eq!(block(orgs::list(&app, &ra, &Query::default())).unwrap().0[0].id, o.id);
    assert_eq!(block(orgs::list(&app, &ra2, &Query::default())).unwrap().1, 0);
    assert_eq!(block(members::organizations_of(&app, &admin, &r.id, &Query::default())).unwrap().1, 1);
    // Exports: the same rows, the same filters.
    let csv = export(&env, &ra, exports::Kind::Licenses, "");
    assert!(csv.contains(&l1.id) && csv.contains(&l2.id) && !csv.contains(&lx.id) && !csv.contains(&own.id), "{csv}");
    let csv = export(&env, &ra, exports::Kind::Licenses, "suspended=true");
    assert!(csv.contains(&l2.id) && !csv.contains(&l1.id), "{csv}");
    let csv = export(&env, &ra, exports::Kind::Machines, "");
    assert!(csv.contains("fp-a") && csv.contains("fp-b") && !csv.contains("fp-c") && !csv.contains("fp-d"), "{csv}");
    let csv = export(&env, &ra, exports::Kind::Users, "");
    assert!(csv.contains("c1@x.test") && !csv.contains("d1@x.test") && !csv.contains("admin@acme.test"), "{csv}");
    for kind in [exports::Kind::EventLogs, exports::Kind::ActivationLogs, exports::Kind::TrialActivations] {
        assert_eq!(exports::prepare(&ra, kind, &Query::default(), T0).unwrap_err().status, 403, "{kind:?}");
    }
    // Search: its licenses, machines and users; nothing else of the account.
    let find = |c: &Caller, body: Value| block(search::search(&app, c, &Query::default(), search::parse(body.to_string().as_bytes()).unwrap()));
    let by_product = json!({"meta":{"type":"licenses","query":{"product":p.product_id}}});
    assert_eq!(find(&ra, by_product.clone()).unwrap().1, 2);
    assert_eq!(find(&admin, by_product).unwrap().1, 4);
    assert_eq!(find(&ra, json!({"meta":{"type":"machines","query":{"fingerprint":"fp-"}}})).unwrap().1, 2);
    assert_eq!(find(&ra, json!({"meta":{"type":"users","query":{"email":"x.test"}}})).unwrap().1, 3);
    assert_eq!(find(&ra2, json!({"meta":{"type":"users","query":{"email":"x.test"}}})).unwrap().1, 2);
    assert_eq!(err(find(&ra, json!({"meta":{"type":"products","query":{"name":"Elsewhere"}}}))).0, 403);
}

/// The allotment is part of the license insert: the statement a reseller admin's create runs
/// writes nothing for a policy its reseller does not hold at that moment (the service's earlier
/// check cannot see a withdrawal that lands between it and the insert).
#[test]
fn the_license_insert_checks_the_allotment_itself() {
    let World { env, admin, r, p, q, ra } = world(-1);
    let app = env.app();
    let c = new_user(&env, &ra, json!({"email":"c@x.test"})).unwrap();
    let insert = |id: &str, policy: &str, reseller: Value| {
        let mut params = vec![Value::Null; 20];
        params[0] = id.into();
        params[1] = admin.account_id().into();
        params[2] = policy.into();
        params[3] = c.id.clone().into();
        params[5] = format!("KEY-{id}").into();
        params[8] = 0.into();
        params[17] = "{}".into();
        params[18] = T0.into();
        params[19] = reseller;
        block(env.db.execute(sql::licenses::INSERT, &params)).unwrap()
    };
    assert_eq!(insert("l-q", &q.id, r.id.clone().into()), 0, "a policy never allotted");
    assert_eq!(insert("l-p", &p.id, r.id.clone().into()), 1);
    assert_eq!(block(licenses::find(&app, admin.account_id(), "l-p")).unwrap().unwrap().reseller_id.as_deref(), Some(r.id.as_str()));
    block(allot::detach(&app, &admin, &r.id, &ids("policies", &[&p.id]))).unwrap();
    // The withdrawal's event counts the reseller's licenses it left on the policy, in its batch.
    let rows = block(env.db.query("SELECT changes FROM event_logs WHERE event = 'reseller.policies.detached'", &[])).unwrap();
    let changes: Value = serde_json::from_str(rows[0]["changes"].as_str().unwrap()).unwrap();
    assert_eq!(changes, json!({"policies": [p.id], "licenses": 1}));
    assert_eq!(insert("l-p2", &p.id, r.id.clone().into()), 0, "withdrawn");
    assert_eq!(insert("l-own", &p.id, Value::Null), 1, "no reseller: no allotment needed");
    // Through the service: the withdrawn policy is refused as an unknown one.
    let (st, code, ptr) = err(block(licenses::create(&app, &ra, licenses::parse(&license_doc(&p, Some(&c.id)), true).unwrap())));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "POLICY_NOT_FOUND", "/data/relationships/policy"));
}

/// `GET /organizations/{id}/users|licenses` for a reseller admin: the organization is its
/// reseller's, but a member or license the account (or another reseller) put there is not; the
/// reseller admin sees its reseller's only, an admin sees them all.
#[test]
fn an_organizations_members_and_licenses_are_its_resellers_for_a_reseller_admin() {
    use shared::service::licensing::organizations as license_orgs;
    let World { env, admin, p, ra, .. } = world(-1);
    let app = env.app();
    let o = block(orgs::create(&app, &ra, orgs::parse(&doc("organizations", json!({"name":"Cust"})), true).unwrap())).unwrap();
    let mine = new_user(&env, &ra, json!({"email":"mine@x.test"})).unwrap();
    let theirs = new_user(&env, &admin, json!({"email":"theirs@x.test"})).unwrap();
    let (lm, lt) = (license(&env, &ra, &p, &mine), env.license(&admin, &p, json!({})));
    for u in [&mine, &theirs] {
        block(orgs::set_user_organization(&app, &admin, &u.id, &to("organizations", Some(&o.id)))).unwrap();
    }
    for l in [&lm, &lt] {
        block(license_orgs::set_license_organization(&app, &admin, &l.id, &to("organizations", Some(&o.id)))).unwrap();
    }
    let users_of = |c: &Caller| block(orgs::users(&app, c, &o.id, &Query::default())).unwrap();
    let licenses_of = |c: &Caller| block(license_orgs::licenses_of(&app, c, &o.id, &Query::default())).unwrap();
    let (rows, n, _) = users_of(&ra);
    assert_eq!((n, rows.iter().map(|u| u.id.as_str()).collect::<Vec<_>>()), (1, vec![mine.id.as_str()]));
    assert_eq!(users_of(&admin).1, 2);
    let (rows, n, _) = licenses_of(&ra);
    assert_eq!((n, rows.iter().map(|l| l.id.as_str()).collect::<Vec<_>>()), (1, vec![lm.id.as_str()]));
    assert_eq!(licenses_of(&admin).1, 2);
}

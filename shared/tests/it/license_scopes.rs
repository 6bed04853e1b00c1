//! Keygen's further license scopes (issue 8, `has_scope` in keygen-api's
//! `licenses_controller.rb` and `License`'s scopes) on SQLite with the real migrations:
//! `machine`, `activations[op]`, `activated`, `assigned`/`unassigned`, `expiring`,
//! `expired[…]`, `expires[…]` (only licenses not yet expired, as Keygen's), `activity[…]`
//! (owners who are banned left out) and `user`/`owner` by email; bad values are precise 400s.

use serde_json::json;
use shared::api::query::Query;
use shared::clock::iso8601;
use shared::service::identity::users;
use shared::service::licensing::{licensees, licenses};
use shared::service::Caller;
use shared::store::Db;

use crate::machines::activate;
use crate::support::{block, Env, T0};

const DAY: i64 = 86_400_000;

fn names(env: &Env, admin: &Caller, q: &str) -> Vec<String> {
    let (rows, n, _) = block(licenses::list(&env.app(), admin, &Query::parse(q))).unwrap();
    assert_eq!(n as usize, rows.len(), "{q}: count and page agree");
    let mut v: Vec<String> = rows.into_iter().filter_map(|l| l.name).collect();
    v.sort();
    v
}

fn user(env: &Env, admin: &Caller, email: &str) -> String {
    let body = json!({"data":{"type":"users","attributes":{"email":email}}});
    block(users::create(&env.app(), admin, users::parse(body.to_string().as_bytes(), true).unwrap())).unwrap().id
}

fn sql(env: &Env, statement: &str, params: &[serde_json::Value]) {
    block(env.db.query(statement, params)).unwrap();
}

#[test]
fn licenses_take_keygens_machine_activation_assignment_expiry_and_activity_scopes() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 5}));
    let (a, b) = (user(&env, &admin, "a@x.test"), user(&env, &admin, "b@x.test"));
    // l1: owned by a, expires tomorrow, two machines; l2: nobody's, expired yesterday;
    // l3: b holds it, never expires, one machine.
    let l1 = env.license(&admin, &pol, json!({"name": "l1", "expiry": iso8601(T0 + DAY)}));
    let owner = json!({"data":{"type":"users","id":a}});
    block(licenses::change_owner(&env.app(), &admin, &l1.id, owner.to_string().as_bytes())).unwrap();
    let l2 = env.license(&admin, &pol, json!({"name": "l2"}));
    sql(&env, "UPDATE licenses SET expiry = ?2 WHERE id = ?1", &[l2.id.clone().into(), (T0 - DAY).into()]);
    let l3 = env.license(&admin, &pol, json!({"name": "l3"}));
    let attach = json!({"data":[{"type":"users","id":b}]});
    block(licensees::attach(&env.app(), &admin, &l3.id, attach.to_string().as_bytes())).unwrap();
    let m1 = activate(&env, &admin, &l1, json!({"fingerprint": "m1"})).unwrap();
    activate(&env, &admin, &l1, json!({"fingerprint": "m2"})).unwrap();
    activate(&env, &admin, &l3, json!({"fingerprint": "m3"})).unwrap();
    let n = |q: &str| names(&env, &admin, q);
    assert_eq!(n(""), ["l1", "l2", "l3"]);
    // machine, activations (the first operator given applies), activated.
    assert_eq!(n(&format!("machine={}", m1.id)), ["l1"]);
    assert_eq!(n("activations[eq]=2"), ["l1"]);
    assert_eq!(n("activations[gte]=1"), ["l1", "l3"]);
    assert_eq!(n("activations[lt]=1"), ["l2"]);
    assert_eq!(n("activations[lte]=1&activations[gt]=1"), ["l1"], "gt before lte, as Keygen's case");
    assert_eq!(n("activated=true"), ["l1", "l3"]);
    assert_eq!(n("activated=false"), ["l2"]);
    // assigned (owner or licensee) and its negation; both contradicting match nothing.
    assert_eq!(n("assigned=true"), ["l1", "l3"]);
    assert_eq!(n("unassigned=true"), ["l2"]);
    assert_eq!(n("unassigned=false"), ["l1", "l3"]);
    assert!(n("assigned=true&unassigned=true").is_empty());
    // user and owner by email.
    assert_eq!(n("user=a@x.test"), ["l1"]);
    assert_eq!(n("user=B@x.test"), ["l3"]);
    assert_eq!(n("owner=a@x.test"), ["l1"]);
    assert!(n("owner=b@x.test").is_empty());
    // expiring (within 3 days), expired[…], expires[…].
    assert_eq!(n("expiring=true"), ["l1"]);
    assert_eq!(n("expiring=false"), ["l2", "l3"]);
    assert_eq!(n("expired[within]=P2D"), ["l2"]);
    assert_eq!(n("expired[in]=3600"), Vec::<String>::new());
    assert_eq!(n(&format!("expired[on]={}", &iso8601(T0 - DAY)[..10])), ["l2"]);
    assert!(n(&format!("expired[before]={}", (T0 - 2 * DAY) / 1000)).is_empty());
    assert_eq!(n(&format!("expired[after]={}", iso8601(T0 - 2 * DAY))), ["l2"]);
    assert_eq!(n("expires[within]=P2D"), ["l1"]);
    assert_eq!(n(&format!("expires[before]={}", iso8601(T0 + 2 * DAY))), ["l1"], "not l2: Keygen's expires is the future's");
    assert_eq!(n(&format!("expires[on]={}", &iso8601(T0 + DAY)[..10])), ["l1"]);
    assert!(n(&format!("expires[after]={}", iso8601(T0 + 2 * DAY))).is_empty());
    // activity: 100 days on, only l3 was validated lately.
    env.clock.set(T0 + 100 * DAY);
    sql(&env, "UPDATE licenses SET last_validated_at = ?2 WHERE id = ?1", &[l3.id.clone().into(), (T0 + 99 * DAY).into()]);
    let n = |q: &str| names(&env, &admin, q);
    assert_eq!(n("activity[inside]=P90D"), ["l3"]);
    assert_eq!(n("activity[outside]=90d"), ["l1", "l2"]);
    assert_eq!(n(&format!("activity[after]={}", (T0 + 98 * DAY) / 1000)), ["l3"]);
    assert_eq!(n(&format!("activity[before]={}", iso8601(T0 + 98 * DAY))), ["l1", "l2"]);
    // Keygen leaves out licenses whose owner is banned, either way.
    sql(&env, "UPDATE users SET banned_at = ?2 WHERE id = ?1", &[a.into(), T0.into()]);
    assert_eq!(names(&env, &admin, "activity[outside]=P90D"), ["l2"]);
    // Bad values are precise 400s.
    for (q, param) in [
        ("activations[gt]=x", "activations[gt]"),
        ("activity[inside]=often", "activity[inside]"),
        ("activity[after]=soon", "activity[after]"),
        ("expires[on]=2024-13-01", "expires[on]"),
        ("expired[within]=soon", "expired[within]"),
        ("assigned=maybe", "assigned"),
        ("unassigned=2", "unassigned"),
        ("expiring=x", "expiring"),
    ] {
        let e = block(licenses::list(&env.app(), &admin, &Query::parse(q))).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"), "{q}");
        assert_eq!(format!("{:?}", e.source), format!("Some(Parameter({param:?}))"), "{q}");
    }
}

//! Query operators on the licenses, machines and users lists (Cryptlex 3.44 style):
//! `created|updated|expiry|lastValidated|lastHeartbeat[gt|gte|lt|lte]` and `status[in]`, each
//! bound as a parameter, on SQLite with the real migrations.

use serde_json::json;
use shared::api::query::Query;
use shared::clock::{iso8601, DAY_MS};
use shared::service::{fleet::machines, identity::users, licensing::licenses};
use shared::Clock;

use crate::support::{block, Env, T0};

fn q(s: &str) -> Query {
    Query::parse(&s.replace('+', "%2B"))
}

#[test]
fn licenses_filter_by_time_operators_and_status_lists() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({}));
    let a = env.license(&admin, &pol, json!({"expiry": iso8601(T0 + 10 * DAY_MS)}));
    env.clock.set(T0 + DAY_MS);
    let b = env.license(&admin, &pol, json!({}));
    env.clock.set(T0 + 2 * DAY_MS);
    let c = env.license(&admin, &pol, json!({"expiry": iso8601(T0 + DAY_MS)}));
    let ids = |query: &str| -> Vec<String> {
        let (rows, n, _) = block(licenses::list(&env.app(), &admin, &q(query))).unwrap();
        assert_eq!(rows.len() as u64, n, "count agrees with the page");
        let mut v: Vec<String> = rows.into_iter().map(|l| l.id).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(ids(&format!("created[gt]={}", iso8601(T0))), sorted(vec![b.id.clone(), c.id.clone()]));
    assert_eq!(ids(&format!("created[gte]={}&created[lt]={}", iso8601(T0 + DAY_MS), iso8601(T0 + 2 * DAY_MS))), vec![b.id.clone()]);
    assert_eq!(ids(&format!("created[lte]={}", iso8601(T0))), vec![a.id.clone()]);
    // A license without an expiry matches no expiry comparison.
    assert_eq!(ids(&format!("expiry[gt]={}", iso8601(T0))), sorted(vec![a.id.clone(), c.id.clone()]));
    assert_eq!(ids(&format!("expiry[lt]={}", iso8601(T0 + 5 * DAY_MS))), vec![c.id.clone()]);
    assert_eq!(ids(&format!("updated[gte]={}", iso8601(T0 + 2 * DAY_MS))), vec![c.id.clone()]);
    assert_eq!(ids(&format!("lastValidated[gt]={}", iso8601(T0))), Vec::<String>::new());
    // status[in]: c has expired (now T0 + 2 days), a and b are active.
    assert_eq!(ids("status[in]=EXPIRED"), vec![c.id.clone()]);
    assert_eq!(ids("status[in]=EXPIRED,ACTIVE").len(), 3);
    assert_eq!(ids("status[in]=SUSPENDED"), Vec::<String>::new());
    for bad in ["status[in]=NOPE", "created[gt]=soon", "expiry[lte]=2024-13-01T00:00:00Z"] {
        let e = block(licenses::list(&env.app(), &admin, &q(bad))).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"), "{bad}");
    }
}

#[test]
fn machines_and_users_filter_by_time_operators() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let l = env.license(&admin, &env.policy(&admin, &p, json!({"floating": true, "maxMachines": 10})), json!({}));
    let m1 = crate::machines::activate(&env, &admin, &l, json!({"fingerprint": "one"})).unwrap();
    env.clock.set(T0 + DAY_MS);
    let m2 = crate::machines::activate(&env, &admin, &l, json!({"fingerprint": "two"})).unwrap();
    let after = format!("created[gt]={}", iso8601(T0));
    let (rows, n, _) = block(machines::list(&env.app(), &admin, &q(&after))).unwrap();
    assert_eq!((rows.iter().map(|m| m.id.clone()).collect::<Vec<_>>(), n), (vec![m2.id.clone()], 1));
    let (rows, _, _) = block(machines::list(&env.app(), &admin, &q(&format!("created[lt]={}", iso8601(T0 + DAY_MS))))).unwrap();
    assert_eq!(rows.into_iter().map(|m| m.id).collect::<Vec<_>>(), vec![m1.id.clone()]);
    let (rows, _, _) = block(machines::list(&env.app(), &admin, &q(&format!("lastHeartbeat[gt]={}", iso8601(0))))).unwrap();
    assert!(rows.is_empty(), "never pinged: no heartbeat to compare");
    assert_eq!(block(machines::list(&env.app(), &admin, &q("updated[gt]=x"))).unwrap_err().status, 400);
    // Users: the admin was created at T0; a new user now.
    let body = json!({"data": {"type": "users", "attributes": {"email": "u@example.com"}}}).to_string();
    let u = block(users::create(&env.app(), &admin, users::parse(body.as_bytes(), true).unwrap())).unwrap();
    let (rows, n, _) = block(users::list_of_product(&env.app(), &admin, None, &q(&after))).unwrap();
    assert_eq!((rows.into_iter().map(|r| r.id).collect::<Vec<_>>(), n), (vec![u.id.clone()], 1));
    let now = env.clock.now_ms();
    let (rows, _, _) = block(users::list_of_product(&env.app(), &admin, None, &q(&format!("updated[gt]={}", iso8601(now))))).unwrap();
    assert!(rows.is_empty());
}

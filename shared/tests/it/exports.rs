//! CSV exports on SQLite: keyset pages walk every row once in order, with the list's filters
//! and access, and what is written parses back to the rows (formulas neutralised).

use serde_json::json;
use shared::api::query::Query;
use shared::domain::csv;
use shared::service::lifecycle::exports::{self, Kind, PAGE_ROWS};
use shared::service::{Bearer, Caller};

use crate::support::{block, Env, T0};

fn walk(env: &Env, caller: &Caller, kind: Kind, q: &str) -> Vec<Vec<String>> {
    let ex = exports::prepare(caller, kind, &Query::parse(q), T0).unwrap();
    let mut text = kind.header();
    let mut after = None;
    let mut pages = 0;
    loop {
        let (chunk, next) = block(exports::page(&env.db, &ex, after)).unwrap();
        text.push_str(&chunk);
        pages += 1;
        assert!(pages < 100, "the walk ends");
        match next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    csv::parse(&text)
}

#[test]
fn activation_log_exports_walk_every_row_once_in_order() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let n = PAGE_ROWS as usize * 2 + 7;
    // Logs inserted directly (the writers are tested in activation_logs.rs), many at one time.
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| json!([format!("log-{i:05}"), if i % 3 == 0 { "=HYPERLINK(\"x\")".to_owned() } else { format!("fp,{i}") }, T0 + (i as i64 / 10)]))
        .collect();
    let sql = "INSERT INTO activation_logs (id, account_id, action, product_id, fingerprint, created_at) \
SELECT json_extract(value, '$[0]'), ?1, 'activated', ?2, json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?3)";
    block(shared::store::Db::execute(&env.db, sql, &[admin.account_id().into(), p.id.clone().into(), serde_json::Value::from(rows).to_string().into()]))
        .unwrap();
    let got = walk(&env, &admin, Kind::ActivationLogs, "");
    assert_eq!(got.len(), n + 1, "header + every row");
    assert_eq!(got[0][0..3], ["id", "created", "action"]);
    let ids: Vec<&str> = got[1..].iter().map(|r| r[0].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), n, "no row twice");
    assert_eq!(ids, sorted, "oldest first, ties by id");
    assert_eq!(got[1][3], "'=HYPERLINK(\"x\")", "formulas are neutralised");
    assert_eq!(got[2][3], "fp,1", "commas survive quoting");
    // The list's filters apply; another product's token sees nothing.
    let at = shared::clock::iso8601(T0 + 10).replace('+', "%2B");
    assert_eq!(walk(&env, &admin, Kind::ActivationLogs, &format!("created[lt]={at}")).len(), 1 + 100);
    let q = env.product(&admin, "Q");
    let prod_q = Caller { bearer: Bearer::Product { product_id: q.id.clone() }, ..admin.clone() };
    assert_eq!(walk(&env, &prod_q, Kind::ActivationLogs, "").len(), 1);
    let lic = Caller { bearer: Bearer::License { license_id: "l".into() }, ..admin.clone() };
    assert_eq!(exports::prepare(&lic, Kind::TrialActivations, &Query::default(), T0).unwrap_err().status, 403);
    assert_eq!(exports::prepare(&admin, Kind::ActivationLogs, &Query::parse("created[gt]=x"), T0).unwrap_err().status, 400);
}

#[test]
fn license_machine_and_user_exports_use_their_lists_filters() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 10}));
    let a = env.license(&admin, &pol, json!({"name": "=evil()", "metadata": {"tier": "gold"}}));
    let b = env.license(&admin, &pol, json!({"expiry": shared::clock::iso8601(T0 - 1)}));
    crate::machines::activate(&env, &admin, &a, json!({"fingerprint": "fp,1"})).unwrap();
    let lic = walk(&env, &admin, Kind::Licenses, "");
    assert_eq!(lic.len(), 3);
    assert_eq!(lic[0][0..6], ["id", "created", "updated", "name", "key", "status"]);
    let row_a = lic.iter().find(|r| r[0] == a.id).unwrap();
    assert_eq!((row_a[3].as_str(), row_a[5].as_str(), row_a[10].as_str()), ("'=evil()", "ACTIVE", "1"));
    assert_eq!(lic.iter().find(|r| r[0] == b.id).unwrap()[5], "EXPIRED");
    assert_eq!(walk(&env, &admin, Kind::Licenses, "status[in]=EXPIRED").len(), 2);
    assert_eq!(walk(&env, &admin, Kind::Licenses, "metadata[tier]=gold").len(), 2);
    let m = walk(&env, &admin, Kind::Machines, "");
    assert_eq!((m.len(), m[1][3].as_str()), (2, "fp,1"));
    assert_eq!(walk(&env, &admin, Kind::Machines, &format!("license={}", b.id)).len(), 1);
    // Users are Keygen's users list: no staff unless `roles[]` names them.
    assert_eq!(walk(&env, &admin, Kind::Users, "").len(), 1, "the header only");
    let u = walk(&env, &admin, Kind::Users, "roles[]=admin");
    assert_eq!((u.len(), u[1][3].as_str(), u[1][6].as_str()), (2, "admin@acme.test", "admin"));
    // A product token exports its own product's licenses; a license may not export users.
    let q = env.product(&admin, "Q");
    let prod_q = Caller { bearer: Bearer::Product { product_id: q.id.clone() }, ..admin.clone() };
    assert_eq!(walk(&env, &prod_q, Kind::Licenses, "").len(), 1);
    let lic_bearer = Caller { bearer: Bearer::License { license_id: a.id.clone() }, ..admin.clone() };
    assert_eq!(exports::prepare(&lic_bearer, Kind::Licenses, &Query::default(), T0).unwrap_err().status, 403, "not even its own");
    assert_eq!(exports::prepare(&prod_q, Kind::EventLogs, &Query::default(), T0).unwrap_err().status, 403, "event logs: admins only");
    let ev = walk(&env, &admin, Kind::EventLogs, "event=license.created");
    assert_eq!((ev.len(), ev[1][3].as_str()), (3, "licenses"));
    let user = Caller { bearer: Bearer::User { user_id: "u".into() }, ..admin.clone() };
    assert_eq!(exports::prepare(&user, Kind::Machines, &Query::default(), T0).unwrap_err().status, 403);
}

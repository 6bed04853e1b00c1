//! CSV exports on the real runtime: the `text/csv` body parses back (RFC 4180) to the same rows
//! as the list, formulas neutralised; every export response is signed (`Keygen-Signature` over
//! the CSV's digest, checked by the client), in bounded parts linked by `Link: rel="next"`;
//! errors are signed JSON:API.

use e2e::{server, TestAccount};
use serde_json::{json, Value};
use shared::domain::csv;

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

fn export(acct: &TestAccount, path: &str) -> Vec<Vec<String>> {
    // `client()` verifies the response's signature over the CSV body.
    let r = acct.client().get(&acct.path(path), acct.admin(), None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("link").is_none(), "one part holds these small exports");
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(r.header("content-disposition").is_some_and(|d| d.starts_with("attachment; filename=")));
    csv::parse(&r.text())
}

#[test]
fn trial_activations_and_activation_logs_export_as_the_lists_show_them() {
    let acct = server().bootstrap_account();
    let p = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}))["id"].as_str().unwrap().to_owned();
    create(
        &acct,
        "/trial-policies",
        json!({"data": {"type": "trial-policies", "attributes": {"name": "T", "trialLength": 7}, "relationships": {"product": {"data": {"type": "products", "id": p}}}}}),
    );
    let fps = ["=cmd|' /C calc'!A0", "plain", "with,comma", "with \"quote\"", "@SUM(1)", "-2+3"];
    for fp in fps {
        let t = json!({"data": {"type": "trial-activations", "attributes": {"fingerprint": fp}, "relationships": {"product": {"data": {"type": "products", "id": p}}}}});
        acct.client().post(&acct.path("/trial-activations"), None, Some(t)).assert_status(201);
    }
    let rows = export(&acct, "/trial-activations/export");
    assert_eq!(rows[0][0..5], ["id", "created", "updated", "expiresAt", "fingerprint"]);
    let list = acct.client().get(&acct.path("/trial-activations?limit=100"), acct.admin(), None);
    let mut want: Vec<(String, String)> = list.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_owned(), csv::neutralise(t["attributes"]["fingerprint"].as_str().unwrap()).into_owned()))
        .collect();
    let mut got: Vec<(String, String)> = rows[1..].iter().map(|r| (r[0].clone(), r[4].clone())).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert!(got.iter().any(|(_, f)| f == "'=cmd|' /C calc'!A0"), "{got:?}");
    // Activation logs: one per trial activation, filtered like the list.
    let logs = export(&acct, "/activation-logs/export?action=trial-activated");
    assert_eq!(logs.len(), 1 + fps.len());
    assert!(logs[1..].iter().all(|r| r[2] == "trial-activated"));
    assert_eq!(export(&acct, "/activation-logs/export?action=culled").len(), 1, "the header only");
    // Errors come before the stream: signed JSON:API.
    let r = acct.client().get(&acct.path("/activation-logs/export?created[gt]=soon"), acct.admin(), None);
    assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("created[gt]")));
    assert_eq!(acct.client().get(&acct.path("/trial-activations/export"), None, None).status, 401);
}

/// Query operators on the licenses, machines and users lists (bound parameters, never SQL text).
#[test]
fn lists_take_query_operators() {
    let acct = server().bootstrap_account();
    let p = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}))["id"].as_str().unwrap().to_owned();
    let pol = create(
        &acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": {"name": "P", "floating": true, "maxMachines": 5}, "relationships": {"product": {"data": {"type": "products", "id": p}}}}}),
    );
    let lic = |attrs: Value| {
        create(
            &acct,
            "/licenses",
            json!({"data": {"type": "licenses", "attributes": attrs, "relationships": {"policy": {"data": {"type": "policies", "id": pol["id"]}}}}}),
        )
    };
    let expired = lic(json!({"expiry": "2020-01-01T00:00:00.000Z"}));
    let first = lic(json!({}));
    std::thread::sleep(std::time::Duration::from_millis(5));
    let second = lic(json!({}));
    let api = acct.client();
    let ids = |path: &str| -> Vec<String> {
        let r = api.get(&acct.path(path), acct.admin(), None);
        let mut v: Vec<String> = r.assert_status(200).json["data"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect();
        v.sort();
        v
    };
    let at = first["attributes"]["created"].as_str().unwrap().replace('+', "%2B");
    assert_eq!(ids(&format!("/licenses?created[gt]={at}")), vec![second["id"].as_str().unwrap().to_owned()]);
    assert_eq!(ids("/licenses?status[in]=EXPIRED"), vec![expired["id"].as_str().unwrap().to_owned()]);
    assert_eq!(ids("/licenses?expiry[lt]=2021-01-01T00:00:00Z"), vec![expired["id"].as_str().unwrap().to_owned()]);
    assert_eq!(ids("/licenses?status[in]=EXPIRED,ACTIVE").len(), 3);
    let r = api.get(&acct.path("/licenses?status[in]=ACTIVE,NOPE"), acct.admin(), None);
    assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("status[in]")));
    let m = |fp: &str, l: &Value| {
        create(
            &acct,
            "/machines",
            json!({"data": {"type": "machines", "attributes": {"fingerprint": fp}, "relationships": {"license": {"data": {"type": "licenses", "id": l["id"]}}}}}),
        )
    };
    let m1 = m("one", &first);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let m2 = m("two", &first);
    let at = m1["attributes"]["created"].as_str().unwrap().replace('+', "%2B");
    assert_eq!(ids(&format!("/machines?created[gt]={at}")), vec![m2["id"].as_str().unwrap().to_owned()]);
    assert_eq!(ids(&format!("/machines?created[lte]={at}")), vec![m1["id"].as_str().unwrap().to_owned()]);
    assert_eq!(ids("/users?roles[]=admin&created[gt]=2099-01-01T00:00:00Z"), Vec::<String>::new());
    assert_eq!(ids("/users?roles[]=admin&created[lt]=2099-01-01T00:00:00Z").len(), 1, "the admin");
}

/// Licenses, machines and users export with their lists' filters and the same rows.
#[test]
fn licenses_machines_and_users_export_as_the_lists_show_them() {
    let acct = server().bootstrap_account();
    let p = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}))["id"].as_str().unwrap().to_owned();
    let pol = create(
        &acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": {"name": "P", "floating": true, "maxMachines": 5}, "relationships": {"product": {"data": {"type": "products", "id": p}}}}}),
    );
    let lic = |attrs: Value| {
        create(
            &acct,
            "/licenses",
            json!({"data": {"type": "licenses", "attributes": attrs, "relationships": {"policy": {"data": {"type": "policies", "id": pol["id"]}}}}}),
        )
    };
    let a = lic(json!({"name": "+SUM(A1)", "metadata": {"tier": "gold"}}));
    lic(json!({"expiry": "2020-01-01T00:00:00.000Z"}));
    create(
        &acct,
        "/machines",
        json!({"data": {"type": "machines", "attributes": {"fingerprint": "m,1"}, "relationships": {"license": {"data": {"type": "licenses", "id": a["id"]}}}}}),
    );
    let rows = export(&acct, "/licenses/export");
    assert_eq!(rows.len(), 3);
    let list = acct.client().get(&acct.path("/licenses?limit=100"), acct.admin(), None);
    let mut want: Vec<(String, String)> = list.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["id"].as_str().unwrap().to_owned(), l["attributes"]["status"].as_str().unwrap().to_owned()))
        .collect();
    let mut got: Vec<(String, String)> = rows[1..].iter().map(|r| (r[0].clone(), r[5].clone())).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "ids and statuses as the list shows them");
    assert!(rows.iter().any(|r| r[3] == "'+SUM(A1)"));
    assert_eq!(export(&acct, "/licenses/export?status[in]=EXPIRED").len(), 2);
    assert_eq!(export(&acct, "/licenses/export?metadata[tier]=gold").len(), 2);
    let m = export(&acct, "/machines/export");
    assert_eq!((m.len(), m[1][3].as_str()), (2, "m,1"));
    // Users as Keygen lists them: no staff unless `roles[]` names them.
    assert_eq!(export(&acct, "/users/export").len(), 1, "the header only");
    let u = export(&acct, "/users/export?roles[]=admin");
    assert_eq!((u.len(), u[1][0].as_str(), u[1][6].as_str()), (2, acct.admin_id.as_str(), "admin"));
    let r = acct.client().get(&acct.path("/licenses/export?status[in]=NOPE"), acct.admin(), None);
    assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("status[in]")));
    // Event logs: every event of the list, filtered alike (admins only).
    let ev = export(&acct, "/event-logs/export?event=license.created");
    assert_eq!(ev.len(), 3);
    assert!(ev[1..].iter().all(|r| r[2] == "license.created" && r[3] == "licenses"));
    let list = acct.client().get(&acct.path("/event-logs?page[size]=100"), acct.admin(), None);
    let all = export(&acct, "/event-logs/export");
    assert_eq!(all.len(), 1 + list.json["data"].as_array().unwrap().len());
    // The `request` column is the list's `relationships.request` (the X-Request-Id that wrote it).
    assert_eq!(all[0][7], "request");
    let requests: std::collections::BTreeMap<&str, &str> = list.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e["relationships"]["request"]["data"]["id"].as_str().unwrap_or("")))
        .collect();
    assert!(requests.values().all(|r| !r.is_empty()), "every event here was written by a request");
    assert!(all[1..].iter().all(|r| requests.get(r[0].as_str()) == Some(&r[7].as_str())), "{all:?}");
    let prod = acct.client().post(&acct.path(&format!("/products/{p}/tokens")), acct.admin(), None);
    let token = prod.json["data"]["attributes"]["token"].as_str().unwrap().to_owned();
    assert_eq!(acct.client().get(&acct.path("/event-logs/export"), Some(&token), None).status, 403);
}

// Signed exports in parts (issue 10 follow-up, c10).

/// The path a `Link: <…>; rel="next"` header names.
fn next_path(link: &str) -> String {
    link.strip_prefix('<').and_then(|l| l.split_once(">; rel=\"next\"")).map(|(u, _)| u.to_owned()).unwrap_or_else(|| panic!("bad Link {link:?}"))
}

#[test]
fn exports_are_signed_parts_linked_to_the_next() {
    let acct = server().bootstrap_account();
    let p = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}))["id"].as_str().unwrap().to_owned();
    let pol = create(
        &acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": {"name": "P"}, "relationships": {"product": {"data": {"type": "products", "id": p}}}}}),
    );
    let mut want: Vec<String> = (0..5)
        .map(|i| {
            let body = json!({"data": {"type": "licenses", "attributes": {"name": format!("=L{i}")}, "relationships": {"policy": {"data": {"type": "policies", "id": pol["id"]}}}}});
            create(&acct, "/licenses", body)["id"].as_str().unwrap().to_owned()
        })
        .collect();
    want.sort();
    // Every part is verified by the client (Digest = SHA-256 of the CSV, Keygen-Signature over it).
    let api = acct.client();
    let (mut got, mut parts, mut path) = (Vec::new(), 0, acct.path("/licenses/export?limit=2&status[in]=ACTIVE,EXPIRED"));
    loop {
        let r = api.get(&path, acct.admin(), None);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
        assert!(r.header("keygen-signature").is_some() && r.header("digest").is_some_and(|d| d.starts_with("sha-256=")));
        e2e::verify_signature(&r, &acct.public_key_hex).unwrap();
        // The signature covers the body: one changed byte no longer verifies.
        let mut tampered = r.clone();
        tampered.body = r.body.iter().map(|b| if *b == b'=' { b'+' } else { *b }).collect();
        assert!(e2e::verify_signature(&tampered, &acct.public_key_hex).is_err(), "a changed body must not verify");
        let rows = csv::parse(&r.text());
        assert_eq!(rows[0][0], "id", "each part has the header");
        got.extend(rows[1..].iter().map(|row| row[0].clone()));
        parts += 1;
        match r.header("link") {
            Some(link) => {
                assert_eq!(rows.len(), 3, "a full part of 2");
                path = next_path(link);
                assert!(path.contains("status[in]=ACTIVE%2CEXPIRED") && path.contains("limit=2&"), "the filters are kept: {path}");
            }
            None => break,
        }
        assert!(parts < 10);
    }
    assert_eq!(parts, 3, "2 + 2 + 1");
    got.sort();
    assert_eq!(got, want, "every license once");
    // A bad cursor or limit is a signed 400 naming the parameter.
    for (q, param) in [("cursor=nope", "cursor"), ("limit=0", "limit"), ("limit=5001", "limit")] {
        let r = api.get(&acct.path(&format!("/licenses/export?{q}")), acct.admin(), None);
        assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some(param)), "{q}");
    }
}

//! Entitlement sets and license-level features (issue 10 §3, Cryptlex 3.78–3.81) on the real
//! runtime: every route of `/entitlement-sets`, the sets of policies and licenses, and one
//! effective feature list (license → set → policy, an expired license feature dropped) in
//! validation, `GET /licenses/{id}/entitlements`, license files and machine files.

use base64::Engine as _;
use e2e::{server, Client, TestAccount};
use serde_json::{json, Value};

fn post(c: &Client, a: &TestAccount, path: &str, body: Value) -> Value {
    let r = c.post(&a.path(path), a.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// (code, value) of a list of rendered entitlements, sorted by code.
fn codes(list: &Value) -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> =
        list.as_array().unwrap().iter().map(|e| (e["attributes"]["code"].as_str().unwrap().to_owned(), e["attributes"]["value"].clone())).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The included entitlements of a `base64+ed25519` file certificate.
fn file_entitlements(cert: &str) -> Value {
    let b64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    let outer: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    let inner: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(outer["enc"].as_str().unwrap()).unwrap()).unwrap();
    Value::Array(inner["included"].as_array().unwrap().iter().filter(|i| i["type"] == "entitlements").cloned().collect())
}

fn err(r: &e2e::Resp) -> (u16, Option<&str>, Option<&str>) {
    (r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str())
}

#[test]
fn entitlement_set_routes_crud_membership_and_guarded_delete() {
    let a = server().bootstrap_account();
    let c = a.client();
    let e1 = post(&c, &a, "/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"Seats","code":"SEATS","value":5}}}));
    let e2 = post(&c, &a, "/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"SSO","code":"SSO"}}}));
    let s = post(&c, &a, "/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":"Pro","metadata":{"tier":2}}}}));
    let sid = id(&s);
    assert_eq!(
        (s["type"].as_str(), s["attributes"]["name"].as_str(), s["attributes"]["metadata"]["tier"].as_i64()),
        (Some("entitlement-sets"), Some("Pro"), Some(2))
    );
    let r = c.get(&a.path("/entitlement-sets"), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
    let r = c.get(&a.path(&format!("/entitlement-sets/{sid}")), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], sid.as_str());
    let r = c.patch(&a.path(&format!("/entitlement-sets/{sid}")), a.admin(), Some(json!({"data":{"type":"entitlement-sets","attributes":{"name":"Pro 2"}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["name"], "Pro 2");
    let r = c.post(&a.path("/entitlement-sets"), a.admin(), Some(json!({"data":{"type":"entitlement-sets","attributes":{"name":" "}}})));
    assert_eq!(err(&r), (422, Some("NAME_MISSING"), Some("/data/attributes/name")));

    // Membership: values override, errors point at the item and write nothing.
    let members = a.path(&format!("/entitlement-sets/{sid}/entitlements"));
    let add = json!({"data":[{"type":"entitlements","id":id(&e1),"meta":{"value":10}},{"type":"entitlements","id":id(&e2)}]});
    let r = c.post(&members, a.admin(), Some(add.clone()));
    assert_eq!(r.assert_status(200).json["data"][0]["type"], "entitlement-set-entitlements");
    let r = c.post(&members, a.admin(), Some(add));
    assert_eq!(err(&r), (422, Some("ENTITLEMENT_TAKEN"), Some("/data/0")));
    let bad = json!({"data":[{"type":"entitlements","id":id(&e1),"meta":{"value":{"n":1}}}]});
    assert_eq!(err(&c.post(&members, a.admin(), Some(bad))), (400, Some("PARAMETER_INVALID"), Some("/data/0/meta/value")));
    let r = c.get(&format!("{members}?page[number]=1&page[size]=10"), a.admin(), None);
    assert_eq!(codes(&r.assert_status(200).json["data"]), [("SEATS".into(), json!(10)), ("SSO".into(), Value::Null)]);
    assert_eq!(r.json["links"]["meta"]["count"], 2);
    let r = c.delete(&members, a.admin(), Some(json!({"data":[{"type":"entitlements","id":id(&e2)}]})));
    r.assert_status(204);
    let r = c.delete(&members, a.admin(), Some(json!({"data":[{"type":"entitlements","id":id(&e2)}]})));
    assert_eq!(err(&r), (422, Some("UNPROCESSABLE_ENTITY"), Some("/data/0")));
    assert_eq!(codes(&c.get(&members, a.admin(), None).json["data"]), [("SEATS".into(), json!(10))]);

    // A set in use is not deleted; detached, it is.
    let p = post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let pol = post(
        &c,
        &a,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":id(&p)}}}}}),
    );
    let pset = a.path(&format!("/policies/{}/entitlement-set", id(&pol)));
    let r = c.put(&pset, a.admin(), Some(json!({"data":{"type":"entitlement-sets","id":"nope"}})));
    assert_eq!(err(&r), (422, Some("ENTITLEMENT_SET_NOT_FOUND"), Some("/data")));
    let r = c.put(&pset, a.admin(), Some(json!({"data":{"type":"entitlement-sets","id":sid}})));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["entitlementSet"]["data"]["id"], sid.as_str());
    assert_eq!(c.get(&pset, a.admin(), None).assert_status(200).json["data"]["id"], sid.as_str());
    let r = c.delete(&a.path(&format!("/entitlement-sets/{sid}")), a.admin(), None);
    assert_eq!(err(&r), (422, Some("ENTITLEMENT_SET_IN_USE"), Some("/data")));
    c.put(&pset, a.admin(), Some(json!({"data":null}))).assert_status(200);
    assert_eq!(c.get(&pset, a.admin(), None).assert_status(200).json["data"], Value::Null);
    c.delete(&a.path(&format!("/entitlement-sets/{sid}")), a.admin(), None).assert_status(204);
    c.get(&a.path(&format!("/entitlement-sets/{sid}")), a.admin(), None).assert_status(404);

    let r = c.get(&a.path("/event-logs?page[size]=100"), a.admin(), None);
    let mut evs: Vec<&str> =
        r.json["data"].as_array().unwrap().iter().filter_map(|e| e["attributes"]["event"].as_str()).filter(|e| e.starts_with("entitlement-set.")).collect();
    evs.reverse();
    assert_eq!(evs, ["entitlement-set.created", "entitlement-set.updated", "entitlement-set.updated", "entitlement-set.updated", "entitlement-set.deleted"]);
}

#[test]
fn an_expired_license_feature_is_gone_from_validation_lists_and_files() {
    let a = server().bootstrap_account();
    let c = a.client();
    let mk =
        |code: &str, value: Value| post(&c, &a, "/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":code,"code":code,"value":value}}}));
    let (seats, tier, beta, gone) = (mk("SEATS", json!(5)), mk("TIER", json!("basic")), mk("BETA", Value::Null), mk("GONE", Value::Null));
    let p = post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let pol = post(
        &c,
        &a,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":id(&p)}}}}}),
    );
    post(&c, &a, &format!("/policies/{}/entitlements", id(&pol)), json!({"data":[{"type":"entitlements","id":id(&beta)}]}));
    let set = post(&c, &a, "/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":"Pro"}}}));
    let items = json!({"data":[{"type":"entitlements","id":id(&seats),"meta":{"value":10}},{"type":"entitlements","id":id(&tier)}]});
    post(&c, &a, &format!("/entitlement-sets/{}/entitlements", id(&set)), items);
    let l = post(&c, &a, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":id(&pol)}}}}}));
    let (lid, key) = (id(&l), l["attributes"]["key"].as_str().unwrap().to_owned());
    // The license's own set (the policy has none): SEATS=10, TIER from the set; BETA from the policy.
    let r = c.put(&a.path(&format!("/licenses/{lid}/entitlement-set")), a.admin(), Some(json!({"data":{"type":"entitlement-sets","id":id(&set)}})));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["entitlementSet"]["data"]["id"], id(&set).as_str());
    assert_eq!(c.get(&a.path(&format!("/licenses/{lid}/entitlement-set")), a.admin(), None).assert_status(200).json["data"]["id"], id(&set).as_str());
    // License-level features: SEATS=500 until 2099 (overrides the set's 10); GONE expired in 2020;
    // TIER="gold" expired in 2020 (the set still grants TIER, with its own value).
    let grants = json!({"data":[
        {"type":"entitlements","id":id(&seats),"meta":{"value":500,"expiresAt":"2099-01-01T00:00:00Z"}},
        {"type":"entitlements","id":id(&gone),"meta":{"expiresAt":"2020-01-01T00:00:00Z"}},
        {"type":"entitlements","id":id(&tier),"meta":{"value":"gold","expiresAt":"2020-01-01T00:00:00Z"}}]});
    post(&c, &a, &format!("/licenses/{lid}/entitlements"), grants);
    let bad = json!({"data":[{"type":"entitlements","id":id(&beta),"meta":{"expiresAt":"someday"}}]});
    let r = c.post(&a.path(&format!("/licenses/{lid}/entitlements")), a.admin(), Some(bad));
    assert_eq!(err(&r), (400, Some("PARAMETER_INVALID"), Some("/data/0/meta/expiresAt")));

    let want = [("BETA".to_owned(), Value::Null), ("SEATS".into(), json!(500)), ("TIER".into(), json!("basic"))];
    let r = c.get(&a.path(&format!("/licenses/{lid}/entitlements?page[number]=1&page[size]=10")), a.admin(), None);
    assert_eq!(codes(&r.assert_status(200).json["data"]), want);
    assert_eq!(r.json["links"]["meta"]["count"], 3);
    let r = c.get(&a.path(&format!("/licenses/{lid}/entitlements?page[size]=2&page[number]=2")), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().map(Vec::len), Some(1), "paged after resolution");

    // Validation: the expired feature is missing; the held ones are valid.
    let validate = |codes: &[&str]| {
        let r = c.post(&a.path("/licenses/actions/validate-key"), None, Some(json!({"meta":{"key":key,"scope":{"entitlements":codes}}})));
        r.assert_status(200).json["meta"]["code"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(validate(&["GONE"]), "ENTITLEMENTS_MISSING");
    assert_eq!(validate(&["SEATS", "GONE"]), "ENTITLEMENTS_MISSING");
    assert_eq!(validate(&["SEATS", "TIER", "BETA"]), "VALID");

    // License file and machine file: the same list.
    let f = c.post(&a.path(&format!("/licenses/{lid}/actions/check-out?include=entitlements")), a.admin(), None);
    let cert = f.assert_status(200).json["data"]["attributes"]["certificate"].as_str().unwrap().to_owned();
    assert_eq!(codes(&file_entitlements(&cert)), want);
    let m = post(
        &c,
        &a,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-1"},"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}}),
    );
    let f = c.post(&a.path(&format!("/machines/{}/actions/check-out?include=license.entitlements", id(&m))), a.admin(), None);
    let cert = f.assert_status(200).json["data"]["attributes"]["certificate"].as_str().unwrap().to_owned();
    assert_eq!(codes(&file_entitlements(&cert)), want);

    // Clearing the license's set: only the license's unexpired feature and the policy's remain.
    c.put(&a.path(&format!("/licenses/{lid}/entitlement-set")), a.admin(), Some(json!({"data":null}))).assert_status(200);
    let r = c.get(&a.path(&format!("/licenses/{lid}/entitlements")), a.admin(), None);
    assert_eq!(codes(&r.assert_status(200).json["data"]), [("BETA".into(), Value::Null), ("SEATS".into(), json!(500))]);
    assert_eq!(validate(&["TIER"]), "ENTITLEMENTS_MISSING");
}

#[test]
fn concurrent_set_assignment_and_delete_never_leave_a_dangling_set() {
    let a = server().bootstrap_account();
    let c = a.client();
    let p = post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let pol = post(
        &c,
        &a,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":id(&p)}}}}}),
    );
    let licenses: Vec<String> = (0..6)
        .map(|_| id(&post(&c, &a, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":id(&pol)}}}}}))))
        .collect();
    let set = id(&post(&c, &a, "/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":"Pro"}}})));
    let token = a.admin().map(str::to_owned);
    let (assigned, deleted) = std::thread::scope(|s| {
        let puts: Vec<_> = licenses
            .iter()
            .map(|l| {
                let (c, path, set, token) = (a.client(), a.path(&format!("/licenses/{l}/entitlement-set")), set.clone(), token.clone());
                s.spawn(move || c.put(&path, token.as_deref(), Some(json!({"data":{"type":"entitlement-sets","id":set}}))).status)
            })
            .collect();
        let del = {
            let (c, path, token) = (a.client(), a.path(&format!("/entitlement-sets/{set}")), token.clone());
            s.spawn(move || c.delete(&path, token.as_deref(), None).status)
        };
        let statuses: Vec<u16> = puts.into_iter().map(|h| h.join().unwrap()).collect();
        (statuses, del.join().unwrap())
    });
    assert!(assigned.iter().all(|s| matches!(s, 200 | 422)), "{assigned:?}");
    assert!(matches!(deleted, 204 | 422), "{deleted}");
    let pointing: Vec<bool> = licenses
        .iter()
        .map(|l| !c.get(&a.path(&format!("/licenses/{l}")), a.admin(), None).json["data"]["relationships"]["entitlementSet"]["data"].is_null())
        .collect();
    let set_exists = c.get(&a.path(&format!("/entitlement-sets/{set}")), a.admin(), None).status == 200;
    if deleted == 204 {
        assert!(!set_exists && pointing.iter().all(|p| !p) && assigned.iter().all(|s| *s == 422), "{assigned:?} {pointing:?}");
    } else {
        assert!(set_exists && pointing.iter().any(|p| *p), "a refused delete means some license held the set: {pointing:?}");
    }
    assert_eq!(pointing.iter().filter(|p| **p).count(), assigned.iter().filter(|s| **s == 200).count());
}

// entitlementSet on POST /policies and POST /licenses (issue 10 §3, c10).
#[test]
fn policies_and_licenses_name_their_entitlement_set_on_create() {
    let a = server().bootstrap_account();
    let c = a.client();
    let product = id(&post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let ent = id(&post(&c, &a, "/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"Seats","code":"SEATS","value":5}}})));
    let pro = id(&post(&c, &a, "/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":"Pro"}}})));
    post(&c, &a, &format!("/entitlement-sets/{pro}/entitlements"), json!({"data":[{"type":"entitlements","id":ent,"meta":{"value":50}}]}));
    let set = |s: &str| json!({"data":{"type":"entitlement-sets","id":s}});
    let policy = post(
        &c,
        &a,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product}},"entitlementSet":set(&pro)}}}),
    );
    assert_eq!(policy["relationships"]["entitlementSet"]["data"]["id"], pro.as_str());
    let r = c.get(&a.path(&format!("/policies/{}/entitlement-set", id(&policy))), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], pro.as_str());
    let body = |s: Value| json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":id(&policy)}},"entitlementSet":s}}});
    let lic = post(&c, &a, "/licenses", body(set(&pro)));
    assert_eq!(lic["relationships"]["entitlementSet"]["data"]["id"], pro.as_str());
    let feats = c.get(&a.path(&format!("/licenses/{}/entitlements", id(&lic))), a.admin(), None);
    assert_eq!(codes(&feats.assert_status(200).json["data"]), [("SEATS".to_owned(), json!(50))], "the set's value");

    // Refusals: precise code and pointer, and nothing written.
    let before = c.get(&a.path("/licenses"), a.admin(), None).json["data"].as_array().unwrap().len();
    let r = c.post(&a.path("/licenses"), a.admin(), Some(body(set("00000000-0000-4000-8000-000000000000"))));
    assert_eq!(err(&r), (422, Some("ENTITLEMENT_SET_NOT_FOUND"), Some("/data/relationships/entitlementSet")));
    let r = c.post(&a.path("/licenses"), a.admin(), Some(body(json!({"data":{"type":"policies","id":pro}}))));
    assert_eq!(err(&r), (400, Some("PARAMETER_INVALID"), Some("/data/relationships/entitlementSet/data/type")));
    let r = c.post(
        &a.path("/policies"),
        a.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"name":"Q"},"relationships":{"product":{"data":{"type":"products","id":product}},"entitlementSet":set("nope")}}})),
    );
    assert_eq!(err(&r), (422, Some("ENTITLEMENT_SET_NOT_FOUND"), Some("/data/relationships/entitlementSet")));
    assert_eq!(c.get(&a.path("/licenses"), a.admin(), None).json["data"].as_array().unwrap().len(), before, "nothing written");
    let r =
        c.patch(&a.path(&format!("/licenses/{}", id(&lic))), a.admin(), Some(json!({"data":{"type":"licenses","relationships":{"entitlementSet":set(&pro)}}})));
    assert_eq!(err(&r), (400, Some("PARAMETER_UNPERMITTED"), Some("/data/relationships/entitlementSet")));
    // Another account's set is unknown here.
    let b = server().bootstrap_account();
    let theirs = id(&post(&b.client(), &b, "/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":"Theirs"}}})));
    let r = c.post(&a.path("/licenses"), a.admin(), Some(body(set(&theirs))));
    assert_eq!(err(&r), (422, Some("ENTITLEMENT_SET_NOT_FOUND"), Some("/data/relationships/entitlementSet")));
}

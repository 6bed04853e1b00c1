//! List scopes (issue 8) on the real runtime: Keygen's further license scopes (`machine`,
//! `activations[op]`, `assigned`/`unassigned`, `expires[before]` of licenses not yet expired,
//! `activity[inside]`, `user` by email), components' and processes' `owner`/`user`/`status`,
//! the event log's `whodunnit`/`events[]`, bad values as 400s naming the parameter, and
//! `PATCH|PUT /processes/{id}` (metadata: staff and products only).

use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};

fn post(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{} {}", r.target, r.json);
    let mut v: Vec<String> = r.json["data"].as_array().map(|a| a.iter().map(id).collect()).unwrap_or_default();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn keygens_list_scopes_answer_on_d1_and_bad_values_name_their_parameter() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let get = |q: &str| c.get(&acct.path(q), acct.admin(), None);
    let prod = id(&post(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Scopes"}}})));
    let pol = id(&post(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":5},"relationships":{"product":{"data":{"type":"products","id":prod}}}}}),
    ));
    let email = format!("owner-{}@example.com", acct.slug);
    let owner = id(&post(&acct, "/users", json!({"data":{"type":"users","attributes":{"email":email}}})));
    let license = |rels: Value, attrs: Value| {
        let mut r = rels;
        r["policy"] = json!({"data":{"type":"policies","id":pol}});
        id(&post(&acct, "/licenses", json!({"data":{"type":"licenses","attributes":attrs,"relationships":r}})))
    };
    let la = license(json!({"owner":{"data":{"type":"users","id":owner}}}), json!({"expiry":"2099-01-01T00:00:00.000Z"}));
    let lb = license(json!({}), json!({"expiry":"2001-01-01T00:00:00.000Z"}));
    let machine = |l: &str, fp: &str| {
        id(&post(
            &acct,
            "/machines",
            json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":l}}}}}),
        ))
    };
    let (ma, _) = (machine(&la, "a1"), machine(&la, "a2"));
    // Licenses.
    assert_eq!(ids(&get(&format!("/licenses?machine={ma}"))), [la.as_str()]);
    assert_eq!(ids(&get("/licenses?activations[gte]=2")), [la.as_str()]);
    assert_eq!(ids(&get("/licenses?activations[eq]=0")), [lb.as_str()]);
    assert_eq!(ids(&get("/licenses?assigned=true")), [la.as_str()]);
    assert_eq!(ids(&get("/licenses?unassigned=1")), [lb.as_str()]);
    assert_eq!(ids(&get("/licenses?activated=false")), [lb.as_str()]);
    assert_eq!(ids(&get(&format!("/licenses?user={email}"))), [la.as_str()]);
    assert_eq!(ids(&get("/licenses?expires[before]=2100-01-01T00:00:00Z")), [la.as_str()], "only licenses not yet expired");
    assert_eq!(ids(&get("/licenses?expired[after]=2000-01-01")), [lb.as_str()]);
    assert_eq!(ids(&get("/licenses?activity[inside]=P1D")), sorted(vec![la.clone(), lb.clone()]));
    assert!(ids(&get("/licenses?activity[outside]=P1D")).is_empty());
    // Components and processes: the machine's owner, a user by email, the process status.
    let comp = id(&post(
        &acct,
        "/components",
        json!({"data":{"type":"components","attributes":{"fingerprint":"gpu","name":"GPU"},"relationships":{"machine":{"data":{"type":"machines","id":ma}}}}}),
    ));
    assert_eq!(ids(&get(&format!("/components?user={email}"))), [comp.as_str()]);
    assert!(ids(&get(&format!("/components?owner={owner}"))).is_empty(), "the machine has no owner of its own");
    let pr = id(&post(
        &acct,
        "/processes",
        json!({"data":{"type":"processes","attributes":{"pid":"42"},"relationships":{"machine":{"data":{"type":"machines","id":ma}}}}}),
    ));
    assert_eq!(ids(&get("/processes?status=ALIVE")), [pr.as_str()]);
    assert!(ids(&get("/processes?status=dead")).is_empty());
    assert_eq!(ids(&get(&format!("/machines/{ma}/processes?status=alive"))), [pr.as_str()]);
    // PATCH|PUT /processes/{id}: metadata, as Keygen's machine_processes#update.
    let body = |m: Value| Some(json!({"data":{"type":"processes","attributes":{"metadata":m}}}));
    let r = c.patch(&acct.path(&format!("/processes/{pr}")), acct.admin(), body(json!({"slot":1})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["metadata"], json!({"slot":1}));
    let r = c.put(&acct.path(&format!("/processes/{pr}")), acct.admin(), body(json!({"slot":2})));
    assert_eq!(
        (r.assert_status(200).json["data"]["attributes"]["pid"].clone(), r.json["data"]["attributes"]["metadata"].clone()),
        (json!("42"), json!({"slot":2}))
    );
    let token = post(&acct, &format!("/licenses/{la}/tokens"), json!({"data":{"type":"tokens","attributes":{}}}))["attributes"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let r = c.patch(&acct.path(&format!("/processes/{pr}")), Some(&token), body(json!({"slot":3})));
    assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_UNPERMITTED")), "{}", r.json);
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/metadata");
    let r = c.patch(&acct.path(&format!("/processes/{pr}")), acct.admin(), Some(json!({"data":{"type":"processes","attributes":{"pid":"9"}}})));
    assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_UNPERMITTED")));
    // Event logs: who did it, and several event names.
    let by_admin = ids(&get(&format!("/event-logs?whodunnit[type]=user&whodunnit[id]={}", acct.admin_id)));
    assert!(!by_admin.is_empty());
    assert_eq!(ids(&get(&format!("/event-logs?whodunnit={}", acct.admin_id))), by_admin);
    let r = get("/event-logs?events[]=process.created&events[]=process.updated");
    let mut names: Vec<String> =
        r.json["data"].as_array().map(|a| a.iter().map(|e| e["attributes"]["event"].as_str().unwrap_or_default().to_owned()).collect()).unwrap_or_default();
    names.sort();
    assert_eq!(names, ["process.created", "process.updated", "process.updated"], "{}", r.json);
    // Bad values: 400 PARAMETER_INVALID naming the parameter.
    for (q, param) in [
        ("/licenses?activations[gt]=many", "activations[gt]"),
        ("/licenses?activity[inside]=often", "activity[inside]"),
        ("/licenses?expires[on]=2024-13-01", "expires[on]"),
        ("/licenses?assigned=maybe", "assigned"),
        ("/processes?status=zombie", "status"),
        ("/event-logs?whodunnit[type]=", "whodunnit[type]"),
    ] {
        let r = get(q);
        assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")), "{q}: {}", r.json);
        assert_eq!(r.json["errors"][0]["source"]["parameter"], param, "{q}");
    }
}

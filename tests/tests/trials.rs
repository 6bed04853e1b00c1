//! Trials on the real runtime: trial policies (CRUD, one default per product), anonymous trial
//! activation with its signed certificate, THE concurrency test (many simultaneous trial
//! activations for one fingerprint → exactly one trial), reinstalling, the strict rate limit,
//! offline activation, extension, deletion, the events and the expiry cron's report.

use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};
use shared::crypto::license_file::{self, FileKind};

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

fn product(acct: &TestAccount) -> String {
    create(acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}))["id"].as_str().unwrap().to_owned()
}

fn trial_policy(acct: &TestAccount, product: &str, attrs: Value) -> Value {
    create(
        acct,
        "/trial-policies",
        json!({"data": {"type": "trial-policies", "attributes": attrs, "relationships": {"product": {"data": {"type": "products", "id": product}}}}}),
    )
}

fn trial(product: &str, fingerprint: &str) -> Value {
    json!({"data": {"type": "trial-activations", "attributes": {"fingerprint": fingerprint, "os": "linux", "appVersion": "1.2.3"},
        "relationships": {"product": {"data": {"type": "products", "id": product}}}}})
}

fn activate(acct: &TestAccount, token: Option<&str>, body: Value) -> Resp {
    acct.client().post(&acct.path("/trial-activations"), token, Some(body))
}

#[test]
fn trial_policies_crud_and_one_default_per_product() {
    let acct = server().bootstrap_account();
    let p = product(&acct);
    let a = trial_policy(&acct, &p, json!({"name": "14 days", "trialLength": 14}));
    assert_eq!(a["attributes"]["default"], true);
    assert_eq!(a["attributes"]["trialLength"], 14);
    assert_eq!(a["attributes"]["allowedActivations"], 1);
    assert_eq!(a["relationships"]["product"]["data"]["id"], p.as_str());
    let b = trial_policy(&acct, &p, json!({"name": "a week", "subscriptionInterval": "P1W", "default": true}));
    assert_eq!(b["attributes"]["default"], true);
    let api = acct.client();
    let path = |id: &Value| acct.path(&format!("/trial-policies/{}", id.as_str().unwrap()));
    let r = api.get(&path(&a["id"]), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["default"], false);
    let r = api.patch(&path(&a["id"]), acct.admin(), Some(json!({"data": {"type": "trial-policies", "attributes": {"trialLength": 30, "userLocked": true}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["trialLength"], 30);
    assert_eq!(r.json["data"]["attributes"]["userLocked"], true);
    let r = api.get(&acct.path(&format!("/trial-policies?product={p}")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 2);
    // Errors name their member.
    let r = api.post(
        &acct.path("/trial-policies"),
        acct.admin(),
        Some(json!({"data": {"type": "trial-policies", "attributes": {"name": "x", "subscriptionInterval": "P1M"},
        "relationships": {"product": {"data": {"type": "products", "id": p}}}}})),
    );
    assert_eq!((r.status, r.error_code()), (422, Some("SUBSCRIPTION_INTERVAL_INVALID")));
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/subscriptionInterval");
    api.delete(&path(&a["id"]), acct.admin(), None).assert_status(204);
    api.get(&path(&a["id"]), acct.admin(), None).assert_status(404);
}

#[test]
fn anonymous_trial_activation_answers_a_signed_certificate_and_reinstalling_keeps_the_trial() {
    let acct = server().bootstrap_account();
    let p = product(&acct);
    trial_policy(&acct, &p, json!({"name": "T", "trialLength": 14, "allowedActivations": 2}));
    let r = activate(&acct, None, trial(&p, "fp-1"));
    r.assert_status(201);
    let t = r.json["data"].clone();
    assert_eq!(t["type"], "trial-activations");
    assert_eq!((t["attributes"]["fingerprint"].as_str(), t["attributes"]["activations"].as_i64()), (Some("fp-1"), Some(1)));
    assert_eq!(t["attributes"]["appVersion"], "1.2.3");
    let cert = r.json["meta"]["certificate"].as_str().unwrap();
    let d = license_file::decode(cert, &acct.public_key_hex, "").expect("a genuine trial certificate");
    assert_eq!(d.kind, FileKind::Trial);
    let doc: Value = serde_json::from_str(&d.data).unwrap();
    assert_eq!(doc["data"]["id"], t["id"]);
    assert_eq!(doc["meta"]["expiry"], t["attributes"]["expiresAt"]);
    // Reinstalled: the same trial and expiry, 200, one more activation; then the limit.
    let again = activate(&acct, None, trial(&p, "fp-1"));
    again.assert_status(200);
    assert_eq!((&again.json["data"]["id"], &again.json["data"]["attributes"]["expiresAt"]), (&t["id"], &t["attributes"]["expiresAt"]));
    assert_eq!(again.json["data"]["attributes"]["activations"], 2);
    let third = activate(&acct, None, trial(&p, "fp-1"));
    assert_eq!((third.status, third.error_code()), (422, Some("TRIAL_ACTIVATION_LIMIT_REACHED")));
    // Anonymous callers cannot list, read or change trials.
    let api = acct.client();
    assert_eq!(api.get(&acct.path("/trial-activations"), None, None).status, 401);
    let id = t["id"].as_str().unwrap();
    assert_eq!(api.get(&acct.path(&format!("/trial-activations/{id}")), None, None).status, 401);
    // The admin sees the events.
    let r = api.get(&acct.path(&format!("/event-logs?resource[id]={id}")), acct.admin(), None);
    let mut names: Vec<String> =
        r.assert_status(200).json["data"].as_array().unwrap().iter().map(|e| e["attributes"]["event"].as_str().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names, ["trial-activation.created", "trial-activation.updated"]);
}

#[test]
fn unknown_products_and_products_without_a_trial_answer_alike() {
    let acct = server().bootstrap_account();
    let without = product(&acct);
    let unknown = "00000000-0000-4000-8000-000000000000";
    let a = activate(&acct, None, trial(&without, "f"));
    let b = activate(&acct, None, trial(unknown, "f"));
    assert_eq!((a.status, a.error_code()), (404, Some("TRIAL_NOT_AVAILABLE")));
    assert_eq!(
        (a.status, &a.json["errors"][0]["detail"], &a.json["errors"][0]["source"]),
        (b.status, &b.json["errors"][0]["detail"], &b.json["errors"][0]["source"])
    );
    assert_eq!(a.json["errors"][0]["source"]["pointer"], "/data/relationships/product");
}

#[test]
fn concurrent_trial_activations_for_one_fingerprint_make_exactly_one_trial() {
    let acct = server().bootstrap_account();
    let p = product(&acct);
    trial_policy(&acct, &p, json!({"name": "T", "trialLength": 30, "allowedActivations": 1}));
    // Three credentials, each under its own strict limit (10 a minute): 24 requests at once.
    let prod_token = {
        let r = acct.client().post(&acct.path(&format!("/products/{p}/tokens")), acct.admin(), None);
        r.assert_status(201);
        r.json["data"]["attributes"]["token"].as_str().unwrap().to_owned()
    };
    let threads: Vec<_> = (0..24)
        .map(|i| {
            let (acct, p, prod) = (acct.clone(), p.clone(), prod_token.clone());
            std::thread::spawn(move || {
                let token = match i % 3 {
                    0 => None,
                    1 => Some(acct.admin_token.clone()),
                    _ => Some(prod),
                };
                activate(&acct, token.as_deref(), trial(&p, "same-machine"))
            })
        })
        .collect();
    let responses: Vec<Resp> = threads.into_iter().map(|t| t.join().expect("request thread")).collect();
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(responses.iter().filter(|r| r.status != 201).all(|r| r.status == 422 && r.error_code() == Some("TRIAL_ACTIVATION_LIMIT_REACHED")), "{statuses:?}");
    let r = acct.client().get(&acct.path("/trial-activations?fingerprint=same-machine"), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["data"][0]["attributes"]["activations"], 1);
}

#[test]
fn trial_activation_is_strictly_rate_limited() {
    let acct = server().bootstrap_account();
    let p = product(&acct);
    trial_policy(&acct, &p, json!({"name": "T", "trialLength": 30}));
    for i in 0..10 {
        activate(&acct, None, trial(&p, &format!("m-{i}"))).assert_status(201);
    }
    let r = activate(&acct, None, trial(&p, "m-10"));
    assert_eq!((r.status, r.error_code()), (429, Some("TOO_MANY_REQUESTS")));
    let r = acct.client().get(&acct.path("/trial-activations?limit=100"), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 10, "the refused request wrote nothing");
}

#[test]
fn offline_activation_extension_deletion_and_the_expiry_cron() {
    use base64::Engine as _;
    let acct = server().bootstrap_account();
    let p = product(&acct);
    trial_policy(&acct, &p, json!({"name": "T", "subscriptionInterval": "PT1S"}));
    let request = base64::engine::general_purpose::STANDARD.encode(trial(&p, "air-gapped").to_string());
    let api = acct.client();
    // Offline requests are uploaded by the vendor, never anonymously.
    assert_eq!(api.post(&acct.path("/trial-activations/offline-activate"), None, Some(json!({"meta": {"request": request}}))).status, 401);
    let r = api.post(&acct.path("/trial-activations/offline-activate"), acct.admin(), Some(json!({"meta": {"request": request}})));
    r.assert_status(201);
    assert_eq!(r.json["data"]["attributes"]["offline"], true);
    let id = r.json["data"]["id"].as_str().unwrap().to_owned();
    let created = shared::clock::parse_iso8601(r.json["data"]["attributes"]["created"].as_str().unwrap()).unwrap();
    assert_eq!(license_file::decode(r.json["meta"]["certificate"].as_str().unwrap(), &acct.public_key_hex, "").unwrap().kind, FileKind::Trial);
    let r = api.post(&acct.path("/trial-activations/offline-activate"), acct.admin(), Some(json!({"meta": {"request": "%%"}})));
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some("/meta/request")));
    // It expires after a second: the cron reports and records it once.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(server().trigger_cron("*/10 * * * *"), 200);
    assert_eq!(server().trigger_cron("*/10 * * * *"), 200);
    let expired = |api: &e2e::Client| {
        let r = api.get(&acct.path(&format!("/event-logs?event=trial-activation.expired&resource[id]={id}")), acct.admin(), None);
        r.assert_status(200).json["data"].as_array().unwrap().len()
    };
    assert_eq!(expired(&api), 1);
    assert!(server().logs().contains("trial-activation-expired"), "the cron report names the job");
    // Extended: valid again.
    let at = shared::clock::iso8601(created + 30 * shared::clock::DAY_MS);
    let body = json!({"data": {"type": "trial-activations", "attributes": {"expiresAt": at}}});
    let r = api.patch(&acct.path(&format!("/trial-activations/{id}/expires-at")), acct.admin(), Some(body));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["expiresAt"], at.as_str());
    let again = activate(&acct, None, trial(&p, "air-gapped"));
    assert_eq!((again.status, again.error_code()), (422, Some("TRIAL_ACTIVATION_LIMIT_REACHED")), "valid again, but its one activation is spent");
    let r = api.patch(
        &acct.path(&format!("/trial-activations/{id}/expires-at")),
        acct.admin(),
        Some(json!({"data": {"type": "trial-activations", "attributes": {"expiresAt": "soon"}}})),
    );
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some("/data/attributes/expiresAt")));
    // Deleted: the machine may start over.
    api.delete(&acct.path(&format!("/trial-activations/{id}")), acct.admin(), None).assert_status(204);
    api.get(&acct.path(&format!("/trial-activations/{id}")), acct.admin(), None).assert_status(404);
    let r = api.get(&acct.path(&format!("/event-logs?resource[id]={id}")), acct.admin(), None);
    let names: Vec<&str> = r.json["data"].as_array().unwrap().iter().map(|e| e["attributes"]["event"].as_str().unwrap()).collect();
    for n in ["trial-activation.created", "trial-activation.expired", "trial-activation.updated", "trial-activation.deleted"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
}

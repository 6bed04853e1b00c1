//! Trials on SQLite with the real migrations: trial policies (one default per product), trial
//! activations (one per machine per product, re-activation counted and bounded, matching by
//! components, VM/container/user rules, the answer anonymous callers get), the signed
//! certificate, extension and the expiry job.

use serde_json::{json, Value};
use shared::clock::DAY_MS;
use shared::crypto::license_file::{self, FileKind};
use shared::service::licensing::trial_activations::{self as trials, Origin};
use shared::service::licensing::trial_policies as policies;
use shared::service::lifecycle::jobs;
use shared::service::lifecycle::webhook_delivery::RecordingHttp;
use shared::service::{Bearer, Caller};
use shared::store::rows::ProductRow;
use shared::Clock;

use crate::support::{block, Env, T0};

fn policy(env: &Env, caller: &Caller, product: &ProductRow, attrs: Value) -> shared::store::sql::trials::TrialPolicyRow {
    let body = json!({"data": {"type": "trial-policies", "attributes": attrs, "relationships": {"product": {"data": {"type": "products", "id": product.id}}}}});
    block(policies::create(&env.app(), caller, policies::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
}

fn request(product: &str, attrs: Value) -> trials::TrialRequest {
    let body = json!({"data": {"type": "trial-activations", "attributes": attrs, "relationships": {"product": {"data": {"type": "products", "id": product}}}}});
    trials::parse(body.to_string().as_bytes()).unwrap()
}

fn anonymous(admin: &Caller) -> Caller {
    Caller { account: admin.account.clone(), bearer: Bearer::Anonymous, token_id: None, permissions: None }
}

fn activate(env: &Env, caller: &Caller, product: &str, attrs: Value) -> shared::Result<trials::Issued> {
    block(trials::activate(&env.app(), caller, request(product, attrs), Origin { ip: Some("192.0.2.1".into()), ..Origin::default() }, false))
}

#[test]
fn a_machine_gets_one_trial_per_product_and_reinstalling_does_not_restart_it() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    policy(&env, &admin, &p, json!({"name": "Trial", "trialLength": 14, "allowedActivations": 2}));
    let anon = anonymous(&admin);
    let first = activate(&env, &anon, &p.id, json!({"fingerprint": "fp-1", "os": "linux"})).unwrap();
    assert!(first.created);
    assert_eq!(first.trial.expires_at, T0 + 14 * DAY_MS);
    assert_eq!(first.trial.ip.as_deref(), Some("192.0.2.1"));
    // Reinstalled three days later: the same trial, the same expiry, one more activation.
    env.clock.advance(3 * DAY_MS);
    let again = activate(&env, &anon, &p.id, json!({"fingerprint": "fp-1"})).unwrap();
    assert!(!again.created);
    assert_eq!((again.trial.id.as_str(), again.trial.expires_at, again.trial.activation_count), (first.trial.id.as_str(), T0 + 14 * DAY_MS, 2));
    // The third activation exceeds allowedActivations: refused, nothing written.
    let e = activate(&env, &anon, &p.id, json!({"fingerprint": "fp-1"})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "TRIAL_ACTIVATION_LIMIT_REACHED"));
    // Another machine gets its own trial.
    assert!(activate(&env, &anon, &p.id, json!({"fingerprint": "fp-2"})).unwrap().created);
    let evs: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e.starts_with("trial-activation")).collect();
    assert_eq!(evs, ["trial-activation.created", "trial-activation.updated", "trial-activation.created"]);
}

#[test]
fn the_certificate_is_a_signed_trial_file_of_the_trial() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    policy(&env, &admin, &p, json!({"name": "Trial", "subscriptionInterval": "P1W"}));
    let i = activate(&env, &anonymous(&admin), &p.id, json!({"fingerprint": "fp-1"})).unwrap();
    let d = license_file::decode(&i.certificate, &admin.account.public_key, "").unwrap();
    assert_eq!((d.kind, d.alg.as_str()), (FileKind::Trial, "base64+ed25519"));
    let doc: Value = serde_json::from_str(&d.data).unwrap();
    assert_eq!(doc["data"]["id"], i.trial.id.as_str());
    assert_eq!(doc["data"]["attributes"]["fingerprint"], "fp-1");
    assert_eq!(doc["meta"]["expiry"], shared::clock::iso8601(T0 + 7 * DAY_MS));
    assert_eq!(doc["meta"]["ttl"], 7 * 86_400);
    // A trial certificate is not a license or machine file: another prefix is signed.
    assert!(i.certificate.starts_with("-----BEGIN TRIAL FILE-----\n"));
}

#[test]
fn anonymous_callers_learn_nothing_about_products() {
    let env = Env::new();
    let admin = env.admin();
    let with = env.product(&admin, "With");
    let without = env.product(&admin, "Without");
    let locked = env.product(&admin, "Locked");
    policy(&env, &admin, &with, json!({"name": "T", "trialLength": 1}));
    policy(&env, &admin, &locked, json!({"name": "T", "trialLength": 1, "userLocked": true}));
    let anon = anonymous(&admin);
    let unknown = "00000000-0000-4000-8000-000000000000".to_owned();
    let answers: Vec<(u16, String, String)> = [&without.id, &unknown, &locked.id]
        .into_iter()
        .map(|id| activate(&env, &anon, id, json!({"fingerprint": "f"})).unwrap_err())
        .map(|e| (e.status, e.code.to_string(), e.detail.clone()))
        .collect();
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!((answers[0].0, answers[0].1.as_str()), (404, "TRIAL_NOT_AVAILABLE"));
    // Another product's token gets the same answer for a product that has a trial.
    let other = Caller { bearer: Bearer::Product { product_id: without.id.clone() }, ..admin.clone() };
    let e = activate(&env, &other, &with.id, json!({"fingerprint": "f"})).unwrap_err();
    assert_eq!((e.status, e.detail.as_str()), (404, answers[0].2.as_str()));
    // A license bearer may not start trials at all.
    let lic = Caller { bearer: Bearer::License { license_id: "l".into() }, ..admin.clone() };
    assert_eq!(activate(&env, &lic, &with.id, json!({"fingerprint": "f"})).unwrap_err().status, 403);
}

#[test]
fn vm_container_and_component_rules_hold() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    policy(
        &env,
        &admin,
        &p,
        json!({"name": "T", "trialLength": 30, "allowVmActivation": false, "allowContainerActivation": false, "fingerprintMatchingStrategy": "MATCH_TWO", "allowedActivations": 5}),
    );
    let anon = anonymous(&admin);
    let e = activate(&env, &anon, &p.id, json!({"fingerprint": "f", "vmName": "VirtualBox"})).unwrap_err();
    assert_eq!(e.code, "VM_ACTIVATION_NOT_ALLOWED");
    assert_eq!(format!("{:?}", e.source), "Some(Pointer(\"/data/attributes/vmName\"))");
    assert_eq!(activate(&env, &anon, &p.id, json!({"fingerprint": "f", "container": "docker"})).unwrap_err().code, "CONTAINER_ACTIVATION_NOT_ALLOWED");
    let first = activate(&env, &anon, &p.id, json!({"fingerprint": "f", "components": ["disk-1", "cpu-1", "mac-1"]})).unwrap();
    // A new fingerprint sharing one component is another machine under MATCH_TWO …
    assert!(activate(&env, &anon, &p.id, json!({"fingerprint": "g", "components": ["disk-1", "cpu-9"]})).unwrap().created);
    // … sharing two is the same machine: its existing trial, not a new one.
    let same = activate(&env, &anon, &p.id, json!({"fingerprint": "h", "components": ["disk-1", "cpu-1", "gpu-7"]})).unwrap();
    assert!(!same.created);
    assert_eq!(same.trial.id, first.trial.id);
}

#[test]
fn expired_trials_are_refused_extended_and_reported_once() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    policy(&env, &admin, &p, json!({"name": "T", "trialLength": 1, "allowedActivations": 3}));
    let anon = anonymous(&admin);
    let t = activate(&env, &anon, &p.id, json!({"fingerprint": "f"})).unwrap().trial;
    env.clock.advance(DAY_MS + 1);
    assert_eq!(activate(&env, &anon, &p.id, json!({"fingerprint": "f"})).unwrap_err().code, "TRIAL_EXPIRED");
    let run = || block(jobs::run(&env.app(), &RecordingHttp::default(), jobs::CRON_LIFECYCLE, &jobs::Settings::free(false)));
    let r = run();
    let job = r.jobs.iter().find(|j| j.job == "trial-activation-expired").unwrap();
    assert_eq!((job.rows, job.events, job.done), (1, 1, true));
    let r = run();
    assert_eq!(r.jobs.iter().find(|j| j.job == "trial-activation-expired").unwrap().events, 0, "idempotent");
    // Extending it re-arms the event and lets the machine re-activate.
    let at = env.clock.now_ms() + 5 * DAY_MS;
    let ext = block(trials::set_expiry(&env.app(), &admin, &t.id, at)).unwrap();
    assert_eq!((ext.expires_at, ext.expired_event_at), (at, None));
    assert!(!activate(&env, &anon, &p.id, json!({"fingerprint": "f"})).unwrap().created);
    env.clock.advance(6 * DAY_MS);
    assert_eq!(run().jobs.iter().find(|j| j.job == "trial-activation-expired").unwrap().events, 1);
    let expired: Vec<_> = env.events().into_iter().filter(|(e, _)| e == "trial-activation.expired").collect();
    assert_eq!(expired, vec![("trial-activation.expired".to_owned(), t.id.clone()); 2]);
    // Too far out is refused.
    let e = block(trials::set_expiry(&env.app(), &admin, &t.id, env.clock.now_ms() + 3651 * DAY_MS)).unwrap_err();
    assert_eq!(e.code, "EXPIRES_AT_INVALID");
}

#[test]
fn one_default_per_product_and_products_manage_only_their_own() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let q = env.product(&admin, "Other");
    let a = policy(&env, &admin, &p, json!({"name": "A", "trialLength": 7}));
    assert_eq!(a.is_default, 1, "the first policy of a product is its default");
    let b = policy(&env, &admin, &p, json!({"name": "B", "trialLength": 30}));
    assert_eq!(b.is_default, 0);
    let c = policy(&env, &admin, &p, json!({"name": "C", "trialLength": 60, "default": true}));
    assert_eq!(c.is_default, 1);
    assert_eq!(block(policies::show(&env.app(), &admin, &a.id)).unwrap().is_default, 0);
    // The default is the one trials use.
    let t = activate(&env, &anonymous(&admin), &p.id, json!({"fingerprint": "f"})).unwrap().trial;
    assert_eq!(t.trial_policy_id.as_deref(), Some(c.id.as_str()));
    // An update rewrites the settings (one length replaces the other).
    let body = json!({"data": {"type": "trial-policies", "attributes": {"subscriptionInterval": "PT12H", "allowVmActivation": false}}}).to_string();
    let u = block(policies::update(&env.app(), &admin, &a.id, policies::parse(body.as_bytes(), false).unwrap())).unwrap();
    assert_eq!((u.trial_length, u.subscription_interval.as_deref(), u.allow_vm_activation, u.is_default), (None, Some("PT12H"), 0, 0));
    // Unsetting the default is refused (make another the default instead).
    let body = json!({"data": {"type": "trial-policies", "attributes": {"default": false}}}).to_string();
    let e = block(policies::update(&env.app(), &admin, &c.id, policies::parse(body.as_bytes(), false).unwrap())).unwrap_err();
    assert_eq!(e.code, "DEFAULT_INVALID");
    // A product token sees and changes only its own product's.
    let prod_q = Caller { bearer: Bearer::Product { product_id: q.id.clone() }, ..admin.clone() };
    assert_eq!(block(policies::show(&env.app(), &prod_q, &a.id)).unwrap_err().status, 404);
    let body = json!({"data": {"type": "trial-policies", "attributes": {"name": "X", "trialLength": 1}, "relationships": {"product": {"data": {"type": "products", "id": p.id}}}}});
    let e = block(policies::create(&env.app(), &prod_q, policies::parse(body.to_string().as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(e.code, "PRODUCT_NOT_FOUND");
    let (rows, n, _) = block(policies::list(&env.app(), &prod_q, &Default::default())).unwrap();
    assert_eq!((rows.len(), n), (0, 0));
    // Deleting the trial policy keeps the trial activation.
    block(policies::delete(&env.app(), &admin, &c.id)).unwrap();
    let kept = block(trials::show(&env.app(), &admin, &t.id)).unwrap();
    assert_eq!(kept.trial_policy_id, None);
}

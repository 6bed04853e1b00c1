//! Activation rules on SQLite with the real migrations: policy attributes and license
//! overrides parsed, stored and rendered; activation refused per rule with its code (nothing
//! written); `allowedDeactivations` counted for the client's deactivations and guarded in the
//! delete.

use serde_json::json;
use shared::api::licenses::{license, policy};
use shared::service::licensing::{activation, licenses};
use shared::service::{Bearer, Caller};
use shared::store::rows::LicenseRow;

use crate::support::{block, Env, T0};

fn activate(env: &Env, c: &Caller, l: &LicenseRow, attrs: serde_json::Value, ip: &str, country: Option<&str>, clock: Option<i64>) -> Result<String, String> {
    let body = json!({"data":{"type":"machines","attributes":attrs,"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    let a = activation::parse(body.to_string().as_bytes()).map_err(|e| e.code.to_string())?.with_client(ip.parse().ok(), country.map(Into::into), clock);
    block(activation::activate(&env.app(), c, a)).map(|m| m.id).map_err(|e| e.code.to_string())
}

fn count(env: &Env, l: &LicenseRow) -> i64 {
    let rows = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n FROM machines WHERE license_id = ?1", &[l.id.clone().into()])).unwrap();
    rows[0]["n"].as_i64().unwrap_or(-1)
}

#[test]
fn each_rule_refuses_with_its_code_and_writes_nothing() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let rules = json!({"floating": true, "maxMachines": 100, "allowedIpRanges": ["203.0.113.0/24", "2001:db8::/32"], "allowedCountries": ["US", "CA"],
        "allowVmActivation": false, "allowContainerActivation": false, "allowedClockOffset": 60});
    let p = env.policy(&admin, &product, rules);
    let rendered = policy(&p).into_value();
    assert_eq!(rendered["attributes"]["allowedIpRanges"], json!(["203.0.113.0/24", "2001:db8::/32"]));
    assert_eq!(rendered["attributes"]["allowedDeactivations"], -1);
    let l = env.license(&admin, &p, json!({}));
    let ok = |fp: &str| json!({"fingerprint": fp});
    type Row<'a> = (serde_json::Value, &'a str, Option<&'a str>, Option<i64>, Result<(), &'a str>);
    let table: Vec<Row<'_>> = vec![
        (ok("a"), "203.0.113.9", Some("US"), Some(T0), Ok(())),
        (ok("b"), "2001:db8::9", Some("CA"), Some(T0 + 60_000), Ok(())),
        (ok("c"), "198.51.100.1", Some("US"), Some(T0), Err("IP_ADDRESS_NOT_ALLOWED")),
        (ok("d"), "203.0.113.9", Some("DE"), Some(T0), Err("COUNTRY_NOT_ALLOWED")),
        (ok("e"), "203.0.113.9", None, Some(T0), Err("COUNTRY_NOT_ALLOWED")),
        (json!({"fingerprint": "f", "vmName": "VMware"}), "203.0.113.9", Some("US"), Some(T0), Err("VM_ACTIVATION_NOT_ALLOWED")),
        (json!({"fingerprint": "g", "container": true}), "203.0.113.9", Some("US"), Some(T0), Err("CONTAINER_ACTIVATION_NOT_ALLOWED")),
        (json!({"fingerprint": "h", "container": false, "vmName": ""}), "203.0.113.9", Some("US"), Some(T0), Ok(())),
        (ok("i"), "203.0.113.9", Some("US"), Some(T0 - 60_001), Err("CLOCK_OFFSET_EXCEEDED")),
        (ok("j"), "203.0.113.9", Some("US"), None, Err("CLOCK_OFFSET_EXCEEDED")),
    ];
    for (attrs, ip, country, clock, want) in table {
        let before = count(&env, &l);
        let got = activate(&env, &admin, &l, attrs.clone(), ip, country, clock);
        assert_eq!(got.as_ref().map(|_| ()).map_err(String::as_str), want, "{attrs} {ip} {country:?}");
        assert_eq!(count(&env, &l), before + i64::from(want.is_ok()), "a refusal writes nothing");
    }
}

#[test]
fn license_overrides_win_and_null_returns_to_the_policy() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let p = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10, "allowVmActivation": false, "disallowedCountries": ["DE"]}));
    let l = env.license(&admin, &p, json!({"allowVmActivation": true, "allowedDeactivations": 2}));
    let attrs = license(&l, T0).into_value()["attributes"].clone();
    assert_eq!(
        (attrs["allowVmActivation"].clone(), attrs["allowedDeactivations"].clone(), attrs["disallowedCountries"].clone()),
        (json!(true), json!(2), json!(["DE"]))
    );
    assert!(activate(&env, &admin, &l, json!({"fingerprint": "vm", "vmName": "kvm"}), "1.2.3.4", Some("US"), None).is_ok());
    let body = json!({"data":{"type":"licenses","attributes":{"allowVmActivation": null, "disallowedCountries": []}}}).to_string();
    let l2 = block(licenses::update(&env.app(), &admin, &l.id, licenses::parse(body.as_bytes(), false).unwrap())).unwrap();
    let attrs = license(&l2, T0).into_value()["attributes"].clone();
    assert_eq!(
        (attrs["allowVmActivation"].clone(), attrs["allowedDeactivations"].clone(), attrs["disallowedCountries"].clone()),
        (json!(false), json!(2), json!([]))
    );
    assert_eq!(
        activate(&env, &admin, &l, json!({"fingerprint": "vm2", "vmName": "kvm"}), "1.2.3.4", Some("DE"), None),
        Err("VM_ACTIVATION_NOT_ALLOWED".into())
    );
    let bad = json!({"data":{"type":"licenses","attributes":{"allowedIpRanges": ["10.0.0.0/99"]}}}).to_string();
    let e = licenses::parse(bad.as_bytes(), false).unwrap_err();
    assert_eq!(e.code, "PARAMETER_INVALID");
}

#[test]
fn allowed_deactivations_count_the_clients_deactivations_only() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let p = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10, "allowedDeactivations": 2}));
    let l = env.license(&admin, &p, json!({}));
    let me = Caller { bearer: Bearer::License { license_id: l.id.clone() }, ..admin.clone() };
    let ids: Vec<String> = (0..4).map(|i| activate(&env, &admin, &l, json!({"fingerprint": format!("m{i}")}), "1.1.1.1", None, None).unwrap()).collect();
    // An admin's deactivation is neither limited nor counted.
    block(activation::deactivate(&env.app(), &admin, &ids[0])).unwrap();
    block(activation::deactivate(&env.app(), &me, &ids[1])).unwrap();
    block(activation::deactivate(&env.app(), &me, &ids[2])).unwrap();
    let e = block(activation::deactivate(&env.app(), &me, &ids[3])).unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("DEACTIVATION_LIMIT_REACHED", 422));
    assert_eq!(count(&env, &l), 1, "the refused deactivation deleted nothing");
    let l = block(licenses::find(&env.app(), &l.account_id, &l.id)).unwrap().unwrap();
    assert_eq!(l.deactivations, 2);
    assert_eq!(license(&l, T0).into_value()["attributes"]["deactivations"], 2);
    // A deactivation of a machine already gone is a 404, not counted.
    assert_eq!(block(activation::deactivate(&env.app(), &me, &ids[1])).unwrap_err().code, "NOT_FOUND");
}

#[test]
fn policy_rules_are_validated_with_pointers() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let table = [
        (json!({"allowedIpRanges": ["10.0.0.0/8", "bogus"]}), "/data/attributes/allowedIpRanges/1"),
        (json!({"allowedCountries": ["XX"]}), "/data/attributes/allowedCountries/0"),
        (json!({"allowedClockOffset": "1m"}), "/data/attributes/allowedClockOffset"),
    ];
    for (attrs, want) in table {
        let mut a = attrs.as_object().cloned().unwrap_or_default();
        a.insert("name".into(), "P".into());
        let body = json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
        let input = shared::service::catalogue::policies::parse(body.to_string().as_bytes(), true).unwrap();
        let e = block(shared::service::catalogue::policies::create(&env.app(), &admin, input)).unwrap_err();
        let ptr = match &e.source {
            Some(shared::error::Source::Pointer(p)) => p.clone(),
            _ => String::new(),
        };
        assert_eq!((e.code.as_ref(), ptr.as_str()), ("PARAMETER_INVALID", want), "{attrs}");
    }
}

#[test]
fn validation_rechecks_the_rules_for_the_clients_bearers_only() {
    use shared::service::licensing::validation;
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let p = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10, "allowedCountries": ["US"], "allowedClockOffset": 60}));
    let l = env.license(&admin, &p, json!({}));
    let vm = activate(&env, &admin, &l, json!({"fingerprint": "vm-1", "vmName": "vbox"}), "192.0.2.1", Some("US"), Some(T0)).unwrap();
    let lic = Caller { bearer: Bearer::License { license_id: l.id.clone() }, ..admin.clone() };
    let run = |c: &Caller, scope: serde_json::Value, country: Option<&str>, clock: Option<i64>| {
        let body = json!({"meta": {"scope": scope}}).to_string();
        let req = validation::parse_validate(body.as_bytes(), &l.id, false).unwrap().with_client(None, country.map(Into::into), clock);
        let v = block(validation::validate_license(&env.app(), c, req)).unwrap();
        (v.outcome.valid, v.outcome.code.as_str())
    };
    assert_eq!(run(&lic, json!({}), Some("US"), None), (true, "VALID"), "no clock sent: not checked on validation");
    assert_eq!(run(&lic, json!({}), Some("DE"), None), (false, "COUNTRY_NOT_ALLOWED"));
    assert_eq!(run(&lic, json!({}), None, None), (false, "COUNTRY_NOT_ALLOWED"), "unknown country under an allow-list");
    assert_eq!(run(&lic, json!({}), Some("US"), Some(T0 + 61_000)), (false, "CLOCK_OFFSET_EXCEEDED"));
    assert_eq!(run(&admin, json!({}), Some("DE"), Some(0)), (true, "VALID"), "the vendor's own validations are not the client's");
    // Tightening the policy after activation: the VM machine the scope names is refused.
    let patch = json!({"data":{"type":"policies","attributes":{"allowVmActivation": false}}}).to_string();
    block(shared::service::catalogue::policies::update(
        &env.app(),
        &admin,
        &p.id,
        shared::service::catalogue::policies::parse(patch.as_bytes(), false).unwrap(),
    ))
    .unwrap();
    assert_eq!(run(&lic, json!({"fingerprint": "vm-1"}), Some("US"), None), (false, "VM_ACTIVATION_NOT_ALLOWED"));
    assert_eq!(run(&lic, json!({"machine": vm}), Some("US"), None), (false, "VM_ACTIVATION_NOT_ALLOWED"));
    assert_eq!(run(&lic, json!({}), Some("US"), None), (true, "VALID"), "no machine named: nothing to re-check");
    // Keygen's codes keep their precedence: a wrong fingerprint is still FINGERPRINT_SCOPE_MISMATCH.
    assert_eq!(run(&lic, json!({"fingerprint": "other"}), Some("DE"), None), (false, "FINGERPRINT_SCOPE_MISMATCH"));
}

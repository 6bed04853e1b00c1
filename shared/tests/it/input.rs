//! Hostile and extreme input on SQLite: every stored integer is bounded so no row can poison a
//! license's sums, and stored JSON that fails to decode fails closed (500), never permissive.

use serde_json::json;
use shared::domain::policy::{INT4_MAX, MAX_SAFE_INT};
use shared::error::Source;
use shared::service::licensing::{licenses, validation};
use shared::store::Db;

use crate::machines::activate;
use crate::support::{block, Env};

fn pointer(e: &shared::Error) -> &str {
    match &e.source {
        Some(Source::Pointer(p)) => p,
        _ => "",
    }
}

#[test]
fn max_values_everywhere_leave_the_license_readable() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(
        &admin,
        &product,
        json!({"floating": true, "maxMachines": INT4_MAX, "maxCores": INT4_MAX, "maxMemory": MAX_SAFE_INT, "maxDisk": MAX_SAFE_INT,
               "maxUses": INT4_MAX, "maxProcesses": INT4_MAX, "maxUsers": INT4_MAX, "duration": INT4_MAX, "heartbeatDuration": INT4_MAX}),
    );
    let l = env.license(
        &admin,
        &policy,
        json!({"maxMachines": INT4_MAX, "maxCores": INT4_MAX, "maxMemory": MAX_SAFE_INT, "maxDisk": MAX_SAFE_INT, "maxUses": INT4_MAX,
               "maxProcesses": INT4_MAX, "maxUsers": INT4_MAX}),
    );
    for i in 0..1 {
        activate(
            &env,
            &admin,
            &l,
            json!({"fingerprint": format!("fp-{i}"), "cores": INT4_MAX, "memory": MAX_SAFE_INT, "disk": MAX_SAFE_INT, "maxProcesses": INT4_MAX}),
        )
        .unwrap();
    }
    // Rows written before the bounds (or by hand) may hold anything an INTEGER column holds:
    // 2,000 machines at i64::MAX would overflow `sum()` a thousand times over.
    let rows = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
INSERT INTO machines (id, account_id, license_id, product_id, policy_id, fingerprint, cores, memory, disk, metadata, created_at, updated_at) \
SELECT 'm-' || i, l.account_id, l.id, l.product_id, l.policy_id, 'raw-' || i, 9223372036854775807, 9223372036854775807, 9223372036854775807, '{}', 0, 0 \
FROM n, licenses l WHERE l.id = ?1";
    block(env.db.execute(rows, &[l.id.clone().into()])).unwrap();
    let read = block(licenses::show(&env.app(), &admin, &l.id)).expect("the license stays readable");
    assert_eq!(read.machines_count, 2001);
    assert!(read.machines_memory > 0 && read.machines_disk > 0 && read.machines_cores > 0, "sums saturate instead of failing");
    let req = validation::parse_validate(b"{}", &l.id, false).unwrap();
    let v = block(validation::validate_license(&env.app(), &admin, req)).expect("validation answers");
    assert!(v.license.is_some());
}

#[test]
fn integers_beyond_the_columns_are_refused_with_a_pointer() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 10}));
    let l = env.license(&admin, &policy, json!({}));
    for (attr, v) in [("cores", json!(INT4_MAX + 1)), ("memory", json!(MAX_SAFE_INT + 1)), ("disk", json!(u64::MAX)), ("maxProcesses", json!(0))] {
        let e = activate(&env, &admin, &l, json!({"fingerprint": "fp", attr: v})).unwrap_err();
        assert_eq!((e.status, pointer(&e)), (422, format!("/data/attributes/{attr}").as_str()), "{attr}: {e:?}");
    }
    for (attr, v) in [("maxMachines", json!(INT4_MAX + 1)), ("maxMemory", json!(MAX_SAFE_INT + 1)), ("maxUses", json!(-1)), ("maxCores", json!(i64::MAX))] {
        let body = json!({"data":{"type":"licenses","attributes":{attr: v},"relationships":{"policy":{"data":{"type":"policies","id":policy.id}}}}});
        let e = licenses::parse(body.to_string().as_bytes(), true).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_ref(), pointer(&e)),
            (422, format!("{}_INVALID", shared::error::upper_snake(attr)).as_str(), format!("/data/attributes/{attr}").as_str())
        );
    }
    for (attr, v) in [("maxMemory", json!(MAX_SAFE_INT + 1)), ("maxDisk", json!(i64::MAX)), ("duration", json!(INT4_MAX + 1))] {
        let body =
            json!({"data":{"type":"policies","attributes":{"name": "p", attr: v},"relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
        let e = shared::service::catalogue::policies::parse(body.to_string().as_bytes(), true)
            .and_then(|p| block(shared::service::catalogue::policies::create(&env.app(), &admin, p)))
            .unwrap_err();
        assert_eq!((e.status, pointer(&e)), (422, format!("/data/attributes/{attr}").as_str()), "{attr}");
    }
}

#[test]
fn a_corrupt_policy_config_fails_closed() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 1, "requireFingerprintScope": true}));
    let l = env.license(&admin, &policy, json!({}));
    for corrupt in ["not json", r#"{"maxMachines":"unlimited"}"#, r#"{"requireFingerprintScope":"no"}"#] {
        block(env.db.execute("UPDATE policies SET config = ?1 WHERE id = ?2", &[corrupt.into(), policy.id.clone().into()])).unwrap();
        let req = validation::parse_validate_key(json!({"meta": {"key": l.key}}).to_string().as_bytes()).unwrap();
        let Err(e) = block(validation::validate_license(&env.app(), &admin, req)) else { panic!("validation must not answer on defaults") };
        assert_eq!((e.status, e.code.as_ref()), (500, "INTERNAL_ERROR"), "{corrupt}");
        let e = activate(&env, &admin, &l, json!({"fingerprint": "fp-x"})).unwrap_err();
        assert_eq!(e.status, 500, "{corrupt}: activation must not run on defaults");
        let e = block(licenses::show(&env.app(), &admin, &l.id)).unwrap_err();
        assert_eq!(e.status, 500);
    }
}

#[test]
fn validation_scope_is_bounded_member_by_member() {
    let long = "f".repeat(validation::MAX_SCOPE_STRING + 1);
    let items: Vec<String> = (0..=validation::MAX_SCOPE_ITEMS).map(|i| format!("fp-{i}")).collect();
    let cases = [
        (json!({"fingerprint": long}), "/meta/scope/fingerprint"),
        (json!({"fingerprints": items}), "/meta/scope/fingerprints"),
        (json!({"fingerprint": "a", "components": ["ok", long]}), "/meta/scope/components/1"),
        (json!({"entitlements": [long]}), "/meta/scope/entitlements/0"),
    ];
    for (scope, ptr) in cases {
        let body = json!({"meta": {"key": "K", "scope": scope}}).to_string();
        let e = validation::parse_validate_key(body.as_bytes()).unwrap_err();
        assert_eq!((e.status, e.code.as_ref(), pointer(&e)), (400, "PARAMETER_INVALID", ptr));
    }
    let e = validation::parse_validate_key(br#"{"meta":{"key":"K","scope":{"blob":"x"}}}"#).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e)), ("PARAMETER_UNPERMITTED", "/meta/scope/blob"));
    let ok = json!({"meta": {"key": "K", "scope": {"fingerprint": "f".repeat(validation::MAX_SCOPE_STRING), "fingerprints": vec!["a"; 100]}}}).to_string();
    assert!(validation::parse_validate_key(ok.as_bytes()).is_ok());
}

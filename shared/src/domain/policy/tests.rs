//! Tests of [`PolicyConfig`]: defaults, `apply` and its errors, and the helpers.

use serde_json::{json, Map, Value};

use super::*;
use crate::clock::Millis;
use crate::domain::strategy::{
    AuthenticationStrategy, ComponentUniquenessStrategy, ExpirationBasis, ExpirationStrategy, HeartbeatBasis, HeartbeatResurrectionStrategy,
    MachineUniquenessStrategy, OverageStrategy, ProcessLeasingStrategy, RenewalBasis, Scheme,
};
use crate::error::{Code, Error, Source};

fn attrs(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("test attributes are objects"),
    }
}

fn create(v: Value) -> Result<PolicyConfig, Error> {
    let mut p = PolicyConfig::default();
    p.apply(&mut attrs(v), true)?;
    Ok(p)
}

fn err(v: Value) -> Error {
    create(v).expect_err("apply should fail")
}

fn assert_err(e: &Error, status: u16, code: &str, pointer: &str) {
    assert_eq!(e.status, status, "{e}");
    assert_eq!(e.code, code, "{e}");
    assert_eq!(e.source, Some(Source::Pointer(pointer.into())), "{e}");
}

#[test]
fn missing_keys_deserialize_to_keygen_defaults() {
    let p: PolicyConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(p, PolicyConfig::default());
    assert_eq!(p.machine_uniqueness_strategy, MachineUniquenessStrategy::UniquePerLicense);
    assert_eq!(p.component_uniqueness_strategy, ComponentUniquenessStrategy::UniquePerMachine);
    assert_eq!(p.expiration_strategy, ExpirationStrategy::RestrictAccess);
    assert_eq!(p.process_leasing_strategy, ProcessLeasingStrategy::PerMachine);
    assert_eq!(p.overage_strategy, OverageStrategy::NoOverage);
    assert_eq!(p.authentication_strategy, AuthenticationStrategy::Token);
    assert_eq!(p.heartbeat_duration_secs(), 600);
    assert_eq!(p.expiring_soon_event_offset, 259_200);
    let p: PolicyConfig = serde_json::from_str(r#"{"floating":true,"futureAttribute":1}"#).unwrap();
    assert!(p.floating);
}

#[test]
fn serializes_camel_case_with_keygen_strings() {
    let p = create(json!({"heartbeatResurrectionStrategy": "5_MINUTE_REVIVE", "checkInInterval": "week",
        "checkInIntervalCount": 2, "requireCheckIn": true}))
    .unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["heartbeatResurrectionStrategy"], "5_MINUTE_REVIVE");
    assert_eq!(v["checkInInterval"], "week");
    assert_eq!(v["requireCheckIn"], true);
    assert_eq!(v["maxMachines"], 1);
    assert_eq!(v["expiringSoonEventOffset"], 259_200);
    assert_eq!(serde_json::from_value::<PolicyConfig>(v).unwrap(), p);
}

#[test]
fn node_locked_policy_gets_one_machine_on_create() {
    let p = create(json!({})).unwrap();
    assert_eq!(p.max_machines, Some(1));
    let p = create(json!({"floating": true})).unwrap();
    assert_eq!(p.max_machines, None);
}

#[test]
fn node_locked_policy_must_have_exactly_one_machine() {
    let e = err(json!({"maxMachines": 5}));
    assert_err(&e, 422, "MAX_MACHINES_INVALID", "/data/attributes/maxMachines");
    assert_eq!(e.detail, "must be equal to 1 for non-floating policy");
}

#[test]
fn floating_policy_needs_at_least_one_machine() {
    let e = err(json!({"floating": true, "maxMachines": 0}));
    assert_err(&e, 422, "MAX_MACHINES_INVALID", "/data/attributes/maxMachines");
    assert_eq!(e.detail, "must be greater than or equal to 1 for floating policy");
}

#[test]
fn heartbeat_basis_defaults_from_require_heartbeat() {
    assert_eq!(create(json!({"requireHeartbeat": true})).unwrap().heartbeat_basis, Some(HeartbeatBasis::FromCreation));
    assert_eq!(create(json!({})).unwrap().heartbeat_basis, Some(HeartbeatBasis::FromFirstPing));
    let p = create(json!({"requireHeartbeat": true, "heartbeatBasis": "FROM_FIRST_PING"})).unwrap();
    assert_eq!(p.heartbeat_basis, Some(HeartbeatBasis::FromFirstPing));
}

#[test]
fn encrypted_implies_legacy_scheme() {
    assert_eq!(create(json!({"encrypted": true})).unwrap().scheme, Some(Scheme::LegacyEncrypt));
}

#[test]
fn wrong_json_type_is_a_400_type_mismatch() {
    let e = err(json!({"duration": "86400"}));
    assert_err(&e, 400, "PARAMETER_INVALID", "/data/attributes/duration");
    assert_eq!(e.detail, "type mismatch (received string expected integer)");
    let e = err(json!({"strict": 1}));
    assert_err(&e, 400, "PARAMETER_INVALID", "/data/attributes/strict");
    assert_eq!(e.detail, "type mismatch (received integer expected boolean)");
    let e = err(json!({"heartbeatDuration": 600.5}));
    assert_eq!(e.detail, "type mismatch (received float expected integer)");
    let e = err(json!({"overageStrategy": null}));
    assert_err(&e, 400, "PARAMETER_INVALID", "/data/attributes/overageStrategy");
    assert_eq!(e.detail, "type mismatch (received null expected string)");
}

#[test]
fn type_errors_win_over_model_errors() {
    let e = err(json!({"overageStrategy": "SOMETIMES", "strict": "yes"}));
    assert_eq!(e.status, 400);
}

#[test]
fn unknown_strategy_is_not_allowed() {
    let e = err(json!({"machineMatchingStrategy": "MATCH_SOME"}));
    assert_err(&e, 422, "MACHINE_MATCHING_STRATEGY_NOT_ALLOWED", "/data/attributes/machineMatchingStrategy");
    assert_eq!(e.detail, "unsupported machine matching strategy");
    let e = err(json!({"scheme": "RSA_4096"}));
    assert_err(&e, 422, "SCHEME_NOT_ALLOWED", "/data/attributes/scheme");
    let e = err(json!({"checkInInterval": "fortnight"}));
    assert_err(&e, 422, "CHECK_IN_INTERVAL_NOT_ALLOWED", "/data/attributes/checkInInterval");
}

#[test]
fn duration_must_be_between_a_day_and_int4_max() {
    let e = err(json!({"duration": 86_399}));
    assert_err(&e, 422, "DURATION_INVALID", "/data/attributes/duration");
    assert_eq!(e.detail, "must be greater than or equal to 86400 (1 day)");
    assert_eq!(create(json!({"duration": 86_400})).unwrap().duration, Some(86_400));
    assert_eq!(create(json!({"duration": 2_147_483_647_i64})).unwrap().duration, Some(INT4_MAX));
    let e = err(json!({"duration": 2_147_483_648_i64}));
    assert_err(&e, 422, "DURATION_INVALID", "/data/attributes/duration");
    assert_eq!(create(json!({"duration": null})).unwrap().duration, None);
}

#[test]
fn heartbeat_duration_must_be_at_least_a_minute() {
    let e = err(json!({"heartbeatDuration": 59}));
    assert_err(&e, 422, "HEARTBEAT_DURATION_INVALID", "/data/attributes/heartbeatDuration");
    assert_eq!(create(json!({"heartbeatDuration": 60})).unwrap().heartbeat_duration_secs(), 60);
}

#[test]
fn limits_must_be_positive() {
    for key in ["maxProcesses", "maxUsers", "maxCores", "maxMemory", "maxDisk"] {
        let e = err(json!({"floating": true, key: 0}));
        assert_eq!(e.code, format!("{}_INVALID", crate::error::upper_snake(key)));
    }
    assert_eq!(create(json!({"maxUses": 0})).unwrap().max_uses, Some(0));
    let e = err(json!({"maxUses": -1}));
    assert_err(&e, 422, "MAX_USES_INVALID", "/data/attributes/maxUses");
    let e = err(json!({"maxMemory": u64::MAX}));
    assert_err(&e, 422, "MAX_MEMORY_INVALID", "/data/attributes/maxMemory");
}

#[test]
fn check_in_needs_interval_and_count_in_range() {
    let e = err(json!({"requireCheckIn": true}));
    assert_err(&e, 422, "CHECK_IN_INTERVAL_INVALID", "/data/attributes/checkInInterval");
    let e = err(json!({"requireCheckIn": true, "checkInInterval": "day"}));
    assert_err(&e, 422, "CHECK_IN_INTERVAL_COUNT_INVALID", "/data/attributes/checkInIntervalCount");
    let e = err(json!({"requireCheckIn": true, "checkInInterval": "day", "checkInIntervalCount": 366}));
    assert_eq!(e.detail, "must be a number between 1 and 365 inclusive");
    let e = err(json!({"checkInIntervalCount": 0}));
    assert_err(&e, 422, "CHECK_IN_INTERVAL_COUNT_INVALID", "/data/attributes/checkInIntervalCount");
    let p = create(json!({"requireCheckIn": true, "checkInInterval": "week", "checkInIntervalCount": 2})).unwrap();
    assert_eq!(p.check_in_interval_ms(), Some(14 * 86_400_000));
    assert_eq!(p.next_check_in_at(1_000, None), Some(1_000 + 14 * 86_400_000));
}

#[test]
fn fractional_overage_is_refused_for_node_locked_policies() {
    let e = err(json!({"overageStrategy": "ALLOW_1_25X_OVERAGE"}));
    assert_err(&e, 422, "OVERAGE_STRATEGY_INVALID", "/data/attributes/overageStrategy");
    assert_eq!(e.detail, "incompatible overage strategy (cannot use ALLOW_1_25X_OVERAGE for node-locked policy)");
    let e = err(json!({"overageStrategy": "ALLOW_1_5X_OVERAGE"}));
    assert_eq!(e.code, "OVERAGE_STRATEGY_INVALID");
    assert!(create(json!({"overageStrategy": "ALLOW_2X_OVERAGE"})).is_ok());
}

#[test]
fn fractional_overage_needs_divisible_limits() {
    let e = err(json!({"floating": true, "maxMachines": 6, "overageStrategy": "ALLOW_1_25X_OVERAGE"}));
    assert_err(&e, 422, "OVERAGE_STRATEGY_INVALID", "/data/attributes/overageStrategy");
    assert!(e.detail.contains("max machines value not divisible by 4"), "{}", e.detail);
    assert!(create(json!({"floating": true, "maxMachines": 8, "overageStrategy": "ALLOW_1_25X_OVERAGE"})).is_ok());
    let e = err(json!({"floating": true, "maxCores": 3, "overageStrategy": "ALLOW_1_5X_OVERAGE"}));
    assert!(e.detail.contains("max cores value not divisible by 2"), "{}", e.detail);
    assert!(create(json!({"floating": true, "maxMachines": 6, "overageStrategy": "ALLOW_1_5X_OVERAGE"})).is_ok());
}

#[test]
fn always_revive_requires_keep_dead() {
    let e = err(json!({"heartbeatResurrectionStrategy": "ALWAYS_REVIVE"}));
    assert_err(&e, 422, "HEARTBEAT_CULL_STRATEGY_INVALID", "/data/attributes/heartbeatCullStrategy");
    let p = create(json!({"heartbeatResurrectionStrategy": "ALWAYS_REVIVE", "heartbeatCullStrategy": "KEEP_DEAD"}));
    assert!(p.is_ok());
}

#[test]
fn pool_is_incompatible_with_scheme_and_encryption() {
    let e = err(json!({"usePool": true, "scheme": "ED25519_SIGN"}));
    assert_err(&e, 422, "SCHEME_INVALID", "/data/attributes/scheme");
    let e = err(json!({"usePool": true, "encrypted": true}));
    assert_err(&e, 422, "ENCRYPTED_INVALID", "/data/attributes/encrypted");
}

#[test]
fn create_only_attributes_are_unpermitted_on_update() {
    let mut p = create(json!({"scheme": "ED25519_SIGN"})).unwrap();
    for key in ["scheme", "encrypted", "usePool"] {
        let e = p.apply(&mut attrs(json!({key: Value::Null})), false).unwrap_err();
        assert_err(&e, 400, "PARAMETER_UNPERMITTED", &format!("/data/attributes/{key}"));
    }
    assert_eq!(p.scheme, Some(Scheme::Ed25519Sign));
}

#[test]
fn apply_consumes_known_keys_and_leaves_the_rest() {
    let mut m = attrs(json!({"name": "Pro", "metadata": {}, "strict": true, "bogus": 1}));
    let mut p = PolicyConfig::default();
    p.apply(&mut m, true).unwrap();
    assert!(p.strict);
    let mut rest: Vec<_> = m.keys().cloned().collect();
    rest.sort();
    assert_eq!(rest, ["bogus", "metadata", "name"]);
}

#[test]
fn failed_apply_leaves_the_policy_unchanged() {
    let mut p = create(json!({"floating": true, "maxMachines": 5})).unwrap();
    let before = p.clone();
    assert!(p.apply(&mut attrs(json!({"strict": true, "maxMachines": 0})), false).is_err());
    assert_eq!(p, before);
}

#[test]
fn update_revalidates_the_whole_policy() {
    let mut p = create(json!({"floating": true, "maxMachines": 5})).unwrap();
    let e = p.apply(&mut attrs(json!({"floating": false})), false).unwrap_err();
    assert_err(&e, 422, "MAX_MACHINES_INVALID", "/data/attributes/maxMachines");
}

#[test]
fn node_locked_machine_overage_honours_only_always_and_2x() {
    let mut p = PolicyConfig { overage_strategy: OverageStrategy::Allow15xOverage, ..PolicyConfig::default() };
    assert!(!p.overage_allows(3, 2, true));
    assert!(p.overage_allows(3, 2, false));
    p.overage_strategy = OverageStrategy::Allow2xOverage;
    assert!(p.overage_allows(2, 1, true));
    assert!(!p.overage_allows(3, 1, true));
    p.overage_strategy = OverageStrategy::AlwaysAllowOverage;
    assert!(p.overage_allows(9, 1, true));
}

#[test]
fn renewal_follows_renewal_basis() {
    let day = 86_400_000;
    let mut p = PolicyConfig { duration: Some(86_400), ..PolicyConfig::default() };
    assert_eq!(p.expiry_for_renewal(100 * day, Some(90 * day)).unwrap(), 91 * day);
    assert_eq!(p.expiry_for_renewal(100 * day, None).unwrap(), 101 * day);
    p.renewal_basis = RenewalBasis::FromNow;
    assert_eq!(p.expiry_for_renewal(100 * day, Some(110 * day)).unwrap(), 101 * day);
    p.renewal_basis = RenewalBasis::FromNowIfExpired;
    assert_eq!(p.expiry_for_renewal(100 * day, Some(90 * day)).unwrap(), 101 * day);
    assert_eq!(p.expiry_for_renewal(100 * day, Some(110 * day)).unwrap(), 111 * day);
    p.duration = None;
    let e = p.expiry_for_renewal(100 * day, None).unwrap_err();
    assert!(e.is(Code::PolicyDurationMissing));
}

#[test]
fn lazarus_ttl_follows_resurrection_strategy() {
    let mut p = PolicyConfig::default();
    assert_eq!(p.lazarus_ttl_secs(), None);
    p.heartbeat_resurrection_strategy = HeartbeatResurrectionStrategy::Revive15Minutes;
    assert_eq!(p.lazarus_ttl_secs(), Some(900));
    p.heartbeat_resurrection_strategy = HeartbeatResurrectionStrategy::Revive1Minute;
    assert_eq!(p.lazarus_ttl_secs(), Some(60));
}

// Subscriptions (issue 10 §5): the one expiry rule, `subscriptionInterval` and its trigger.

#[test]
fn expiry_rule_table() {
    use crate::clock::parse_iso8601;
    let at = |s: &str| parse_iso8601(s).unwrap();
    let jan31 = at("2025-01-31T09:00:00.000Z");
    let with = |d: Option<i64>, i: Option<&str>| PolicyConfig { duration: d, subscription_interval: i.map(|s| s.parse().unwrap()), ..PolicyConfig::default() };
    let table: [(PolicyConfig, Millis, Option<Millis>); 6] = [
        (with(None, None), jan31, None),
        (with(Some(86_400 * 30), None), jan31, Some(jan31 + 30 * 86_400_000)),
        (with(None, Some("P1M")), jan31, Some(at("2025-02-28T09:00:00.000Z"))),
        (with(None, Some("P1M")), at("2024-01-31T09:00:00.000Z"), Some(at("2024-02-29T09:00:00.000Z"))),
        (with(None, Some("P1Y")), at("2024-02-29T00:00:00.000Z"), Some(at("2025-02-28T00:00:00.000Z"))),
        (with(None, Some("PT12H")), jan31, Some(jan31 + 12 * 3_600_000)),
    ];
    for (cfg, basis, want) in table {
        assert_eq!(cfg.expiry_from(basis), want, "{:?} from {basis}", cfg.subscription_interval);
    }
    // Renewals use the same rule from renewalBasis' base: Feb 28 + P1M = Mar 28.
    let p = with(None, Some("P1M"));
    assert_eq!(p.expiry_for_renewal(jan31, Some(at("2025-02-28T09:00:00.000Z"))).unwrap(), at("2025-03-28T09:00:00.000Z"));
    assert_eq!(p.expiry_for_renewal(jan31, None).unwrap(), at("2025-02-28T09:00:00.000Z"));
    assert!(with(None, None).expiry_for_renewal(jan31, None).unwrap_err().is(Code::PolicyDurationMissing));
}

#[test]
fn subscription_attributes_parse_and_conflict() {
    let p = create(json!({"subscriptionInterval": "P3M10D", "subscriptionStartTrigger": "activation"})).unwrap();
    assert_eq!(p.subscription_interval.map(|d| d.to_string()), Some("P3M10D".into()));
    assert_eq!(p.expiration_basis, ExpirationBasis::FromFirstActivation);
    assert_eq!(p.subscription_start_trigger(), Some(StartTrigger::Activation));
    let stored = serde_json::to_value(&p).unwrap();
    assert_eq!(stored["subscriptionInterval"], json!("P3M10D"));
    assert_eq!(serde_json::from_value::<PolicyConfig>(stored).unwrap(), p);
    assert_eq!(create(json!({"expirationBasis": "FROM_FIRST_USE"})).unwrap().subscription_start_trigger(), None);
    assert_eq!(
        create(json!({"subscriptionStartTrigger": "creation", "expirationBasis": "FROM_CREATION"})).unwrap().expiration_basis,
        ExpirationBasis::FromCreation
    );
    assert_err(&err(json!({"subscriptionInterval": "P1"})), 422, "SUBSCRIPTION_INTERVAL_INVALID", "/data/attributes/subscriptionInterval");
    assert_err(&err(json!({"subscriptionInterval": 30})), 400, "PARAMETER_INVALID", "/data/attributes/subscriptionInterval");
    assert_err(&err(json!({"subscriptionInterval": "P1Y", "duration": 86_400})), 422, "SUBSCRIPTION_INTERVAL_INVALID", "/data/attributes/subscriptionInterval");
    assert_err(
        &err(json!({"subscriptionStartTrigger": "renewal"})),
        422,
        "SUBSCRIPTION_START_TRIGGER_NOT_ALLOWED",
        "/data/attributes/subscriptionStartTrigger",
    );
    assert_err(&err(json!({"subscriptionStartTrigger": null})), 400, "PARAMETER_INVALID", "/data/attributes/subscriptionStartTrigger");
    assert_err(
        &err(json!({"subscriptionStartTrigger": "creation", "expirationBasis": "FROM_FIRST_ACTIVATION"})),
        422,
        "SUBSCRIPTION_START_TRIGGER_INVALID",
        "/data/attributes/subscriptionStartTrigger",
    );
    // Clearing: null removes the interval.
    let mut p = create(json!({"subscriptionInterval": "P1Y"})).unwrap();
    p.apply(&mut attrs(json!({"subscriptionInterval": null, "duration": 86_400})), false).unwrap();
    assert_eq!((p.subscription_interval, p.duration), (None, Some(86_400)));
}

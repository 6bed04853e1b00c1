//! One test per row of the precedence table (`reference/keygen-wire.md` §2.2), plus the
//! quirks around it.

use std::collections::BTreeSet;

use super::*;
use crate::domain::policy::PolicyConfig;
use crate::domain::strategy::{ExpirationStrategy, MachineLeasingStrategy, MatchingStrategy, OverageStrategy, ProcessLeasingStrategy};

const MIN: Millis = 60_000;
const DAY: Millis = 86_400_000;
const NOW: Millis = 1_700_000_000_000;

fn user(id: &str) -> UserRef {
    UserRef { id: id.into(), email: format!("{id}@example.com") }
}

fn machine(id: &str, fingerprint: &str) -> MachineFacts {
    MachineFacts { id: id.into(), fingerprint: fingerprint.into(), created_at: NOW - 60 * MIN, last_heartbeat_at: Some(NOW - MIN), ..MachineFacts::default() }
}

/// A valid, owned, non-strict, floating license with no machines.
fn input() -> ValidationInput {
    ValidationInput {
        license: LicenseFacts {
            id: "lic".into(),
            product_id: "prod".into(),
            policy_id: "pol".into(),
            owner: Some(user("owner")),
            created_at: NOW - 30 * DAY,
            licensees: vec![user("licensee")],
            entitlements: vec!["FEATURE_A".into(), "FEATURE_B".into()],
            users_count: 2,
            ..LicenseFacts::default()
        },
        policy: PolicyConfig { floating: true, ..PolicyConfig::default() },
        machines: vec![],
        quick: false,
    }
}

/// A strict floating license with two alive machines.
fn strict() -> ValidationInput {
    let mut i = input();
    i.policy.strict = true;
    i.machines = vec![machine("m1", "fp1"), machine("m2", "fp2")];
    i
}

fn scope(json: serde_json::Value) -> Scope {
    serde_json::from_value(json).expect("scope parses")
}

fn run(i: &ValidationInput, s: Option<Scope>) -> Outcome {
    validate(i, s.as_ref(), NOW)
}

#[track_caller]
fn expect(o: Outcome, valid: bool, detail: &str, code: ValidationCode) {
    assert_eq!((o.valid, o.detail.as_str(), o.code), (valid, detail, code));
}

// ---- codes ----

#[test]
fn there_are_exactly_keygens_38_codes_then_the_5_activation_rule_codes() {
    assert_eq!(ValidationCode::ALL.len(), 43);
    let unique: BTreeSet<&str> = ValidationCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(unique.len(), 43);
    assert_eq!(ValidationCode::ALL.get(37), Some(&ValidationCode::TooManyProcesses));
    let rules: Vec<&str> = ValidationCode::ALL.iter().skip(38).map(|c| c.as_str()).collect();
    assert_eq!(
        rules,
        ["IP_ADDRESS_NOT_ALLOWED", "COUNTRY_NOT_ALLOWED", "VM_ACTIVATION_NOT_ALLOWED", "CONTAINER_ACTIVATION_NOT_ALLOWED", "CLOCK_OFFSET_EXCEEDED"]
    );
    assert_eq!(serde_json::to_string(&ValidationCode::TooMuchDisk).unwrap(), "\"TOO_MUCH_DISK\"");
}

#[test]
fn plain_license_is_valid() {
    expect(run(&input(), None), true, "is valid", ValidationCode::Valid);
}

// ---- 1–5 ----

#[test]
fn missing_license_is_not_found() {
    expect(Outcome::not_found(), false, "does not exist", ValidationCode::NotFound);
}

#[test]
fn banned_owner_wins_over_suspended() {
    let mut i = input();
    i.license.owner_banned = true;
    i.license.suspended = true;
    expect(run(&i, None), false, "is banned", ValidationCode::Banned);
}

#[test]
fn suspended_wins_over_expired() {
    let mut i = input();
    i.license.suspended = true;
    i.license.expiry = Some(NOW - DAY);
    i.policy.expiration_strategy = ExpirationStrategy::RevokeAccess;
    expect(run(&i, None), false, "is suspended", ValidationCode::Suspended);
}

#[test]
fn revoke_access_expiry_wins_over_overdue_and_scope() {
    let mut i = input();
    i.license.expiry = Some(NOW - 1);
    i.policy.expiration_strategy = ExpirationStrategy::RevokeAccess;
    i.policy.require_check_in = true;
    i.policy.check_in_interval = Some(crate::domain::strategy::CheckInInterval::Day);
    i.policy.check_in_interval_count = Some(1);
    expect(run(&i, Some(scope(serde_json::json!({"product": "other"})))), false, "is expired", ValidationCode::Expired);
}

#[test]
fn expiry_at_exactly_now_is_not_expired() {
    let mut i = input();
    i.license.expiry = Some(NOW);
    i.policy.expiration_strategy = ExpirationStrategy::RevokeAccess;
    expect(run(&i, None), true, "is valid", ValidationCode::Valid);
}

#[test]
fn overdue_check_in_wins_over_scope() {
    let mut i = input();
    i.policy.require_check_in = true;
    i.policy.check_in_interval = Some(crate::domain::strategy::CheckInInterval::Week);
    i.policy.check_in_interval_count = Some(1);
    i.license.last_check_in_at = Some(NOW - 7 * DAY - 1);
    let s = scope(serde_json::json!({"product": "other"}));
    expect(run(&i, Some(s.clone())), false, "is overdue for check in", ValidationCode::Overdue);
    i.license.last_check_in_at = Some(NOW - 7 * DAY);
    assert_eq!(run(&i, Some(s)).code, ValidationCode::ProductScopeMismatch);
    i.license.last_check_in_at = None; // falls back to created_at, 30 days ago
    assert_eq!(run(&i, None).code, ValidationCode::Overdue);
}

// ---- 6–8 ----

#[test]
fn environment_scope_never_matches_unless_null() {
    let i = input();
    let o = run(&i, Some(scope(serde_json::json!({"environment": "production", "product": "other"}))));
    expect(o, false, "environment scope does not match", ValidationCode::EnvironmentScopeMismatch);
    assert_eq!(run(&i, Some(scope(serde_json::json!({"environment": null})))).code, ValidationCode::Valid);
}

#[test]
fn environment_scope_is_never_required() {
    let mut i = input();
    i.policy.require_product_scope = false;
    assert_eq!(run(&i, Some(Scope::default())).code, ValidationCode::Valid);
}

#[test]
fn product_scope_mismatch() {
    let o = run(&input(), Some(scope(serde_json::json!({"product": "other", "policy": "other"}))));
    expect(o, false, "product scope does not match", ValidationCode::ProductScopeMismatch);
    assert_eq!(run(&input(), Some(scope(serde_json::json!({"product": "prod"})))).code, ValidationCode::Valid);
}

#[test]
fn product_scope_required() {
    let mut i = input();
    i.policy.require_product_scope = true;
    expect(run(&i, None), false, "product scope is required", ValidationCode::ProductScopeRequired);
}

#[test]
fn policy_scope_mismatch() {
    let o = run(&input(), Some(scope(serde_json::json!({"policy": "other", "user": "nobody"}))));
    expect(o, false, "policy scope does not match", ValidationCode::PolicyScopeMismatch);
}

#[test]
fn policy_scope_required() {
    let mut i = input();
    i.policy.require_policy_scope = true;
    expect(run(&i, None), false, "policy scope is required", ValidationCode::PolicyScopeRequired);
}

// ---- 9–10 ----

#[test]
fn user_scope_matches_owner_or_licensee_by_id_or_email() {
    let i = input();
    for u in ["owner", "OWNER@example.com", "licensee", "licensee@example.com"] {
        assert_eq!(run(&i, Some(scope(serde_json::json!({"user": u})))).code, ValidationCode::Valid, "{u}");
    }
    let o = run(&i, Some(scope(serde_json::json!({"user": "stranger", "entitlements": []}))));
    expect(o, false, "user scope does not match", ValidationCode::UserScopeMismatch);
    let o = run(&i, Some(scope(serde_json::json!({"user": null}))));
    assert_eq!(o.code, ValidationCode::UserScopeMismatch, "null user only matches an ownerless license");
}

#[test]
fn user_scope_required() {
    let mut i = input();
    i.policy.require_user_scope = true;
    expect(run(&i, None), false, "user scope is required", ValidationCode::UserScopeRequired);
}

#[test]
fn entitlements_scope_empty() {
    let o = run(&input(), Some(scope(serde_json::json!({"entitlements": [], "machine": "x"}))));
    expect(o, false, "entitlements scope is empty", ValidationCode::EntitlementsScopeEmpty);
}

#[test]
fn entitlements_missing() {
    let i = input();
    let o = run(&i, Some(scope(serde_json::json!({"entitlements": ["FEATURE_A", "FEATURE_C"]}))));
    expect(o, false, "is missing one or more required entitlements", ValidationCode::EntitlementsMissing);
    let o = run(&i, Some(scope(serde_json::json!({"entitlements": ["FEATURE_A", "FEATURE_B", "FEATURE_A"]}))));
    assert_eq!(o.code, ValidationCode::Valid);
}

// ---- 11 ----

#[test]
fn machine_scope_without_machines_is_no_machine_or_no_machines() {
    let mut i = input();
    let s = || Some(scope(serde_json::json!({"machine": "m1"})));
    expect(run(&i, s()), false, "machine is not activated (has no associated machines)", ValidationCode::NoMachines);
    i.policy.floating = false;
    expect(run(&i, s()), false, "machine is not activated (has no associated machine)", ValidationCode::NoMachine);
}

#[test]
fn machine_scope_mismatch() {
    let o = run(&strict(), Some(scope(serde_json::json!({"machine": "m9"}))));
    expect(o, false, "machine is not activated (does not match any associated machines)", ValidationCode::MachineScopeMismatch);
    assert_eq!(run(&strict(), Some(scope(serde_json::json!({"machine": "m2"})))).code, ValidationCode::Valid);
}

#[test]
fn machine_owned_by_another_user_mismatches_user_scope() {
    let mut i = strict();
    i.machines[0].owner_id = Some("licensee".into());
    let o = run(&i, Some(scope(serde_json::json!({"machine": "m1", "user": "owner"}))));
    expect(o, false, "user scope does not match (does not match associated machine owner)", ValidationCode::UserScopeMismatch);
    let o = run(&i, Some(scope(serde_json::json!({"machine": "m1", "user": "licensee@example.com"}))));
    assert_eq!(o.code, ValidationCode::UserScopeMismatch, "machine owner email unknown here; id only");
    i.machines[0].owner_email = Some("licensee@example.com".into());
    let o = run(&i, Some(scope(serde_json::json!({"machine": "m1", "user": "licensee@example.com"}))));
    assert_eq!(o.code, ValidationCode::Valid);
}

#[test]
fn required_heartbeat_not_started_on_scoped_machine() {
    let mut i = strict();
    i.policy.require_heartbeat = true;
    i.machines[0].last_heartbeat_at = None;
    i.machines[0].created_at = NOW - 5 * MIN;
    let o = run(&i, Some(scope(serde_json::json!({"machine": "m1"}))));
    expect(o, false, "machine heartbeat is required", ValidationCode::HeartbeatNotStarted);
}

#[test]
fn dead_scoped_machine_is_heartbeat_dead() {
    let mut i = strict();
    i.machines[0].last_heartbeat_at = Some(NOW - 11 * MIN);
    let o = run(&i, Some(scope(serde_json::json!({"machine": "m1", "fingerprint": ""}))));
    expect(o, false, "machine heartbeat is dead", ValidationCode::HeartbeatDead);
}

#[test]
fn machine_scope_required() {
    let mut i = strict();
    i.policy.require_machine_scope = true;
    expect(run(&i, None), false, "machine scope is required", ValidationCode::MachineScopeRequired);
}

// ---- 12 ----

#[test]
fn fingerprint_scope_empty() {
    let o = run(&strict(), Some(scope(serde_json::json!({"fingerprints": []}))));
    expect(o, false, "fingerprint scope is empty", ValidationCode::FingerprintScopeEmpty);
}

#[test]
fn fingerprint_scope_without_machines_is_no_machine_or_no_machines() {
    let mut i = input();
    let s = || Some(scope(serde_json::json!({"fingerprint": "fp1"})));
    expect(run(&i, s()), false, "fingerprint is not activated (has no associated machines)", ValidationCode::NoMachines);
    i.policy.floating = false;
    expect(run(&i, s()), false, "fingerprint is not activated (has no associated machine)", ValidationCode::NoMachine);
}

#[test]
fn all_matched_machines_dead_is_heartbeat_dead() {
    let mut i = strict();
    i.machines[0].last_heartbeat_at = Some(NOW - 11 * MIN);
    i.machines[1].last_heartbeat_at = Some(NOW - 11 * MIN);
    let o = run(&i, Some(scope(serde_json::json!({"fingerprints": ["fp1", "fp2"]}))));
    expect(o, false, "machine heartbeat is dead", ValidationCode::HeartbeatDead);
    // One dead of two matches is not "all dead"; MATCH_ANY is satisfied by the alive one.
    i.machines[1].last_heartbeat_at = Some(NOW);
    assert_eq!(run(&i, Some(scope(serde_json::json!({"fingerprints": ["fp1", "fp2"]})))).code, ValidationCode::Valid);
}

#[test]
fn fingerprint_mismatch_follows_machine_matching_strategy() {
    let mut i = strict();
    let s = |fps: serde_json::Value| Some(scope(serde_json::json!({ "fingerprints": fps })));
    expect(
        run(&i, s(serde_json::json!(["fpX"]))),
        false,
        "fingerprint is not activated (does not match any associated machines)",
        ValidationCode::FingerprintScopeMismatch,
    );
    i.policy.machine_matching_strategy = MatchingStrategy::MatchAll;
    expect(
        run(&i, s(serde_json::json!(["fp1", "fpX"]))),
        false,
        "one or more fingerprint is not activated (does not match all associated machines)",
        ValidationCode::FingerprintScopeMismatch,
    );
    i.policy.machine_matching_strategy = MatchingStrategy::MatchMost;
    assert_eq!(run(&i, s(serde_json::json!(["fp1", "fpX"]))).code, ValidationCode::Valid);
    assert_eq!(run(&i, s(serde_json::json!(["fp1", "fpX", "fpY"]))).code, ValidationCode::FingerprintScopeMismatch);
    i.policy.machine_matching_strategy = MatchingStrategy::MatchTwo;
    expect(
        run(&i, s(serde_json::json!(["fp1", "fpX"]))),
        false,
        "one or more fingerprint is not activated (does not match at least 2 associated machines)",
        ValidationCode::FingerprintScopeMismatch,
    );
    // A single fingerprint is always MATCH_ANY.
    assert_eq!(run(&i, s(serde_json::json!(["fp1"]))).code, ValidationCode::Valid);
}

#[test]
fn fingerprint_matched_machine_owned_by_another_user_mismatches_user_scope() {
    let mut i = strict();
    i.machines[1].owner_id = Some("licensee".into());
    let o = run(&i, Some(scope(serde_json::json!({"fingerprints": ["fp1", "fp2"], "user": "owner"}))));
    expect(o, false, "user scope does not match (does not match associated machine owners)", ValidationCode::UserScopeMismatch);
}

#[test]
fn required_heartbeat_not_started_on_fingerprint_match() {
    let mut i = strict();
    i.policy.require_heartbeat = true;
    i.machines[1].last_heartbeat_at = None;
    i.machines[1].created_at = NOW - MIN;
    let o = run(&i, Some(scope(serde_json::json!({"fingerprint": "fp2"}))));
    expect(o, false, "machine heartbeat is required", ValidationCode::HeartbeatNotStarted);
}

#[test]
fn fingerprint_scope_required() {
    let mut i = strict();
    i.policy.require_fingerprint_scope = true;
    expect(run(&i, None), false, "fingerprint scope is required", ValidationCode::FingerprintScopeRequired);
}

// ---- 13 ----

#[test]
fn components_scope_needs_a_fingerprint_scope() {
    let o = run(&strict(), Some(scope(serde_json::json!({"fingerprints": ["fp1"], "components": ["c1"]}))));
    expect(o, false, "fingerprint scope is required when using the components scope", ValidationCode::FingerprintScopeRequired);
}

#[test]
fn components_scope_empty() {
    let o = run(&strict(), Some(scope(serde_json::json!({"fingerprint": "fp1", "components": []}))));
    expect(o, false, "components scope is empty", ValidationCode::ComponentsScopeEmpty);
}

#[test]
fn components_mismatch_follows_component_matching_strategy() {
    let mut i = strict();
    i.machines[0].components = vec!["c1".into(), "c2".into()];
    let s = |cs: serde_json::Value| Some(scope(serde_json::json!({"fingerprint": "fp1", "components": cs})));
    assert_eq!(run(&i, s(serde_json::json!(["c1", "cX"]))).code, ValidationCode::Valid);
    expect(
        run(&i, s(serde_json::json!(["cX"]))),
        false,
        "one or more component is not activated (does not match any associated components)",
        ValidationCode::ComponentsScopeMismatch,
    );
    i.policy.component_matching_strategy = MatchingStrategy::MatchTwo;
    // Applied even to a single component.
    assert_eq!(run(&i, s(serde_json::json!(["c1"]))).code, ValidationCode::ComponentsScopeMismatch);
    i.policy.component_matching_strategy = MatchingStrategy::MatchAll;
    assert_eq!(run(&i, s(serde_json::json!(["c1", "c2"]))).code, ValidationCode::Valid);
}

#[test]
fn components_scope_required() {
    let mut i = strict();
    i.policy.require_components_scope = true;
    expect(run(&i, None), false, "components scope is required", ValidationCode::ComponentsScopeRequired);
}

// ---- 14–15 ----

#[test]
fn checksum_scope_matches_no_artifact() {
    let o = run(&input(), Some(scope(serde_json::json!({"checksum": "abc", "version": "1.0.0"}))));
    expect(o, false, "checksum scope is not valid (does not match any accessible artifacts)", ValidationCode::ChecksumScopeMismatch);
}

#[test]
fn checksum_scope_required() {
    let mut i = input();
    i.policy.require_checksum_scope = true;
    expect(run(&i, None), false, "checksum scope is required", ValidationCode::ChecksumScopeRequired);
}

#[test]
fn version_scope_matches_no_release() {
    let o = run(&input(), Some(scope(serde_json::json!({"version": "1.0.0"}))));
    expect(o, false, "version scope is not valid (does not match any accessible releases)", ValidationCode::VersionScopeMismatch);
}

#[test]
fn version_scope_required() {
    let mut i = input();
    i.policy.require_version_scope = true;
    expect(run(&i, None), false, "version scope is required", ValidationCode::VersionScopeRequired);
}

#[test]
fn quick_validation_skips_the_scope_block() {
    let mut i = input();
    i.quick = true;
    i.policy.require_product_scope = true;
    let o = run(&i, Some(scope(serde_json::json!({"version": "1.0.0"}))));
    assert_eq!(o.code, ValidationCode::Valid);
}

// ---- 16–17 ----

#[test]
fn too_many_users_is_invalid_without_overage() {
    let mut i = input();
    i.license.limits.max_users = Some(1);
    expect(run(&i, None), false, "has too many associated users", ValidationCode::TooManyUsers);
}

#[test]
fn too_many_users_is_valid_within_2x_overage_even_on_non_strict_policy() {
    let mut i = input();
    i.license.limits.max_users = Some(1);
    i.policy.overage_strategy = OverageStrategy::Allow2xOverage;
    expect(run(&i, None), true, "has too many associated users", ValidationCode::TooManyUsers);
    i.license.users_count = 3;
    assert!(!run(&i, None).valid);
}

#[test]
fn non_strict_policy_stops_before_machine_limits() {
    let mut i = input();
    i.license.limits.max_machines = Some(1);
    i.machines = vec![machine("m1", "fp1"), machine("m2", "fp2")];
    assert_eq!(run(&i, None).code, ValidationCode::Valid);
    i.license.expiry = Some(NOW - 1);
    expect(run(&i, None), false, "is expired", ValidationCode::Expired);
    i.policy.expiration_strategy = ExpirationStrategy::AllowAccess;
    expect(run(&i, None), true, "is expired", ValidationCode::Expired);
}

// ---- 18–21 ----

#[test]
fn strict_node_locked_license_needs_its_machine() {
    let mut i = strict();
    i.policy.floating = false;
    i.machines.clear();
    expect(run(&i, None), false, "must have exactly 1 associated machine", ValidationCode::NoMachine);
}

#[test]
fn node_locked_machine_overage_honours_only_always_and_2x() {
    let mut i = strict();
    i.policy.floating = false;
    // The default of 1 machine for a node-locked policy comes from the one rule.
    i.license.limits.max_machines = crate::domain::license::effective_max_machines(None, &i.policy);
    expect(run(&i, None), false, "has too many associated machines", ValidationCode::TooManyMachines);
    i.policy.overage_strategy = OverageStrategy::Allow15xOverage;
    assert!(!run(&i, None).valid);
    i.policy.overage_strategy = OverageStrategy::Allow2xOverage;
    expect(run(&i, None), true, "has too many associated machines", ValidationCode::TooManyMachines);
    i.machines.push(machine("m3", "fp3"));
    assert!(!run(&i, None).valid);
    i.policy.overage_strategy = OverageStrategy::AlwaysAllowOverage;
    assert!(run(&i, None).valid);
}

#[test]
fn strict_floating_license_needs_a_machine() {
    let mut i = strict();
    i.machines.clear();
    expect(run(&i, None), false, "must have at least 1 associated machine", ValidationCode::NoMachines);
}

#[test]
fn too_many_machines_is_valid_with_always_allow_overage() {
    let mut i = strict();
    i.license.limits.max_machines = Some(1);
    expect(run(&i, None), false, "has too many associated machines", ValidationCode::TooManyMachines);
    i.policy.overage_strategy = OverageStrategy::AlwaysAllowOverage;
    expect(run(&i, None), true, "has too many associated machines", ValidationCode::TooManyMachines);
}

#[test]
fn per_user_leasing_counts_only_the_lessees_machines() {
    let mut i = strict();
    i.license.limits.max_machines = Some(1);
    i.policy.machine_leasing_strategy = MachineLeasingStrategy::PerUser;
    i.machines[0].owner_id = Some("owner".into());
    i.machines[1].owner_id = Some("licensee".into());
    assert_eq!(run(&i, None).code, ValidationCode::Valid);
    i.machines[1].owner_id = Some("owner".into());
    assert_eq!(run(&i, None).code, ValidationCode::TooManyMachines);
    assert_eq!(run(&i, Some(scope(serde_json::json!({"user": "licensee"})))).code, ValidationCode::Valid);
}

// ---- 22–25 ----

#[test]
fn too_many_cores() {
    let mut i = strict();
    i.machines[0].cores = Some(4);
    i.machines[1].cores = Some(4);
    i.license.limits.max_cores = Some(6);
    i.license.limits.max_memory = Some(1);
    i.machines[0].memory = Some(2);
    expect(run(&i, None), false, "has too many associated machine cores", ValidationCode::TooManyCores);
    i.policy.overage_strategy = OverageStrategy::Allow15xOverage;
    assert!(run(&i, None).valid);
}

#[test]
fn too_much_memory() {
    let mut i = strict();
    i.machines[0].memory = Some(1 << 30);
    i.license.limits.max_memory = Some(1 << 29);
    expect(run(&i, None), false, "has too much associated machine memory", ValidationCode::TooMuchMemory);
}

#[test]
fn too_much_disk() {
    let mut i = strict();
    i.machines[0].disk = Some(100);
    i.machines[1].disk = Some(100);
    i.license.limits.max_disk = Some(199);
    expect(run(&i, None), false, "has too much associated machine disk", ValidationCode::TooMuchDisk);
    i.policy.overage_strategy = OverageStrategy::Allow125xOverage;
    assert!(run(&i, None).valid);
}

#[test]
fn too_many_processes_per_machine_needs_a_scoped_machine() {
    let mut i = strict();
    i.machines[0].alive_processes = 3;
    i.license.limits.max_processes = Some(2);
    assert_eq!(run(&i, None).code, ValidationCode::Valid, "no machine in scope");
    let o = run(&i, Some(scope(serde_json::json!({"fingerprint": "fp1"}))));
    expect(o, false, "has too many associated processes", ValidationCode::TooManyProcesses);
    i.machines[0].max_processes = Some(3);
    assert_eq!(run(&i, Some(scope(serde_json::json!({"machine": "m1"})))).code, ValidationCode::Valid);
}

#[test]
fn too_many_processes_per_license_counts_every_machine() {
    let mut i = strict();
    i.policy.process_leasing_strategy = ProcessLeasingStrategy::PerLicense;
    i.machines[0].alive_processes = 2;
    i.machines[1].alive_processes = 1;
    i.license.limits.max_processes = Some(2);
    expect(run(&i, None), false, "has too many associated processes", ValidationCode::TooManyProcesses);
}

// ---- 26–27 ----

#[test]
fn restrict_access_expiry_is_reported_after_limits() {
    let mut i = strict();
    i.license.expiry = Some(NOW - 1);
    i.license.limits.max_machines = Some(1);
    assert_eq!(run(&i, None).code, ValidationCode::TooManyMachines);
    i.license.limits.max_machines = None;
    expect(run(&i, None), false, "is expired", ValidationCode::Expired);
}

#[test]
fn maintain_access_expiry_is_valid() {
    let mut i = strict();
    i.license.expiry = Some(NOW - 1);
    i.policy.expiration_strategy = ExpirationStrategy::MaintainAccess;
    expect(run(&i, None), true, "is expired", ValidationCode::Expired);
}

#[test]
fn strict_license_within_every_limit_is_valid() {
    let mut i = strict();
    i.license.limits = Limits { max_machines: Some(2), max_cores: Some(8), max_users: Some(2), ..Limits::default() };
    let s = scope(serde_json::json!({"product": "prod", "policy": "pol", "user": "owner", "machine": "m1",
        "fingerprints": ["fp1", "fp2"], "entitlements": ["FEATURE_B"]}));
    expect(run(&i, Some(s)), true, "is valid", ValidationCode::Valid);
}

#[test]
fn scope_rejects_unknown_members_and_keeps_explicit_nulls() {
    assert!(serde_json::from_value::<Scope>(serde_json::json!({"bogus": 1})).is_err());
    let s = scope(serde_json::json!({"user": null}));
    assert_eq!(s.user, Some(None));
    assert_eq!(s.environment, None);
    assert_eq!(serde_json::to_value(&s).unwrap(), serde_json::json!({"user": null}));
}

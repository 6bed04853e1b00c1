//! Rules 6–15 of the precedence table: the scope block, which quick validation skips.

use std::collections::BTreeSet;

use super::facts::{is_alias, MachineFacts, ValidationInput};
use super::outcome::{Outcome, ValidationCode};
use super::scope::Scope;
use crate::clock::Millis;
use crate::domain::heartbeat::HeartbeatStatus;
use crate::domain::strategy::MatchingStrategy;

/// Rules 6–15. `None` when every scope check passes.
pub(super) fn check_scope(input: &ValidationInput, scope: &Scope, now: Millis) -> Option<Outcome> {
    use ValidationCode as C;
    let (license, policy, machines) = (&input.license, &input.policy, &input.machines);
    let fail = |detail: &str, code| Some(Outcome::new(false, detail, code));
    let status = |m: &MachineFacts| crate::domain::lease::status(policy, m.lease_secs, m.created_at, m.last_heartbeat_at, now);
    let no_machines = |what: &str| {
        if policy.floating {
            fail(&format!("{what} is not activated (has no associated machines)"), C::NoMachines)
        } else {
            fail(&format!("{what} is not activated (has no associated machine)"), C::NoMachine)
        }
    };

    // 6, 6b (Keygen EE): the license's environment by id or code; `null` names the global one.
    let env = license.environment.as_ref().map(|(id, code)| (id.as_str(), code.as_deref()));
    match &scope.environment {
        Some(s) if !crate::domain::environments::scope_matches(s.as_deref(), env) => {
            return fail("environment scope does not match", C::EnvironmentScopeMismatch)
        }
        None if policy.require_environment_scope => return fail("environment scope is required", C::EnvironmentScopeRequired),
        _ => {}
    }

    // 7, 8
    match &scope.product {
        Some(p) if *p != license.product_id => return fail("product scope does not match", C::ProductScopeMismatch),
        None if policy.require_product_scope => return fail("product scope is required", C::ProductScopeRequired),
        _ => {}
    }
    match &scope.policy {
        Some(p) if *p != license.policy_id => return fail("policy scope does not match", C::PolicyScopeMismatch),
        None if policy.require_policy_scope => return fail("policy scope is required", C::PolicyScopeRequired),
        _ => {}
    }

    // 9: the owner or a licensee; an explicit null matches an ownerless license.
    match &scope.user {
        Some(alias) => {
            let owner = license.owner.as_ref();
            let matches = match alias {
                None => owner.is_none(),
                Some(a) => {
                    owner.is_some_and(|o| is_alias(a, Some(&o.id), Some(&o.email)))
                        || license.licensees.iter().any(|u| is_alias(a, Some(&u.id), Some(&u.email)))
                }
            };
            if !matches {
                return fail("user scope does not match", C::UserScopeMismatch);
            }
        }
        None if policy.require_user_scope => return fail("user scope is required", C::UserScopeRequired),
        None => {}
    }
    // A machine owner matches the user scope when it is that user; null matches no owner.
    let owner_matches = |m: &MachineFacts| match &scope.user {
        Some(Some(a)) => m.owner_id.is_none() || m.owned_by_alias(a),
        Some(None) => m.owner_id.is_none(),
        None => true,
    };

    // 10
    if let Some(codes) = &scope.entitlements {
        let codes: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
        if codes.is_empty() {
            return fail("entitlements scope is empty", C::EntitlementsScopeEmpty);
        }
        if !codes.iter().all(|c| license.entitlements.iter().any(|e| e == c)) {
            return fail("is missing one or more required entitlements", C::EntitlementsMissing);
        }
    }

    // 11
    match &scope.machine {
        Some(_) if machines.is_empty() => return no_machines("machine"),
        Some(id) => {
            let Some(machine) = machines.iter().find(|m| m.id == *id) else {
                return fail("machine is not activated (does not match any associated machines)", C::MachineScopeMismatch);
            };
            if !owner_matches(machine) {
                return fail("user scope does not match (does not match associated machine owner)", C::UserScopeMismatch);
            }
            match status(machine) {
                HeartbeatStatus::NotStarted if policy.require_heartbeat => return fail("machine heartbeat is required", C::HeartbeatNotStarted),
                HeartbeatStatus::Dead => return fail("machine heartbeat is dead", C::HeartbeatDead),
                _ => {}
            }
        }
        None if policy.require_machine_scope => return fail("machine scope is required", C::MachineScopeRequired),
        None => {}
    }

    // 12
    let given = scope.fingerprint.as_ref().map(std::slice::from_ref).or(scope.fingerprints.as_deref());
    match given {
        Some(given) => {
            let fingerprints: BTreeSet<&str> = given.iter().map(String::as_str).collect();
            if fingerprints.is_empty() {
                return fail("fingerprint scope is empty", C::FingerprintScopeEmpty);
            }
            if machines.is_empty() {
                return no_machines("fingerprint");
            }
            let matched: Vec<(&MachineFacts, HeartbeatStatus)> =
                machines.iter().filter(|m| fingerprints.contains(m.fingerprint.as_str())).map(|m| (m, status(m))).collect();
            let dead = matched.iter().filter(|(_, s)| *s == HeartbeatStatus::Dead).count();
            if dead == fingerprints.len() {
                return fail("machine heartbeat is dead", C::HeartbeatDead);
            }
            let alive: Vec<&(&MachineFacts, HeartbeatStatus)> = matched.iter().filter(|(_, s)| *s != HeartbeatStatus::Dead).collect();
            let n = fingerprints.len();
            let strategy = if n > 1 { policy.machine_matching_strategy } else { MatchingStrategy::MatchAny };
            if !strategy.satisfied(alive.len(), n) {
                let detail = match strategy {
                    MatchingStrategy::MatchMost => "one or more fingerprint is not activated (does not match enough associated machines)",
                    MatchingStrategy::MatchTwo => "one or more fingerprint is not activated (does not match at least 2 associated machines)",
                    MatchingStrategy::MatchAll => "one or more fingerprint is not activated (does not match all associated machines)",
                    MatchingStrategy::MatchAny => "fingerprint is not activated (does not match any associated machines)",
                };
                return fail(detail, C::FingerprintScopeMismatch);
            }
            if alive.iter().any(|(m, _)| !owner_matches(m)) {
                return fail("user scope does not match (does not match associated machine owners)", C::UserScopeMismatch);
            }
            if policy.require_heartbeat && alive.iter().any(|(_, s)| *s == HeartbeatStatus::NotStarted) {
                return fail("machine heartbeat is required", C::HeartbeatNotStarted);
            }
        }
        None if policy.require_fingerprint_scope => return fail("fingerprint scope is required", C::FingerprintScopeRequired),
        None => {}
    }

    // 13
    match &scope.components {
        Some(components) => {
            let Some(fingerprint) = &scope.fingerprint else {
                return fail("fingerprint scope is required when using the components scope", C::FingerprintScopeRequired);
            };
            let components: BTreeSet<&str> = components.iter().map(String::as_str).collect();
            if components.is_empty() {
                return fail("components scope is empty", C::ComponentsScopeEmpty);
            }
            let machine = machines.iter().find(|m| m.fingerprint == *fingerprint && status(m) != HeartbeatStatus::Dead);
            let matched = machine.map_or(0, |m| components.iter().filter(|c| m.components.iter().any(|mc| mc == *c)).count());
            let strategy = policy.component_matching_strategy;
            if !strategy.satisfied(matched, components.len()) {
                let detail = match strategy {
                    MatchingStrategy::MatchMost => "one or more component is not activated (does not match enough associated components)",
                    MatchingStrategy::MatchTwo => "one or more component is not activated (does not match at least 2 associated components)",
                    MatchingStrategy::MatchAll => "one or more component is not activated (does not match all associated components)",
                    MatchingStrategy::MatchAny => "one or more component is not activated (does not match any associated components)",
                };
                return fail(detail, C::ComponentsScopeMismatch);
            }
        }
        None if policy.require_components_scope => return fail("components scope is required", C::ComponentsScopeRequired),
        None => {}
    }

    // 14, 15: no artifacts or releases exist yet, so any checksum or version is a mismatch.
    match &scope.checksum {
        Some(_) => return fail("checksum scope is not valid (does not match any accessible artifacts)", C::ChecksumScopeMismatch),
        None if policy.require_checksum_scope => return fail("checksum scope is required", C::ChecksumScopeRequired),
        None => {}
    }
    match &scope.version {
        Some(_) => return fail("version scope is not valid (does not match any accessible releases)", C::VersionScopeMismatch),
        None if policy.require_version_scope => return fail("version scope is required", C::VersionScopeRequired),
        None => {}
    }
    None
}

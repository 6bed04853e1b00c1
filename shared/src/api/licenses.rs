//! Rendering of policies and licenses.

use serde_json::{json, Value};

use super::document::{ts, ResourceObject};
use crate::clock::Millis;
use crate::domain::license;
use crate::store::rows::{json_object, LicenseRow, PolicyRow};

/// A policy: every rule attribute of its config, camelCase, plus name and metadata.
pub fn policy(p: &PolicyRow) -> ResourceObject {
    let mut r = ResourceObject::new(&p.account_id, "policies", &p.id).attr("name", p.name.clone());
    if let Ok(Value::Object(cfg)) = serde_json::to_value(p.config()) {
        r.attributes.extend(cfg);
    }
    // Subscriptions (issue 10 §5): the trigger is a view of `expirationBasis`.
    let trigger = p.config().subscription_start_trigger().map(|t| t.as_str());
    r.attr("subscriptionStartTrigger", trigger)
        .attr("metadata", Value::Object(json_object(&p.metadata)))
        .timestamps(p.created_at, p.updated_at)
        .to_one("product", "products", Some(&p.product_id))
        .to_one("maintenancePolicy", "maintenance-policies", p.maintenance_policy_id.as_deref())
        .to_one("entitlementSet", "entitlement-sets", p.entitlement_set_id.as_deref())
        .to_many("licenses", None)
        .to_many("entitlements", None)
}

/// Keygen's license `status` (the rule: [`crate::domain::license::status`]).
pub fn license_status(l: &LicenseRow, now: Millis) -> &'static str {
    license::status(&l.status_facts(), now).as_str()
}

/// A license with effective limits (override, else the policy's).
pub fn license(l: &LicenseRow, now: Millis) -> ResourceObject {
    let cfg = l.config();
    let max_machines = license::effective_max_machines(l.max_machines, &cfg);
    let next_check_in = if cfg.require_check_in { cfg.next_check_in_at(l.created_at, l.last_check_in_at) } else { None };
    ResourceObject::new(&l.account_id, "licenses", &l.id)
        .attr("name", l.name.clone())
        .attr("key", l.key.clone())
        .attr("expiry", ts(l.expiry))
        .attr("maintenanceExpiry", ts(l.maintenance_expiry))
        .attr("status", license_status(l, now))
        .attr("uses", l.uses)
        .attr("suspended", l.is_suspended())
        .attr("scheme", cfg.scheme.map(|s| s.as_str()))
        .attr("encrypted", cfg.encrypted)
        .attr("strict", cfg.strict)
        .attr("floating", cfg.floating)
        .attr("protected", l.protected.map_or(cfg.protected, |p| p != 0))
        .attr("version", Value::Null)
        .attr("maxMachines", max_machines)
        .attr("maxProcesses", license::effective(l.max_processes, cfg.max_processes))
        .attr("maxUsers", license::effective(l.max_users, cfg.max_users))
        .attr("maxCores", license::effective(l.max_cores, cfg.max_cores))
        .attr("maxMemory", license::effective(l.max_memory, cfg.max_memory))
        .attr("maxDisk", license::effective(l.max_disk, cfg.max_disk))
        .attr("maxUses", license::effective(l.max_uses, cfg.max_uses))
        .attr("requireHeartbeat", cfg.require_heartbeat)
        .attr("requireCheckIn", cfg.require_check_in)
        .attr("lastValidated", ts(l.last_validated_at))
        .attr("lastCheckIn", ts(l.last_check_in_at))
        .attr("nextCheckIn", ts(next_check_in))
        .attr("lastCheckOut", ts(l.last_check_out_at))
        // Subscriptions (issue 10 §5): effective values (the license's override, else the policy's).
        .attr("subscriptionInterval", cfg.subscription_interval.map(|d| d.to_string()))
        .attr("subscriptionStartTrigger", cfg.subscription_start_trigger().map(|t| t.as_str()))
        .attr("currentReleaseVersion", l.current_release_version.clone())
        // The vendor's value, else the one computed from the maintenance window (c10).
        .attr("maxAllowedReleaseVersion", l.max_allowed_release_version.clone().or_else(|| l.computed_max_release_version.clone()))
        .attr("permissions", json!([]))
        .attr("metadata", Value::Object(json_object(&l.metadata)))
        .attr("meterAttributes", crate::domain::meters::render_license(l.meters.as_deref()))
        // Activation rules (issue 10 §4): the effective values (override, else policy).
        .attrs(l.activation_rules_of(&cfg).map(|r| r.render()).unwrap_or_default())
        .attr("deactivations", l.deactivations)
        .timestamps(l.created_at, l.updated_at)
        .to_one("product", "products", Some(&l.product_id))
        .to_one("policy", "policies", Some(&l.policy_id))
        .to_one("group", "groups", l.group_id.as_deref())
        .to_one("owner", "users", l.owner_id.as_deref())
        .to_one("maintenancePolicy", "maintenance-policies", l.maintenance_policy_id.as_deref())
        .to_one("entitlementSet", "entitlement-sets", l.entitlement_set_id.as_deref())
        .to_one("organization", "organizations", l.organization_id.as_deref())
        // Resellers (issue 10 §7).
        .to_one("reseller", "resellers", l.reseller_id.as_deref())
        .to_many("users", Some(json!({"count": l.users_count()})))
        .to_many("machines", Some(json!({"cores": l.machines_cores, "memory": l.machines_memory, "disk": l.machines_disk, "count": l.machines_count})))
        .to_many("tokens", None)
        .to_many("entitlements", None)
}

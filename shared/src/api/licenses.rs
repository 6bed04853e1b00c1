//! Rendering of policies and licenses.

use serde_json::{json, Value};

use super::document::{ts, ResourceObject};
use crate::clock::{Millis, DAY_MS};
use crate::store::rows::{json_object, LicenseRow, PolicyRow};

/// A policy: every rule attribute of its config, camelCase, plus name and metadata.
pub fn policy(p: &PolicyRow) -> ResourceObject {
    let mut r = ResourceObject::new(&p.account_id, "policies", &p.id).attr("name", p.name.clone());
    if let Ok(Value::Object(cfg)) = serde_json::to_value(p.config()) {
        r.attributes.extend(cfg);
    }
    r.attr("metadata", Value::Object(json_object(&p.metadata)))
        .timestamps(p.created_at, p.updated_at)
        .to_one("product", "products", Some(&p.product_id))
        .to_many("pool", None)
        .to_many("licenses", None)
        .to_many("entitlements", None)
}

/// Keygen's license `status`: BANNED > SUSPENDED > EXPIRED > EXPIRING (within 3 days) >
/// INACTIVE (no activity in 90 days) > ACTIVE.
pub fn license_status(l: &LicenseRow, now: Millis) -> &'static str {
    let last = [Some(l.created_at), l.last_validated_at, l.last_check_in_at, l.last_check_out_at].into_iter().flatten().max().unwrap_or(l.created_at);
    if l.owner_banned_at.is_some() {
        "BANNED"
    } else if l.is_suspended() {
        "SUSPENDED"
    } else if l.expiry.is_some_and(|e| e < now) {
        "EXPIRED"
    } else if l.expiry.is_some_and(|e| e < now + 3 * DAY_MS) {
        "EXPIRING"
    } else if last < now - 90 * DAY_MS {
        "INACTIVE"
    } else {
        "ACTIVE"
    }
}

/// A license with effective limits (override, else the policy's).
pub fn license(l: &LicenseRow, now: Millis) -> ResourceObject {
    let cfg = l.config();
    let max_machines = l.max_machines.or(cfg.max_machines).or(if cfg.floating { None } else { Some(1) });
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
        .attr("maxProcesses", l.max_processes.or(cfg.max_processes))
        .attr("maxUsers", l.max_users.or(cfg.max_users))
        .attr("maxCores", l.max_cores.or(cfg.max_cores))
        .attr("maxMemory", l.max_memory.or(cfg.max_memory))
        .attr("maxDisk", l.max_disk.or(cfg.max_disk))
        .attr("maxUses", l.max_uses.or(cfg.max_uses))
        .attr("requireHeartbeat", cfg.require_heartbeat)
        .attr("requireCheckIn", cfg.require_check_in)
        .attr("lastValidated", ts(l.last_validated_at))
        .attr("lastCheckIn", ts(l.last_check_in_at))
        .attr("nextCheckIn", ts(next_check_in))
        .attr("lastCheckOut", ts(l.last_check_out_at))
        .attr("permissions", json!([]))
        .attr("metadata", Value::Object(json_object(&l.metadata)))
        .timestamps(l.created_at, l.updated_at)
        .to_one("product", "products", Some(&l.product_id))
        .to_one("policy", "policies", Some(&l.policy_id))
        .to_one("group", "groups", l.group_id.as_deref())
        .to_one("owner", "users", l.owner_id.as_deref())
        .to_many("users", Some(json!({"count": l.users_count()})))
        .to_many("machines", Some(json!({"cores": l.machines_cores, "memory": l.machines_memory, "disk": l.machines_disk, "count": l.machines_count})))
        .to_many("tokens", None)
        .to_many("entitlements", None)
}

//! Rendering of offline check-outs: the `license-files` / `machine-files` resource of
//! `POST …/actions/check-out`, and the machine resource inside a machine file.
//!
//! [`machine_for_file`] is check-out's own machine renderer: the licensing engine owns machines
//! and their renderer; until both land together this renders the attributes Keygen's machine
//! serializer has (`reference/keygen-wire.md` §3), and should then be replaced by it.

use serde_json::{json, Map, Value};

use super::document::{ts, ResourceObject};
use crate::clock::{iso8601, Millis};
use crate::domain::heartbeat::{machine_status_for, next_heartbeat_at};
use crate::domain::policy::PolicyConfig;
use crate::service::checkout::Checkout;
use crate::store::rows::{json_object, CheckoutMachineRow};

/// The `license-files` or `machine-files` resource of a check-out (its id is random and not
/// stored, as in Keygen).
pub fn file(c: &Checkout) -> ResourceObject {
    let ty = if c.machine_id.is_some() { "machine-files" } else { "license-files" };
    let mut r = ResourceObject::new(&c.account_id, ty, &c.id)
        .attr("certificate", c.certificate.clone())
        .attr("algorithm", c.algorithm)
        .attr("includes", json!(c.includes))
        .attr("ttl", c.ttl)
        .attr("expiry", ts(c.expiry))
        .attr("issued", iso8601(c.issued))
        .to_one("environment", "environments", None)
        .to_one("license", "licenses", Some(&c.license_id));
    if let Some(m) = &c.machine_id {
        r = r.to_one("machine", "machines", Some(m));
    }
    r
}

/// A machine as a machine file carries it.
pub fn machine_for_file(m: &CheckoutMachineRow, policy: &PolicyConfig, now: Millis) -> ResourceObject {
    let duration = policy.heartbeat_duration_secs();
    ResourceObject::new(&m.account_id, "machines", &m.id)
        .attr("fingerprint", m.fingerprint.clone())
        .attr("cores", m.cores)
        .attr("memory", m.memory)
        .attr("disk", m.disk)
        .attr("ip", m.ip.clone())
        .attr("hostname", m.hostname.clone())
        .attr("platform", m.platform.clone())
        .attr("name", m.name.clone())
        .attr("requireHeartbeat", policy.require_heartbeat)
        .attr("heartbeatStatus", machine_status_for(policy, m.created_at, m.last_heartbeat_at, now).as_str())
        .attr("heartbeatDuration", duration)
        .attr("maxProcesses", m.max_processes.or(policy.max_processes))
        .attr("lastCheckOut", ts(m.last_check_out_at))
        .attr("lastHeartbeat", ts(m.last_heartbeat_at))
        .attr("nextHeartbeat", ts(next_heartbeat_at(m.last_heartbeat_at, duration)))
        .attr("metadata", Value::Object(json_object(&m.metadata)))
        .timestamps(m.created_at, m.updated_at)
        .to_one("product", "products", Some(&m.product_id))
        .to_one("group", "groups", m.group_id.as_deref())
        .to_one("license", "licenses", Some(&m.license_id))
        .to_one("owner", "users", m.owner_id.as_deref())
        .to_many("components", None)
        .to_many("processes", None)
}

/// A component row (as read by check-out) as a `components` resource.
pub fn component_for_file(c: &Map<String, Value>) -> ResourceObject {
    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let n = |k: &str| c.get(k).and_then(Value::as_i64).unwrap_or_default();
    ResourceObject::new(&s("account_id"), "components", &s("id"))
        .attr("fingerprint", s("fingerprint"))
        .attr("name", s("name"))
        .attr("metadata", Value::Object(json_object(&s("metadata"))))
        .timestamps(n("created_at"), n("updated_at"))
        .to_one("machine", "machines", Some(&s("machine_id")))
}

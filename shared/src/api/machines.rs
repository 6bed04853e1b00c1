//! Rendering of machines, processes and components (`reference/keygen-wire.md` §3, §5). keygen-rs
//! requires machine `requireHeartbeat`, `heartbeatStatus`, `created` and `updated`.

use serde_json::Value;

use super::document::{ts, ResourceObject};
use crate::clock::Millis;
use crate::domain::heartbeat::{machine_status_for, next_heartbeat_at, process_status, HeartbeatStatus, ProcessStatus};
use crate::store::rows::{json_object, ComponentRow, MachineRow, ProcessRow};

/// A machine at `now`; `status` overrides the computed heartbeat status (`RESURRECTED` in the
/// ping response that revived it). `maxProcesses`: the machine's override, else the license's,
/// else the policy's (Keygen's order).
pub fn machine(m: &MachineRow, now: Millis, status: Option<HeartbeatStatus>) -> ResourceObject {
    let cfg = m.config();
    let duration = cfg.heartbeat_duration_secs();
    let status = status.unwrap_or_else(|| machine_status_for(&cfg, m.created_at, m.last_heartbeat_at, now));
    ResourceObject::new(&m.account_id, "machines", &m.id)
        .attr("fingerprint", m.fingerprint.clone())
        .attr("cores", m.cores)
        .attr("memory", m.memory)
        .attr("disk", m.disk)
        .attr("ip", m.ip.clone())
        .attr("hostname", m.hostname.clone())
        .attr("platform", m.platform.clone())
        .attr("name", m.name.clone())
        .attr("requireHeartbeat", cfg.require_heartbeat || m.last_heartbeat_at.is_some())
        .attr("heartbeatStatus", status.as_str())
        .attr("heartbeatDuration", duration)
        .attr("maxProcesses", m.max_processes.or(crate::domain::license::effective(m.license_max_processes, cfg.max_processes)))
        .attr("lastCheckOut", ts(m.last_check_out_at))
        .attr("lastHeartbeat", ts(m.last_heartbeat_at))
        .attr("nextHeartbeat", ts(next_heartbeat_at(m.last_heartbeat_at, duration)))
        .attr("metadata", Value::Object(json_object(&m.metadata)))
        .attr("meterAttributes", crate::domain::meters::render_machine(m.meters.as_deref()))
        .attr("vmName", m.vm_name.clone())
        .attr("container", m.container.map(|c| c != 0))
        .timestamps(m.created_at, m.updated_at)
        .to_one("product", "products", Some(&m.product_id))
        .to_one("group", "groups", m.group_id.as_deref())
        .to_one("license", "licenses", Some(&m.license_id))
        .to_one("owner", "users", m.owner_id.as_deref())
        .to_many("components", None)
        .to_many("processes", None)
}

/// A process at `now`; `status` overrides (`RESURRECTED`).
pub fn process(p: &ProcessRow, now: Millis, status: Option<ProcessStatus>) -> ResourceObject {
    let interval = p.config().heartbeat_duration_secs();
    let status = status.unwrap_or_else(|| process_status(p.last_heartbeat_at, interval, now));
    ResourceObject::new(&p.account_id, "processes", &p.id)
        .attr("pid", p.pid.clone())
        .attr("status", status.as_str())
        .attr("interval", interval)
        .attr("lastHeartbeat", ts(Some(p.last_heartbeat_at)))
        .attr("nextHeartbeat", ts(next_heartbeat_at(Some(p.last_heartbeat_at), interval)))
        .attr("metadata", Value::Object(json_object(&p.metadata)))
        .timestamps(p.created_at, p.updated_at)
        .to_one("product", "products", Some(&p.product_id))
        .to_one("license", "licenses", Some(&p.license_id))
        .to_one("machine", "machines", Some(&p.machine_id))
}

/// A component.
pub fn component(c: &ComponentRow) -> ResourceObject {
    ResourceObject::new(&c.account_id, "components", &c.id)
        .attr("fingerprint", c.fingerprint.clone())
        .attr("name", c.name.clone())
        .attr("metadata", Value::Object(json_object(&c.metadata)))
        .timestamps(c.created_at, c.updated_at)
        .to_one("product", "products", Some(&c.product_id))
        .to_one("license", "licenses", Some(&c.license_id))
        .to_one("machine", "machines", Some(&c.machine_id))
}

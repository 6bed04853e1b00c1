//! Machine leases in KV: `lease:<account>:<machine>` → `{machine, license, heartbeat, expires}`,
//! written on activation and on a ping once less than half its heartbeat duration is left, with an expiration TTL of the heartbeat duration
//! plus the resurrection window. A lease is an edge-local witness of liveness for validation
//! (D1 reads may come from a lagging replica); it is never where a limit is counted, and D1's
//! `last_heartbeat_at` stays the truth for counting and culling. KV takes 1 write/s per key
//! and is eventually consistent, so lease writes are best-effort: a failed write (e.g. a client
//! pinging faster than once a second) never fails the request whose D1 write already committed.

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::service::App;
use crate::store::rows::MachineRow;
use crate::store::{Db, Kv};

/// A machine's lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Machine id.
    pub machine: String,
    /// License id.
    pub license: String,
    /// Last heartbeat when written (`None` before the first ping).
    pub heartbeat: Option<Millis>,
    /// When the seat stops being alive unless pinged again.
    pub expires: Millis,
}

/// The KV key of a machine's lease.
pub fn key(account_id: &str, machine_id: &str) -> String {
    crate::domain::lease::kv_key(account_id, machine_id)
}

/// Writes (or refreshes) the lease of `m` as of now. Best-effort, see the module docs.
pub async fn write<D: Db, K: Kv>(app: &App<'_, D, K>, m: &MachineRow) {
    let cfg = m.config();
    let duration_ms = cfg.heartbeat_duration_secs() * 1000;
    let expires = m.last_heartbeat_at.unwrap_or(m.created_at) + duration_ms;
    let lease = Lease { machine: m.id.clone(), license: m.license_id.clone(), heartbeat: m.last_heartbeat_at, expires };
    let window = cfg.lazarus_ttl_secs().unwrap_or(0) * 1000;
    let ttl_secs = u64::try_from((expires + window - app.now()).max(0) / 1000).unwrap_or(0).max(60);
    if let Ok(v) = serde_json::to_string(&lease) {
        // Best-effort by design (module docs): D1 already holds the heartbeat.
        let _written = app.kv.put(&key(&m.account_id, &m.id), &v, ttl_secs).await.is_ok();
    }
}

/// Refreshes the lease of `m` after a ping, unless the stored lease already records a heartbeat
/// and still has more than half the heartbeat duration left: then the rewrite is skipped (one KV
/// read instead of a write, so a fleet fits the Free plan's KV write quota). Skipping never makes
/// a live machine look dead: D1's `last_heartbeat_at` stays the truth, validation reads a lease
/// only when D1 says dead / not started, and such a negative is re-read from the primary.
/// Returns whether it wrote.
pub async fn refresh<D: Db, K: Kv>(app: &App<'_, D, K>, m: &MachineRow) -> bool {
    let half_ms = m.config().heartbeat_duration_secs() * 1000 / 2;
    let fresh = read(app, &m.account_id, &m.id).await.is_some_and(|l| l.heartbeat.is_some() && l.expires - app.now() > half_ms);
    if fresh {
        return false;
    }
    write(app, m).await;
    true
}

/// The lease of a machine, if one is stored and parses.
pub async fn read<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, machine_id: &str) -> Option<Lease> {
    let text = app.kv.get(&key(account_id, machine_id)).await.ok()??;
    serde_json::from_str(&text).ok()
}

/// Removes a machine's lease (deactivation). Best-effort: it expires on its own.
pub async fn remove<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, machine_id: &str) {
    let _removed = app.kv.delete(&key(account_id, machine_id)).await.is_ok();
}

//! Processes and components. Spawning a process is one guarded `INSERT … SELECT … WHERE` that
//! counts per `processLeasingStrategy` against a ceiling (overage folded in by the service);
//! `UNIQUE (machine_id, pid)` with `ON CONFLICT DO NOTHING` answers `PID_TAKEN`.

/// Process count leased against the ceiling, for machine `m` under strategy ?4.
macro_rules! process_count {
    () => {
        "(CASE ?4 WHEN 'PER_LICENSE' THEN (SELECT count(*) FROM processes x WHERE x.license_id = m.license_id) \
WHEN 'PER_USER' THEN (SELECT count(*) FROM processes x JOIN machines y ON y.id = x.machine_id WHERE x.license_id = m.license_id AND y.owner_id IS m.owner_id) \
ELSE (SELECT count(*) FROM processes x WHERE x.machine_id = m.id) END)"
    };
}

/// Guarded spawn: ?1 account, ?2 machine, ?3 pid, ?4 leasing strategy, ?5 ceiling (NULL =
/// unlimited), ?6 id, ?7 metadata, ?8 now. 1 row changed = spawned; it returns the process as
/// written (the response).
pub const INSERT: &str = concat!(
    "INSERT INTO processes (id, account_id, machine_id, license_id, pid, metadata, last_heartbeat_at, created_at, updated_at) \
SELECT ?6, ?1, m.id, m.license_id, ?3, ?7, ?8, ?8, ?8 FROM machines m WHERE m.account_id = ?1 AND m.id = ?2 AND (?5 IS NULL OR ",
    process_count!(),
    " < ?5) ON CONFLICT DO NOTHING RETURNING *"
);

/// Why a spawn was refused: ?1–?4 as in [`INSERT`].
pub const SPAWN_STATE: &str = concat!(
    "SELECT EXISTS (SELECT 1 FROM processes x WHERE x.machine_id = m.id AND x.pid = ?3) AS pid_taken, ",
    process_count!(),
    " AS n FROM machines m WHERE m.account_id = ?1 AND m.id = ?2"
);

/// Columns of every process read: the row, its machine's license/product and policy config.
macro_rules! process_select {
    () => {
        "SELECT pr.*, m.product_id AS product_id, p.config AS policy_config FROM processes pr JOIN machines m ON m.id = pr.machine_id \
JOIN policies p ON p.id = m.policy_id "
    };
}

/// One process.
pub const FIND: &str = concat!(process_select!(), "WHERE ", visible!("pr.account_id", "?1"), " AND pr.id = ?2");

/// Filters: ?1 account, ?2 machine, ?3 license, ?4 product, ?5 user (machine owner, license
/// owner or licensee), ?6 only this license (license bearer), ?7 organization (an organization
/// admin's: its licenses' machines', in union with ?5), ?8 reseller (a reseller admin's: only its
/// licenses' machines'; issue 10 §7); Keygen's further scopes (issue 8,
/// `machine_processes_controller.rb`): ?9 owner (the machine's), ?10 a user by email (as ?5),
/// ?11 status (`ALIVE`/`DEAD` at ?12 = now: `domain::heartbeat::process_status`, held to it
/// by the parity test `it::fleet_lists`).
macro_rules! process_filters {
    () => {
        concat!(
            "WHERE ",
            visible!("pr.account_id", "?1"),
            " AND (?2 IS NULL OR pr.machine_id = ?2) AND (?3 IS NULL OR pr.license_id = ?3) AND (?4 IS NULL OR m.product_id = ?4) \
AND ((?5 IS NULL AND ?7 IS NULL) OR m.owner_id = ?5 OR EXISTS (SELECT 1 FROM licenses k WHERE k.id = pr.license_id AND k.owner_id = ?5) \
OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = pr.license_id AND lu.user_id = ?5) \
OR pr.license_id IN (SELECT k.id FROM licenses k WHERE k.account_id = ?1 AND k.organization_id = ?7)) AND (?6 IS NULL OR pr.license_id = ?6) \
AND (?8 IS NULL OR pr.license_id IN (SELECT k.id FROM licenses k WHERE k.account_id = ?1 AND k.reseller_id = ?8)) ",
            fleet_user_scopes!("pr.license_id", "?9", "?10"),
            "AND (?11 IS NULL OR (CASE WHEN pr.last_heartbeat_at + coalesce(json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.heartbeatDuration'), 600) * 1000 >= ?12 \
THEN 'ALIVE' ELSE 'DEAD' END) = ?11) "
        )
    };
}

/// Processes, newest first; ?13 limit, ?14 offset.
pub const LIST: &str = concat!(process_select!(), process_filters!(), "ORDER BY pr.created_at DESC, pr.id DESC LIMIT ?13 OFFSET ?14");

/// Count for [`LIST`].
pub const COUNT: &str =
    concat!("SELECT count(*) AS n FROM processes pr JOIN machines m ON m.id = pr.machine_id JOIN policies p ON p.id = m.policy_id ", process_filters!());

/// A ping: heartbeat := ?3. Returns the process as written (the response).
pub const PING: &str = "UPDATE processes SET last_heartbeat_at = ?3, last_death_event_at = NULL, updated_at = ?3 WHERE account_id = ?1 AND id = ?2 RETURNING *";

/// Sets metadata ?3 (NULL: unchanged) of process ?2 at ?4 (Keygen's `machine_processes#update`).
/// Returns the process as written (the response).
pub const UPDATE: &str = "UPDATE processes SET metadata = coalesce(?3, metadata), updated_at = ?4 WHERE account_id = ?1 AND id = ?2 RETURNING *";

/// Kills (deletes) a process.
pub const DELETE: &str = "DELETE FROM processes WHERE account_id = ?1 AND id = ?2";

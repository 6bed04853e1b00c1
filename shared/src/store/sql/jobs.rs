//! The scheduled jobs' scans and guarded set writes. Scans read across accounts in keyset order
//! (`id > ?1`) and pre-filter in SQL with the policy's config (`json_extract`), so a tick reads
//! only rows that need work; the job re-decides each row in Rust with the domain rules before
//! writing. Writes take a JSON object `{id: [values read]}` (?1) and change a row only if the
//! values it was decided on are unchanged (optimistic guard), so a concurrent run or a ping in
//! between makes the batch change fewer rows — and `events::record_many` then rolls it back.
//! A stored config that is not JSON reads as NULL here (json_extract would fail the whole
//! scan); the job then finds it does not decode, skips that row and reports it.

/// Heartbeat duration of the policy `p` in ms (`heartbeatDuration`, default 600 s).
macro_rules! dur {
    () => {
        "(coalesce(json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.heartbeatDuration'), 600) * 1000)"
    };
}

/// Heartbeat duration of machine `m` in ms: its own lease (issue 10 §4 follow-up, migration
/// 0023), else its policy's ([`dur`]).
macro_rules! machine_dur {
    () => {
        concat!("coalesce(m.lease_duration * 1000, ", dur!(), ")")
    };
}

/// The resurrection window ("lazarus TTL") of policy `p` in ms; 0 for NO_REVIVE.
macro_rules! lazarus {
    () => {
        "(CASE json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.heartbeatResurrectionStrategy') WHEN '15_MINUTE_REVIVE' THEN 900000 WHEN '10_MINUTE_REVIVE' THEN 600000 \
WHEN '5_MINUTE_REVIVE' THEN 300000 WHEN '2_MINUTE_REVIVE' THEN 120000 WHEN '1_MINUTE_REVIVE' THEN 60000 ELSE 0 END)"
    };
}

/// Whether dead rows of policy `p` are deleted once past the window (DEACTIVATE_DEAD and not
/// ALWAYS_REVIVE).
macro_rules! deactivates {
    () => {
        "(coalesce(json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.heartbeatCullStrategy'), 'DEACTIVATE_DEAD') = 'DEACTIVATE_DEAD' \
AND coalesce(json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.heartbeatResurrectionStrategy'), 'NO_REVIVE') <> 'ALWAYS_REVIVE')"
    };
}

/// The cull's scan of machines matching `$scope`, at `$now`, at most `$limit`: dead (missed
/// heartbeat, or a required first heartbeat overdue) and either without a death event for this
/// death, or deletable (DEACTIVATE_DEAD and past the resurrection window).
macro_rules! cull_machines {
    ($scope:literal, $now:literal, $limit:literal) => {
        concat!(
            "SELECT m.id, m.account_id, m.created_at, m.last_heartbeat_at, m.last_death_event_at, p.config AS policy_config, m.lease_duration \
FROM machines m JOIN policies p ON p.id = m.policy_id WHERE ",
            $scope,
            " AND coalesce(m.last_heartbeat_at, CASE WHEN json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.requireHeartbeat') THEN m.created_at END) + ",
            machine_dur!(),
            " < ",
            $now,
            " AND (m.last_death_event_at IS NULL OR m.last_death_event_at <= coalesce(m.last_heartbeat_at, 0) OR (",
            deactivates!(),
            " AND coalesce(m.last_heartbeat_at, m.created_at) + ",
            machine_dur!(),
            " + ",
            lazarus!(),
            " < ",
            $now,
            ")) ORDER BY m.id LIMIT ",
            $limit
        )
    };
}

/// Machines to cull after ?1 (keyset, across accounts), at ?2 = now, at most ?3.
pub const CULL_MACHINES: &str = cull_machines!("m.id > ?1", "?2", "?3");

/// Machines of license ?2 of account ?1 to cull at ?3 = now, at most ?4 (activation frees a
/// license's expired seats before refusing a seat limit, issue 10 §4).
pub const CULL_LICENSE_MACHINES: &str = cull_machines!("m.account_id = ?1 AND m.license_id = ?2", "?3", "?4");

/// Marks machines `{id: last_heartbeat_at}` (?1) as having had their death event at ?2.
pub const MARK_MACHINES_DEAD: &str = "UPDATE machines SET last_death_event_at = ?2 WHERE id IN (SELECT key FROM json_each(?1)) \
AND last_heartbeat_at IS json_extract(?1, '$.\"' || id || '\"') AND (last_death_event_at IS NULL OR last_death_event_at <= coalesce(last_heartbeat_at, 0))";

/// The machines of JSON object ?1 (id → the heartbeat they were read with) still dead as read:
/// what [`DELETE_DEAD_MACHINES`] deletes and [`LOG_CULLED_MACHINES`] logs.
macro_rules! dead_machines {
    () => {
        "id IN (SELECT key FROM json_each(?1)) AND last_heartbeat_at IS json_extract(?1, '$.\"' || id || '\"') \
AND last_death_event_at > coalesce(last_heartbeat_at, 0)"
    };
}

/// Deletes dead machines `{id: last_heartbeat_at}` (?1) whose death event was sent and that
/// were not pinged since (processes and components cascade).
pub const DELETE_DEAD_MACHINES: &str = concat!("DELETE FROM machines WHERE ", dead_machines!());

/// Activation logs: logs the machines [`DELETE_DEAD_MACHINES`] (same ?1) is about to delete, right
/// before it in the batch, as `culled`; ?2 JSON object machine id → log id, ?3 now.
pub const LOG_CULLED_MACHINES: &str = concat!(
    crate::store::sql::activation_logs::insert_log!(),
    "SELECT json_extract(?2, '$.\"' || id || '\"'), account_id, 'culled', product_id, license_id, id, NULL, fingerprint, 0, NULL, platform, hostname, \
NULL, NULL, NULL, ?3 FROM machines WHERE ",
    dead_machines!()
);

/// Processes to cull after ?1, at ?2 = now, at most ?3 (interval = the machine's policy's
/// heartbeat duration; processes are alive at birth).
pub const CULL_PROCESSES: &str = concat!(
    "SELECT pr.id, pr.account_id, pr.last_heartbeat_at, pr.last_death_event_at, p.config AS policy_config \
FROM processes pr JOIN machines m ON m.id = pr.machine_id JOIN policies p ON p.id = m.policy_id WHERE pr.id > ?1 AND pr.last_heartbeat_at + ",
    dur!(),
    " < ?2 AND (pr.last_death_event_at IS NULL OR pr.last_death_event_at <= pr.last_heartbeat_at OR (",
    deactivates!(),
    " AND pr.last_heartbeat_at + ",
    dur!(),
    " + ",
    lazarus!(),
    " < ?2)) ORDER BY pr.id LIMIT ?3"
);

/// Marks processes `{id: last_heartbeat_at}` (?1) as having had their death event at ?2.
pub const MARK_PROCESSES_DEAD: &str = "UPDATE processes SET last_death_event_at = ?2 WHERE id IN (SELECT key FROM json_each(?1)) \
AND last_heartbeat_at IS json_extract(?1, '$.\"' || id || '\"') AND (last_death_event_at IS NULL OR last_death_event_at <= last_heartbeat_at)";

/// Deletes dead processes `{id: last_heartbeat_at}` (?1) whose death event was sent.
pub const DELETE_DEAD_PROCESSES: &str = "DELETE FROM processes WHERE id IN (SELECT key FROM json_each(?1)) \
AND last_heartbeat_at IS json_extract(?1, '$.\"' || id || '\"') AND last_death_event_at > last_heartbeat_at";

/// Columns the license jobs read.
macro_rules! license_scan {
    () => {
        "SELECT l.id, l.account_id, l.created_at, l.expiry, l.maintenance_expiry, l.last_check_in_at, l.last_expiring_soon_event_at, \
l.last_expired_event_at, l.last_maintenance_expiring_soon_event_at, l.last_maintenance_expired_event_at, l.last_check_in_required_soon_event_at, \
l.last_check_in_overdue_event_at, p.config AS policy_config FROM licenses l JOIN policies p ON p.id = l.policy_id WHERE l.id > ?1 AND "
    };
}

/// The policy's `expiringSoonEventOffset` in ms (default 3 days).
macro_rules! offset {
    () => {
        "(coalesce(json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.expiringSoonEventOffset'), 259200) * 1000)"
    };
}

/// When the license's next check-in is due, NULL unless the policy requires check-ins.
macro_rules! due {
    () => {
        "(CASE WHEN json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.requireCheckIn') THEN coalesce(l.last_check_in_at, l.created_at) + \
(CASE json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.checkInInterval') WHEN 'day' THEN 86400000 WHEN 'week' THEN 604800000 WHEN 'month' THEN 2629746000 \
WHEN 'year' THEN 31556952000 END) * json_extract(CASE WHEN json_valid(p.config) THEN p.config END, '$.checkInIntervalCount') END)"
    };
}

/// Licenses entering their expiring-soon window (?2 = now) without an event for this window.
pub const EXPIRING_SOON: &str = concat!(
    license_scan!(),
    "l.expiry >= ?2 AND l.expiry - ",
    offset!(),
    " <= ?2 AND (l.last_expiring_soon_event_at IS NULL OR l.last_expiring_soon_event_at < l.expiry - ",
    offset!(),
    ") ORDER BY l.id LIMIT ?3"
);

/// Licenses expired in [?4, ?2) without an event for this expiry.
pub const EXPIRED: &str = concat!(
    license_scan!(),
    "l.expiry < ?2 AND l.expiry >= ?4 AND (l.last_expired_event_at IS NULL OR l.last_expired_event_at < l.expiry) ORDER BY l.id LIMIT ?3"
);

/// Licenses entering their maintenance expiring-soon window.
pub const MAINTENANCE_EXPIRING_SOON: &str = concat!(
    license_scan!(),
    "l.maintenance_expiry >= ?2 AND l.maintenance_expiry - ",
    offset!(),
    " <= ?2 AND (l.last_maintenance_expiring_soon_event_at IS NULL OR l.last_maintenance_expiring_soon_event_at < l.maintenance_expiry - ",
    offset!(),
    ") ORDER BY l.id LIMIT ?3"
);

/// Licenses whose maintenance ended in [?4, ?2) without an event for it.
pub const MAINTENANCE_EXPIRED: &str = concat!(
    license_scan!(),
    "l.maintenance_expiry < ?2 AND l.maintenance_expiry >= ?4 AND (l.last_maintenance_expired_event_at IS NULL \
OR l.last_maintenance_expired_event_at < l.maintenance_expiry) ORDER BY l.id LIMIT ?3"
);

/// Licenses whose check-in is due within 3 days without an event for this due date.
pub const CHECK_IN_REQUIRED_SOON: &str = concat!(
    license_scan!(),
    due!(),
    " >= ?2 AND ",
    due!(),
    " - 259200000 <= ?2 AND (l.last_check_in_required_soon_event_at IS NULL OR l.last_check_in_required_soon_event_at < ",
    due!(),
    " - 259200000) ORDER BY l.id LIMIT ?3"
);

/// Licenses whose check-in became overdue in [?4, ?2) without an event for this due date.
pub const CHECK_IN_OVERDUE: &str = concat!(
    license_scan!(),
    due!(),
    " < ?2 AND ",
    due!(),
    " >= ?4 AND (l.last_check_in_overdue_event_at IS NULL OR l.last_check_in_overdue_event_at < ",
    due!(),
    ") ORDER BY l.id LIMIT ?3"
);

/// Sets bookkeeping column `$col` to ?2 for licenses `{id: [subject, bookkeeping]}` (?1) whose
/// `$subject` and `$col` are still what the job read.
macro_rules! mark {
    ($col:literal, $subject:literal) => {
        concat!(
            "UPDATE licenses SET ",
            $col,
            " = ?2 WHERE id IN (SELECT key FROM json_each(?1)) AND ",
            $subject,
            " IS json_extract(?1, '$.\"' || id || '\"[0]') AND ",
            $col,
            " IS json_extract(?1, '$.\"' || id || '\"[1]')"
        )
    };
}

/// Bookkeeping of `license.expiring-soon`.
pub const MARK_EXPIRING_SOON: &str = mark!("last_expiring_soon_event_at", "expiry");
/// Bookkeeping of `license.expired`.
pub const MARK_EXPIRED: &str = mark!("last_expired_event_at", "expiry");
/// Bookkeeping of `license.maintenance-expiring-soon`.
pub const MARK_MAINTENANCE_EXPIRING_SOON: &str = mark!("last_maintenance_expiring_soon_event_at", "maintenance_expiry");
/// Bookkeeping of `license.maintenance-expired`.
pub const MARK_MAINTENANCE_EXPIRED: &str = mark!("last_maintenance_expired_event_at", "maintenance_expiry");
/// Bookkeeping of `license.check-in-required-soon`.
pub const MARK_CHECK_IN_REQUIRED_SOON: &str = mark!("last_check_in_required_soon_event_at", "last_check_in_at");
/// Bookkeeping of `license.check-in-overdue`.
pub const MARK_CHECK_IN_OVERDUE: &str = mark!("last_check_in_overdue_event_at", "last_check_in_at");

/// Deletes up to ?2 webhook events created before ?1.
pub const PRUNE_WEBHOOK_EVENTS: &str = "DELETE FROM webhook_events WHERE id IN (SELECT id FROM webhook_events WHERE created_at < ?1 LIMIT ?2)";

/// Sets a license's maintenance expiry (?3) if it still is ?4 (renewals race-free).
pub const SET_MAINTENANCE_EXPIRY: &str =
    "UPDATE licenses SET maintenance_expiry = ?3, updated_at = ?5 WHERE account_id = ?1 AND id = ?2 AND maintenance_expiry IS ?4";

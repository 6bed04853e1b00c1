//! The event log (outbox).

/// Records one event.
pub const INSERT: &str = "INSERT INTO event_logs (id, account_id, event, resource_type, resource_id, whodunnit_type, whodunnit_id, changes, meta, created_at) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// Events, newest first, with optional filters: ?2 event name, ?3 resource type, ?4 resource
/// id, ?5 created at or after, ?6 created before.
pub const LIST: &str = "SELECT * FROM event_logs WHERE account_id = ?1 AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR resource_type = ?3) \
AND (?4 IS NULL OR resource_id = ?4) AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6) \
ORDER BY created_at DESC, id DESC LIMIT ?7 OFFSET ?8";

/// Count for [`LIST`].
pub const COUNT: &str = "SELECT count(*) AS n FROM event_logs WHERE account_id = ?1 AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR resource_type = ?3) \
AND (?4 IS NULL OR resource_id = ?4) AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6)";

/// One event.
pub const FIND: &str = "SELECT * FROM event_logs WHERE account_id = ?1 AND id = ?2";

//! The event log (outbox). Every statement that writes `event_logs` is here, and only
//! `service::events` builds them.

/// The column list of every event insert.
macro_rules! insert_event {
    () => {
        "INSERT INTO event_logs (id, account_id, event, resource_type, resource_id, whodunnit_type, whodunnit_id, changes, meta, created_at, request_log_id) "
    };
}

/// Records one event: ?1 id, ?2 account, ?3 event, ?4 resource type, ?5 resource id,
/// ?6/?7 whodunnit type/id, ?8 changes, ?9 meta, ?10 created at, ?11 the request that wrote it
/// (its request log's id; NULL outside a request).
pub const INSERT: &str = concat!(insert_event!(), "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");

/// [`INSERT`] (same ?1–?11), written only if the previous statement of the batch changed at
/// least one row. `changes()` is per connection and counts the most recent INSERT, UPDATE or
/// DELETE (0 when it matched nothing); D1 runs a batch as one transaction on one connection,
/// as SQLite does natively. Put right after a guarded write, the outbox row exists iff the
/// change happened; several in a row all follow the first guard.
pub const INSERT_IF_CHANGED: &str = concat!(insert_event!(), "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE changes() > 0");

/// Resellers (issue 10 §7): [`INSERT_IF_CHANGED`] (same ?1–?11) for the withdrawal of reseller
/// ?5's allotted policies, right after the withdrawal: `changes` ?8 (`{"policies": [...]}`) gains
/// `licenses`, how many of the reseller's licenses the withdrawn policies hold at that moment
/// (they stay; creates after it are refused by the license insert), counted inside the batch.
pub const INSERT_ALLOTMENTS_WITHDRAWN: &str = concat!(
    insert_event!(),
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, json_set(?8, '$.licenses', (SELECT count(*) FROM licenses l WHERE l.account_id = ?2 AND l.reseller_id = ?5 \
AND l.policy_id IN (SELECT value FROM json_each(?8, '$.policies')))), ?9, ?10, ?11 WHERE changes() > 0"
);

/// [`INSERT_IF_CHANGED`] (same ?1–?11; ?8 NULL) for a change of license ?5's `uses` by ?12
/// (negative for a decrement; CAST because D1 binds numbers as doubles), with `changes` read in SQL from the row the statement right
/// before it just wrote: `{"uses": [uses - ?12, uses]}`. The batch runs serially in one
/// transaction, so the pair is exactly that write's before → after, never a read from outside it.
pub const INSERT_USES_CHANGE_IF_CHANGED: &str = concat!(
    insert_event!(),
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, json_object('uses', json_array(l.uses - CAST(?12 AS INTEGER), l.uses))), ?9, ?10, ?11 \
FROM licenses l WHERE l.account_id = ?2 AND l.id = ?5 AND changes() > 0"
);

/// [`INSERT`] (same ?1–?11; ?8 NULL) of a usage reset of license ?5, placed right BEFORE the
/// reset in the same batch: `changes` is `{"uses": [uses, 0]}` from the row the reset is about
/// to overwrite (nothing is written when the license is gone, and then neither is the reset).
pub const INSERT_USES_RESET: &str = concat!(
    insert_event!(),
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, json_object('uses', json_array(l.uses, 0))), ?9, ?10, ?11 \
FROM licenses l WHERE l.account_id = ?2 AND l.id = ?5"
);

/// [`INSERT`] (same ?1–?11), written only if machine ?13 exists (just activated in the same
/// batch) and the machines leased on license ?12 — all of them, or under per-user leasing
/// (?14 = 1) those of owner ?15 — now number exactly ?16: the activation that reached the limit.
pub const INSERT_IF_MACHINE_LIMIT_REACHED: &str = concat!(
    insert_event!(),
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE EXISTS (SELECT 1 FROM machines m WHERE m.id = ?13) \
AND (SELECT count(*) FROM machines x WHERE x.license_id = ?12 AND (?14 = 0 OR x.owner_id IS ?15)) = ?16"
);

/// The filters of [`LIST`], [`COUNT`] and [`PAGE_AFTER`]: ?2 event name, ?3 resource type,
/// ?4 resource id, ?5 created at or after, ?6 created before; Keygen's further event-log scopes
/// (issue 8, `event_logs_controller.rb`): ?7 whodunnit type, ?8 whodunnit id (exact), ?9 a
/// part of a whodunnit id, ?10 a part of a resource id (case-insensitive; Keygen's `ilike` for
/// a term that is not a UUID), ?11 event names (`events[]`, a JSON array), ?12 the request
/// that wrote it (exact), ?13 a part of that request's id (Keygen's `request` scope).
macro_rules! event_filters {
    ($tenant:expr) => {
        concat!(
            "WHERE ",
            $tenant,
            " AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR resource_type = ?3) \
AND (?4 IS NULL OR resource_id = ?4) AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6) \
AND (?7 IS NULL OR whodunnit_type = ?7) AND (?8 IS NULL OR whodunnit_id = ?8) \
AND (?9 IS NULL OR instr(lower(coalesce(whodunnit_id, '')), lower(?9)) > 0) AND (?10 IS NULL OR instr(lower(resource_id), lower(?10)) > 0) \
AND (?11 IS NULL OR event IN (SELECT value FROM json_each(?11))) \
AND (?12 IS NULL OR request_log_id = ?12) AND (?13 IS NULL OR instr(lower(coalesce(request_log_id, '')), lower(?13)) > 0) "
        )
    };
}

/// Events, newest first, with optional filters ([`event_filters!`]); ?14 limit, ?15 offset.
/// Environments (issue 8): the tenant's own `UNION ALL` a SHARED environment's global ones
/// (Keygen's non-strict `for_environment`), merged in index order.
pub const LIST: &str = concat!(
    "SELECT * FROM event_logs ",
    event_filters!("account_id = ?1"),
    "UNION ALL SELECT * FROM event_logs ",
    event_filters!(global_of!("account_id", "?1")),
    "ORDER BY created_at DESC, id DESC LIMIT ?14 OFFSET ?15"
);

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM event_logs ", event_filters!(visible!("account_id", "?1")));

/// Exports: one keyset page of [`LIST`]'s rows (same filters), oldest first, after (?14 created
/// at, ?15 id) — NULL: from the start; ?16 rows. The tenant's own only (a SHARED environment's
/// export leaves the global events out, as the other exports).
pub const PAGE_AFTER: &str = concat!(
    "SELECT * FROM event_logs ",
    event_filters!("account_id = ?1"),
    "AND (?14 IS NULL OR created_at > ?14 OR (created_at = ?14 AND id > ?15)) ORDER BY created_at, id LIMIT ?16"
);

/// One event.
pub const FIND: &str = concat!("SELECT * FROM event_logs WHERE ", visible!("account_id", "?1"), " AND id = ?2");

/// Records many events at once from a JSON array of `[id, account_id, event, resource_type,
/// resource_id, changes, meta]` (?1), by whodunnit ?3/?4 at ?5 in request ?6 (NULL for a
/// scheduled job). With ?2 set, the statement
/// just before it in the same batch must have changed exactly ?2 rows (SQLite's `changes()`):
/// otherwise `account_id` is NULL, the NOT NULL constraint fails and the whole batch rolls back.
/// That is how set-based guarded transitions keep "an event if and only if the change".
pub const INSERT_MANY: &str = concat!(
    insert_event!(),
    "SELECT json_extract(j.value, '$[0]'), CASE WHEN ?2 IS NULL OR changes() = ?2 THEN json_extract(j.value, '$[1]') END, json_extract(j.value, '$[2]'), \
json_extract(j.value, '$[3]'), json_extract(j.value, '$[4]'), ?3, ?4, json_extract(j.value, '$[5]'), json_extract(j.value, '$[6]'), ?5, ?6 FROM json_each(?1) j"
);

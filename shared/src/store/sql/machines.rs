//! Machines (activations). Activation is ONE guarded `INSERT … SELECT … WHERE`: fingerprint
//! uniqueness per `machineUniquenessStrategy`, component uniqueness, and the machine, core,
//! memory and disk ceilings (overage already folded into the ceilings by the service) are all
//! checked inside the statement, so concurrent activations can never exceed a limit. When it
//! inserts nothing, [`ACTIVATION_STATE`] (same `?1`–`?8`) tells which rule refused.

/// Columns of every machine read: the row, its policy's config (heartbeat rules) and its
/// license's `maxProcesses` override (machine → license → policy).
macro_rules! machine_select {
    () => {
        concat!(
            "SELECT m.*, p.config AS policy_config, (SELECT l.max_processes FROM licenses l WHERE l.id = m.license_id) AS license_max_processes, ",
            // Meter attributes (issue 10 §2).
            machine_meters_json!("m.id"),
            " AS meters FROM machines m JOIN policies p ON p.id = m.policy_id "
        )
    };
}

/// `?4` is taken in the uniqueness scope `?5` of license `l` (shared by insert and diagnosis).
macro_rules! fingerprint_taken {
    () => {
        concat!(
            "EXISTS (SELECT 1 FROM machines x WHERE ",
            visible!("x.account_id", "?1"),
            " AND x.fingerprint = ?4 AND (CASE ?5 WHEN 'UNIQUE_PER_ACCOUNT' THEN 1 \
WHEN 'UNIQUE_PER_PRODUCT' THEN x.product_id = l.product_id WHEN 'UNIQUE_PER_POLICY' THEN x.policy_id = l.policy_id ELSE x.license_id = l.id END))"
        )
    };
}

/// One of the component fingerprints `?7` (JSON array, or NULL) is taken in scope `?8`.
macro_rules! components_taken {
    () => {
        concat!(
            "(?7 IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(?7) j JOIN components c ON ",
            visible!("c.account_id", "?1"),
            " AND c.fingerprint = j.value \
JOIN machines x ON x.id = c.machine_id WHERE (CASE ?8 WHEN 'UNIQUE_PER_ACCOUNT' THEN 1 WHEN 'UNIQUE_PER_PRODUCT' THEN x.product_id = l.product_id \
WHEN 'UNIQUE_PER_POLICY' THEN x.policy_id = l.policy_id WHEN 'UNIQUE_PER_LICENSE' THEN x.license_id = l.id ELSE 0 END)))"
        )
    };
}

/// Sum of `$col` over the license's leased machines: all of them, or under `PER_USER` leasing
/// (`?6 = 1`) those of owner `?3` (NULL matches ownerless machines). `total()` saturates where
/// `sum()` would fail on i64 overflow.
macro_rules! leased {
    ($col:literal) => {
        concat!("(SELECT CAST(total(", $col, ") AS INTEGER) FROM machines x WHERE x.license_id = l.id AND (?6 = 0 OR x.owner_id IS ?3))")
    };
}

/// Guarded activation. ?1 account, ?2 license id, ?3 owner, ?4 fingerprint, ?5 machine
/// uniqueness strategy, ?6 per-user leasing (0/1), ?7 component fingerprints (JSON array or
/// NULL), ?8 component uniqueness strategy, ?9 id, ?10 group, ?11 name, ?12 ip, ?13 hostname,
/// ?14 platform, ?15 cores, ?16 memory, ?17 disk, ?18 metadata, ?19 last heartbeat, ?20 now,
/// ?21 machine ceiling, ?22 core ceiling, ?23 memory ceiling, ?24 disk ceiling, ?25 max processes
/// (NULL ceilings are unlimited), ?26 the license token charged (NULL: none) which must have
/// activations left, and group ?10 (if any) must be in the account with room under its
/// `max_machines`. ?27 vm name, ?28 container (issue 10 §4), ?29 the machine's lease in seconds (NULL: none). 1 row changed = activated; it returns the machine as written (the response).
pub const INSERT: &str = concat!(
    "INSERT INTO machines (id, account_id, license_id, product_id, policy_id, owner_id, group_id, fingerprint, name, ip, hostname, platform, \
cores, memory, disk, max_processes, metadata, last_heartbeat_at, created_at, updated_at, vm_name, container, lease_duration) \
SELECT ?9, ?1, l.id, l.product_id, l.policy_id, ?3, ?10, ?4, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?25, ?18, ?19, ?20, ?20, ?27, ?28, ?29 \
FROM licenses l WHERE ",
    visible!("l.account_id", "?1"),
    " AND l.id = ?2 AND NOT ",
    fingerprint_taken!(),
    " AND NOT ",
    components_taken!(),
    " AND (?21 IS NULL OR ",
    leased!("1"),
    " < ?21) AND (?22 IS NULL OR ?15 IS NULL OR ",
    leased!("x.cores"),
    " + ?15 <= ?22) AND (?23 IS NULL OR ?16 IS NULL OR ",
    leased!("x.memory"),
    " + ?16 <= ?23) AND (?24 IS NULL OR ?17 IS NULL OR ",
    leased!("x.disk"),
    " + ?17 <= ?24) AND ",
    token_has_room!("?26", "activations"),
    " AND (?10 IS NULL OR EXISTS (SELECT 1 FROM groups g WHERE g.account_id = ?1 AND g.id = ?10 AND (g.max_machines IS NULL \
OR (SELECT count(*) FROM machines x WHERE x.group_id = g.id) < g.max_machines))) ON CONFLICT (id) DO NOTHING RETURNING *"
);

/// Machines holding id `?1` in any account (a client-supplied id refused by [`INSERT`]).
pub const COUNT_ID: &str = "SELECT count(*) AS n FROM machines WHERE id = ?1";

/// Why an activation was refused: ?1–?8 as in [`INSERT`]. No row when the license is gone.
pub const ACTIVATION_STATE: &str = concat!(
    "SELECT ",
    fingerprint_taken!(),
    " AS fingerprint_taken, ",
    components_taken!(),
    " AS components_taken, ",
    leased!("1"),
    " AS n, ",
    leased!("x.cores"),
    " AS cores, ",
    leased!("x.memory"),
    " AS memory, ",
    leased!("x.disk"),
    " AS disk FROM licenses l WHERE ",
    visible!("l.account_id", "?1"),
    " AND l.id = ?2"
);

/// Inserts a machine's components from ?4, a JSON array of `{id, fingerprint, name, metadata}`,
/// only if machine ?2 exists (so a refused activation inserts none). ?1 account, ?3 now.
pub const INSERT_COMPONENTS: &str = "INSERT INTO components (id, account_id, machine_id, fingerprint, name, metadata, created_at, updated_at) \
SELECT json_extract(j.value, '$.id'), ?1, ?2, json_extract(j.value, '$.fingerprint'), json_extract(j.value, '$.name'), \
coalesce(json_extract(j.value, '$.metadata'), '{}'), ?3, ?3 FROM json_each(?4) j WHERE EXISTS (SELECT 1 FROM machines m WHERE m.id = ?2 AND m.account_id = ?1)";

/// Lazy `FROM_FIRST_ACTIVATION` expiry: sets license ?2's expiry to ?3 if unset and machine ?5
/// (just activated in the same batch) exists. ?1 account, ?4 now.
pub const SET_LICENSE_EXPIRY_ON_ACTIVATION: &str = concat!(
    "UPDATE licenses SET expiry = ?3, updated_at = ?4 WHERE ",
    visible!("account_id", "?1"),
    " AND id = ?2 AND expiry IS NULL AND EXISTS (SELECT 1 FROM machines m WHERE m.id = ?5)"
);

/// Marks license ?2's first activation at ?3 if it has none yet and machine ?4 (just activated
/// in the same batch) exists; 1 row changed = this is the license's first machine ever.
pub const MARK_FIRST_ACTIVATION: &str = concat!(
    "UPDATE licenses SET first_activated_at = ?3 WHERE ",
    visible!("account_id", "?1"),
    " AND id = ?2 AND first_activated_at IS NULL AND EXISTS (SELECT 1 FROM machines m WHERE m.id = ?4)"
);

/// One machine by id or fingerprint (id wins; then the tenant's own, then the oldest).
pub const FIND: &str = concat!(
    machine_select!(),
    "WHERE ",
    visible_filter!("m.account_id", "?1"),
    " AND ",
    id_or!("m.id", "machines", "fingerprint", "?2", "1"),
    " ORDER BY m.id = ?2 DESC, m.account_id = ?1 DESC, m.created_at LIMIT 1"
);

/// Heartbeat liveness in SQL (Keygen's `scope :alive`), ?9 = now; a machine's own lease
/// (`lease_duration`, issue 10 §4 follow-up) stands for the policy's heartbeat duration.
macro_rules! alive {
    () => {
        "((m.last_heartbeat_at IS NOT NULL AND m.last_heartbeat_at + coalesce(m.lease_duration, json_extract(p.config, '$.heartbeatDuration'), 600) * 1000 >= ?9) \
OR (m.last_heartbeat_at IS NULL AND (coalesce(json_extract(p.config, '$.requireHeartbeat'), 0) = 0 \
OR m.created_at >= ?9 - coalesce(m.lease_duration, json_extract(p.config, '$.heartbeatDuration'), 600) * 1000)))"
    };
}

/// Filters of [`LIST`]/[`COUNT`]: ?1 account, ?2 fingerprint, ?3 license id or key, ?4 user
/// (machine owner, license owner or licensee), ?5 product, ?6 policy, ?7 license key, ?8 status
/// (ALIVE/DEAD), ?9 now, ?10 only machines of this license (license bearer), ?11 owner exactly,
/// ?12 group, ?14 organization (an organization admin's: its licenses' machines, in union with
/// ?4; issue 10 §7), ?18 reseller (a reseller admin's: only its reseller's licenses' machines),
/// ?19 a user by email (as ?4; Keygen's `user` scope takes an id or an email).
macro_rules! machine_filters {
    ($tenant:expr) => {
        concat!(
            "WHERE ",
            $tenant,
            " AND (?2 IS NULL OR m.fingerprint = ?2) \
AND (?3 IS NULL OR m.license_id = ?3 OR m.license_id IN (SELECT k.id FROM licenses k WHERE ",
            visible!("k.account_id", "?1"),
            " AND k.key = ?3)) \
AND ((?4 IS NULL AND ?14 IS NULL) OR m.owner_id = ?4 OR EXISTS (SELECT 1 FROM licenses k WHERE k.id = m.license_id AND k.owner_id = ?4) \
OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = m.license_id AND lu.user_id = ?4) \
OR m.license_id IN (SELECT k.id FROM licenses k WHERE k.account_id = ?1 AND k.organization_id = ?14)) \
AND (?5 IS NULL OR m.product_id = ?5) AND (?6 IS NULL OR m.policy_id = ?6) \
AND (?7 IS NULL OR m.license_id IN (SELECT k.id FROM licenses k WHERE ",
            visible!("k.account_id", "?1"),
            " AND k.key = ?7)) \
AND (?8 IS NULL OR (CASE WHEN ",
            alive!(),
            " THEN 'ALIVE' ELSE 'DEAD' END) = ?8) AND (?10 IS NULL OR m.license_id = ?10) ",
            // ?11 owner exactly, ?19 a user by email (the components' and processes' rule).
            fleet_user_scopes!("m.license_id", "?11", "?19"),
            "AND (?12 IS NULL OR m.group_id = ?12) AND ",
            // Query operators: ?13 created/updated/lastHeartbeat [gt|gte|lt|lte].
            time_operators!("?13", "created" => "m.created_at", "updated" => "m.updated_at", "lastHeartbeat" => "m.last_heartbeat_at"),
            // Keygen's machines scopes (issue 8): ?15 metadata, ?16 ip, ?17 hostname (exact).
            " AND ",
            metadata_equals!("m.metadata", "?15"),
            " AND (?16 IS NULL OR m.ip = ?16) AND (?17 IS NULL OR m.hostname = ?17) ",
            // Resellers (issue 10 §7).
            "AND (?18 IS NULL OR m.license_id IN (SELECT k.id FROM licenses k WHERE k.account_id = ?1 AND k.reseller_id = ?18)) "
        )
    };
}

/// Machines, newest first, filtered; ?20 limit, ?21 offset. Environments (issue 8): the
/// tenant's own `UNION ALL` a SHARED environment's global ones, merged in index order.
pub const LIST: &str = concat!(
    machine_select!(),
    machine_filters!("m.account_id = ?1"),
    "UNION ALL ",
    machine_select!(),
    machine_filters!(global_of!("m.account_id", "?1")),
    "ORDER BY created_at DESC, id DESC LIMIT ?20 OFFSET ?21"
);

/// Count for [`LIST`].
pub const COUNT: &str =
    concat!("SELECT count(*) AS n FROM machines m JOIN policies p ON p.id = m.policy_id ", machine_filters!(visible!("m.account_id", "?1")));

/// Exports: one keyset page of [`LIST`]'s rows (same filters ?1–?19), oldest first, after
/// (?20 created at, ?21 id) — NULL: from the start; ?22 rows. The tenant's own only (a SHARED
/// environment's export leaves the global machines out).
pub const PAGE_AFTER: &str = concat!(
    machine_select!(),
    machine_filters!("m.account_id = ?1"),
    "AND (?20 IS NULL OR m.created_at > ?20 OR (m.created_at = ?20 AND m.id > ?21)) ORDER BY m.created_at, m.id LIMIT ?22"
);

/// Writes the mutable attributes: ?3 name, ?4 ip, ?5 hostname, ?6 platform, ?7 metadata,
/// ?8 max processes, ?9 now. Returns the machine as written (the response).
pub const UPDATE: &str = "UPDATE machines SET name = ?3, ip = ?4, hostname = ?5, platform = ?6, metadata = ?7, max_processes = ?8, updated_at = ?9 \
WHERE account_id = ?1 AND id = ?2 RETURNING *";

/// A ping: sets the heartbeat to ?3 only if it is still ?4 as read (NULL-safe), so concurrent
/// pings record one event each only for the write that happened. Returns the machine as
/// written (the response).
pub const PING: &str = "UPDATE machines SET last_heartbeat_at = ?3, last_death_event_at = NULL, updated_at = ?3 \
WHERE account_id = ?1 AND id = ?2 AND last_heartbeat_at IS ?4 RETURNING *";

/// Clears the heartbeat (`actions/reset`).
pub const RESET: &str = "UPDATE machines SET last_heartbeat_at = NULL, last_death_event_at = NULL, updated_at = ?3 WHERE account_id = ?1 AND id = ?2";

/// Deactivates (deletes) a machine, only while the license token ?3 charged (NULL: none) has
/// deactivations left and its license has made fewer than ?4 deactivations (`allowedDeactivations`;
/// negative: unlimited) (components and processes cascade).
pub const DELETE: &str = concat!(
    "DELETE FROM machines WHERE account_id = ?1 AND id = ?2 AND ",
    token_has_room!("?3", "deactivations"),
    " AND (?4 < 0 OR (SELECT l.deactivations FROM licenses l WHERE l.id = machines.license_id) < ?4)"
);

/// Sets machine ?2's owner to ?3 (NULL = none) at ?4.
pub const SET_OWNER: &str = "UPDATE machines SET owner_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2";

/// Search (issue 8): the `WHERE` of [`SEARCH`]: ?3 id, ?4 fingerprint, ?5 name, ?6 metadata,
/// ?7 license, ?8 product, ?9 policy, ?10 owner (each by id, id prefix or name/email), ?11 a
/// licensee of its license; ?12 reseller (a reseller admin's: only its licenses' machines; issue
/// 10 §7).
macro_rules! machine_search {
    () => {
        concat!(
            "WHERE m.account_id = ?1 AND (?12 IS NULL OR m.license_id IN (SELECT k.id FROM licenses k WHERE k.account_id = ?1 AND k.reseller_id = ?12)) AND ",
            search_where!(
                "?3" => contains!("m.id", "?3"),
                "?4" => contains!("m.fingerprint", "?4"),
                "?5" => contains!("m.name", "?5"),
                "?6" => metadata_contains!("m.metadata", "?6"),
                "?7" => related_term!("licenses", "m.license_id", "name", "?7"),
                "?8" => related_term!("products", "m.product_id", "name", "?8"),
                "?9" => related_term!("policies", "m.policy_id", "name", "?9"),
                "?10" => related_term!("users", "m.owner_id", "email", "?10"),
                "?11" => licensee_term!("m.license_id", "?11"),
            ),
            " "
        )
    };
}

/// Search (issue 8): machines matching, newest first; ?13 limit, ?14 offset.
pub const SEARCH: &str = concat!(machine_select!(), machine_search!(), "ORDER BY m.created_at DESC, m.id DESC LIMIT ?13 OFFSET ?14");

/// Count for [`SEARCH`].
pub const SEARCH_COUNT: &str = concat!("SELECT count(*) AS n FROM machines m ", machine_search!());

//! Licenses. Reads join the policy's config and the license's derived counts so that one
//! statement yields everything validation and rendering need.

/// Cryptlex's computed `maxAllowedReleaseVersion` of license `l` (`domain::max_release::computed`,
/// held to it by the parity test `it::max_release`): the newest published release of its product
/// (by `semver_key`, on the `releases_product_semver` index) released (backdated, else published,
/// else created) at or before its `maintenance_expiry`, that its maintenance policy's flags let
/// through against the key bounds of its current version (migration 0023). NULL without a window.
macro_rules! computed_max_release {
    () => {
        "(CASE WHEN l.maintenance_expiry IS NULL THEN NULL ELSE (SELECT r.version FROM releases r \
WHERE r.account_id = l.account_id AND r.product_id = l.product_id AND r.status = 'PUBLISHED' \
AND coalesce(r.backdated_at, r.published_at, r.created_at) <= l.maintenance_expiry \
AND (l.release_next_major_key IS NULL OR r.semver_key < l.release_next_major_key \
OR coalesce((SELECT mp.allow_major_version_updates FROM maintenance_policies mp WHERE mp.id = l.maintenance_policy_id), 1) = 1) \
AND (l.release_next_minor_key IS NULL OR r.semver_key < l.release_next_minor_key OR r.semver_key >= l.release_next_major_key \
OR coalesce((SELECT mp.allow_minor_version_updates FROM maintenance_policies mp WHERE mp.id = l.maintenance_policy_id), 1) = 1) \
ORDER BY r.semver_key DESC LIMIT 1) END) AS computed_max_release_version, "
    };
}

/// Columns of every license read: the row, its policy's config, the owner's ban, and counts.
/// Sums use `total()` cast back to an integer: it saturates where `sum()` would fail the whole
/// read on i64 overflow, so no machine row can make its license unreadable.
macro_rules! license_select {
    () => {
        concat!(
            "SELECT l.*, p.config AS policy_config, \
(SELECT u.banned_at FROM users u WHERE u.id = l.owner_id) AS owner_banned_at, \
(SELECT u.email FROM users u WHERE u.id = l.owner_id) AS owner_email, \
(SELECT count(*) FROM license_users lu WHERE lu.license_id = l.id) AS licensee_count, \
(SELECT count(*) FROM machines m WHERE m.license_id = l.id) AS machines_count, \
(SELECT CAST(total(m.cores) AS INTEGER) FROM machines m WHERE m.license_id = l.id) AS machines_cores, \
(SELECT CAST(total(m.memory) AS INTEGER) FROM machines m WHERE m.license_id = l.id) AS machines_memory, \
(SELECT CAST(total(m.disk) AS INTEGER) FROM machines m WHERE m.license_id = l.id) AS machines_disk, \
(SELECT min(m.created_at) FROM machines m WHERE m.license_id = l.id) AS first_activated_at, ",
            // Computed maxAllowedReleaseVersion (issue 10 follow-up): `domain::max_release::computed`.
            computed_max_release!(),
            // Meter attributes (issue 10 §2).
            license_meters_json!("l.id"),
            " AS meters FROM licenses l JOIN policies p ON p.id = l.policy_id "
        )
    };
}

/// The computed `status` attribute as SQL, for the `status` filter (?N = now).
macro_rules! license_status {
    ($now:literal) => {
        concat!(
            "(CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.id = l.owner_id AND u.banned_at IS NOT NULL) THEN 'BANNED' \
WHEN l.suspended = 1 THEN 'SUSPENDED' WHEN l.expiry IS NOT NULL AND l.expiry < ",
            $now,
            " THEN 'EXPIRED' WHEN l.expiry IS NOT NULL AND l.expiry < ",
            $now,
            " + 259200000 THEN 'EXPIRING' WHEN max(l.created_at, coalesce(l.last_validated_at, 0), coalesce(l.last_check_in_at, 0), coalesce(l.last_check_out_at, 0)) < ",
            $now,
            " - 7776000000 THEN 'INACTIVE' ELSE 'ACTIVE' END)"
        )
    };
}

/// Active since `$t` (Keygen's `License.active`): created, validated, checked out or checked
/// in at or after it.
macro_rules! active_since {
    ($t:literal) => {
        concat!(
            "(l.created_at >= ",
            $t,
            " OR coalesce(l.last_validated_at, ",
            $t,
            " - 1) >= ",
            $t,
            " OR coalesce(l.last_check_out_at, ",
            $t,
            " - 1) >= ",
            $t,
            " OR coalesce(l.last_check_in_at, ",
            $t,
            " - 1) >= ",
            $t,
            ")"
        )
    };
}

/// The machines of license `l` (Keygen's `machines_count`).
macro_rules! machine_count {
    () => {
        "(SELECT count(*) FROM machines x WHERE x.license_id = l.id)"
    };
}

/// Keygen's further license scopes (issue 8, `licenses_controller.rb`'s `has_scope`), ?18–?28:
/// ?18 machine (a machine of the license, by id), ?19 activity since (`activity[inside|after]`:
/// active at or after; Keygen's `active`), ?20 inactive before (`activity[outside|before]`;
/// Keygen's `inactive`) — both leave out licenses whose owner is banned, ?21/?22 activations
/// operator (`eq`, `gt`, `gte`, `lt`, `lte`) and count (machines), ?23 assigned (an owner or a
/// licensee: 1/0; -1 when `assigned` and `unassigned` contradict, which matches nothing, as in
/// Keygen), ?24 activated (any machine: 1/0), ?25 expiring (within 3 days: 1/0), ?26/?27
/// `expired[within|before|after|on]` bounds (already expired, expiry at or after ?26 and at or
/// before ?27), ?28 a user (owner or licensee) by email.
macro_rules! license_scopes {
    () => {
        concat!(
            "AND (?18 IS NULL OR EXISTS (SELECT 1 FROM machines x WHERE x.license_id = l.id AND x.id = ?18)) \
AND ((?19 IS NULL AND ?20 IS NULL) OR (NOT EXISTS (SELECT 1 FROM users ub WHERE ub.id = l.owner_id AND ub.banned_at IS NOT NULL) \
AND (?19 IS NULL OR ",
            active_since!("?19"),
            ") AND (?20 IS NULL OR NOT ",
            active_since!("?20"),
            "))) AND (?21 IS NULL OR CASE ?21 WHEN 'eq' THEN ",
            machine_count!(),
            " = ?22 WHEN 'gt' THEN ",
            machine_count!(),
            " > ?22 WHEN 'gte' THEN ",
            machine_count!(),
            " >= ?22 WHEN 'lt' THEN ",
            machine_count!(),
            " < ?22 WHEN 'lte' THEN ",
            machine_count!(),
            " <= ?22 END) \
AND (?23 IS NULL OR (l.owner_id IS NOT NULL OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id)) = ?23) \
AND (?24 IS NULL OR EXISTS (SELECT 1 FROM machines x WHERE x.license_id = l.id) = ?24) \
AND (?25 IS NULL OR (l.expiry IS NOT NULL AND l.expiry > ?9 AND l.expiry < ?9 + 259200000) = ?25) \
AND ((?26 IS NULL AND ?27 IS NULL) OR (l.expiry IS NOT NULL AND l.expiry < ?9 AND (?26 IS NULL OR l.expiry >= ?26) AND (?27 IS NULL OR l.expiry <= ?27))) \
AND (?28 IS NULL OR EXISTS (SELECT 1 FROM users ue WHERE ue.account_id = ?1 AND ue.email = lower(?28) \
AND (ue.id = l.owner_id OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = ue.id)))) "
        )
    };
}

/// Filters shared by [`LIST`] and [`COUNT`]:
/// ?1 account, ?2 only this license (license bearer), ?3 product, ?4 policy, ?5 user (owner or
/// licensee), ?6 suspended (0/1), ?7 expired (0/1), ?8 status, ?9 now, ?10 expires before,
/// ?11 expires after, ?12 metadata filters as a JSON object, ?13 owner exactly, ?14 group,
/// ?15 time operators ([`time_operators!`]), ?16 statuses (`status[in]`, a JSON array),
/// ?17 organization (an organization admin's: its licenses, in union with ?5; issue 10 §7),
/// ?18–?28 [`license_scopes!`], ?29 reseller (a reseller admin's: only its reseller's licenses;
/// issue 10 §7). ?10/?11 are inclusive bounds on the expiry (Keygen's
/// `expires[before|after|within|on]`).
/// `$tenant`: which licenses of ?1 (environments, issue 8: `visible!` or one arm of it).
macro_rules! license_filters {
    ($tenant:expr) => {
        concat!(
            "WHERE ",
            $tenant,
            " AND (?2 IS NULL OR l.id = ?2) AND (?3 IS NULL OR l.product_id = ?3) AND (?4 IS NULL OR l.policy_id = ?4) \
AND ((?5 IS NULL AND ?17 IS NULL) OR l.owner_id = ?5 OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = ?5) OR l.organization_id = ?17) \
AND (?6 IS NULL OR l.suspended = ?6) \
AND (?7 IS NULL OR (l.expiry IS NOT NULL AND l.expiry < ?9) = ?7) \
AND (?8 IS NULL OR ",
            license_status!("?9"),
            " = ?8) \
AND (?10 IS NULL OR (l.expiry IS NOT NULL AND l.expiry <= ?10)) AND (?11 IS NULL OR (l.expiry IS NOT NULL AND l.expiry >= ?11)) AND ",
            metadata_equals!("l.metadata", "?12"),
            " AND (?13 IS NULL OR l.owner_id = ?13 OR EXISTS (SELECT 1 FROM users ou WHERE ou.id = l.owner_id AND ou.email = lower(?13))) \
AND (?14 IS NULL OR l.group_id = ?14) \
AND ",
            // Query operators: ?15 created/updated/expiry/lastValidated [gt|gte|lt|lte], ?16 status[in].
            time_operators!("?15", "created" => "l.created_at", "updated" => "l.updated_at", "expiry" => "l.expiry", "lastValidated" => "l.last_validated_at"),
            " AND (?16 IS NULL OR ",
            license_status!("?9"),
            " IN (SELECT value FROM json_each(?16))) ",
            license_scopes!(),
            // Resellers (issue 10 §7).
            "AND (?29 IS NULL OR l.reseller_id = ?29) "
        )
    };
}

/// The licenses ?2 names in tenant ?1: the id ?2 when `$by_id` holds, and the license whose
/// key is ?2 ([`id_or!`]).
macro_rules! id_or_key {
    ($by_id:literal) => {
        id_or!("l.id", "licenses", "key", "?2", $by_id)
    };
}

/// One license by id or key; an exact id wins, so a key set to another license's id never shadows it;
/// then the tenant's own (inside a SHARED environment its license shadows a global one with the same key).
pub const FIND: &str = concat!(
    license_select!(),
    "WHERE ",
    visible_filter!("l.account_id", "?1"),
    " AND ",
    id_or_key!("1"),
    " ORDER BY l.id = ?2 DESC, l.account_id = ?1 DESC LIMIT 1"
);

/// Whether license id ?2 exists (ids only: the conflict check of a create).
pub const EXISTS: &str = "SELECT 1 AS ok FROM licenses WHERE account_id = ?1 AND id = ?2";

/// One license by key only (validate-key, `License <key>` auth); the tenant's own first, as [`FIND`].
pub const FIND_BY_KEY: &str =
    concat!(license_select!(), "WHERE ", visible_filter!("l.account_id", "?1"), " AND ", id_or_key!("0"), " ORDER BY l.account_id = ?1 DESC LIMIT 1");

/// The index of [`LIST`]'s reseller parameter ?29 among its filters (`service::pin_reseller`).
pub const RESELLER_SLOT: usize = 28;

/// Licenses, newest first, filtered (see `license_filters`), ?30 limit, ?31 offset.
/// Environments (issue 8): the tenant's own `UNION ALL` a SHARED environment's global ones,
/// merged in index order (`visible_union!`).
pub const LIST: &str = concat!(
    license_select!(),
    license_filters!("l.account_id = ?1"),
    "UNION ALL ",
    license_select!(),
    license_filters!(global_of!("l.account_id", "?1")),
    "ORDER BY created_at DESC, id DESC LIMIT ?30 OFFSET ?31"
);

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM licenses l ", license_filters!(visible!("l.account_id", "?1")));

/// Exports: one keyset page of [`LIST`]'s rows (same filters ?1–?29), oldest first, after
/// (?30 created at, ?31 id) — NULL: from the start; ?32 rows. The tenant's own only (a SHARED
/// environment's export leaves the global licenses out).
pub const PAGE_AFTER: &str = concat!(
    license_select!(),
    license_filters!("l.account_id = ?1"),
    "AND (?30 IS NULL OR l.created_at > ?30 OR (l.created_at = ?30 AND l.id > ?31)) ORDER BY l.created_at, l.id LIMIT ?32"
);

// Group on license create (issue 8).
/// Guard of the license inserts: group ?5 (NULL: none) is account ?2's and has room under its
/// `maxLicenses`, counted in the insert itself so concurrent creates never overfill it.
macro_rules! group_has_room {
    () => {
        "(?5 IS NULL OR EXISTS (SELECT 1 FROM groups g WHERE g.account_id = ?2 AND g.id = ?5 AND (g.max_licenses IS NULL OR \
(SELECT count(*) FROM licenses x WHERE x.group_id = g.id) < g.max_licenses)))"
    };
}

// Resellers (issue 10 §7).
/// Guard of the license inserts: with a reseller ?20 (a reseller admin's create), policy `p` is
/// allotted to it at the moment of the insert, so a withdrawal racing the create either lands
/// first (nothing is written: 0 rows) or after (the license was made while allotted).
macro_rules! allotted {
    () => {
        "(?20 IS NULL OR EXISTS (SELECT 1 FROM reseller_policies rp WHERE rp.account_id = ?2 AND rp.reseller_id = ?20 AND rp.policy_id = p.id))"
    };
}

/// Inserts a license whose policy belongs to the account and product (0 rows otherwise, or when
/// the id or key is taken); ?20 its reseller (NULL: none), whose allotment of the policy is
/// checked in the insert ([`allotted!`]).
pub const INSERT: &str = concat!(
    "INSERT INTO licenses (id, account_id, product_id, policy_id, owner_id, group_id, key, name, expiry, suspended, protected, \
max_machines, max_processes, max_users, max_cores, max_memory, max_disk, max_uses, metadata, created_at, updated_at, reseller_id) \
SELECT ?1, ?2, p.product_id, p.id, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20 \
FROM policies p WHERE p.id = ?3 AND ",
    visible!("p.account_id", "?2"),
    " AND ",
    group_has_room!(),
    " AND ",
    allotted!(),
    " ON CONFLICT DO NOTHING"
);

/// Key pools (issue 8): [`INSERT`] for a `usePool` policy, the key (?6 is not read) being the oldest
/// key of the policy's pool that no license holds; 0 rows when the pool is empty. Followed in
/// the same batch by `keys::DELETE_TAKEN`.
pub const INSERT_POOLED: &str = concat!(
    "INSERT INTO licenses (id, account_id, product_id, policy_id, owner_id, group_id, key, name, expiry, suspended, protected, \
max_machines, max_processes, max_users, max_cores, max_memory, max_disk, max_uses, metadata, created_at, updated_at, reseller_id) \
SELECT ?1, ?2, p.product_id, p.id, ?4, ?5, k.key, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20 \
FROM policies p JOIN keys k ON k.policy_id = p.id AND k.account_id = p.account_id \
WHERE p.id = ?3 AND p.account_id = ?2 AND NOT EXISTS (SELECT 1 FROM licenses o WHERE o.account_id = ?2 AND o.key = k.key) AND ",
    group_has_room!(),
    " AND ",
    allotted!(),
    " ORDER BY k.created_at, k.id LIMIT 1 ON CONFLICT DO NOTHING"
);

/// Writes the mutable attributes.
pub const UPDATE: &str = "UPDATE licenses SET name = ?3, expiry = ?4, protected = ?5, max_machines = ?6, max_processes = ?7, max_users = ?8, \
max_cores = ?9, max_memory = ?10, max_disk = ?11, max_uses = ?12, metadata = ?13, updated_at = ?14 WHERE account_id = ?1 AND id = ?2";

/// Suspends (1) or reinstates (0), only from the opposite state (0 rows = no change). Returns
/// what it wrote.
pub const SET_SUSPENDED: &str =
    "UPDATE licenses SET suspended = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND suspended <> ?3 RETURNING suspended, updated_at";

/// Sets the expiry ?3 at ?4 (renew), only if the expiry is still ?5 (the one the new value was
/// computed from; 0 rows when a concurrent write changed it). Returns what it wrote.
pub const SET_EXPIRY_FROM: &str =
    "UPDATE licenses SET expiry = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND expiry IS ?5 RETURNING expiry, updated_at";

/// Sets the expiry only if it is still unset (lazy expiration bases: first validation,
/// activation or use). Idempotent under concurrency: the first writer wins.
pub const SET_EXPIRY_IF_UNSET: &str = "UPDATE licenses SET expiry = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND expiry IS NULL";

/// Moves a license to another policy of the same product (?3) with expiry ?4, only if it is
/// still on policy ?6 with expiry ?7 (what the event's `changes` were computed from; 0 rows
/// when a concurrent write changed either). Its machines follow so uniqueness scopes stay right.
pub const TRANSFER: &str =
    "UPDATE licenses SET policy_id = ?3, expiry = ?4, updated_at = ?5 WHERE account_id = ?1 AND id = ?2 AND policy_id = ?6 AND expiry IS ?7";

/// Companion of [`TRANSFER`] for the license's machines: they take policy ?3 only if the
/// license (of tenant ?1) is on it now (so a refused transfer moves no machine) — all of them,
/// also those a SHARED environment activated for this global license (issue 8).
pub const TRANSFER_MACHINES: &str = "UPDATE machines SET policy_id = ?3 WHERE license_id = ?2 \
AND EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?1 AND l.id = ?2 AND l.policy_id = ?3)";

/// Sets the owner ?3 (NULL to clear; a user of the account) at ?4, only if the owner is still
/// ?5 (what the event's `changes` were computed from; 0 rows otherwise).
pub const SET_OWNER: &str = "UPDATE licenses SET owner_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND owner_id IS ?5";

/// Deletes a license (machines, processes, licensees and entitlements cascade).
pub const DELETE: &str = "DELETE FROM licenses WHERE account_id = ?1 AND id = ?2";

/// Deletes a license's tokens.
pub const DELETE_TOKENS: &str = "DELETE FROM tokens WHERE account_id = ?1 AND bearer_type = 'license' AND bearer_id = ?2";

/// Records a validation.
pub const TOUCH_VALIDATED: &str = "UPDATE licenses SET last_validated_at = ?3, last_validation_code = ?4 WHERE account_id = ?1 AND id = ?2";

/// Is ?2 a licensee of license ?1?
pub const IS_LICENSEE: &str = "SELECT 1 AS ok FROM license_users WHERE license_id = ?1 AND user_id = ?2";

/// One license with everything validation reads, in ONE statement: the columns of [`FIND`]
/// plus its machines (with owner email, component fingerprints and alive process counts at
/// ?4 = now), its licensees and its entitlement grants (license, set, policy: `domain::features`) as JSON arrays.
/// ?1 account, ?2 key (or id when ?3 = 0).
pub const FIND_FOR_VALIDATION: &str = concat!(
    "SELECT v.*, \
(SELECT json_group_array(json_object('id', m.id, 'fingerprint', m.fingerprint, 'owner_id', m.owner_id, 'owner_email', u.email, \
'cores', m.cores, 'memory', m.memory, 'disk', m.disk, 'created_at', m.created_at, 'last_heartbeat_at', m.last_heartbeat_at, \
'max_processes', m.max_processes, 'vm', m.vm_name IS NOT NULL, 'container', coalesce(m.container, 0), 'lease_duration', m.lease_duration, \
'alive_processes', (SELECT count(*) FROM processes pr WHERE pr.machine_id = m.id \
AND pr.last_heartbeat_at + coalesce(json_extract(v.policy_config, '$.heartbeatDuration'), 600) * 1000 >= ?4), \
'components', (SELECT json_group_array(c.fingerprint) FROM components c WHERE c.machine_id = m.id))) \
FROM (SELECT * FROM machines WHERE license_id = v.id ORDER BY created_at, id) m LEFT JOIN users u ON u.id = m.owner_id) AS machines_json, \
(SELECT json_group_array(json_object('id', u.id, 'email', u.email)) FROM license_users lu JOIN users u ON u.id = lu.user_id \
WHERE lu.license_id = v.id) AS licensees_json, \
(SELECT json_group_array(json_object('id', e.id, 'code', e.code, 'source', g.source, 'expires_at', g.expires_at)) FROM (",
    license_grants!("v.id"),
    ") g JOIN entitlements e ON e.id = g.entitlement_id AND ",
    visible!("e.account_id", "?1"),
    ") AS entitlements_json \
FROM (",
    license_select!(),
    "WHERE ",
    visible_filter!("l.account_id", "?1"),
    " AND ",
    id_or_key!("?3 = 0"),
    " ORDER BY ?3 = 0 AND l.id = ?2 DESC, l.account_id = ?1 DESC LIMIT 1) v"
);

/// Search (issue 8): the `WHERE` of [`SEARCH`]: ?3 id, ?4 key (exact), ?5 name, ?6 metadata,
/// ?7 product, ?8 policy, ?9 owner (each by id, id prefix or name/email), ?10 a licensee; ?11
/// reseller (a reseller admin's: only its licenses; issue 10 §7).
macro_rules! license_search {
    () => {
        concat!(
            "WHERE l.account_id = ?1 AND (?11 IS NULL OR l.reseller_id = ?11) AND ",
            search_where!(
                "?3" => contains!("l.id", "?3"),
                "?4" => "l.key = ?4",
                "?5" => contains!("l.name", "?5"),
                "?6" => metadata_contains!("l.metadata", "?6"),
                "?7" => related_term!("products", "l.product_id", "name", "?7"),
                "?8" => related_term!("policies", "l.policy_id", "name", "?8"),
                "?9" => related_term!("users", "l.owner_id", "email", "?9"),
                "?10" => licensee_term!("l.id", "?10"),
            ),
            " "
        )
    };
}

/// Search (issue 8): licenses matching, newest first; ?12 limit, ?13 offset.
pub const SEARCH: &str = concat!(license_select!(), license_search!(), "ORDER BY l.created_at DESC, l.id DESC LIMIT ?12 OFFSET ?13");

/// Count for [`SEARCH`].
pub const SEARCH_COUNT: &str = concat!("SELECT count(*) AS n FROM licenses l ", license_search!());
// API versions (issue 8)
/// The owners of the licenses in the JSON array `?2` (1.5's machine `user` relationship).
pub const OWNERS_IN: &str = "SELECT id, owner_id FROM licenses WHERE account_id = ?1 AND id IN (SELECT value FROM json_each(?2))";
// end API versions

// Organizations (issue 10 §7).

/// Licenses of organization ?2 (and of reseller ?3 unless NULL: a reseller admin's), newest
/// first; ?4 limit, ?5 offset.
pub const LIST_OF_ORGANIZATION: &str = concat!(
    license_select!(),
    "WHERE l.account_id = ?1 AND l.organization_id = ?2 AND (?3 IS NULL OR l.reseller_id = ?3) ORDER BY l.created_at DESC, l.id DESC LIMIT ?4 OFFSET ?5"
);

/// Count for [`LIST_OF_ORGANIZATION`].
pub const COUNT_OF_ORGANIZATION: &str =
    "SELECT count(*) AS n FROM licenses WHERE account_id = ?1 AND organization_id = ?2 AND (?3 IS NULL OR reseller_id = ?3)";

/// Sets license ?2's organization (?3, NULL to clear; one of account ?1) at ?4 (0 rows for an
/// organization of no account's).
pub const SET_ORGANIZATION: &str = "UPDATE licenses SET organization_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM organizations o WHERE o.account_id = ?1 AND o.id = ?3))";
// end organizations

// Resellers (issue 10 §7).

/// Sets license ?2's reseller (?3, NULL to clear; one of account ?1) at ?4 (0 rows for a
/// reseller of no account's).
pub const SET_RESELLER: &str = "UPDATE licenses SET reseller_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM resellers r WHERE r.account_id = ?1 AND r.id = ?3))";
// end resellers

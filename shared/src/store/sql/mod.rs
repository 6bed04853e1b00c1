//! All SQL text, one module per resource. Each statement exists once; both executors run it.
//! Parameters are numbered (`?1`), which D1 and SQLite both accept. List statements take
//! every filter as a nullable parameter (`?N IS NULL OR col = ?N`) so one text serves all
//! filter combinations.

/// Search (issue 8): Keygen's `POST /search` conditions. `$p => $expr` pairs: the condition
/// `$expr` applies when parameter `$p` is not NULL; `?2` is the operator, `'OR'` (any applied
/// condition holds) or anything else for AND (every applied condition holds).
macro_rules! search_where {
    ($($p:literal => $expr:expr),+ $(,)?) => {
        concat!(
            "(CASE WHEN ?2 = 'OR' THEN (0",
            $(" OR coalesce(CASE WHEN ", $p, " IS NULL THEN NULL ELSE (", $expr, ") END, 0)",)+
            ") ELSE (1",
            $(" AND coalesce(CASE WHEN ", $p, " IS NULL THEN NULL ELSE (", $expr, ") END, 1)",)+
            ") END)"
        )
    };
}

/// Search (issue 8): column `$col` contains parameter `$p`, case-insensitively (Keygen's
/// `ILIKE '%term%'`).
macro_rules! contains {
    ($col:literal, $p:literal) => {
        concat!("instr(lower(coalesce(", $col, ", '')), lower(", $p, ")) > 0")
    };
}

/// Search (issue 8): every term of JSON array parameter `$p` (`[{"k": [key spellings], "v":
/// value}]`, built by `service::lifecycle::search`) is in metadata column `$col`: a key under
/// any of its spellings (camelCase and snake_case, so what a ≤ 1.4 client sees is found),
/// a value matching as text or by JSON type name (`"true"` finds `true`, `"12"` finds 12), as
/// Keygen matches both the string and its type-cast.
macro_rules! metadata_contains {
    ($col:literal, $p:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM json_each(",
            $p,
            ") q WHERE NOT EXISTS (SELECT 1 FROM json_each(",
            $col,
            ") m WHERE m.key IN (SELECT value FROM json_each(q.value, '$.k')) ",
            "AND (CAST(m.value AS TEXT) = json_extract(q.value, '$.v') OR m.type = json_extract(q.value, '$.v'))))"
        )
    };
}

/// Environments (issue 8): the one rule for which tenants a request sees, Keygen's
/// non-strict `for_environment` (`app/models/concerns/environmental.rb`). `$p` is the
/// request's tenant id (an account id, or `<account>.<environment>` inside an environment,
/// `domain::environments::tenant_id`) and `$col` a row's tenant column: the row is visible
/// when it is the request's own, or, inside a SHARED environment, the account's global one
/// (the environment's row names its account, and must be the one `$p` starts with; one
/// primary-key lookup, no round trip).
/// Writes stay strict (`account_id = ?N`): a global record is read-only from inside.
///
/// Written as `$col IN ($p, <the shared environment's account>)`, not as an OR of two
/// equalities, so an index whose first column is `$col` can be sought once per value. A lookup
/// by id *or* a second column needs [`id_or!`] as well: with an OR there, SQLite plans each arm
/// alone and scanned the table for the second one
/// (`it::shared_environments::lookups_by_key_seek_the_account_key_index`).
macro_rules! visible {
    ($col:literal, $p:literal) => {
        concat!("(", $col, " IN (", $p, ", ", global_account!($p), "))")
    };
}

/// The account whose global records SHARED environment `$p` also sees (NULL, so nothing, for an
/// isolated environment or the global one): one primary-key lookup.
macro_rules! global_account {
    ($p:literal) => {
        concat!(
            "(SELECT env.account_id FROM environments env WHERE instr(",
            $p,
            ", '.') > 0 AND env.id = substr(",
            $p,
            ", instr(",
            $p,
            ", '.') + 1) AND env.account_id || '.' || env.id = ",
            $p,
            " AND env.isolation_strategy = 'SHARED')"
        )
    };
}

/// [`visible!`] as a filter only: `+$col` may not drive an index, so a lookup by id or a unique
/// column ([`id_or!`]) seeks the primary key for the ids its `IN` yields. With the plain term,
/// SQLite (no `ANALYZE` statistics, as on D1) preferred the `(account_id, created_at)` index
/// and walked every row of the account: with 20,000 licenses a validation's read took 8 ms
/// instead of 64 µs (`it::shared_environments::lookups_by_key_seek_the_account_key_index`).
macro_rules! visible_filter {
    ($col:literal, $p:literal) => {
        concat!("(+", $col, " IN (", $p, ", ", global_account!($p), "))")
    };
}

/// A record named by its id or by a unique column (a license key, a user's email, a product's
/// or entitlement's code) in tenant ?1 (with [`visible!`]): `$id IN (?2 when `$by_id` holds,
/// the id of the `$table` row whose `$col` is `$value`)`. Each arm seeks an index (the primary
/// key; `(account_id, $col)`), where an OR of `$id = ?2` and `$col = ?2` made SQLite scan the
/// whole table for the second (`it::shared_environments::lookups_by_key_seek_the_account_key_index`).
macro_rules! id_or {
    ($id:literal, $table:literal, $col:literal, $value:literal, $by_id:literal) => {
        concat!(
            $id,
            " IN (SELECT ?2 WHERE ",
            $by_id,
            " UNION ALL SELECT x.id FROM ",
            $table,
            " x WHERE ",
            visible!("x.account_id", "?1"),
            " AND x.",
            $col,
            " = ",
            $value,
            ")"
        )
    };
}

/// The second half of [`visible!`]: `$col` is the account of SHARED environment `$p`.
macro_rules! global_of {
    ($col:literal, $p:literal) => {
        concat!($col, " = ", global_account!($p))
    };
}

/// [`visible!`] for a list page: `$head WHERE $col = $p $tail UNION ALL $head WHERE
/// global_of!($col, $p) $tail $order`. Each arm walks its `(account_id, created_at)` index in
/// order and SQLite merges them (`MERGE (UNION ALL)`), where `visible!`'s OR would sort every
/// row of the account for each page (measured: 0.04 ms → 106 ms a page at 100,000 rows; the
/// union 0.18 ms). `$order` names result columns (`ORDER BY created_at DESC, id DESC LIMIT …`).
macro_rules! visible_union {
    ($head:expr, $col:literal, $p:literal, $tail:expr, $order:expr) => {
        concat!($head, " WHERE ", $col, " = ", $p, " ", $tail, " UNION ALL ", $head, " WHERE ", global_of!($col, $p), " ", $tail, " ", $order)
    };
}

/// The list filter `metadata[key]=value` (Keygen's `with_metadata` scope): `$p` is NULL or a JSON
/// object of key → value, and every pair equals the row's metadata column `$col` as text.
macro_rules! metadata_equals {
    ($col:literal, $p:literal) => {
        concat!(
            "(",
            $p,
            " IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(",
            $p,
            ") f WHERE CAST(json_extract(",
            $col,
            ", '$.\"' || f.key || '\"') AS TEXT) IS NOT CAST(f.value AS TEXT)))"
        )
    };
}

/// Keygen's `owner` and `user` scopes of components and processes (issue 8): machine `m`'s
/// owner is `$owner`, and the user whose email is `$email` owns machine `m` or owns or holds
/// license `$license`.
macro_rules! fleet_user_scopes {
    ($license:literal, $owner:literal, $email:literal) => {
        concat!(
            "AND (",
            $owner,
            " IS NULL OR m.owner_id = ",
            $owner,
            ") AND (",
            $email,
            " IS NULL OR EXISTS (SELECT 1 FROM users ue WHERE ue.account_id = ?1 \
AND ue.email = lower(",
            $email,
            ") AND (ue.id = m.owner_id OR EXISTS (SELECT 1 FROM licenses k WHERE k.id = ",
            $license,
            " AND k.owner_id = ue.id) \
OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = ",
            $license,
            " AND lu.user_id = ue.id)))) "
        )
    };
}

/// Search (issue 8, relationship terms): the record of `$table` whose id is `$id` matches
/// parameter `$p` as Keygen's `search_<relation>` scopes do: its exact id, a prefix of its id,
/// or (case-insensitively) a substring of its `$text` column (a user's email, a product's,
/// policy's or license's name).
macro_rules! related_term {
    ($table:literal, $id:literal, $text:literal, $p:literal) => {
        concat!(
            "(",
            $id,
            " = ",
            $p,
            " OR EXISTS (SELECT 1 FROM ",
            $table,
            " rt WHERE rt.id = ",
            $id,
            " AND (substr(rt.id, 1, length(",
            $p,
            ")) = lower(",
            $p,
            ") OR instr(lower(coalesce(rt.",
            $text,
            ", '')), lower(",
            $p,
            ")) > 0)))"
        )
    };
}

/// Search (issue 8, relationship terms): a licensee of license `$license` (Keygen's
/// `search_user`: the license's users) matches parameter `$p` by id, id prefix or email.
macro_rules! licensee_term {
    ($license:literal, $p:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM license_users lu JOIN users ru ON ru.id = lu.user_id WHERE lu.license_id = ",
            $license,
            " AND (ru.id = ",
            $p,
            " OR substr(ru.id, 1, length(",
            $p,
            ")) = lower(",
            $p,
            ") OR instr(lower(ru.email), lower(",
            $p,
            ")) > 0))"
        )
    };
}

/// Query operators: true when every comparison of JSON object `$param` (`{"created[gt]": ms,
/// …}`, built by `api::filters::time_operators`) holds for its column; a NULL column matches no
/// comparison. `$name => $col` pairs name the fields a list accepts.
macro_rules! time_operators {
    ($param:literal, $($name:literal => $col:literal),+) => {
        concat!(
            "(", $param, " IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(", $param, ") o WHERE NOT coalesce(CASE o.key",
            $(
                " WHEN '", $name, "[gt]' THEN ", $col, " > o.value WHEN '", $name, "[gte]' THEN ", $col, " >= o.value",
                " WHEN '", $name, "[lt]' THEN ", $col, " < o.value WHEN '", $name, "[lte]' THEN ", $col, " <= o.value",
            )+
            " END, 0)))"
        )
    };
}

/// Pair tables (`policy_entitlements`, `license_entitlements`, `license_users`): the
/// `$member` ids among JSON array ?3 attached to `$owner` ?2 in account ?1.
macro_rules! attached_members {
    ($table:literal, $owner:literal, $member:literal) => {
        concat!(
            "SELECT ",
            $member,
            " AS id FROM ",
            $table,
            " WHERE account_id = ?1 AND ",
            $owner,
            " = ?2 AND ",
            $member,
            " IN (SELECT value FROM json_each(?3))"
        )
    };
}

/// Pair tables: detaches the `$member` ids of JSON array ?3 from `$owner` ?2 in account ?1.
macro_rules! detach_members {
    ($table:literal, $owner:literal, $member:literal) => {
        concat!("DELETE FROM ", $table, " WHERE account_id = ?1 AND ", $owner, " = ?2 AND ", $member, " IN (SELECT value FROM json_each(?3))")
    };
}

/// Guard: license token `$tok` (a bound parameter, NULL when the caller is not charged a
/// license token) still has `$counter` (`activations` / `deactivations`) left under its
/// `max_$counter`. ANDed into the machine write it charges, and into the charge itself.
macro_rules! token_has_room {
    ($tok:literal, $counter:literal) => {
        concat!(
            "(",
            $tok,
            " IS NULL OR EXISTS (SELECT 1 FROM tokens t WHERE t.id = ",
            $tok,
            " AND (t.max_",
            $counter,
            " IS NULL OR t.",
            $counter,
            " < t.max_",
            $counter,
            ")))"
        )
    };
}

// Meter attributes (issue 10 §2): the aggregated meters of a license / machine read.
/// A license's meters as one JSON array text (`json_group_array`), for license reads.
macro_rules! license_meters_json {
    ($license:literal) => {
        concat!(
            "(SELECT json_group_array(json_object('name', lm.name, 'allowedUses', lm.allowed_uses, 'totalUses', lm.total_uses, \
'grossUses', lm.gross_uses, 'floating', lm.floating, 'visible', lm.visible)) FROM (SELECT * FROM license_meters lm WHERE lm.license_id = ",
            $license,
            " ORDER BY lm.name) lm)"
        )
    };
}

/// A machine's meter uses as one JSON array text, for machine reads.
macro_rules! machine_meters_json {
    ($machine:literal) => {
        concat!(
            "(SELECT json_group_array(json_object('name', mm.name, 'uses', mm.uses, 'visible', coalesce((SELECT lm.visible FROM license_meters lm \
WHERE lm.license_id = mm.license_id AND lm.name = mm.name), 1))) FROM (SELECT * FROM machine_meters mm WHERE mm.machine_id = ",
            $machine,
            " ORDER BY mm.name) mm)"
        )
    };
}

// Features and entitlement sets (issue 10 §3).
/// Every grant of an entitlement to license `$license` in account ?1, as rows
/// (`entitlement_id`, `source`, `grant_value`, `expires_at`) for `domain::features::effective`:
/// the license's own, its set's (the license's set, else its policy's), its policy's.
macro_rules! license_grants {
    ($license:literal) => {
        concat!(
            "SELECT le.entitlement_id, 'license' AS source, le.value AS grant_value, le.expires_at FROM license_entitlements le \
WHERE le.account_id = ?1 AND le.license_id = ",
            $license,
            " UNION ALL SELECT se.entitlement_id, 'set', se.value, NULL FROM licenses l JOIN policies p ON p.id = l.policy_id \
JOIN entitlement_set_entitlements se ON se.entitlement_set_id = coalesce(l.entitlement_set_id, p.entitlement_set_id) \
WHERE l.account_id = ?1 AND l.id = ",
            $license,
            " UNION ALL SELECT pe.entitlement_id, 'policy', NULL, NULL FROM licenses l JOIN policy_entitlements pe ON pe.policy_id = l.policy_id \
WHERE l.account_id = ?1 AND l.id = ",
            $license
        )
    };
}

pub mod accounts;
// distribution (issue 9)
pub mod artifacts;
pub mod engines;
pub mod packages;
pub mod releases;
// end distribution
pub mod activation_rules;
// Activation logs.
pub mod activation_logs;
pub mod components;
pub mod entitlements;
// Features and entitlement sets (issue 10 §3).
pub mod entitlement_sets;
// Environments (issue 8).
pub mod environments;
pub mod events;
pub mod groups;
// Group owners (issue 8).
pub mod group_owners;
pub mod jobs;
// Key pools (issue 8).
pub mod keys;
pub mod license_actions;
pub mod licenses;
pub mod machines;
// Organizations (issue 10 §7).
pub mod maintenance_policies;
pub mod meters;
pub mod organizations;
pub mod policies;
pub mod processes;
pub mod products;
// Search (issue 8).
pub mod search;
// Request logs (issue 8).
pub mod request_logs;
// Resellers (issue 10 §7).
pub mod resellers;
pub mod second_factors;
pub mod subscriptions;
pub mod tokens;
pub mod trials;
pub mod users;
pub mod webhooks;

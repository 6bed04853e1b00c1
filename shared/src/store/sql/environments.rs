//! Environments (Keygen EE, issue 8) and their tenant account rows (migration 0021).

/// Inserts an environment of account ?2 unless its code is taken case-insensitively
/// (0 rows changed then: the unique index on `lower(code)`).
pub const INSERT: &str = "INSERT INTO environments (id, account_id, name, code, isolation_strategy, created_at, updated_at) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING";

/// The tenant row ?1 of environment ?3 in account ?2, a copy of the account (its signing keys,
/// settings and pinned version), written only if [`INSERT`] wrote the environment (same batch).
pub const INSERT_TENANT: &str = "INSERT INTO accounts (id, name, slug, public_key, private_key_sealed, rsa_public_key, rsa_private_key_sealed, \
ecdsa_public_key, ecdsa_private_key_sealed, metadata, created_at, updated_at, api_version, parent_id) \
SELECT ?1, a.name, ?1, a.public_key, a.private_key_sealed, a.rsa_public_key, a.rsa_private_key_sealed, a.ecdsa_public_key, a.ecdsa_private_key_sealed, \
a.metadata, ?4, ?4, a.api_version, a.id FROM accounts a \
WHERE a.id = ?2 AND a.parent_id IS NULL AND EXISTS (SELECT 1 FROM environments e WHERE e.id = ?3 AND e.account_id = ?2 AND e.created_at = ?4)";

/// One environment of account ?1 by id or exact (case-sensitive) code; an exact id wins.
pub const FIND: &str = "SELECT * FROM environments WHERE +account_id = ?1 AND id IN (SELECT ?2 UNION ALL SELECT x.id FROM environments x \
WHERE x.account_id = ?1 AND lower(x.code) = lower(?2) AND x.code = ?2) ORDER BY id = ?2 DESC LIMIT 1";

/// Environments, newest first, ?2 limit, ?3 offset.
pub const LIST: &str = "SELECT * FROM environments WHERE account_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3";

/// Count for [`LIST`].
pub const COUNT: &str = "SELECT count(*) AS n FROM environments WHERE account_id = ?1";

/// Renames environment ?2 (name ?3, code ?4) unless another environment of the account holds
/// the code case-insensitively (0 rows changed then).
pub const UPDATE: &str = "UPDATE environments SET name = ?3, code = ?4, updated_at = ?5 WHERE account_id = ?1 AND id = ?2 \
AND NOT EXISTS (SELECT 1 FROM environments o WHERE o.account_id = ?1 AND lower(o.code) = lower(?4) AND o.id <> ?2)";

/// Deletes environment ?2 of account ?1.
pub const DELETE: &str = "DELETE FROM environments WHERE account_id = ?1 AND id = ?2";

/// Companion of [`DELETE`] (same batch): the tenant row ?2 of account ?1, and through the
/// foreign keys every record stored in the environment.
pub const DELETE_TENANT: &str = "DELETE FROM accounts WHERE id = ?2 AND parent_id = ?1";

/// Whether record ?1 lives in the family of account ?3 (the account or one of its
/// environments' tenants) elsewhere than tenant ?2 (the compatibility explanation of
/// `service::identity::environment_compat`).
macro_rules! elsewhere {
    ($table:literal) => {
        concat!(
            "SELECT 1 AS ok FROM ",
            $table,
            " WHERE id = ?1 AND account_id <> ?2 AND (account_id = ?3 OR substr(account_id, 1, length(?3) + 1) = ?3 || '.') LIMIT 1"
        )
    };
}

/// The [`elsewhere!`] statement of a type `domain::environments::related_type` names.
pub fn elsewhere(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "products" => elsewhere!("products"),
        "policies" => elsewhere!("policies"),
        "users" => elsewhere!("users"),
        "groups" => elsewhere!("groups"),
        "licenses" => elsewhere!("licenses"),
        "machines" => elsewhere!("machines"),
        "entitlements" => elsewhere!("entitlements"),
        "components" => elsewhere!("components"),
        "processes" => elsewhere!("processes"),
        _ => return None,
    })
}

/// The machines of tenant ?1, at most ?2 (their KV leases outlive the rows).
pub const LEFTOVER_MACHINES: &str = "SELECT id FROM machines WHERE account_id = ?1 LIMIT ?2";

/// The R2 objects of tenant ?1's artifacts, at most ?2 (the bytes outlive the rows).
pub const LEFTOVER_OBJECTS: &str = "SELECT r2_key FROM artifacts WHERE account_id = ?1 AND r2_key IS NOT NULL AND r2_key <> '' LIMIT ?2";

//! Everything validation reads about one license, as statements run together in ONE batch
//! (one D1 round trip) beside `sql::licenses::FIND` / `FIND_BY_KEY`. Each selects by
//! ?1 account and ?2 key (or id when ?3 = 0), so no statement depends on another's result.

/// The license id for ?1 account, ?2 key or id (?3 = 1: key only).
macro_rules! license_id {
    () => {
        "(SELECT l.id FROM licenses l WHERE l.account_id = ?1 AND (l.key = ?2 OR (?3 = 0 AND l.id = ?2)) LIMIT 1)"
    };
}

/// The license's machines with owner email, component fingerprints (JSON array) and alive
/// processes (heartbeat within the policy's duration of ?4 = now).
pub const MACHINES: &str = concat!(
    "SELECT m.id, m.fingerprint, m.owner_id, u.email AS owner_email, m.cores, m.memory, m.disk, m.created_at, m.last_heartbeat_at, m.max_processes, \
(SELECT count(*) FROM processes pr WHERE pr.machine_id = m.id AND pr.last_heartbeat_at + coalesce(json_extract(p.config, '$.heartbeatDuration'), 600) * 1000 >= ?4) \
AS alive_processes, (SELECT json_group_array(c.fingerprint) FROM components c WHERE c.machine_id = m.id) AS components \
FROM machines m JOIN policies p ON p.id = m.policy_id LEFT JOIN users u ON u.id = m.owner_id WHERE m.account_id = ?1 AND m.license_id = ",
    license_id!(),
    " ORDER BY m.created_at, m.id"
);

/// The license's licensees (users attached besides the owner).
pub const LICENSEES: &str =
    concat!("SELECT u.id, u.email FROM license_users lu JOIN users u ON u.id = lu.user_id WHERE lu.account_id = ?1 AND lu.license_id = ", license_id!());

/// Entitlement codes of the license and of its policy.
pub const ENTITLEMENTS: &str = concat!(
    "SELECT DISTINCT e.code FROM entitlements e WHERE e.account_id = ?1 AND (e.id IN (SELECT le.entitlement_id FROM license_entitlements le WHERE le.license_id = ",
    license_id!(),
    ") OR e.id IN (SELECT pe.entitlement_id FROM policy_entitlements pe WHERE pe.policy_id = (SELECT k.policy_id FROM licenses k WHERE k.id = ",
    license_id!(),
    ")))"
);

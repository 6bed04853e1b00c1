//! Activation logs: every statement that writes or reads `activation_logs` (the cull's set-based
//! log is `sql::jobs::LOG_CULLED_MACHINES`, beside the delete whose guard it shares).

/// The column list of every log insert.
macro_rules! insert_log {
    () => {
        "INSERT INTO activation_logs (id, account_id, action, product_id, license_id, machine_id, trial_activation_id, fingerprint, offline, \
app_version, os, hostname, ip, country, user_agent, created_at) "
    };
}
pub(crate) use insert_log;

/// Logs the activation of machine ?2 (just inserted in the same batch: nothing is written when
/// the guarded insert refused it): ?1 log id, ?3 ip, ?4 country, ?5 user agent, ?6 now.
pub const LOG_ACTIVATED_MACHINE: &str = concat!(
    insert_log!(),
    "SELECT ?1, m.account_id, 'activated', m.product_id, m.license_id, m.id, NULL, m.fingerprint, 0, NULL, m.platform, m.hostname, ?3, ?4, ?5, ?6 \
FROM machines m WHERE m.id = ?2"
);

/// Logs one change given by value, only if the statement right before it in the batch changed a
/// row (the change's event insert, itself guarded by the change: `changes()` chains). ?1 id,
/// ?2 account, ?3 action, ?4 product, ?5 license, ?6 machine, ?7 trial activation, ?8 fingerprint,
/// ?9 offline, ?10 app version, ?11 os, ?12 hostname, ?13 ip, ?14 country, ?15 user agent, ?16 now.
pub const LOG_IF_CHANGED: &str = concat!(insert_log!(), "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16 WHERE changes() > 0");

/// Logs the bulk deactivation of the machines of JSON object ?1 (machine id → log id) of license
/// ?2 in account ?3, placed right before their delete: ?4 ip, ?5 country, ?6 user agent, ?7 now.
pub const LOG_BULK_DEACTIVATED: &str = concat!(
    insert_log!(),
    "SELECT json_extract(?1, '$.\"' || m.id || '\"'), m.account_id, 'bulk-deactivated', m.product_id, m.license_id, m.id, NULL, m.fingerprint, 0, NULL, \
m.platform, m.hostname, ?4, ?5, ?6, ?7 FROM machines m WHERE m.id IN (SELECT key FROM json_each(?1)) AND m.license_id = ?2 AND m.account_id = ?3"
);

/// The filters of a list or export: ?1 account, ?2 license, ?3 machine, ?4 product, ?5 action,
/// created ?6 gt, ?7 gte, ?8 lt, ?9 lte (each NULL for none).
macro_rules! log_filters {
    () => {
        "account_id = ?1 AND (?2 IS NULL OR license_id = ?2) AND (?3 IS NULL OR machine_id = ?3) AND (?4 IS NULL OR product_id = ?4) \
AND (?5 IS NULL OR action = ?5) AND (?6 IS NULL OR created_at > ?6) AND (?7 IS NULL OR created_at >= ?7) AND (?8 IS NULL OR created_at < ?8) \
AND (?9 IS NULL OR created_at <= ?9)"
    };
}

/// Logs, newest first, filtered ([`log_filters!`]); ?10 limit, ?11 offset.
pub const LIST: &str = concat!("SELECT * FROM activation_logs WHERE ", log_filters!(), " ORDER BY created_at DESC, id DESC LIMIT ?10 OFFSET ?11");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM activation_logs WHERE ", log_filters!());

/// One keyset page for exports, oldest first, after (?10 created at, ?11 id) — NULL: from the
/// start; ?12 rows.
pub const PAGE_AFTER: &str = concat!(
    "SELECT * FROM activation_logs WHERE ",
    log_filters!(),
    " AND (?10 IS NULL OR created_at > ?10 OR (created_at = ?10 AND id > ?11)) ORDER BY created_at, id LIMIT ?12"
);

/// One log.
pub const FIND: &str = "SELECT * FROM activation_logs WHERE account_id = ?1 AND id = ?2";

/// `activation_logs`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ActivationLogRow {
    pub id: String,
    pub account_id: String,
    pub action: crate::domain::states::ActivationAction,
    pub product_id: Option<String>,
    pub license_id: Option<String>,
    pub machine_id: Option<String>,
    pub trial_activation_id: Option<String>,
    pub fingerprint: String,
    pub offline: i64,
    pub app_version: Option<String>,
    pub os: Option<String>,
    pub hostname: Option<String>,
    pub ip: Option<String>,
    pub country: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: crate::clock::Millis,
}

/// Bulk deactivation: up to ?5 machines of license ?2 in account ?1 created at or after ?3 and
/// before ?4 (each NULL for no bound), oldest first.
pub const MACHINES_IN_RANGE: &str = "SELECT id FROM machines WHERE account_id = ?1 AND license_id = ?2 AND (?3 IS NULL OR created_at >= ?3) \
AND (?4 IS NULL OR created_at < ?4) ORDER BY created_at, id LIMIT ?5";

/// Bulk deactivation: deletes the machines of JSON object ?1 (machine id → log id) of license
/// ?2 in account ?3 (processes and components cascade), right after [`LOG_BULK_DEACTIVATED`].
pub const DELETE_MACHINES_IN: &str = "DELETE FROM machines WHERE id IN (SELECT key FROM json_each(?1)) AND license_id = ?2 AND account_id = ?3";

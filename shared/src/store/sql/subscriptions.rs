//! Subscriptions (issue 10 §5): the subscription log and a license's subscription overrides.

/// Records one subscription-log row only if the statement right before it in the batch changed
/// a row (see `sql::events::INSERT_IF_CHANGED`): ?1 id, ?2 account, ?3 license, ?4 product,
/// ?5 action, ?6/?7 expiry from/to, ?8/?9 interval from/to, ?10/?11 maintenance expiry
/// from/to, ?12/?13 whodunnit type/id, ?14 created at. It leaves `changes()` at 1 when it
/// wrote, 0 otherwise, so events chained after it follow the same guard.
pub const INSERT_LOG_IF_CHANGED: &str = "INSERT INTO subscription_logs (id, account_id, license_id, product_id, action, expiry_from, expiry_to, \
interval_from, interval_to, maintenance_expiry_from, maintenance_expiry_to, whodunnit_type, whodunnit_id, created_at) \
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14 WHERE changes() > 0";

/// Filters shared by [`LIST_LOGS`] and [`COUNT_LOGS`]: ?1 account, ?2 license, ?3 product,
/// ?4 action, ?5 created at or after, ?6 created before.
macro_rules! log_filters {
    () => {
        "WHERE account_id = ?1 AND (?2 IS NULL OR license_id = ?2) AND (?3 IS NULL OR product_id = ?3) AND (?4 IS NULL OR action = ?4) \
AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6) "
    };
}

/// Subscription logs, newest first, filtered; ?7 limit, ?8 offset.
pub const LIST_LOGS: &str = concat!("SELECT * FROM subscription_logs ", log_filters!(), "ORDER BY created_at DESC, id DESC LIMIT ?7 OFFSET ?8");

/// Count for [`LIST_LOGS`].
pub const COUNT_LOGS: &str = concat!("SELECT count(*) AS n FROM subscription_logs ", log_filters!());

/// One subscription log.
pub const FIND_LOG: &str = "SELECT * FROM subscription_logs WHERE account_id = ?1 AND id = ?2";

/// Sets license ?2's subscription overrides (?3 interval, ?4 trigger; NULL = the policy's) at
/// ?5, only if they still are ?6 / ?7 (what the log's `from` was read as; 0 rows otherwise).
pub const SET_LICENSE_SUBSCRIPTION: &str = "UPDATE licenses SET subscription_interval = ?3, subscription_start_trigger = ?4, updated_at = ?5 \
WHERE account_id = ?1 AND id = ?2 AND subscription_interval IS ?6 AND subscription_start_trigger IS ?7";

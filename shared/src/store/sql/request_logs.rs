//! Request logs (issue 8): every statement that writes or reads `request_logs`.

/// Logs one request, unless account ?2 already logged ?15 rows since ?16 (the start of the UTC
/// day): the daily cap, checked and enforced in the one statement (D1 runs each statement
/// alone, so concurrent inserts cannot overshoot). ?1 id, ?3 method, ?4 url, ?5 status, ?6 ip,
/// ?7 user agent, ?8 requestor type, ?9 requestor id, ?10 resource type, ?11 resource id,
/// ?12 request size, ?13 response size, ?14 run time (ms), ?17 now. The count stops at ?15
/// rows, so the check costs at most the cap's index steps.
pub const INSERT: &str = "INSERT INTO request_logs (id, account_id, method, url, status, ip, user_agent, requestor_type, requestor_id, \
resource_type, resource_id, request_size, response_size, run_time, created_at) \
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?17 \
WHERE (SELECT count(*) FROM (SELECT 1 FROM request_logs WHERE account_id = ?2 AND created_at >= ?16 LIMIT ?15)) < ?15";

/// The filters of a list: ?1 account, ?2 created at or after, ?3 created before, ?4 requestor
/// type, ?5 requestor id, ?6 resource type, ?7 resource id, ?8 ip prefix (case-insensitive),
/// ?9 method, ?10 a substring of the url (case-sensitive, as Keygen's `like`), ?11 status
/// (each NULL for none). No value is spliced into LIKE patterns: `substr`/`instr` compare.
macro_rules! log_filters {
    () => {
        "account_id = ?1 AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3) \
AND (?4 IS NULL OR requestor_type = ?4) AND (?5 IS NULL OR requestor_id = ?5) \
AND (?6 IS NULL OR resource_type = ?6) AND (?7 IS NULL OR resource_id = ?7) \
AND (?8 IS NULL OR lower(substr(ip, 1, length(?8))) = lower(?8)) AND (?9 IS NULL OR method = ?9) \
AND (?10 IS NULL OR instr(url, ?10) > 0) AND (?11 IS NULL OR status = ?11)"
    };
}

/// Logs, newest first, filtered ([`log_filters!`]); ?12 limit, ?13 offset.
pub const LIST: &str = concat!("SELECT * FROM request_logs WHERE ", log_filters!(), " ORDER BY created_at DESC, id DESC LIMIT ?12 OFFSET ?13");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM request_logs WHERE ", log_filters!());

/// One log.
pub const FIND: &str = "SELECT * FROM request_logs WHERE account_id = ?1 AND id = ?2";

/// The daily prune: up to ?2 logs (of every account) created before ?1.
pub const PRUNE: &str = "DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs WHERE created_at < ?1 LIMIT ?2)";

/// `request_logs`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RequestLogRow {
    pub id: String,
    pub account_id: String,
    pub method: String,
    pub url: String,
    pub status: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub requestor_type: Option<String>,
    pub requestor_id: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub request_size: i64,
    pub response_size: Option<i64>,
    pub run_time: i64,
    pub created_at: crate::clock::Millis,
}

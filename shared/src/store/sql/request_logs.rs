//! Request logs (issue 8): every statement that writes or reads `request_logs`.

/// Logs a batch of requests (issue 11: an isolate's buffer, one D1 round trip), ?1 a JSON array
/// of rows `[id, account, method, url, status, ip, user agent, requestor type, requestor id,
/// resource type, resource id, request size, response size, run time (ms), created at, start of
/// its UTC day, its place among the batch's rows of the same account and day]`, under the daily
/// cap ?2: each (account, day) of the batch counts its logged rows once (stopping at ?2, so the
/// check costs at most the cap's index steps), and a row is written only while that count plus
/// its place is under ?2. One statement (D1 runs each alone, and SQLite computes the whole
/// `SELECT` before inserting, since it reads the table it fills), so concurrent batches cannot
/// overshoot the cap.
pub const INSERT_BATCH: &str = "INSERT INTO request_logs (id, account_id, method, url, status, ip, user_agent, requestor_type, requestor_id, \
resource_type, resource_id, request_size, response_size, run_time, created_at) \
WITH b AS (SELECT value AS v, json_extract(value, '$[1]') AS account, json_extract(value, '$[15]') AS day FROM json_each(?1)), \
g AS (SELECT account, day, (SELECT count(*) FROM (SELECT 1 FROM request_logs l WHERE l.account_id = d.account AND l.created_at >= d.day LIMIT ?2)) AS n \
FROM (SELECT DISTINCT account, day FROM b) d) \
SELECT json_extract(v, '$[0]'), b.account, json_extract(v, '$[2]'), json_extract(v, '$[3]'), json_extract(v, '$[4]'), json_extract(v, '$[5]'), \
json_extract(v, '$[6]'), json_extract(v, '$[7]'), json_extract(v, '$[8]'), json_extract(v, '$[9]'), json_extract(v, '$[10]'), \
json_extract(v, '$[11]'), json_extract(v, '$[12]'), json_extract(v, '$[13]'), json_extract(v, '$[14]') \
FROM b JOIN g ON g.account = b.account AND g.day = b.day WHERE g.n + json_extract(v, '$[16]') < ?2";

/// The filters of a list: ?1 account, ?2 created at or after, ?3 created before, ?4 requestor
/// type, ?5 requestor id, ?6 resource type, ?7 resource id, ?8 ip prefix (case-insensitive),
/// ?9 method, ?10 a substring of the url (case-sensitive, as Keygen's `like`), ?11 status
/// (each NULL for none). No value is spliced into LIKE patterns: `substr`/`instr` compare.
macro_rules! log_filters {
    ($tenant:expr) => {
        concat!(
            $tenant,
            " AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3) \
AND (?4 IS NULL OR requestor_type = ?4) AND (?5 IS NULL OR requestor_id = ?5) \
AND (?6 IS NULL OR resource_type = ?6) AND (?7 IS NULL OR resource_id = ?7) \
AND (?8 IS NULL OR lower(substr(ip, 1, length(?8))) = lower(?8)) AND (?9 IS NULL OR method = ?9) \
AND (?10 IS NULL OR instr(url, ?10) > 0) AND (?11 IS NULL OR status = ?11)"
        )
    };
}

/// Logs, newest first, filtered ([`log_filters!`]); ?12 limit, ?13 offset. Environments
/// (issue 8): the tenant's own `UNION ALL` a SHARED environment's global ones (Keygen's
/// non-strict `for_environment`), merged in index order.
pub const LIST: &str = concat!(
    "SELECT * FROM request_logs WHERE ",
    log_filters!("account_id = ?1"),
    " UNION ALL SELECT * FROM request_logs WHERE ",
    log_filters!(global_of!("account_id", "?1")),
    " ORDER BY created_at DESC, id DESC LIMIT ?12 OFFSET ?13"
);

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM request_logs WHERE ", log_filters!(visible!("account_id", "?1")));

/// One log.
pub const FIND: &str = concat!("SELECT * FROM request_logs WHERE ", visible!("account_id", "?1"), " AND id = ?2");

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

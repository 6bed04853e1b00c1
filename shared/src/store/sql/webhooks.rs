//! Webhook endpoints and webhook events (deliveries), fan-out from the event log, and the
//! claim/attempt statements of delivery.

/// Inserts an endpoint (?3 product or NULL).
pub const INSERT_ENDPOINT: &str =
    "INSERT INTO webhook_endpoints (id, account_id, product_id, url, subscriptions, signing_algorithm, api_version, created_at, updated_at) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";

/// One endpoint.
pub const FIND_ENDPOINT: &str = "SELECT * FROM webhook_endpoints WHERE account_id = ?1 AND id = ?2";

/// Endpoints, newest first; ?2 only this product's (product bearers); ?3 limit, ?4 offset.
pub const LIST_ENDPOINTS: &str =
    "SELECT * FROM webhook_endpoints WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2) ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4";

/// Count for [`LIST_ENDPOINTS`].
pub const COUNT_ENDPOINTS: &str = "SELECT count(*) AS n FROM webhook_endpoints WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2)";

/// Updates an endpoint; an update also lifts a suspension (the vendor has fixed it).
pub const UPDATE_ENDPOINT: &str = "UPDATE webhook_endpoints SET url = ?3, subscriptions = ?4, signing_algorithm = ?5, api_version = ?6, product_id = ?7, \
suspended_at = NULL, consecutive_failures = 0, updated_at = ?8 WHERE account_id = ?1 AND id = ?2";

/// Deletes an endpoint (its webhook events cascade).
pub const DELETE_ENDPOINT: &str = "DELETE FROM webhook_endpoints WHERE account_id = ?1 AND id = ?2";

/// Lifts an endpoint's suspension (a manual retry).
pub const UNSUSPEND_ENDPOINT: &str = "UPDATE webhook_endpoints SET suspended_at = NULL, consecutive_failures = 0, updated_at = ?3 \
WHERE account_id = ?1 AND id = ?2 AND suspended_at IS NOT NULL";

/// Endpoints of the accounts in the JSON array ?1 (fan-out).
pub const ENDPOINTS_OF_ACCOUNTS: &str = "SELECT * FROM webhook_endpoints WHERE account_id IN (SELECT value FROM json_each(?1))";

/// Events not yet fanned out, oldest first, at most ?1, optionally of account ?2, with the
/// product their resource belongs to (for product-scoped endpoints; NULL when it is gone).
pub const PENDING_EVENT_LOGS: &str = "SELECT e.id, e.account_id, e.event, e.resource_type, e.resource_id, e.changes, e.meta, e.created_at, \
CASE e.resource_type WHEN 'products' THEN e.resource_id \
WHEN 'licenses' THEN (SELECT l.product_id FROM licenses l WHERE l.id = e.resource_id) \
WHEN 'machines' THEN (SELECT m.product_id FROM machines m WHERE m.id = e.resource_id) \
WHEN 'policies' THEN (SELECT p.product_id FROM policies p WHERE p.id = e.resource_id) \
WHEN 'processes' THEN (SELECT m.product_id FROM processes pr JOIN machines m ON m.id = pr.machine_id WHERE pr.id = e.resource_id) END AS product_id \
FROM event_logs e WHERE e.webhooks_at IS NULL AND (?2 IS NULL OR e.account_id = ?2) ORDER BY e.created_at, e.id LIMIT ?1";

/// Creates webhook events from a JSON array of `[id, account_id, endpoint_id, event_log_id,
/// event, endpoint_url, api_version, payload, idempotency_token]` (?1), due at ?2. Rows that
/// already exist for the (endpoint, event) pair are skipped: fan-out is idempotent.
pub const FAN_OUT: &str = "INSERT OR IGNORE INTO webhook_events (id, account_id, endpoint_id, event_log_id, event, endpoint_url, api_version, payload, \
idempotency_token, status, attempts, next_attempt_at, created_at, updated_at) \
SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'), json_extract(j.value, '$[4]'), \
json_extract(j.value, '$[5]'), json_extract(j.value, '$[6]'), json_extract(j.value, '$[7]'), json_extract(j.value, '$[8]'), 'DELIVERING', 0, ?2, ?2, ?2 \
FROM json_each(?1) j";

/// Marks the events of the JSON array ?1 as fanned out at ?2.
pub const MARK_FANNED_OUT: &str = "UPDATE event_logs SET webhooks_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND webhooks_at IS NULL";

/// Deliveries due at ?1 whose claim (if any) lapsed before ?2, of endpoints not suspended,
/// optionally of account ?3, at most ?4.
pub const DUE: &str = "SELECT we.*, coalesce(w.signing_algorithm, w.signature_algorithm) AS signature_algorithm FROM webhook_events we JOIN webhook_endpoints w ON w.id = we.endpoint_id \
WHERE we.status IN ('DELIVERING', 'FAILING') AND we.next_attempt_at <= ?1 AND (we.claimed_at IS NULL OR we.claimed_at < ?2) \
AND w.suspended_at IS NULL AND (?3 IS NULL OR we.account_id = ?3) ORDER BY we.next_attempt_at, we.id LIMIT ?4";

/// Claims delivery ?1 at ?2 unless another worker holds a claim newer than ?3 (1 row = ours).
pub const CLAIM: &str = "UPDATE webhook_events SET claimed_at = ?2 WHERE id = ?1 AND status IN ('DELIVERING', 'FAILING') \
AND (claimed_at IS NULL OR claimed_at < ?3)";

/// Records an attempt on a delivery we claimed at ?2: status ?3, next attempt ?4, response
/// code ?5 and body ?6, at ?7; releases the claim.
pub const RECORD_ATTEMPT: &str = "UPDATE webhook_events SET status = ?3, attempts = attempts + 1, next_attempt_at = ?4, claimed_at = NULL, \
last_response_code = ?5, last_response_body = ?6, updated_at = ?7 WHERE id = ?1 AND claimed_at = ?2";

/// A successful delivery resets the endpoint's failure count.
pub const ENDPOINT_SUCCEEDED: &str = "UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = ?1";

/// A failed attempt: counts it, and suspends the endpoint at ?2 when ?3 = 1 (410 Gone) or the
/// count reaches ?4.
pub const ENDPOINT_FAILED: &str = "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, \
suspended_at = CASE WHEN ?3 = 1 OR consecutive_failures + 1 >= ?4 THEN coalesce(suspended_at, ?2) ELSE suspended_at END WHERE id = ?1";

/// Webhook events, newest first, filtered by ?2 event, ?3 status, ?4 endpoint; ?5 limit, ?6 offset.
pub const LIST_EVENTS: &str = "SELECT * FROM webhook_events WHERE account_id = ?1 AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR status = ?3) \
AND (?4 IS NULL OR endpoint_id = ?4) ORDER BY created_at DESC, id DESC LIMIT ?5 OFFSET ?6";

/// Count for [`LIST_EVENTS`].
pub const COUNT_EVENTS: &str = "SELECT count(*) AS n FROM webhook_events WHERE account_id = ?1 AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR status = ?3) \
AND (?4 IS NULL OR endpoint_id = ?4)";

/// One webhook event.
pub const FIND_EVENT: &str = "SELECT * FROM webhook_events WHERE account_id = ?1 AND id = ?2";

/// Deletes a webhook event.
pub const DELETE_EVENT: &str = "DELETE FROM webhook_events WHERE account_id = ?1 AND id = ?2";

/// A manual retry: a new delivery ?3 of webhook event ?2 with the same payload and idempotency
/// token, due now (?4), to the endpoint's current URL.
pub const INSERT_RETRY: &str = "INSERT INTO webhook_events (id, account_id, endpoint_id, event_log_id, retry_of, event, endpoint_url, api_version, payload, \
idempotency_token, status, attempts, next_attempt_at, created_at, updated_at) \
SELECT ?3, we.account_id, we.endpoint_id, we.event_log_id, we.id, we.event, w.url, we.api_version, we.payload, we.idempotency_token, 'DELIVERING', 0, ?4, ?4, ?4 \
FROM webhook_events we JOIN webhook_endpoints w ON w.id = we.endpoint_id WHERE we.account_id = ?1 AND we.id = ?2";

//! Rendering of webhook endpoints and webhook events.

use serde_json::{json, Map, Value};

use super::document::ResourceObject;
use crate::store::rows::{WebhookEndpointRow, WebhookEventRow};

/// A webhook endpoint. `suspended` is Latchkey's extension: delivery pauses after repeated
/// failures or a 410, events keep being recorded; an update lifts it.
pub fn webhook_endpoint(w: &WebhookEndpointRow) -> ResourceObject {
    ResourceObject::new(&w.account_id, "webhook-endpoints", &w.id)
        .attr("url", w.url.clone())
        .attr("subscriptions", json!(w.subscriptions()))
        .attr("signatureAlgorithm", w.algorithm())
        .attr("apiVersion", w.api_version.clone())
        .attr("suspended", w.suspended_at.is_some())
        .timestamps(w.created_at, w.updated_at)
        .to_one("product", "products", w.product_id.as_deref())
}

/// A webhook event (one delivery), with `meta.idempotencyToken` as Keygen sends it.
pub fn webhook_event(e: &WebhookEventRow) -> ResourceObject {
    let mut r = ResourceObject::new(&e.account_id, "webhook-events", &e.id)
        .attr("endpoint", e.endpoint_url.clone())
        .attr("apiVersion", e.api_version.clone())
        .attr("payload", e.payload.clone())
        .attr("event", e.event.clone())
        .attr("status", e.status.as_str())
        .attr("lastResponseCode", e.last_response_code)
        .attr("lastResponseBody", e.last_response_body.clone())
        .timestamps(e.created_at, e.updated_at)
        .to_one("webhookEndpoint", "webhook-endpoints", Some(&e.endpoint_id));
    let mut meta = Map::new();
    meta.insert("idempotencyToken".into(), Value::String(e.idempotency_token.clone()));
    r.meta = Some(meta);
    r
}

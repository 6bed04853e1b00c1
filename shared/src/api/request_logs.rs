//! Rendering of request logs (Keygen's `RequestLogSerializer`, type `request-logs`).

use serde_json::{json, Value};

use super::document::{account_base, ResourceObject};
use crate::clock::iso8601;
use crate::store::sql::request_logs::RequestLogRow;

/// A request log as a JSON:API resource. Keygen's blob attributes (`requestHeaders`,
/// `requestBody`, `responseSignature`, `responseHeaders`, `responseBody`) are always `null`:
/// Latchkey stores no headers or bodies (they carry credentials). Latchkey adds
/// `requestSize`, `responseSize` (bytes; `null` for a streamed export) and `runTime` (ms).
pub fn render(l: &RequestLogRow) -> ResourceObject {
    let mut r = ResourceObject::new(&l.account_id, "request-logs", &l.id)
        .attr("url", l.url.clone())
        .attr("method", l.method.clone())
        .attr("status", l.status)
        .attr("userAgent", l.user_agent.clone())
        .attr("ip", l.ip.clone())
        .attr("requestHeaders", Value::Null)
        .attr("requestBody", Value::Null)
        .attr("responseSignature", Value::Null)
        .attr("responseHeaders", Value::Null)
        .attr("responseBody", Value::Null)
        .attr("requestSize", l.request_size)
        .attr("responseSize", l.response_size)
        .attr("runTime", l.run_time)
        .attr("created", iso8601(l.created_at))
        .attr("updated", iso8601(l.created_at));
    let base = account_base(&l.account_id);
    r.relationships.insert("environment".into(), json!({"data": null}));
    for (name, ty, id) in [("requestor", &l.requestor_type, &l.requestor_id), ("resource", &l.resource_type, &l.resource_id)] {
        let rel = match (ty, id) {
            (Some(ty), Some(id)) => json!({"links": {"related": format!("{base}/{ty}/{id}")}, "data": {"type": ty, "id": id}}),
            _ => json!({"data": null}),
        };
        r.relationships.insert(name.to_owned(), rel);
    }
    r
}

//! Rendering of activation logs.

use serde_json::Value;

use super::document::ResourceObject;
use crate::clock::iso8601;
use crate::store::sql::activation_logs::ActivationLogRow;

/// An activation log as a JSON:API resource (`activation-logs`).
pub fn render(l: &ActivationLogRow) -> ResourceObject {
    let mut r = ResourceObject::new(&l.account_id, "activation-logs", &l.id)
        .attr("action", l.action.as_str())
        .attr("fingerprint", l.fingerprint.clone())
        .attr("offline", l.offline == 1)
        .attr("appVersion", l.app_version.clone())
        .attr("os", l.os.clone())
        .attr("hostname", l.hostname.clone())
        .attr("ip", l.ip.clone())
        .attr("country", l.country.clone())
        .attr("userAgent", l.user_agent.clone())
        .attr("created", iso8601(l.created_at));
    // Linkage only: the license, machine or trial may be gone (a log outlives them).
    for (name, ty, id) in [
        ("product", "products", &l.product_id),
        ("license", "licenses", &l.license_id),
        ("machine", "machines", &l.machine_id),
        ("trialActivation", "trial-activations", &l.trial_activation_id),
    ] {
        let data = id.as_ref().map_or(Value::Null, |id| serde_json::json!({"type": ty, "id": id}));
        r.relationships.insert(name.to_owned(), serde_json::json!({ "data": data }));
    }
    r
}

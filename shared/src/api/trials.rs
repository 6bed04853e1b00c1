//! Rendering of trial policies and trial activations.

use serde_json::{json, Value};

use super::document::ResourceObject;
use crate::clock::iso8601;
use crate::store::rows::json_object;
use crate::store::sql::trials::{TrialActivationRow, TrialPolicyRow};

/// A trial policy.
pub fn trial_policy(p: &TrialPolicyRow) -> ResourceObject {
    let r = ResourceObject::new(&p.account_id, "trial-policies", &p.id)
        .attr("name", p.name.clone())
        .attr("trialLength", p.trial_length)
        .attr("subscriptionInterval", p.subscription_interval.clone())
        .attr("allowedActivations", p.allowed_activations)
        .attr("fingerprintMatchingStrategy", p.fingerprint_matching_strategy.clone())
        .attr("allowVmActivation", p.allow_vm_activation == 1)
        .attr("allowContainerActivation", p.allow_container_activation == 1)
        .attr("userLocked", p.user_locked == 1)
        .attr("default", p.is_default == 1)
        .attr("metadata", Value::Object(json_object(&p.metadata)))
        .timestamps(p.created_at, p.updated_at);
    linkage(r, &[("product", "products", Some(&p.product_id))])
}

/// A trial activation.
pub fn trial_activation(t: &TrialActivationRow) -> ResourceObject {
    let components: Value = serde_json::from_str(&t.components).unwrap_or(Value::Array(vec![]));
    let r = ResourceObject::new(&t.account_id, "trial-activations", &t.id)
        .attr("fingerprint", t.fingerprint.clone())
        .attr("components", components)
        .attr("os", t.os.clone())
        .attr("osVersion", t.os_version.clone())
        .attr("hostname", t.hostname.clone())
        .attr("vmName", t.vm_name.clone())
        .attr("container", t.container.clone())
        .attr("appVersion", t.app_version.clone())
        .attr("ip", t.ip.clone())
        .attr("country", t.country.clone())
        .attr("userAgent", t.user_agent.clone())
        .attr("offline", t.offline == 1)
        .attr("allowedActivations", t.allowed_activations)
        .attr("activations", t.activation_count)
        .attr("expiresAt", iso8601(t.expires_at))
        .attr("metadata", Value::Object(json_object(&t.metadata)))
        .timestamps(t.created_at, t.updated_at);
    linkage(
        r,
        &[("product", "products", Some(&t.product_id)), ("trialPolicy", "trial-policies", t.trial_policy_id.as_ref()), ("user", "users", t.user_id.as_ref())],
    )
}

/// To-one relationships with resource linkage only (`data`, no `links.related`: these
/// resources have no relationship routes; the ids are read with `GET /products/{id}` etc.).
fn linkage(mut r: ResourceObject, rels: &[(&str, &str, Option<&String>)]) -> ResourceObject {
    for (name, ty, id) in rels {
        let data = id.map_or(Value::Null, |id| json!({"type": ty, "id": id}));
        r.relationships.insert((*name).to_owned(), json!({ "data": data }));
    }
    r
}

//! Rendering of subscription logs and maintenance policies (issue 10 §5).

use serde_json::{json, Map, Value};

use super::document::ResourceObject;
use crate::clock::iso8601;
use crate::store::rows::{json_object, MaintenancePolicyRow, SubscriptionLogRow};

/// A subscription log: `action`, the `changes` that differ (as event logs render them,
/// `{"expiry": [from, to]}`), and the license, product and whodunnit relationships.
pub fn subscription_log(s: &SubscriptionLogRow) -> ResourceObject {
    let ts = |v: Option<i64>| v.map(iso8601);
    let mut changes = Map::new();
    if s.expiry_from != s.expiry_to {
        changes.insert("expiry".into(), json!([ts(s.expiry_from), ts(s.expiry_to)]));
    }
    if s.interval_from != s.interval_to {
        changes.insert("subscriptionInterval".into(), json!([s.interval_from, s.interval_to]));
    }
    if s.maintenance_expiry_from != s.maintenance_expiry_to {
        changes.insert("maintenanceExpiry".into(), json!([ts(s.maintenance_expiry_from), ts(s.maintenance_expiry_to)]));
    }
    let mut r = ResourceObject::new(&s.account_id, "subscription-logs", &s.id)
        .attr("action", s.action.clone())
        .attr("changes", Value::Object(changes))
        .attr("created", iso8601(s.created_at))
        .attr("updated", iso8601(s.created_at))
        .to_one("license", "licenses", Some(&s.license_id))
        .to_one("product", "products", Some(&s.product_id));
    let who = match (&s.whodunnit_type, &s.whodunnit_id) {
        (Some(t), Some(i)) => json!({"type": t, "id": i}),
        _ => Value::Null,
    };
    r.relationships.insert("whodunnit".into(), json!({"data": who}));
    r
}

/// A maintenance policy.
pub fn maintenance_policy(m: &MaintenancePolicyRow) -> ResourceObject {
    ResourceObject::new(&m.account_id, "maintenance-policies", &m.id)
        .attr("name", m.name.clone())
        .attr("subscriptionInterval", m.subscription_interval.to_string())
        .attr("subscriptionStartTrigger", m.subscription_start_trigger.as_str())
        .attr("allowMajorVersionUpdates", m.allow_major_version_updates != 0)
        .attr("allowMinorVersionUpdates", m.allow_minor_version_updates != 0)
        .attr("metadata", Value::Object(json_object(&m.metadata)))
        .timestamps(m.created_at, m.updated_at)
        .to_one("product", "products", Some(&m.product_id))
}

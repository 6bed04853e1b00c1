//! Rendering of organizations (issue 10 §7).

use serde_json::Value;

use super::document::ResourceObject;
use crate::store::rows::{json_object, OrganizationRow};

/// An organization: Cryptlex's fields in Keygen's conventions (`allowedUsers` -1 = unlimited;
/// `meta.usersCount` on the users relationship).
pub fn organization(o: &OrganizationRow) -> ResourceObject {
    ResourceObject::new(&o.account_id, "organizations", &o.id)
        .attr("name", o.name.clone())
        .attr("email", o.email.clone())
        .attr("description", o.description.clone())
        .attr("address", Value::Object(json_object(&o.address)))
        .attr("allowedUsers", o.allowed_users)
        .attr("metadata", Value::Object(json_object(&o.metadata)))
        .timestamps(o.created_at, o.updated_at)
        .to_many("users", Some(serde_json::json!({"count": o.users_count})))
        .to_many("licenses", None)
        // Resellers (issue 10 §7).
        .to_one("reseller", "resellers", o.reseller_id.as_deref())
}

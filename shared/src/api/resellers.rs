//! Rendering of resellers (issue 10 §7, Cryptlex 3.67).

use serde_json::{json, Value};

use super::document::ResourceObject;
use crate::store::rows::{json_object, ResellerRow};

/// A reseller: Cryptlex's fields in Keygen's conventions (`allowedUsers` and
/// `allowedOrganizations` -1 = unlimited; counts in the relationships' `meta`).
pub fn reseller(r: &ResellerRow) -> ResourceObject {
    ResourceObject::new(&r.account_id, "resellers", &r.id)
        .attr("name", r.name.clone())
        .attr("email", r.email.clone())
        .attr("phone", r.phone.clone())
        .attr("description", r.description.clone())
        .attr("address", Value::Object(json_object(&r.address)))
        .attr("allowedUsers", r.allowed_users)
        .attr("allowedOrganizations", r.allowed_organizations)
        .attr("metadata", Value::Object(json_object(&r.metadata)))
        .timestamps(r.created_at, r.updated_at)
        .to_many("policies", None)
        .to_many("products", None)
        .to_many("licenses", None)
        .to_many("users", Some(json!({"count": r.users_count})))
        .to_many("organizations", Some(json!({"count": r.organizations_count})))
}

//! Rendering of groups.

use serde_json::Value;

use super::document::ResourceObject;
use crate::store::rows::{json_object, GroupRow};

/// A group.
pub fn group(g: &GroupRow) -> ResourceObject {
    ResourceObject::new(&g.account_id, "groups", &g.id)
        .attr("name", g.name.clone())
        .attr("maxUsers", g.max_users)
        .attr("maxLicenses", g.max_licenses)
        .attr("maxMachines", g.max_machines)
        .attr("metadata", Value::Object(json_object(&g.metadata)))
        .timestamps(g.created_at, g.updated_at)
        .to_many("users", None)
        .to_many("licenses", None)
        .to_many("machines", None)
}

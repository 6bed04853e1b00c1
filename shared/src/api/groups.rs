//! Rendering of groups.

use serde_json::{json, Value};

use super::document::{account_base, ResourceObject};
use crate::store::rows::{json_object, GroupOwnerRow, GroupRow};

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
        .to_many("owners", None)
}

/// A group owner (Keygen's `group-owners`: the group and the user).
/// Its `links.self` is below the group (`/groups/{group}/owners/{id}`), its relationships link
/// the group and the user themselves, as Keygen's serializer does.
pub fn group_owner(o: &GroupOwnerRow) -> ResourceObject {
    let base = account_base(&o.account_id);
    let mut r = ResourceObject::new(&o.account_id, "group-owners", &o.id).timestamps(o.created_at, o.updated_at);
    r.self_link = format!("{base}/groups/{}/owners/{}", o.group_id, o.id);
    for (name, ty, id) in [("group", "groups", &o.group_id), ("user", "users", &o.user_id)] {
        r.relationships.insert(name.into(), json!({"links": {"related": format!("{base}/{ty}/{id}")}, "data": {"type": ty, "id": id}}));
    }
    r
}

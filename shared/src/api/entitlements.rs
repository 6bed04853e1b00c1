//! Rendering of entitlements and of their attachments to policies and licenses.

use serde_json::Value;

use super::document::ResourceObject;
use crate::clock::Millis;
use crate::store::rows::{json_object, EntitlementRow, EntitlementSetRow};

/// An entitlement.
pub fn entitlement(e: &EntitlementRow) -> ResourceObject {
    ResourceObject::new(&e.account_id, "entitlements", &e.id)
        .attr("name", e.name.clone())
        .attr("code", e.code.clone())
        // Issue 10 §3: a Cryptlex feature's typed value (rows are checked on read).
        .attr("value", e.value.as_deref().and_then(|v| serde_json::from_str::<Value>(v).ok()).unwrap_or(Value::Null))
        .attr("metadata", Value::Object(json_object(&e.metadata)))
        .timestamps(e.created_at, e.updated_at)
}

/// An entitlement set (issue 10 §3); its members at `links.related`-style
/// `/entitlement-sets/{id}/entitlements`.
pub fn entitlement_set(s: &EntitlementSetRow) -> ResourceObject {
    ResourceObject::new(&s.account_id, "entitlement-sets", &s.id)
        .attr("name", s.name.clone())
        .attr("metadata", Value::Object(json_object(&s.metadata)))
        .timestamps(s.created_at, s.updated_at)
        .to_many("entitlements", None)
}

/// A join resource as Keygen returns from attach (`policy-entitlements`,
/// `license-entitlements`, `license-users`): created/updated and both sides as relationships,
/// each side given as `(relationship, type, id)`. The join tables have no id column, so the id
/// is derived from the pair (stable across reads).
pub fn attachment(account_id: &str, ty: &'static str, owner: (&str, &str, &str), target: (&str, &str, &str), at: Millis) -> ResourceObject {
    ResourceObject::new(account_id, ty, &derived_id(owner.2, target.2)).timestamps(at, at).to_one(owner.0, owner.1, Some(owner.2)).to_one(
        target.0,
        target.1,
        Some(target.2),
    )
}

/// A UUID-shaped id derived from a pair of ids (SHA-256, version-5 style bits): the id of a
/// join row that has no id column of its own.
pub fn derived_id(a: &str, b: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let mut h: [u8; 16] = Sha256::digest(format!("{a}/{b}").as_bytes())[..16].try_into().unwrap_or_default();
    h[6] = (h[6] & 0x0f) | 0x50;
    h[8] = (h[8] & 0x3f) | 0x80;
    let x = hex::encode(h);
    format!("{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

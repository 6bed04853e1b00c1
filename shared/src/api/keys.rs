//! Key pools (issue 8): the `keys` resource as Keygen's `KeySerializer` renders it.

use super::ResourceObject;
use crate::store::rows::KeyRow;

/// A pooled key.
pub fn key(k: &KeyRow) -> ResourceObject {
    ResourceObject::new(&k.account_id, "keys", &k.id)
        .attr("key", k.key.clone())
        .timestamps(k.created_at, k.updated_at)
        .to_one("product", "products", Some(&k.product_id))
        .to_one("policy", "policies", Some(&k.policy_id))
}

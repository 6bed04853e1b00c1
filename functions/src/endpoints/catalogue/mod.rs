//! Endpoints of Catalogue: products, policies, entitlements and groups.
pub mod entitlements;
pub mod groups;
// Key pools (issue 8).
pub mod keys;
pub mod maintenance_policies;
pub mod policies;
pub mod products;

//! Catalogue: products, policies, entitlements and groups.
pub mod entitlements;
pub mod groups;
pub mod maintenance_policies;
pub mod policies;
pub mod products;

//! Catalogue: products, policies, entitlements and groups.
pub mod entitlements;
pub mod groups;
pub mod policies;
pub mod products;

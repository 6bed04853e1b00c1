//! Endpoints of Catalogue: products, policies, entitlements and groups.
// Features and entitlement sets (issue 10 §3).
pub mod entitlement_sets;
pub mod entitlements;
pub mod groups;
// Key pools (issue 8).
pub mod keys;
pub mod maintenance_policies;
pub mod policies;
pub mod products;
// Resellers (issue 10 §7).
pub mod reseller_policies;

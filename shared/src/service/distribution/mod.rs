//! Distribution (Keygen's "Dist v2"): packages, releases and their entitlement constraints,
//! artifacts (bytes in R2 through the [`crate::store::distribution::Blobs`] port, moved only
//! through the Worker's own signed links), upgrades and the derived platforms, arches,
//! channels and engines. Who sees which release is one rule,
//! [`crate::domain::release::release_access`], applied by [`viewer::Viewer`].

pub mod artifacts;
pub mod constraints;
pub mod derived;
pub mod engines;
pub mod packages;
pub mod product_relations;
pub mod raw;
pub mod relations;
pub mod releases;
pub mod tauri;
pub mod transfer;
pub mod upgrades;
pub mod viewer;

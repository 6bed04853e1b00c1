//! Endpoints of Licensing: licenses and their actions, validation, check-out, usage, maintenance windows.
pub mod activation;
// Activation logs: bulk deactivation.
pub mod bulk_deactivation;
pub mod checkouts;
// Features and entitlement sets (issue 10 §3).
pub mod entitlement_set;
pub mod license_actions;
pub mod licenses;
// Machine proofs (issue 8).
pub mod machine_proofs;
pub mod meters;
// Organizations (issue 10 §7).
pub mod organizations;
pub mod related;
pub mod relations;
// Resellers (issue 10 §7).
pub mod resellers;
pub mod subscriptions;
// Trials.
pub mod trials;
pub mod validations;

//! Licensing: licenses and their actions, validation, check-out, usage, maintenance windows.
pub mod activation;
// Activation logs: bulk deactivation.
pub mod bulk_deactivation;
pub mod checkout;
// The heartbeat cull's writes, shared with activation's lazy check (issue 10 §4).
pub mod culling;
// Features and entitlement sets (issue 10 §3).
pub mod entitlement_set;
pub mod license_actions;
// Licenses' lists and Keygen's list scopes (issue 8).
pub mod license_lists;
pub mod license_tokens;
pub mod licensees;
pub mod licenses;
pub mod machine_relations;
// Machine proofs (issue 8).
pub mod machine_proofs;
pub mod maintenance;
pub mod meters;
// Organizations (issue 10 §7).
pub mod organizations;
pub mod related;
// Resellers (issue 10 §7).
pub mod relations;
pub mod resellers;
pub mod subscription_logs;
pub mod subscriptions;
// Trials (Cryptlex's verified trials).
pub mod trial_activations;
pub mod trial_policies;
pub mod usage;
pub mod validation;
pub mod version_lookups;

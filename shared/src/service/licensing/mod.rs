//! Licensing: licenses and their actions, validation, check-out, usage, maintenance windows.
pub mod activation;
pub mod checkout;
pub mod license_actions;
pub mod license_tokens;
pub mod licensees;
pub mod licenses;
pub mod machine_relations;
pub mod maintenance;
pub mod meters;
pub mod related;
pub mod relations;
pub mod subscription_logs;
pub mod subscriptions;
pub mod usage;
pub mod validation;

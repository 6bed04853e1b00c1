//! Endpoints of Licensing: licenses and their actions, validation, check-out, usage, maintenance windows.
pub mod activation;
pub mod checkouts;
pub mod license_actions;
pub mod licenses;
pub mod meters;
pub mod related;
pub mod relations;
pub mod subscriptions;
pub mod validations;

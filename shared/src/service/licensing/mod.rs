//! Licensing: licenses and their actions, validation, check-out, usage, maintenance windows.
pub mod checkout;
pub mod license_actions;
pub mod license_tokens;
pub mod licensees;
pub mod licenses;
pub mod maintenance;
pub mod usage;
pub mod validation;

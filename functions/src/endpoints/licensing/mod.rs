//! Endpoints of Licensing: licenses and their actions, validation, check-out, usage, maintenance windows.
pub mod checkouts;
pub mod license_actions;
pub mod licenses;
pub mod validations;

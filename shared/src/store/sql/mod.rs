//! All SQL text, one module per resource. Each statement exists once; both executors run it.
//! Parameters are numbered (`?1`), which D1 and SQLite both accept. List statements take
//! every filter as a nullable parameter (`?N IS NULL OR col = ?N`) so one text serves all
//! filter combinations.

pub mod accounts;
pub mod checkouts;
pub mod components;
pub mod entitlements;
pub mod events;
pub mod groups;
pub mod jobs;
pub mod license_actions;
pub mod licenses;
pub mod machines;
pub mod policies;
pub mod processes;
pub mod products;
pub mod tokens;
pub mod users;
pub mod validation;
pub mod webhooks;

//! All SQL text, one module per resource. Each statement exists once; both executors run it.
//! Parameters are numbered (`?1`), which D1 and SQLite both accept. List statements take
//! every filter as a nullable parameter (`?N IS NULL OR col = ?N`) so one text serves all
//! filter combinations.

pub mod accounts;
pub mod events;
pub mod jobs;
pub mod licenses;
pub mod policies;
pub mod products;
pub mod tokens;
pub mod users;
pub mod webhooks;

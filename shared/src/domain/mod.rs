//! Domain types and rules, without I/O.

// Exports.
pub mod csv;
pub mod heartbeat;
pub mod license;
pub mod policy;
pub mod states;
pub mod strategy;
pub mod trial;
pub mod validation;

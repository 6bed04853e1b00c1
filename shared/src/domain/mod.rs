//! Domain types and rules, without I/O.

pub mod activation_rules;
pub mod activation_rules_input;
pub mod duration;
pub mod heartbeat;
pub mod license;
pub mod meters;
pub mod policy;
pub mod states;
pub mod strategy;
pub mod validation;

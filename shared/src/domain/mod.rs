//! Domain types and rules, without I/O.

pub mod activation_rules;
pub mod activation_rules_input;
pub mod duration;
// Exports.
pub mod csv;
pub mod engines;
// Environments (issue 8).
pub mod environments;
// Features and entitlement sets (issue 10 §3).
pub mod features;
pub mod heartbeat;
// Floating-seat leases (issue 10 §4 follow-up, c10).
pub mod lease;
pub mod license;
// Computed maxAllowedReleaseVersion (issue 10 follow-up, c10).
pub mod max_release;
pub mod meters;
pub mod policy;
// Request logs (issue 8).
pub mod release;
pub mod request_log;
pub mod semver;
pub mod states;
pub mod strategy;
pub mod trial;
pub mod validation;

//! Native integration tests: use cases on a fresh SQLite database with the real migrations.

mod access;
mod accounts;
mod activation_logs;
mod activation_rules;
mod auth;
mod conflicts;
mod distribution;
mod engines;
// Features and entitlement sets (issue 10 §3).
mod entitlement_sets;
mod entitlements;
// Exports.
mod exports;
mod features;
mod identity_security;
mod imports;
mod input;
// Key pools and machine proofs (issue 8).
mod key_pools;
mod layering;
mod lazy_expiry;
mod licenses;
mod lifecycle;
mod lifecycle_scale;
mod limits;
mod machines;
mod maintenance_policies;
mod meters;
mod no_panic;
mod no_panic_engines;
mod offline;
mod outbox;
mod parity;
mod passwords;
mod product_codes;
// Query operators.
mod query_operators;
mod records;
mod relations;
mod replica;
// Request logs (issue 8).
mod request_logs;
// Key schemes (issue 8).
mod schemes;
mod second_factors;
mod subscriptions;
mod support;
// Trials.
mod roles;
mod trials;
// Organizations (issue 10 §7).
mod organizations;
mod validation;
mod validation_bench;
mod webhook_payloads;
mod webhook_queue;
mod webhooks;

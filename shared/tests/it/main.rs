//! Native integration tests: use cases on a fresh SQLite database with the real migrations.

mod access;
// Activation logs.
mod accounts;
mod activation_logs;
mod auth;
mod conflicts;
mod entitlements;
// Exports.
mod exports;
mod identity_security;
mod input;
mod layering;
mod lazy_expiry;
mod licenses;
mod lifecycle;
mod lifecycle_scale;
mod limits;
mod machines;
mod no_panic;
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
mod second_factors;
mod support;
// Trials.
mod trials;
mod validation;
mod validation_bench;
mod webhook_payloads;
mod webhook_queue;
mod webhooks;

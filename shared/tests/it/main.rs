//! Native integration tests: use cases on a fresh SQLite database with the real migrations.

mod access;
mod auth;
mod conflicts;
mod entitlements;
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
mod relations;
mod replica;
mod support;
mod validation;
mod webhook_payloads;
mod webhook_queue;
mod webhooks;

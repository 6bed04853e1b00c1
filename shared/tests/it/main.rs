//! Native integration tests: use cases on a fresh SQLite database with the real migrations.

mod auth;
mod licenses;
mod lifecycle;
mod lifecycle_scale;
mod support;
mod webhooks;

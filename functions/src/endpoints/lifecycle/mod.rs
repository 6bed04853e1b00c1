//! Endpoints of Lifecycle: webhooks (endpoints, fan-out, delivery, payloads) and the scheduled jobs.
// Activation logs.
pub mod activation_logs;
pub mod events;
// Exports (CSV).
pub mod exports;
// Search (issue 8).
pub mod search;
// Request logs (issue 8).
pub mod request_logs;
pub mod webhook_relations;
pub mod webhooks;

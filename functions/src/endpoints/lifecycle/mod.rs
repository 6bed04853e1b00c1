//! Endpoints of Lifecycle: webhooks (endpoints, fan-out, delivery, payloads) and the scheduled jobs.
// Activation logs.
pub mod activation_logs;
pub mod events;
// Exports (CSV).
pub mod exports;
pub mod webhook_relations;
pub mod webhooks;

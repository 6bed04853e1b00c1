//! Endpoints of Lifecycle: webhooks (endpoints, fan-out, delivery, payloads) and the scheduled jobs.
pub mod events;
pub mod webhook_relations;
pub mod webhooks;

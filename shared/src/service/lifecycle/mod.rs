//! Lifecycle: webhooks (endpoints, fan-out, delivery, payloads) and the scheduled jobs.
// Activation logs (read side).
pub mod activation_logs;
// Exports (CSV).
pub mod exports;
pub mod http_fake;
pub mod jobs;
// Search (issue 8).
pub mod search;
// Request logs (issue 8).
pub mod request_logs;
// Request logs written in batches per isolate (issue 11).
pub mod request_log_batch;
pub mod webhook_delivery;
pub mod webhook_payload;
pub mod webhook_queue;
pub mod webhook_relations;
pub mod webhook_url;
pub mod webhooks;

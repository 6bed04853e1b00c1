//! Rows of the lifecycle capability (`service::lifecycle`): event logs, webhook endpoints and
//! deliveries, and what the background jobs (fan-out, culling, license scans) read.

use serde::Deserialize;

use crate::clock::Millis;

/// `event_logs`.
#[derive(Debug, Clone, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub account_id: String,
    pub event: String,
    pub resource_type: String,
    pub resource_id: String,
    pub whodunnit_type: Option<String>,
    pub whodunnit_id: Option<String>,
    pub changes: Option<String>,
    pub meta: Option<String>,
    pub created_at: Millis,
    /// Issue 8: the request that wrote it (Keygen's `request_log_id`; migration 0029).
    #[serde(default)]
    pub request_log_id: Option<String>,
}

/// `webhook_endpoints`.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookEndpointRow {
    pub id: String,
    pub account_id: String,
    pub product_id: Option<String>,
    pub url: String,
    pub subscriptions: String,
    pub signature_algorithm: String,
    /// The endpoint's algorithm when not ed25519 (migration 0017); wins over `signature_algorithm`.
    #[serde(default)]
    pub signing_algorithm: Option<String>,
    pub api_version: String,
    pub suspended_at: Option<Millis>,
    pub consecutive_failures: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl WebhookEndpointRow {
    /// The `signatureAlgorithm` deliveries are signed with.
    pub fn algorithm(&self) -> &str {
        self.signing_algorithm.as_deref().unwrap_or(&self.signature_algorithm)
    }

    /// The subscribed event names (`*` for all).
    pub fn subscriptions(&self) -> Vec<String> {
        serde_json::from_str(&self.subscriptions).unwrap_or_default()
    }
}

/// `webhook_events`: one delivery of one event to one endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookEventRow {
    pub id: String,
    pub account_id: String,
    pub endpoint_id: String,
    pub event_log_id: String,
    pub retry_of: Option<String>,
    pub event: String,
    pub endpoint_url: String,
    pub api_version: String,
    pub payload: String,
    pub idempotency_token: String,
    pub status: crate::domain::states::DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub claimed_at: Option<Millis>,
    pub last_response_code: Option<i64>,
    pub last_response_body: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The endpoint's `signatureAlgorithm` (joined by `sql::webhooks::DUE`; ed25519 when absent).
    #[serde(default)]
    pub signature_algorithm: Option<String>,
}

/// An event log entry awaiting fan-out (`sql::webhooks::PENDING_EVENT_LOGS`).
#[derive(Debug, Clone, Deserialize)]
pub struct PendingEventRow {
    pub id: String,
    pub account_id: String,
    pub event: String,
    pub resource_type: String,
    pub resource_id: String,
    pub changes: Option<String>,
    pub meta: Option<String>,
    pub created_at: Millis,
    pub product_id: Option<String>,
}

/// A machine or process the cull job looks at (`sql::jobs::CULL_*`; processes have no
/// `created_at`, their `last_heartbeat_at` is always set).
#[derive(Debug, Clone, Deserialize)]
pub struct CullRow {
    pub id: String,
    pub account_id: String,
    #[serde(default)]
    pub created_at: Millis,
    pub last_heartbeat_at: Option<Millis>,
    pub last_death_event_at: Option<Millis>,
    pub policy_config: String,
    /// A machine's own lease (seconds, migration 0023; processes: none).
    #[serde(default)]
    pub lease_duration: Option<i64>,
}

/// A license as the expiry, maintenance and check-in jobs read it (`sql::jobs`).
#[derive(Debug, Clone, Deserialize)]
pub struct LicenseScanRow {
    pub id: String,
    pub account_id: String,
    pub created_at: Millis,
    pub expiry: Option<Millis>,
    pub maintenance_expiry: Option<Millis>,
    pub last_check_in_at: Option<Millis>,
    pub last_expiring_soon_event_at: Option<Millis>,
    pub last_expired_event_at: Option<Millis>,
    pub last_maintenance_expiring_soon_event_at: Option<Millis>,
    pub last_maintenance_expired_event_at: Option<Millis>,
    pub last_check_in_required_soon_event_at: Option<Millis>,
    pub last_check_in_overdue_event_at: Option<Millis>,
    pub policy_config: String,
}

impl LicenseScanRow {
    /// The policy's rules.
    pub fn config(&self) -> crate::domain::policy::PolicyConfig {
        serde_json::from_str(&self.policy_config).unwrap_or_default()
    }
}

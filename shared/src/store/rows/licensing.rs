//! Rows of the licensing capability (`service::licensing`): the license read, what activation
//! and validation read beside it, and subscription logs.

use serde::Deserialize;
use serde_json::Value;

use super::{checked_config, checked_start_trigger, checked_subscription_interval, decode_config};
use crate::clock::Millis;

/// `licenses` joined with its policy's config, owner and counts (`sql::licenses::FIND`).
#[derive(Debug, Clone, Deserialize)]
pub struct LicenseRow {
    pub id: String,
    pub account_id: String,
    pub product_id: String,
    pub policy_id: String,
    pub owner_id: Option<String>,
    pub group_id: Option<String>,
    pub key: String,
    pub name: Option<String>,
    pub expiry: Option<Millis>,
    pub suspended: i64,
    pub protected: Option<i64>,
    pub uses: i64,
    pub max_machines: Option<i64>,
    pub max_processes: Option<i64>,
    pub max_users: Option<i64>,
    pub max_cores: Option<i64>,
    pub max_memory: Option<i64>,
    pub max_disk: Option<i64>,
    pub max_uses: Option<i64>,
    pub last_validated_at: Option<Millis>,
    pub last_check_in_at: Option<Millis>,
    pub last_check_out_at: Option<Millis>,
    /// Outcome code of the last recorded validation (migration 0007).
    #[serde(default)]
    pub last_validation_code: Option<String>,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Cryptlex maintenance window end (migration 0005).
    #[serde(default)]
    pub maintenance_expiry: Option<Millis>,
    /// Subscription overrides (migration 0013; NULL = the policy's), checked on read.
    #[serde(default, deserialize_with = "checked_subscription_interval")]
    pub subscription_interval: Option<String>,
    #[serde(default, deserialize_with = "checked_start_trigger")]
    pub subscription_start_trigger: Option<String>,
    /// Maintenance policy and release versions (migration 0013).
    #[serde(default)]
    pub maintenance_policy_id: Option<String>,
    #[serde(default)]
    pub current_release_version: Option<String>,
    #[serde(default)]
    pub max_allowed_release_version: Option<String>,
    /// Cryptlex's computed `maxAllowedReleaseVersion` (the license read's column; issue 10
    /// follow-up): `domain::max_release::computed`.
    #[serde(default)]
    pub computed_max_release_version: Option<String>,
    /// The license's own entitlement set, replacing its policy's (migration 0019, issue 10 §3).
    #[serde(default)]
    pub entitlement_set_id: Option<String>,
    /// Its organization (migration 0024, issue 10 §7).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Its reseller (migration 0027, issue 10 §7).
    #[serde(default)]
    pub reseller_id: Option<String>,
    #[serde(deserialize_with = "checked_config")]
    pub policy_config: String,
    pub owner_banned_at: Option<Millis>,
    pub owner_email: Option<String>,
    pub licensee_count: i64,
    pub machines_count: i64,
    pub machines_cores: i64,
    pub machines_memory: i64,
    pub machines_disk: i64,
    pub first_activated_at: Option<Millis>,
    /// Its meter attributes as a JSON array text (issue 10 §2).
    #[serde(default)]
    pub meters: Option<String>,
    /// Its activation-rule overrides, JSON (issue 10 §4, migration 0012; NULL: the policy's).
    #[serde(default)]
    pub activation_rules: Option<String>,
    /// Deactivations made, counted against `allowedDeactivations` (migration 0012).
    #[serde(default)]
    pub deactivations: i64,
}

impl LicenseRow {
    /// Its effective activation rules: its overrides over its policy's (issue 10 §4).
    ///
    /// # Errors
    /// 500 when the stored overrides do not decode (fail closed).
    pub fn activation_rules(&self) -> crate::Result<crate::domain::activation_rules::ActivationRules> {
        self.activation_rules_of(&self.config())
    }

    /// [`Self::activation_rules`] with the license's config already at hand (`cfg` is
    /// [`Self::config`]): one decode of the config per validation (issue 11).
    pub fn activation_rules_of(&self, cfg: &crate::domain::policy::PolicyConfig) -> crate::Result<crate::domain::activation_rules::ActivationRules> {
        use crate::domain::activation_rules::{effective, Overrides};
        let o =
            Overrides::decode(self.activation_rules.as_deref()).map_err(|e| crate::Error::internal(format!("license {} activation rules: {e}", self.id)))?;
        Ok(effective(&cfg.activation_rules, &o))
    }

    /// The rules that govern this license: its policy's, with the license's subscription
    /// overrides applied ([`crate::domain::policy::PolicyConfig::with_subscription`]).
    pub fn config(&self) -> crate::domain::policy::PolicyConfig {
        decode_config(&self.policy_config).with_subscription(self.subscription_interval.as_deref(), self.subscription_start_trigger.as_deref())
    }
    /// Users count as Keygen counts them: licensees plus the owner.
    pub fn users_count(&self) -> i64 {
        self.licensee_count + i64::from(self.owner_id.is_some())
    }
    /// Whether the license is suspended.
    pub fn is_suspended(&self) -> bool {
        self.suspended != 0
    }
    /// Whether the license has expired at `now`.
    pub fn is_expired(&self, now: Millis) -> bool {
        self.expiry.is_some_and(|e| e < now)
    }
    /// What the license's computed `status` depends on.
    pub fn status_facts(&self) -> crate::domain::license::StatusFacts {
        crate::domain::license::StatusFacts {
            owner_banned: self.owner_banned_at.is_some(),
            suspended: self.is_suspended(),
            expiry: self.expiry,
            created_at: self.created_at,
            last_validated_at: self.last_validated_at,
            last_check_in_at: self.last_check_in_at,
            last_check_out_at: self.last_check_out_at,
        }
    }
}

/// Why an activation was refused (`sql::machines::ACTIVATION_STATE`).
#[derive(Debug, Clone, Deserialize)]
pub struct ActivationStateRow {
    pub fingerprint_taken: i64,
    pub components_taken: i64,
    pub n: i64,
    pub cores: i64,
    pub memory: i64,
    pub disk: i64,
}

/// One machine as validation sees it (`sql::licenses::FIND_FOR_VALIDATION`).
#[derive(Debug, Clone, Deserialize)]
pub struct ValidationMachineRow {
    pub id: String,
    pub fingerprint: String,
    pub owner_id: Option<String>,
    pub owner_email: Option<String>,
    pub cores: Option<i64>,
    pub memory: Option<i64>,
    pub disk: Option<i64>,
    pub created_at: Millis,
    pub last_heartbeat_at: Option<Millis>,
    pub max_processes: Option<i64>,
    pub alive_processes: i64,
    /// Reported a VM / a container at activation (activation rules, issue 10 §4): 0 or 1.
    #[serde(default)]
    pub vm: i64,
    #[serde(default)]
    pub container: i64,
    /// Its own lease, seconds (migration 0023).
    #[serde(default)]
    pub lease_duration: Option<i64>,
    /// Component fingerprints: a JSON array (or its text, from executors that return the
    /// aggregate as a string).
    #[serde(default)]
    pub components: Value,
}

/// `(id, email)` of a user.
#[derive(Debug, Clone, Deserialize)]
pub struct UserRefRow {
    pub id: String,
    pub email: String,
}

/// `subscription_logs` (migration 0013).
#[derive(Debug, Clone, Deserialize)]
pub struct SubscriptionLogRow {
    pub id: String,
    pub account_id: String,
    pub license_id: String,
    pub product_id: String,
    pub action: String,
    pub expiry_from: Option<Millis>,
    pub expiry_to: Option<Millis>,
    pub interval_from: Option<String>,
    pub interval_to: Option<String>,
    pub maintenance_expiry_from: Option<Millis>,
    pub maintenance_expiry_to: Option<Millis>,
    pub whodunnit_type: Option<String>,
    pub whodunnit_id: Option<String>,
    pub created_at: Millis,
}

//! Rows of the catalogue capability (`service::catalogue`): products, policies, entitlements,
//! entitlement sets and their grants, key pools, groups and group owners, maintenance policies.

use serde::Deserialize;

use super::{checked_config, checked_feature_value, decode_config};
use crate::clock::Millis;

/// `products`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub code: Option<String>,
    pub url: Option<String>,
    pub distribution_strategy: crate::domain::states::DistributionStrategy,
    pub platforms: String,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `policies`.
#[derive(Debug, Clone, Deserialize)]
pub struct PolicyRow {
    pub id: String,
    pub account_id: String,
    pub product_id: String,
    pub name: String,
    #[serde(deserialize_with = "checked_config")]
    pub config: String,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Default maintenance policy of its licenses (migration 0013).
    #[serde(default)]
    pub maintenance_policy_id: Option<String>,
    /// Entitlement set of its licenses (migration 0019, issue 10 §3).
    #[serde(default)]
    pub entitlement_set_id: Option<String>,
}

impl PolicyRow {
    /// The policy's rules; stored documents missing newer attributes read as their defaults.
    pub fn config(&self) -> crate::domain::policy::PolicyConfig {
        decode_config(&self.config)
    }
}

/// `entitlements`.
#[derive(Debug, Clone, Deserialize)]
pub struct EntitlementRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub code: String,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The feature's typed value as JSON text (migration 0013), checked on read.
    #[serde(default, deserialize_with = "checked_feature_value")]
    pub value: Option<String>,
}

/// `keys` with its policy's product (key pools, issue 8).
#[derive(Debug, Clone, Deserialize)]
pub struct KeyRow {
    pub id: String,
    pub account_id: String,
    pub policy_id: String,
    pub product_id: String,
    pub key: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `entitlement_sets` (issue 10 §3).
#[derive(Debug, Clone, Deserialize)]
pub struct EntitlementSetRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// The grant columns beside an entitlement's in `sql::entitlements::GRANTS_FOR_LICENSE` and
/// `sql::entitlement_sets::LIST_MEMBERS` (issue 10 §3).
#[derive(Debug, Clone, Deserialize)]
pub struct GrantRow {
    #[serde(default = "set_source")]
    pub source: crate::domain::features::Source,
    #[serde(default, deserialize_with = "checked_feature_value")]
    pub grant_value: Option<String>,
    #[serde(default)]
    pub expires_at: Option<Millis>,
}

fn set_source() -> crate::domain::features::Source {
    crate::domain::features::Source::Set
}

/// `groups`.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub max_users: Option<i64>,
    pub max_licenses: Option<i64>,
    pub max_machines: Option<i64>,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Organization groups (issue 10 §7, migration 0028): the organization whose admins manage
    /// it (`None`: a vendor group).
    #[serde(default)]
    pub organization_id: Option<String>,
}

/// `group_owners` (issue 8): a user who owns a group.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupOwnerRow {
    pub id: String,
    pub account_id: String,
    pub group_id: String,
    pub user_id: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `maintenance_policies` (migration 0013); interval and trigger are checked on read.
#[derive(Debug, Clone, Deserialize)]
pub struct MaintenancePolicyRow {
    pub id: String,
    pub account_id: String,
    pub product_id: String,
    pub name: String,
    pub subscription_interval: crate::domain::duration::IsoDuration,
    pub subscription_start_trigger: crate::domain::states::StartTrigger,
    pub allow_major_version_updates: i64,
    pub allow_minor_version_updates: i64,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

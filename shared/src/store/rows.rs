//! Row structs decoded from SQL results. Column names are snake_case; booleans are SQLite
//! integers (0/1); JSON columns (`metadata`, `config`) are TEXT and parsed when rendered.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::clock::Millis;

/// Parses a JSON object column, `{}` if it is not one (never fails a request on old data).
pub fn json_object(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Deserializes a stored policy config (TEXT) and refuses it unless it decodes as a
/// [`PolicyConfig`](crate::domain::policy::PolicyConfig): a corrupt config fails the read (a
/// logged 500) instead of turning into permissive defaults. Missing newer attributes still read
/// as their defaults (that is `PolicyConfig`'s own `serde(default)`), so old documents keep working.
fn checked_config<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    cached_config(&text).map_err(|e| serde::de::Error::custom(format!("stored policy config does not decode: {e}")))?;
    Ok(text)
}

/// Most distinct policy configs an isolate keeps decoded; past it the cache starts over.
const CONFIG_CACHE_ENTRIES: usize = 256;

thread_local! {
    // Per isolate (Workers isolates are single-threaded and reused across requests): decoded
    // policy configs keyed by their stored text. Every row carries its policy's config text, so
    // a policy change is a different key: nothing to invalidate, and no isolate can answer
    // from a config older than the row it read (unlike a TTL cache keyed by policy id).
    static CONFIGS: std::cell::RefCell<std::collections::HashMap<String, crate::domain::policy::PolicyConfig>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    // The last config looked up (issue 11): one validation asks for its license's config several
    // times (decode check, engine, lazy expiry, activation rules, render), and hashing the whole
    // text each time cost more than comparing it with the last one. Compared by the full text,
    // so it is never stale either.
    static LAST_CONFIG: std::cell::RefCell<Option<(String, crate::domain::policy::PolicyConfig)>> = const { std::cell::RefCell::new(None) };
}

/// `text` decoded as a policy config, from the isolate's cache when it has been seen before.
fn cached_config(text: &str) -> Result<crate::domain::policy::PolicyConfig, serde_json::Error> {
    let last = LAST_CONFIG.with(|l| l.try_borrow().ok().and_then(|l| l.as_ref().filter(|(t, _)| t == text).map(|(_, c)| c.clone())));
    if let Some(hit) = last {
        return Ok(hit);
    }
    let remember = |cfg: &crate::domain::policy::PolicyConfig| {
        LAST_CONFIG.with(|l| {
            if let Ok(mut l) = l.try_borrow_mut() {
                *l = Some((text.to_owned(), cfg.clone()));
            }
        });
    };
    if let Some(hit) = CONFIGS.with(|c| c.borrow().get(text).cloned()) {
        remember(&hit);
        return Ok(hit);
    }
    let cfg: crate::domain::policy::PolicyConfig = serde_json::from_str(text)?;
    remember(&cfg);
    CONFIGS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CONFIG_CACHE_ENTRIES {
            c.clear();
        }
        c.insert(text.to_owned(), cfg.clone());
    });
    Ok(cfg)
}

/// A stored `subscription_interval` must parse: a corrupt one fails the read (a 500), never
/// silently falls back to the policy's period.
fn checked_subscription_interval<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    if let Some(s) = &v {
        s.parse::<crate::domain::duration::IsoDuration>()
            .map_err(|e| serde::de::Error::custom(format!("stored subscription interval does not decode: {e}")))?;
    }
    Ok(v)
}

/// A stored feature value must be a JSON number, string or boolean.
fn checked_feature_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    if let Some(s) = &v {
        match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Number(_) | serde_json::Value::String(_) | serde_json::Value::Bool(_)) => {}
            _ => return Err(serde::de::Error::custom("stored feature value is not a JSON scalar")),
        }
    }
    Ok(v)
}

/// A stored `subscription_start_trigger` must name a trigger.
fn checked_start_trigger<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    if let Some(s) = &v {
        s.parse::<crate::domain::policy::StartTrigger>()
            .map_err(|e| serde::de::Error::custom(format!("stored subscription start trigger does not decode: {e}")))?;
    }
    Ok(v)
}

/// Decodes a config [`checked_config`] already accepted at read time.
fn decode_config(text: &str) -> crate::domain::policy::PolicyConfig {
    // Every row type that calls this decoded `text` on read (`checked_config`), so the
    // fallback is unreachable for stored data; it only serves rows built by hand in tests.
    cached_config(text).unwrap_or_default()
}

/// `environments` (issue 8, migration 0021).
#[derive(Debug, Clone, Deserialize)]
pub struct EnvironmentRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub code: String,
    pub isolation_strategy: crate::domain::states::IsolationStrategy,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `count(*) AS n`.
#[derive(Debug, Deserialize)]
pub struct CountRow {
    /// The count.
    pub n: i64,
}

/// `accounts`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub public_key: String,
    pub private_key_sealed: String,
    /// RSA-2048 public key, SPKI PEM (migration 0017; NULL until first used).
    #[serde(default)]
    pub rsa_public_key: Option<String>,
    /// Sealed PKCS#8 DER of the RSA-2048 private key.
    #[serde(default)]
    pub rsa_private_key_sealed: Option<String>,
    /// ECDSA P-256 public key, SPKI PEM (migration 0017; NULL until first used).
    #[serde(default)]
    pub ecdsa_public_key: Option<String>,
    /// Sealed 32-byte P-256 scalar.
    #[serde(default)]
    pub ecdsa_private_key_sealed: Option<String>,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The pinned API version (`1.0`–`1.8`) for requests without `Keygen-Version`.
    #[serde(default = "current_api_version")]
    pub api_version: String,
}

fn current_api_version() -> String {
    crate::api::API_VERSION.to_owned()
}

/// `second_factors` (the secret column holds only the sealed secret).
#[derive(Debug, Clone, Deserialize)]
pub struct SecondFactorRow {
    pub id: String,
    pub account_id: String,
    pub user_id: String,
    pub sealed_secret: String,
    pub enabled: i64,
    pub last_step: Option<i64>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `users`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: crate::domain::states::UserRole,
    pub password_hash: Option<String>,
    pub banned_at: Option<Millis>,
    /// HMAC digest of the pending password-reset token (migration 0008).
    #[serde(default)]
    pub password_reset_digest: Option<String>,
    /// When that token was issued.
    #[serde(default)]
    pub password_reset_sent_at: Option<Millis>,
    pub group_id: Option<String>,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The user's own permission set, a JSON array (migration 0014; `None`: the role's).
    #[serde(default)]
    pub permissions: Option<String>,
    /// Its organization (migration 0024, issue 10 §7).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Its reseller (migration 0027, issue 10 §7).
    #[serde(default)]
    pub reseller_id: Option<String>,
}

/// `tokens`.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub account_id: String,
    pub bearer_type: crate::domain::states::BearerType,
    pub bearer_id: String,
    pub kind: crate::domain::states::TokenKind,
    pub digest: String,
    pub name: Option<String>,
    pub expiry: Option<Millis>,
    pub max_activations: Option<i64>,
    pub activations: i64,
    pub max_deactivations: Option<i64>,
    pub deactivations: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The token's permission subset, a JSON array (migration 0014; `None`: the wildcard).
    #[serde(default)]
    pub permissions: Option<String>,
}

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

/// `machines` joined with its policy's config and its license's `max_processes` (`sql::machines::FIND`).
#[derive(Debug, Clone, Deserialize)]
pub struct MachineRow {
    pub id: String,
    pub account_id: String,
    pub license_id: String,
    pub product_id: String,
    pub policy_id: String,
    pub owner_id: Option<String>,
    pub group_id: Option<String>,
    pub fingerprint: String,
    pub name: Option<String>,
    pub ip: Option<String>,
    pub hostname: Option<String>,
    pub platform: Option<String>,
    pub cores: Option<i64>,
    pub memory: Option<i64>,
    pub disk: Option<i64>,
    pub max_processes: Option<i64>,
    pub metadata: String,
    pub last_heartbeat_at: Option<Millis>,
    pub last_death_event_at: Option<Millis>,
    pub last_check_out_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(deserialize_with = "checked_config")]
    pub policy_config: String,
    /// The license's `maxProcesses` override.
    #[serde(default)]
    pub license_max_processes: Option<i64>,
    /// Its meter uses as a JSON array text (issue 10 §2; absent from `RETURNING *` rows).
    #[serde(default)]
    pub meters: Option<String>,
    /// Client-reported virtual machine name (issue 10 §4, migration 0012).
    #[serde(default)]
    pub vm_name: Option<String>,
    /// Client-reported container flag (issue 10 §4, migration 0012).
    #[serde(default)]
    pub container: Option<i64>,
    /// Its own lease, seconds (Cryptlex's `leaseDuration`, migration 0023; NULL: the policy's
    /// heartbeat duration).
    #[serde(default)]
    pub lease_duration: Option<i64>,
}

impl MachineRow {
    /// The policy's rules (heartbeat duration, resurrection, leasing), with the machine's own
    /// lease as its heartbeat duration (`domain::lease`).
    pub fn config(&self) -> crate::domain::policy::PolicyConfig {
        crate::domain::lease::machine_config(decode_config(&self.policy_config), self.lease_duration)
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

/// `processes` with its machine's product and policy config (`sql::processes::FIND`).
#[derive(Debug, Clone, Deserialize)]
pub struct ProcessRow {
    pub id: String,
    pub account_id: String,
    pub machine_id: String,
    pub license_id: String,
    pub product_id: String,
    pub pid: String,
    pub metadata: String,
    pub last_heartbeat_at: Millis,
    pub last_death_event_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(deserialize_with = "checked_config")]
    pub policy_config: String,
}

impl ProcessRow {
    /// The policy's rules.
    pub fn config(&self) -> crate::domain::policy::PolicyConfig {
        decode_config(&self.policy_config)
    }
}

/// Why a spawn was refused (`sql::processes::SPAWN_STATE`).
#[derive(Debug, Clone, Deserialize)]
pub struct SpawnStateRow {
    pub pid_taken: i64,
    pub n: i64,
}

/// `components` with its machine's license and product (`sql::components::FIND`).
#[derive(Debug, Clone, Deserialize)]
pub struct ComponentRow {
    pub id: String,
    pub account_id: String,
    pub machine_id: String,
    pub license_id: String,
    pub product_id: String,
    pub fingerprint: String,
    pub name: String,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `SELECT … AS id` (membership checks of the offline/entitlement services).
#[derive(Debug, Clone, Deserialize)]
pub struct IdRow {
    /// The id.
    pub id: String,
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

/// `organizations` (issue 10 §7).
#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub email: Option<String>,
    pub description: Option<String>,
    /// A JSON object of address fields.
    pub address: String,
    /// -1: unlimited.
    pub allowed_users: i64,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Its members (a computed column of `sql::organizations` reads).
    #[serde(default)]
    pub users_count: i64,
    /// Its reseller (migration 0027, issue 10 §7).
    #[serde(default)]
    pub reseller_id: Option<String>,
}

/// `resellers` (issue 10 §7).
#[derive(Debug, Clone, Deserialize)]
pub struct ResellerRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    /// A JSON object of address fields.
    pub address: String,
    /// -1: unlimited.
    pub allowed_users: i64,
    /// -1: unlimited.
    pub allowed_organizations: i64,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Its customers (users of role `user`; a computed column of `sql::resellers` reads).
    #[serde(default)]
    pub users_count: i64,
    /// Its organizations (computed).
    #[serde(default)]
    pub organizations_count: i64,
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

#[cfg(test)]
mod tests {
    use super::{cached_config, decode_config};

    #[test]
    fn a_changed_policy_config_is_a_new_cache_entry_never_a_stale_hit() {
        let before = r#"{"maxMachines":3}"#;
        let after = r#"{"maxMachines":5}"#;
        assert_eq!(decode_config(before).max_machines, Some(3));
        assert_eq!(decode_config(before).max_machines, Some(3), "the cached decode");
        assert_eq!(decode_config(after).max_machines, Some(5), "a changed config is decoded afresh");
        assert_eq!(decode_config(before).max_machines, Some(3));
        assert!(cached_config("{not json").is_err(), "a corrupt config is refused, and not cached");
        assert!(cached_config("{not json").is_err());
    }
}

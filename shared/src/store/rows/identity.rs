//! Rows of the identity capability (`service::identity`): accounts, environments, users, tokens,
//! second factors, organizations and resellers.

use serde::Deserialize;

use crate::clock::Millis;

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

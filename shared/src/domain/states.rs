//! Stored states: one enum per `CHECK (column IN (...))` of `migrations/*.sql`, spelled as
//! stored. Rows decode into these (an unknown stored value is a decode error, never a
//! default), and services compare enums, never strings. The tests parse the migrations so an
//! enum and its CHECK list cannot drift apart.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::strategy::{str_enum, UnknownValue};

str_enum! {
    /// `users.role`.
    UserRole {
        /// An account administrator.
        Admin = "admin",
        /// Keygen's developer: everything but the account's admins (migration 0014).
        Developer = "developer",
        /// Keygen's sales agent: licenses, machines and users with the user role.
        SalesAgent = "sales-agent",
        /// Keygen's support agent: reads, and suspends, reinstates and resets licenses.
        SupportAgent = "support-agent",
        /// Keygen's read-only role.
        ReadOnly = "read-only",
        /// A user.
        User = "user",
        /// Cryptlex's organization admin (migration 0025): a customer user who manages its
        /// organization's users and licenses. Not staff.
        OrganizationAdmin = "organization-admin",
        /// Cryptlex's reseller admin (migration 0025): a customer user who sells its reseller's
        /// allotted policies to its own customers. Not staff.
        ResellerAdmin = "reseller-admin",
    }
}

impl UserRole {
    /// Keygen's staff roles (admin, developer, sales-agent, support-agent, read-only): they see
    /// the whole account. `user` and Cryptlex's customer-admin roles are not staff.
    pub fn is_staff(self) -> bool {
        matches!(self, UserRole::Admin | UserRole::Developer | UserRole::SalesAgent | UserRole::SupportAgent | UserRole::ReadOnly)
    }
}

str_enum! {
    /// `tokens.bearer_type`: whose token it is.
    BearerType {
        /// A user's (admin or not; `kind` tells).
        User = "user",
        /// A product's.
        Product = "product",
        /// A license's (activation token).
        License = "license",
        /// An environment's (migration 0021).
        Environment = "environment",
    }
}

str_enum! {
    /// `environments.isolation_strategy` (Keygen's `isolationStrategy`, migration 0021).
    IsolationStrategy {
        /// Reads and writes see only the environment's own records (Keygen's default).
        Isolated = "ISOLATED",
        /// Keygen: reads also see the global records. Not served yet (422 on create).
        Shared = "SHARED",
    }
}

str_enum! {
    /// `tokens.kind`.
    TokenKind {
        /// An admin's token (`admin-…`).
        Admin = "admin-token",
        /// A user's token (`user-…`).
        User = "user-token",
        /// A product's token (`prod-…`).
        Product = "product-token",
        /// A license's activation token (`activ-…`).
        Activation = "activation-token",
        /// An environment's token (`env-…`, migration 0021).
        Environment = "environment-token",
    }
}

str_enum! {
    /// `products.distribution_strategy`.
    DistributionStrategy default Licensed {
        /// Releases are available to licensed users.
        Licensed = "LICENSED",
        /// Releases are public.
        Open = "OPEN",
        /// Releases are available to admins and the product only.
        Closed = "CLOSED",
    }
}

str_enum! {
    /// `webhook_events.status` (a delivery).
    DeliveryStatus {
        /// Not yet attempted, or being attempted.
        Delivering = "DELIVERING",
        /// A 2xx was received.
        Delivered = "DELIVERED",
        /// Attempted and failed; retried later.
        Failing = "FAILING",
        /// Given up.
        Failed = "FAILED",
    }
}

str_enum! {
    /// `webhook_endpoints.signature_algorithm`.
    SignatureAlgorithm default Ed25519 {
        /// Ed25519 over Keygen's signing string.
        Ed25519 = "ed25519",
    }
}

// Key schemes (issue 8).
str_enum! {
    /// `webhook_endpoints.signing_algorithm` (migration 0017): the endpoint's `signatureAlgorithm`.
    SigningAlgorithm default Ed25519 {
        /// `ed25519`
        Ed25519 = "ed25519",
        /// `rsa-pss-sha256`
        RsaPssSha256 = "rsa-pss-sha256",
        /// `rsa-sha256`
        RsaSha256 = "rsa-sha256",
        /// `ecdsa-p256`
        EcdsaP256 = "ecdsa-p256",
    }
}
// end key schemes

// Subscriptions (issue 10 §5).

str_enum! {
    /// `licenses.subscription_start_trigger`: Cryptlex's `subscriptionStartTrigger`, a second
    /// spelling of two `expirationBasis` values (see `domain::policy`).
    StartTrigger {
        /// `creation` = `FROM_CREATION`.
        Creation = "creation",
        /// `activation` = `FROM_FIRST_ACTIVATION`.
        Activation = "activation",
    }
}

str_enum! {
    /// `subscription_logs.action`: what changed a license's subscription.
    SubscriptionLogAction {
        /// The license was created (its initial expiry, interval and maintenance window).
        Created = "created",
        /// `actions/renew`.
        Renewed = "renewed",
        /// `PATCH /licenses/{id}` with an expiry, or `PATCH /licenses/{id}/expires-at`.
        ExpiryUpdated = "expiry-updated",
        /// The expiry clock started at the first activation.
        FirstActivated = "first-activated",
        /// … at the first validation.
        FirstValidated = "first-validated",
        /// … at the first usage increment.
        FirstUsed = "first-used",
        /// `PUT /licenses/{id}/policy`.
        PolicyChanged = "policy-changed",
        /// The license's `subscriptionInterval` / `subscriptionStartTrigger` changed.
        SubscriptionUpdated = "subscription-updated",
        /// `actions/renew-maintenance`.
        MaintenanceRenewed = "maintenance-renewed",
        /// `actions/extend-maintenance`.
        MaintenanceExtended = "maintenance-extended",
        /// `PUT /licenses/{id}/maintenance-policy`.
        MaintenancePolicyChanged = "maintenance-policy-changed",
    }
}

// Activation logs.
str_enum! {
    /// `activation_logs.action`: what happened to a seat.
    ActivationAction {
        /// A machine was activated (`POST /machines`).
        Activated = "activated",
        /// A machine was deactivated by a request (`DELETE /machines/{id}`).
        Deactivated = "deactivated",
        /// The heartbeat cron culled a dead machine.
        Culled = "culled",
        /// `POST /licenses/{id}/actions/deactivate-machines` removed it.
        BulkDeactivated = "bulk-deactivated",
        /// A trial activation started (`POST /trial-activations`, or offline).
        TrialActivated = "trial-activated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `CHECK (column IN ('a', 'b'))` of text values in the migrations, as
    /// `(table.column, values)`.
    fn checks() -> Vec<(String, Vec<String>)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "sql")).collect();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(f).unwrap();
            let mut table = String::new();
            for line in text.lines() {
                let line = line.split("--").next().unwrap_or_default().trim();
                if let Some(rest) = line.strip_prefix("CREATE TABLE ").or_else(|| line.strip_prefix("ALTER TABLE ")) {
                    table = rest.split_whitespace().next().unwrap().trim_end_matches('(').to_owned();
                }
                let Some(at) = line.find("CHECK (") else { continue };
                let check = &line[at + "CHECK (".len()..];
                let Some((column, list)) = check.split_once(" IN (") else { continue }; // range checks
                let list = list.split(')').next().unwrap();
                if !list.contains('\'') {
                    continue; // 0/1 flags
                }
                let values = list.split(',').map(|v| v.trim().trim_matches('\'').to_owned()).collect();
                out.push((format!("{table}.{}", column.trim()), values));
            }
        }
        out
    }

    fn strs<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|&v| f(v).to_owned()).collect()
    }

    /// Each stored-state enum beside the column whose CHECK it mirrors.
    fn enums() -> Vec<(&'static str, Vec<String>)> {
        vec![
            ("users.role", strs(UserRole::ALL, UserRole::as_str)),
            ("tokens.bearer_type", strs(BearerType::ALL, BearerType::as_str)),
            ("tokens.kind", strs(TokenKind::ALL, TokenKind::as_str)),
            // Environments (issue 8).
            ("environments.isolation_strategy", strs(IsolationStrategy::ALL, IsolationStrategy::as_str)),
            ("products.distribution_strategy", strs(DistributionStrategy::ALL, DistributionStrategy::as_str)),
            ("webhook_events.status", strs(DeliveryStatus::ALL, DeliveryStatus::as_str)),
            ("webhook_endpoints.signature_algorithm", strs(SignatureAlgorithm::ALL, SignatureAlgorithm::as_str)),
            // Key schemes (issue 8).
            ("webhook_endpoints.signing_algorithm", strs(SigningAlgorithm::ALL, SigningAlgorithm::as_str)),
            // Subscriptions (issue 10 §5).
            ("licenses.subscription_start_trigger", strs(StartTrigger::ALL, StartTrigger::as_str)),
            ("maintenance_policies.subscription_start_trigger", strs(StartTrigger::ALL, StartTrigger::as_str)),
            ("subscription_logs.action", strs(SubscriptionLogAction::ALL, SubscriptionLogAction::as_str)),
            ("activation_logs.action", strs(ActivationAction::ALL, ActivationAction::as_str)),
            // Trials.
            (
                "trial_policies.fingerprint_matching_strategy",
                strs(crate::domain::strategy::MatchingStrategy::ALL, crate::domain::strategy::MatchingStrategy::as_str),
            ),
            // distribution (0010)
            ("packages.engine", strs(crate::domain::release::Engine::ALL, crate::domain::release::Engine::as_str)),
            ("releases.channel", strs(crate::domain::semver::Channel::ALL, crate::domain::semver::Channel::as_str)),
            ("releases.status", strs(crate::domain::release::ReleaseStatus::ALL, crate::domain::release::ReleaseStatus::as_str)),
            ("artifacts.status", strs(crate::domain::release::ArtifactStatus::ALL, crate::domain::release::ArtifactStatus::as_str)),
        ]
    }

    #[test]
    fn every_enum_equals_its_check_list() {
        let checks = checks();
        for (column, values) in enums() {
            // The latest migration's CHECK wins (a table rebuilt to extend its list).
            let found: Option<&Vec<String>> = checks.iter().rev().find(|(c, _)| c == column).map(|(_, v)| v);
            assert_eq!(found, Some(&values), "{column}: enum and the latest migration CHECK differ");
        }
    }

    #[test]
    fn every_text_check_has_an_enum() {
        let known: Vec<&str> = enums().into_iter().map(|(c, _)| c).collect();
        for (column, _) in checks() {
            assert!(known.contains(&column.as_str()), "{column} has a CHECK list but no enum in domain/states.rs");
        }
    }

    #[test]
    fn unknown_stored_values_fail_to_decode() {
        assert!(serde_json::from_str::<UserRole>("\"Admin\"").is_err());
        assert!(serde_json::from_str::<BearerType>("\"\"").is_err());
        assert!(serde_json::from_str::<DeliveryStatus>("\"delivered\"").is_err());
        assert_eq!(serde_json::from_str::<TokenKind>("\"activation-token\"").ok(), Some(TokenKind::Activation));
        assert_eq!("user".parse::<UserRole>(), Ok(UserRole::User));
    }
}

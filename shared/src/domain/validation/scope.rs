//! `meta.scope` of a validation request, as [`Scope`] parses it.

use serde::{Deserialize, Deserializer, Serialize};

use super::facts::MachineFacts;

/// `meta.scope` of a validation request. Absent members are `None`; for `user` and
/// `environment`, which may be `null`, `Some(None)` is an explicit `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// User id or email, or `null`.
    #[serde(default, deserialize_with = "explicit_null", skip_serializing_if = "Option::is_none")]
    pub user: Option<Option<String>>,
    /// Machine id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// One fingerprint (wins over `fingerprints` when both are given, as in Keygen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Several fingerprints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprints: Option<Vec<String>>,
    /// Component fingerprints of the `fingerprint` machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
    /// Entitlement codes the license must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Vec<String>>,
    /// Artifact checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Release version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Environment code or id, or `null`.
    #[serde(default, deserialize_with = "explicit_null", skip_serializing_if = "Option::is_none")]
    pub environment: Option<Option<String>>,
}

/// Present-but-null → `Some(None)`; absent stays `None` through `#[serde(default)]`.
fn explicit_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl Scope {
    /// Whether the scope names machine `m` (by `machine`, `fingerprint` or `fingerprints`).
    pub fn names(&self, m: &MachineFacts) -> bool {
        self.machine.as_deref() == Some(m.id.as_str())
            || self.fingerprint.as_deref() == Some(m.fingerprint.as_str())
            || self.fingerprints.as_ref().is_some_and(|f| f.contains(&m.fingerprint))
    }
}

//! Row structs decoded from SQL results. Column names are snake_case; booleans are SQLite
//! integers (0/1); JSON columns (`metadata`, `config`) are TEXT and parsed when rendered.
//!
//! The row types live in one file per capability (`identity`, `catalogue`, `licensing`, `fleet`,
//! `lifecycle`) and are re-exported here, so every row is `store::rows::<Row>`. This module keeps
//! what they share: the checked decoders of stored columns and the per-isolate policy-config cache.

mod catalogue;
mod fleet;
mod identity;
mod licensing;
mod lifecycle;

pub use catalogue::{EntitlementRow, EntitlementSetRow, GrantRow, GroupOwnerRow, GroupRow, KeyRow, MaintenancePolicyRow, PolicyRow, ProductRow};
pub use fleet::{ComponentRow, MachineRow, ProcessRow, SpawnStateRow};
pub use identity::{AccountRow, EnvironmentRow, OrganizationRow, ResellerRow, SecondFactorRow, TokenRow, UserRow};
pub use licensing::{ActivationStateRow, LicenseRow, SubscriptionLogRow, UserRefRow, ValidationMachineRow};
pub use lifecycle::{CullRow, EventRow, LicenseScanRow, PendingEventRow, WebhookEndpointRow, WebhookEventRow};

use serde::Deserialize;
use serde_json::{Map, Value};

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

/// `count(*) AS n`.
#[derive(Debug, Deserialize)]
pub struct CountRow {
    /// The count.
    pub n: i64,
}

/// `SELECT … AS id` (membership checks of the offline/entitlement services).
#[derive(Debug, Clone, Deserialize)]
pub struct IdRow {
    /// The id.
    pub id: String,
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

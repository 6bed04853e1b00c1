//! Environments (Keygen EE, issue 8): the rules, without I/O.
//!
//! An environment is a sub-tenant of its account: its records are stored under the tenant id
//! `<account id>.<environment id>` in every `account_id` column, so every statement's existing
//! account filter isolates it (`migrations/0021_create_environments.sql`). [`split`] turns a
//! stored `account_id` back into the real account (for links, keys and rendering) and the
//! environment (for `relationships.environment`).

use crate::error::{AttrFault, Error};

/// Separates the account id from the environment id in a tenant id. Neither UUIDs nor
/// generated ids contain it.
const SEPARATOR: char = '.';

/// The tenant id that an environment's records carry in `account_id`.
pub fn tenant_id(account_id: &str, environment_id: &str) -> String {
    format!("{account_id}{SEPARATOR}{environment_id}")
}

/// A stored `account_id` as `(account, environment)`: `(id, None)` for the global
/// environment (a real account).
pub fn split(account_id: &str) -> (&str, Option<&str>) {
    match account_id.split_once(SEPARATOR) {
        Some((a, e)) => (a, Some(e)),
        None => (account_id, None),
    }
}

/// Whether a value looks like a UUID (Keygen refuses such codes: ids and codes share the
/// `Keygen-Environment` header and the `/environments/{id|code}` path).
pub fn uuid_like(s: &str) -> bool {
    let hex = s.chars().filter(char::is_ascii_hexdigit).count();
    s.len() == 36 && hex == 32 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Keygen's environment `code`: 1–255 characters, not UUID-like, not `action`/`actions`; the
/// `.` of tenant ids is refused too (never needed by a code, and it keeps codes and tenant ids
/// apart).
///
/// # Errors
/// 422 at `/data/attributes/code`.
pub fn check_code(code: &str) -> crate::Result<()> {
    let fault = |detail: &str| Err(Error::attribute("code", AttrFault::Invalid, detail));
    if code.is_empty() {
        return Err(Error::attribute("code", AttrFault::Missing, "can't be blank"));
    }
    if code.chars().count() > 255 {
        return fault("is too long (maximum is 255 characters)");
    }
    if uuid_like(code) {
        return fault("must not be a UUID");
    }
    if code.eq_ignore_ascii_case("action") || code.eq_ignore_ascii_case("actions") {
        return fault("is reserved");
    }
    if code.contains(SEPARATOR) || code.chars().any(|c| c.is_control() || c.is_whitespace() || c == '/') {
        return fault("must not contain whitespace, '/' or '.'");
    }
    Ok(())
}

/// Keygen's environment `name`: 1–255 characters.
///
/// # Errors
/// 422 at `/data/attributes/name`.
pub fn check_name(name: &str) -> crate::Result<()> {
    if name.trim().is_empty() {
        return Err(Error::attribute("name", AttrFault::Missing, "can't be blank"));
    }
    if name.chars().count() > 255 {
        return Err(Error::attribute("name", AttrFault::Invalid, "is too long (maximum is 255 characters)"));
    }
    Ok(())
}

/// Keygen's validation scope rule (§5.4): `meta.scope.environment` (a code or id; `None` for
/// an explicit `null`, the global environment) must name the license's environment, given as
/// `(id, code)` (`None`: global; the code `None` when not loaded).
pub fn scope_matches(scope: Option<&str>, license_environment: Option<(&str, Option<&str>)>) -> bool {
    match (scope, license_environment) {
        (None, None) => true,
        (Some(s), Some((id, code))) => s == id || code == Some(s),
        _ => false,
    }
}

/// The records that carry an environment and are named in relationships: their JSON:API type
/// (also their table) and the association's singular name, for either spelling a request
/// may use (`policy`, `policies`).
pub fn related_type(ty: &str) -> Option<(&'static str, &'static str)> {
    const TYPES: [(&str, &str); 9] = [
        ("products", "product"),
        ("policies", "policy"),
        ("users", "user"),
        ("groups", "group"),
        ("licenses", "license"),
        ("machines", "machine"),
        ("entitlements", "entitlement"),
        ("components", "component"),
        ("processes", "process"),
    ];
    TYPES.into_iter().find(|(plural, singular)| ty == *plural || ty == *singular)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_split_back_into_account_and_environment() {
        let t = tenant_id("a1", "e1");
        assert_eq!(split(&t), ("a1", Some("e1")));
        assert_eq!(split("a1"), ("a1", None));
    }

    #[test]
    fn related_types_take_either_spelling() {
        assert_eq!(related_type("policy"), Some(("policies", "policy")));
        assert_eq!(related_type("users"), Some(("users", "user")));
        assert_eq!(related_type("accounts"), None);
        assert_eq!(related_type("Users"), None);
    }

    #[test]
    fn codes_follow_keygens_rules() {
        assert!(check_code("sandbox").is_ok());
        assert!(check_code("").is_err());
        assert!(check_code("actions").is_err());
        assert!(check_code("Action").is_err());
        assert!(check_code("1b1c3a4e-9a6f-4a5e-8f0a-0c7d8e9f0a1b").is_err());
        assert!(check_code("a.b").is_err());
        assert!(check_code(&"x".repeat(256)).is_err());
        assert!(check_code(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn the_scope_names_the_licenses_environment_by_id_or_code_and_null_is_global() {
        assert!(scope_matches(None, None));
        assert!(scope_matches(Some("e1"), Some(("e1", Some("sandbox")))));
        assert!(scope_matches(Some("sandbox"), Some(("e1", Some("sandbox")))));
        assert!(!scope_matches(Some("Sandbox"), Some(("e1", Some("sandbox")))), "codes are matched exactly");
        assert!(!scope_matches(Some(""), Some(("e1", None))), "an unloaded code matches nothing");
        assert!(!scope_matches(None, Some(("e1", Some("sandbox")))));
        assert!(!scope_matches(Some("sandbox"), None));
    }
}

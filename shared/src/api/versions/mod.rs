//! Keygen's API version migrations (`reference/keygen-identity-and-versions.md` §8; Keygen's
//! `config/initializers/request_migrations.rb` and `app/migrations/*.rb`). Latchkey renders
//! every answer at the current version (1.8); a client pinned to an older `Keygen-Version`
//! gets it rewritten by the migrations listed under each version from 1.7 down to its own,
//! in that order ([`migrate_response`]). A migration listed under version X runs iff
//! `target ≤ X`. Each version's migrations are small pure functions over the JSON document
//! in their own file: a `data` rewrite that matches on shape only (also what webhook payloads
//! get, [`migrate_payload`]) and a filter saying which responses it applies to (status,
//! method, route). Requests go the other way ([`migrate_request`]): the old policy attribute
//! names that Keygen accepts on older versions are renamed to the current ones before parsing.

use std::collections::HashMap;

use serde_json::{Map, Value};

mod v1_0;
mod v1_1;
mod v1_2;
mod v1_3;
mod v1_4;
mod v1_5;
mod v1_6;
mod v1_7;

/// The version a request is answered in (Keygen's resolver): the `Keygen-Version` header
/// (leading `v` stripped), else the account's pinned `apiVersion`.
///
/// # Errors
/// 400 `INVALID_API_VERSION` (source: the header) for a version other than 1.0–1.8.
pub fn resolve(header: Option<&str>, account: &str) -> crate::Result<&'static str> {
    let asked = header.filter(|v| !v.trim().is_empty()).unwrap_or(account);
    super::api_version(Some(asked))
}

/// What a response migration's filter looks at: the exchange it rewrites.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// Request method, upper case.
    pub method: &'a str,
    /// The matched route's pattern below the account (`/licenses/{id}`), if one matched.
    pub pattern: Option<&'a str>,
    /// Response status.
    pub status: u16,
}

impl Exchange<'_> {
    /// A success with a body (`< 400`, not 204).
    fn ok(&self) -> bool {
        self.status < 400 && self.status != 204
    }

    /// Whether the route is one of `patterns` (any method).
    fn on(&self, patterns: &[&str]) -> bool {
        self.pattern.is_some_and(|p| patterns.contains(&p))
    }

    /// Whether the request is `method` on `pattern`.
    fn is(&self, method: &str, pattern: &str) -> bool {
        self.method == method && self.pattern == Some(pattern)
    }
}

/// One registered migration: the version it is listed under, Keygen's name for it, which
/// responses it applies to and its shape-only rewrite.
struct Migration {
    /// The minor version it is listed under (`7` for 1.7).
    version: u8,
    /// Keygen's migration name (for the docs and the tests).
    name: &'static str,
    /// Which responses it rewrites.
    applies: fn(&Exchange<'_>) -> bool,
    /// The rewrite, given what was looked up for it ([`Lookups`]).
    data: fn(&mut Value, &Lookups),
}

/// What the rewrites that Keygen answers from the database need, read by the caller
/// before migrating ([`needs`]): the owner of each license a machine in the document
/// belongs to (1.5's machine `user` relationship), and each release's product and latest
/// artifact (1.0's release and artifact rewrites). Absent entries render as none.
#[derive(Debug, Default)]
pub struct Lookups {
    /// License id → its owner's user id.
    pub license_owners: HashMap<String, Option<String>>,
    /// Release id → its product and latest artifact.
    pub releases: HashMap<String, ReleaseLookup>,
}

/// What 1.0 reads for one release.
#[derive(Debug, Default, Clone)]
pub struct ReleaseLookup {
    /// The release's product id.
    pub product_id: String,
    /// Its latest artifact: `{"id", "platform", "filetype", "filename", "filesize",
    /// "signature", "checksum"}`, `None` without one.
    pub artifact: Option<Map<String, Value>>,
}

/// What to read for a document: license ids (their owners) and release ids.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Licenses whose owners are needed.
    pub licenses: Vec<String>,
    /// Releases whose product and latest artifact are needed.
    pub releases: Vec<String>,
}

impl Needs {
    /// Nothing to read.
    pub fn is_empty(&self) -> bool {
        self.licenses.is_empty() && self.releases.is_empty()
    }

    /// Adds `other`'s ids (each once).
    pub fn merge(&mut self, other: Needs) {
        for (mine, theirs) in [(&mut self.licenses, other.licenses), (&mut self.releases, other.releases)] {
            mine.extend(theirs);
            mine.sort();
            mine.dedup();
        }
    }
}

/// What [`migrate_response`] needs read for `body` at `version` (nothing for current clients
/// and for documents without machines, releases or artifacts).
pub fn needs(body: &Value, version: &str, x: &Exchange<'_>) -> Needs {
    let m = minor(version);
    Needs {
        licenses: if m <= 5 && (v1_5::MACHINE_USER.applies)(x) { v1_5::machine_licenses(body) } else { Vec::new() },
        releases: if m == 0 && (v1_0::releases_apply(x) || (v1_0::ARTIFACT_KEY.applies)(x)) { v1_0::release_ids(body) } else { Vec::new() },
    }
}

/// What a webhook payload at `version` needs read ([`migrate_payload`]).
pub fn payload_needs(body: &Value, version: &str) -> Needs {
    let m = minor(version);
    Needs { licenses: if m <= 5 { v1_5::machine_licenses(body) } else { Vec::new() }, releases: if m == 0 { v1_0::release_ids(body) } else { Vec::new() } }
}

/// Keygen's registry, newest version first, in Keygen's order within each version.
const MIGRATIONS: &[Migration] = &[
    v1_7::CREDENTIAL_ERROR_CODES,
    v1_6::LEASING_STRATEGY,
    v1_5::OWNER_TO_USER,
    v1_5::OWNER_NOT_FOUND,
    v1_5::MACHINE_USER,
    v1_4::SNAKE_CASE_METADATA,
    v1_3::FINGERPRINT_STRATEGIES,
    v1_2::NOT_STARTED,
    v1_1::ADJUST_VALIDITY,
    v1_1::CODE_TO_CONSTANT,
    v1_1::CONCURRENT,
    v1_0::ARTIFACT_TO_ONE,
    v1_0::COPY_ARTIFACT_ATTRIBUTES,
    v1_0::NOT_PUBLISHED,
    v1_0::ARTIFACT_KEY,
    v1_0::ARTIFACT_PRODUCT,
];

/// The minor number of a resolved version (`"1.4"` → 4); the current one for anything else.
fn minor(version: &str) -> u8 {
    version.strip_prefix("1.").and_then(|m| m.parse().ok()).filter(|m| *m <= 8).unwrap_or(8)
}

/// The names of the migrations a client at `version` gets, in the order they run.
pub fn names(version: &str) -> Vec<&'static str> {
    let target = minor(version);
    MIGRATIONS.iter().filter(|m| target <= m.version).map(|m| m.name).collect()
}

/// Rewrites the response document `body` of `x` from the current version down to `version`.
pub fn migrate_response(body: &mut Value, version: &str, x: &Exchange<'_>, found: &Lookups) {
    let target = minor(version);
    for m in MIGRATIONS.iter().filter(|m| target <= m.version && (m.applies)(x)) {
        (m.data)(body, found);
    }
}

/// Rewrites a webhook payload (`{"data", "meta"}`) down to the endpoint's `version`: every
/// shape-only rewrite, whatever route it would be filtered to (Keygen §8.5).
pub fn migrate_payload(body: &mut Value, version: &str, found: &Lookups) {
    let target = minor(version);
    for m in MIGRATIONS.iter().filter(|m| target <= m.version) {
        (m.data)(body, found);
    }
}

/// The routes whose request bodies carry policy attributes.
const POLICY_WRITES: [(&str, &str); 3] = [("POST", "/policies"), ("PATCH", "/policies/{id}"), ("PUT", "/policies/{id}")];

/// The request body of `method pattern` at `version` with the old attribute names renamed
/// to the current ones (and 1.0–1.2's creation defaults), or `None` when nothing changes.
/// A body that is not a JSON object is left to the parser to refuse.
pub fn migrate_request(body: &[u8], version: &str, method: &str, pattern: &str) -> Option<Vec<u8>> {
    let target = minor(version);
    if target >= 7 || !POLICY_WRITES.contains(&(method, pattern)) {
        return None;
    }
    let mut doc: Value = serde_json::from_slice(body).ok()?;
    let attrs = doc.get_mut("data")?.get_mut("attributes")?.as_object_mut()?;
    let creating = method == "POST";
    // Oldest first: the request climbs from the client's version to the current one.
    v1_1::policy_request(attrs, target, creating);
    v1_2::policy_request(attrs, target, creating);
    v1_3::policy_request(attrs, target);
    v1_6::policy_request(attrs, target);
    serde_json::to_vec(&doc).ok()
}

/// Renames attribute `from` to `to` (unless `to` is also given, which then wins).
fn rename_attr(attrs: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(v) = attrs.remove(from) {
        attrs.entry(to.to_owned()).or_insert(v);
    }
}

/// The resource objects of `body`: `data` (one or many) and, with `included`, the included ones.
fn resources(body: &mut Value, included: bool) -> Vec<&mut Map<String, Value>> {
    let Some(o) = body.as_object_mut() else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in o.iter_mut() {
        if k == "data" || (included && k == "included") {
            match v {
                Value::Object(r) => out.push(r),
                Value::Array(rs) => out.extend(rs.iter_mut().filter_map(Value::as_object_mut)),
                _ => {}
            }
        }
    }
    out
}

/// The attributes of the resources of type `ty` in `body`.
fn attributes_of<'a>(body: &'a mut Value, ty: &str, included: bool) -> Vec<&'a mut Map<String, Value>> {
    resources(body, included)
        .into_iter()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some(ty))
        .filter_map(|r| r.get_mut("attributes").and_then(Value::as_object_mut))
        .collect()
}

/// The error objects of an error document.
fn errors(body: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    body.get_mut("errors").and_then(Value::as_array_mut).into_iter().flatten().filter_map(Value::as_object_mut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_header_wins_over_the_accounts_pinned_version() {
        assert_eq!(resolve(Some("1.2"), "1.5").ok(), Some("1.2"));
        assert_eq!(resolve(Some("v1.2"), "1.5").ok(), Some("1.2"));
        assert_eq!(resolve(None, "1.5").ok(), Some("1.5"));
        assert_eq!(resolve(Some(" "), "1.5").ok(), Some("1.5"));
        assert_eq!(resolve(None, "1.8").ok(), Some("1.8"));
        assert_eq!(resolve(Some("1.8.0"), "1.5").map_err(|e| e.code.to_string()).err().as_deref(), Some("INVALID_API_VERSION"));
    }

    #[test]
    fn each_version_gets_the_migrations_listed_at_or_above_it_in_keygens_order() {
        assert!(names("1.8").is_empty());
        assert_eq!(names("1.7"), ["rename_credential_error_codes_for_token"]);
        assert_eq!(names("1.6").len(), 2);
        assert_eq!(names("1.5").len(), 5);
        let all = names("1.0");
        assert_eq!(all.len(), MIGRATIONS.len());
        assert_eq!(all.first(), Some(&"rename_credential_error_codes_for_token"));
        assert_eq!(all.last(), Some(&"add_product_relationship_to_artifact"));
        assert!(MIGRATIONS.windows(2).all(|w| w.iter().map(|m| m.version).is_sorted_by(|a, b| a >= b)));
    }

    #[test]
    fn a_policy_at_each_version_has_that_versions_attribute_names() {
        let policy = || {
            json!({"data": {"type": "policies", "id": "p", "attributes": {
            "processLeasingStrategy": "PER_MACHINE", "machineUniquenessStrategy": "UNIQUE_PER_LICENSE",
            "machineMatchingStrategy": "MATCH_ANY", "overageStrategy": "NO_OVERAGE"}}})
        };
        let x = Exchange { method: "GET", pattern: Some("/policies/{id}"), status: 200 };
        let at = |v: &str| {
            let mut b = policy();
            migrate_response(&mut b, v, &x, &Lookups::default());
            let a = b["data"]["attributes"].as_object().cloned().unwrap_or_default();
            let mut keys: Vec<String> = a.keys().cloned().collect();
            keys.sort();
            keys.join(",")
        };
        assert_eq!(at("1.8"), "machineMatchingStrategy,machineUniquenessStrategy,overageStrategy,processLeasingStrategy");
        assert_eq!(at("1.7"), at("1.8"));
        assert_eq!(at("1.6"), "leasingStrategy,machineMatchingStrategy,machineUniquenessStrategy,overageStrategy");
        assert_eq!(at("1.3"), "fingerprintMatchingStrategy,fingerprintUniquenessStrategy,leasingStrategy,overageStrategy");
        assert_eq!(at("1.1"), "concurrent,fingerprintMatchingStrategy,fingerprintUniquenessStrategy,leasingStrategy,overageStrategy");
        assert_eq!(at("1.0"), at("1.1"));
    }

    #[test]
    fn old_policy_attribute_names_are_accepted_only_at_their_versions() {
        let body =
            br#"{"data":{"type":"policies","attributes":{"leasingStrategy":"PER_LICENSE","fingerprintMatchingStrategy":"MATCH_ALL","concurrent":false}}}"#;
        let up = |v: &str, m: &str, p: &str| {
            migrate_request(body, v, m, p).and_then(|b| serde_json::from_slice::<Value>(&b).ok()).map(|d| d["data"]["attributes"].clone())
        };
        assert_eq!(up("1.8", "POST", "/policies"), None);
        assert_eq!(up("1.7", "POST", "/policies"), None);
        assert_eq!(up("1.0", "GET", "/policies"), None);
        assert_eq!(
            up("1.6", "PATCH", "/policies/{id}"),
            Some(json!({"processLeasingStrategy": "PER_LICENSE", "fingerprintMatchingStrategy": "MATCH_ALL", "concurrent": false}))
        );
        assert_eq!(
            up("1.3", "PATCH", "/policies/{id}"),
            Some(json!({"processLeasingStrategy": "PER_LICENSE", "machineMatchingStrategy": "MATCH_ALL", "concurrent": false}))
        );
        assert_eq!(
            up("1.1", "PATCH", "/policies/{id}"),
            Some(json!({"processLeasingStrategy": "PER_LICENSE", "machineMatchingStrategy": "MATCH_ALL", "overageStrategy": "NO_OVERAGE"}))
        );
        // Creation at 1.0/1.1 defaults to ALWAYS_ALLOW_OVERAGE, at ≤ 1.2 to FROM_FIRST_PING.
        let bare = br#"{"data":{"type":"policies","attributes":{"name":"P"}}}"#;
        let created = |v: &str| {
            migrate_request(bare, v, "POST", "/policies").and_then(|b| serde_json::from_slice::<Value>(&b).ok()).map(|d| d["data"]["attributes"].clone())
        };
        assert_eq!(created("1.0"), Some(json!({"name": "P", "overageStrategy": "ALWAYS_ALLOW_OVERAGE", "heartbeatBasis": "FROM_FIRST_PING"})));
        assert_eq!(created("1.2"), Some(json!({"name": "P", "heartbeatBasis": "FROM_FIRST_PING"})));
        assert_eq!(created("1.3"), Some(json!({"name": "P"})));
        // Garbage is left to the parser.
        assert_eq!(migrate_request(b"{not json", "1.0", "POST", "/policies"), None);
        assert_eq!(migrate_request(b"[1]", "1.0", "POST", "/policies"), None);
    }

    #[test]
    fn non_documents_and_odd_shapes_pass_through_unchanged() {
        let x = Exchange { method: "GET", pattern: Some("/licenses"), status: 200 };
        for odd in [json!(null), json!([1, 2]), json!({"data": 3}), json!({"data": [1, {"type": 2}]}), json!({"meta": "x"}), json!({"errors": "x"})] {
            let mut b = odd.clone();
            migrate_response(&mut b, "1.0", &x, &Lookups::default());
            migrate_payload(&mut b, "1.0", &Lookups::default());
            assert_eq!(b, odd);
        }
    }
}

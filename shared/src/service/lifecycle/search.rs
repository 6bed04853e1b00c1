//! Search (issue 8): Keygen's `POST /search` (`searches_controller.rb`, `SearchPolicy`):
//! `{"meta":{"type":…,"query":{…},"op":"AND"|"OR"}}` over licenses, machines, users, products,
//! policies, groups and entitlements (Keygen's request logs and releases are not searched here),
//! admins only. Each query attribute is one of the type's searchable attributes (camelCase or
//! snake_case); string terms are at least 3 characters; `metadata` is an object of key/value terms.

use serde_json::{Map, Value};

use crate::access::{self, Action};
use crate::api::input::{parse_body, type_mismatch, Members};
use crate::api::query::{Page, Query};
use crate::error::{Code, Error};
use crate::service::{fetch_page, App, Caller};
use crate::store::rows::{EntitlementRow, GroupRow, LicenseRow, MachineRow, PolicyRow, ProductRow, UserRow};
use crate::store::{sql, Db, Kv};
use crate::Result;

/// A searchable resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `licenses`.
    Licenses,
    /// `machines`.
    Machines,
    /// `users`.
    Users,
    /// `products`.
    Products,
    /// `policies`.
    Policies,
    /// `groups`.
    Groups,
    /// `entitlements`.
    Entitlements,
}

/// How a term matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    /// A string term (case-insensitive substring, or exact for keys and relationship ids).
    Text,
    /// An object of metadata key/value terms.
    Metadata,
}

impl Kind {
    /// Keygen's type name (`license`, `licenses`, `License`) → the kind.
    fn parse(s: &str) -> Option<Self> {
        let t = s.to_ascii_lowercase();
        Some(match t.as_str() {
            "license" | "licenses" => Kind::Licenses,
            "machine" | "machines" => Kind::Machines,
            "user" | "users" => Kind::Users,
            "product" | "products" => Kind::Products,
            "policy" | "policies" => Kind::Policies,
            "group" | "groups" => Kind::Groups,
            "entitlement" | "entitlements" => Kind::Entitlements,
            _ => return None,
        })
    }

    /// The searchable attributes, in the order of the statement's parameters ?3….
    fn attributes(self) -> &'static [(&'static str, Term)] {
        use Term::{Metadata, Text};
        match self {
            Kind::Licenses => &[("id", Text), ("key", Text), ("name", Text), ("metadata", Metadata), ("product", Text), ("policy", Text), ("owner", Text)],
            Kind::Machines => &[
                ("id", Text),
                ("fingerprint", Text),
                ("name", Text),
                ("metadata", Metadata),
                ("license", Text),
                ("product", Text),
                ("policy", Text),
                ("owner", Text),
            ],
            Kind::Users => &[("id", Text), ("email", Text), ("first_name", Text), ("last_name", Text), ("full_name", Text), ("metadata", Metadata)],
            Kind::Products => &[("id", Text), ("name", Text), ("metadata", Metadata)],
            Kind::Policies => &[("id", Text), ("name", Text), ("metadata", Metadata), ("product", Text)],
            Kind::Groups => &[("name", Text)],
            Kind::Entitlements => &[("id", Text), ("code", Text), ("name", Text)],
        }
    }
}

/// A parsed search: the kind and the statement's parameters ?2 (operator) onwards.
#[derive(Debug)]
pub struct SearchInput {
    /// What is searched.
    pub kind: Kind,
    terms: Vec<Value>,
}

/// `firstName` / `first-name` / `first_name` → `first_name`; a user's `name` is its full name.
fn snake(k: &str, kind: Kind) -> String {
    let mut out = String::new();
    for c in k.chars() {
        match c {
            'A'..='Z' => {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            }
            '-' => out.push('_'),
            c => out.push(c),
        }
    }
    if kind == Kind::Users && out == "name" {
        return "full_name".into();
    }
    out
}

fn too_small(ptr: &str, name: &str) -> Error {
    Error::new(Code::ParameterInvalid, format!("search query for '{name}' is too small (minimum 3 characters)")).pointer(ptr)
}

/// A string term: strings, or numbers and booleans as their text.
fn text(v: &Value, ptr: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(v.to_string()),
        v => Err(type_mismatch(ptr, v, "string")),
    }
}

/// Parses a search request.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID` / `PARAMETER_UNPERMITTED` pointing into `/meta`.
pub fn parse(body: &[u8]) -> Result<SearchInput> {
    let mut top = Members::new(parse_body(body)?, "");
    let meta = match top.raw("meta") {
        Some(Value::Object(m)) => m,
        Some(v) => return Err(type_mismatch("/meta", &v, "object")),
        None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/meta")),
    };
    top.finish()?;
    let mut meta = Members::new(meta, "/meta");
    let ty = meta.string("type")?.set().ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer("/meta/type"))?;
    let op = meta.string("op")?.set().unwrap_or_else(|| "AND".into()).to_ascii_uppercase();
    let query = meta.raw("query");
    meta.finish()?;
    let kind = Kind::parse(&ty).ok_or_else(|| Error::new(Code::ParameterInvalid, format!("search type '{ty}' is not supported")).pointer("/meta/type"))?;
    if op != "AND" && op != "OR" {
        return Err(Error::new(Code::ParameterInvalid, "search operator must be AND or OR").pointer("/meta/op"));
    }
    let query: Map<String, Value> = match query {
        Some(Value::Object(q)) => q,
        Some(v) => return Err(type_mismatch("/meta/query", &v, "object")),
        None => return Err(Error::new(Code::ParameterMissing, "search query is required").pointer("/meta/query")),
    };
    if query.is_empty() {
        return Err(Error::new(Code::ParameterMissing, "search query is required").pointer("/meta/query"));
    }
    let attrs = kind.attributes();
    let mut terms = vec![Value::Null; attrs.len()];
    for (k, v) in &query {
        let ptr = format!("/meta/query/{k}");
        let name = snake(k, kind);
        let Some(i) = attrs.iter().position(|(a, _)| *a == name) else {
            return Err(Error::new(Code::ParameterInvalid, format!("search query '{k}' is not supported for resource type '{ty}'")).pointer(ptr));
        };
        let slot = terms.get_mut(i).ok_or_else(|| Error::internal("search slot"))?;
        *slot = match attrs.get(i).map(|(_, t)| *t) {
            Some(Term::Metadata) => {
                let Value::Object(m) = v else {
                    return Err(Error::new(Code::ParameterInvalid, "search query for 'metadata' must be a hash of key-value search terms").pointer(ptr));
                };
                let mut out = Map::new();
                for (mk, mv) in m {
                    let t = text(mv, &format!("{ptr}/{mk}"))?;
                    if matches!(mv, Value::String(_)) && t.chars().count() < 3 {
                        return Err(too_small(&format!("{ptr}/{mk}"), mk));
                    }
                    out.insert(mk.clone(), Value::String(t));
                }
                Value::Object(out).to_string().into()
            }
            _ => {
                let t = text(v, &ptr)?;
                if t.chars().count() < 3 {
                    return Err(too_small(&ptr, k));
                }
                t.into()
            }
        };
    }
    let mut params = vec![Value::from(op)];
    params.extend(terms);
    Ok(SearchInput { kind, terms: params })
}

/// What a search found, by kind.
#[derive(Debug)]
pub enum Found {
    /// Licenses.
    Licenses(Vec<LicenseRow>),
    /// Machines.
    Machines(Vec<MachineRow>),
    /// Users.
    Users(Vec<UserRow>),
    /// Products.
    Products(Vec<ProductRow>),
    /// Policies.
    Policies(Vec<PolicyRow>),
    /// Groups.
    Groups(Vec<GroupRow>),
    /// Entitlements.
    Entitlements(Vec<EntitlementRow>),
}

/// Runs a search (admins only, as Keygen's `SearchPolicy`); paginated by the query string.
///
/// # Errors
/// 401/403 from the access table; 400 for a bad page.
pub async fn search<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query, input: SearchInput) -> Result<(Found, u64, Page)> {
    access::require(caller, Action::Search)?;
    let page = Page::from_query(q)?;
    let mut f = vec![Value::from(caller.account_id())];
    f.extend(input.terms);
    let db = app.db;
    Ok(match input.kind {
        Kind::Licenses => {
            let (r, n, p) = fetch_page(db, sql::licenses::SEARCH, sql::licenses::SEARCH_COUNT, f, page).await?;
            (Found::Licenses(r), n, p)
        }
        Kind::Machines => {
            let (r, n, p) = fetch_page(db, sql::machines::SEARCH, sql::machines::SEARCH_COUNT, f, page).await?;
            (Found::Machines(r), n, p)
        }
        Kind::Users => {
            let (r, n, p) = fetch_page(db, sql::search::USERS, sql::search::USERS_COUNT, f, page).await?;
            (Found::Users(r), n, p)
        }
        Kind::Products => {
            let (r, n, p) = fetch_page(db, sql::search::PRODUCTS, sql::search::PRODUCTS_COUNT, f, page).await?;
            (Found::Products(r), n, p)
        }
        Kind::Policies => {
            let (r, n, p) = fetch_page(db, sql::search::POLICIES, sql::search::POLICIES_COUNT, f, page).await?;
            (Found::Policies(r), n, p)
        }
        Kind::Groups => {
            let (r, n, p) = fetch_page(db, sql::search::GROUPS, sql::search::GROUPS_COUNT, f, page).await?;
            (Found::Groups(r), n, p)
        }
        Kind::Entitlements => {
            let (r, n, p) = fetch_page(db, sql::search::ENTITLEMENTS, sql::search::ENTITLEMENTS_COUNT, f, page).await?;
            (Found::Entitlements(r), n, p)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> (String, String) {
        let e = parse(body.as_bytes()).unwrap_err();
        let p = match &e.source {
            Some(crate::error::Source::Pointer(p)) => p.clone(),
            _ => String::new(),
        };
        (e.code.to_string(), p)
    }

    #[test]
    fn keygens_refusals_point_into_meta() {
        assert_eq!(err(r#"{"meta":{"type":"widgets","query":{"name":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/type".into()));
        assert_eq!(err(r#"{"meta":{"type":"licenses","query":{}}}"#), ("PARAMETER_MISSING".into(), "/meta/query".into()));
        assert_eq!(err(r#"{"meta":{"type":"licenses","query":{"name":"ab"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/name".into()));
        assert_eq!(err(r#"{"meta":{"type":"licenses","query":{"email":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/email".into()));
        assert_eq!(err(r#"{"meta":{"type":"users","query":{"metadata":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/metadata".into()));
        assert_eq!(err(r#"{"meta":{"type":"users","query":{"metadata":{"k":"ab"}}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/metadata/k".into()));
        assert_eq!(err(r#"{"meta":{"type":"users","op":"XOR","query":{"email":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/op".into()));
        assert_eq!(err(r#"{"meta":{"type":"users","query":{"email":"abc"},"x":1}}"#).0, "PARAMETER_UNPERMITTED");
    }

    #[test]
    fn attributes_take_their_slot() {
        let s = parse(br#"{"meta":{"type":"User","op":"or","query":{"firstName":"Ann","metadata":{"tier":3}}}}"#).unwrap();
        assert_eq!(s.kind, Kind::Users);
        assert!(parse(br#"{"meta":{"type":"licenses","query":{"metadata":{"seats":12}}}}"#).is_ok());
        assert_eq!(s.terms, vec![Value::from("OR"), Value::Null, Value::Null, "Ann".into(), Value::Null, Value::Null, r#"{"tier":"3"}"#.into()]);
    }
}

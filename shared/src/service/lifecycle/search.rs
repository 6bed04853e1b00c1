//! Search (issue 8): Keygen's `POST /search` (`searches_controller.rb`, `SearchPolicy`):
//! `{"meta":{"type":…,"query":{…},"op":"AND"|"OR"}}` over licenses, machines, users, products,
//! policies, groups, entitlements and request logs (Keygen's releases are distribution's, not
//! searched here), admins and staff. Each query attribute is one of the type's searchable
//! attributes (camelCase or snake_case); string terms are at least 3 characters; `metadata` is an
//! object of key/value terms whose keys match under their camelCase and snake_case spellings;
//! relationship terms (`product`, `policy`, `license`, `owner`, `user`) match the related
//! record's id, an id prefix or its name/email, as Keygen's `search_<relation>` scopes.

use serde_json::{Map, Value};

use crate::access::{self, Action};
use crate::api::input::{parse_body, type_mismatch, Members};
use crate::api::query::{Page, Query};
use crate::error::{Code, Error};
use crate::service::{fetch_page, App, Caller};
use crate::store::rows::{EntitlementRow, GroupRow, LicenseRow, MachineRow, PolicyRow, ProductRow, UserRow};
use crate::store::sql::request_logs::RequestLogRow;
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
    /// `request-logs` (Keygen EE; admins and the roles that read request logs).
    RequestLogs,
}

/// How a term matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    /// A string term (case-insensitive substring, or exact for keys and relationship ids).
    Text,
    /// An object of metadata key/value terms.
    Metadata,
    /// A request log's `requestor` / `resource`: an id (string), or `{"type", "id"}` (either
    /// or both), filling this slot (the type) and the next (the id).
    Pair,
    /// The id half of a [`Term::Pair`] (never named by a query).
    PairId,
    /// An HTTP method: exact, upper-cased.
    Method,
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
            "request-log" | "request-logs" | "request_log" | "request_logs" | "requestlog" | "requestlogs" => Kind::RequestLogs,
            _ => return None,
        })
    }

    /// The searchable attributes, in the order of the statement's parameters ?3….
    fn attributes(self) -> &'static [(&'static str, Term)] {
        use Term::{Metadata, Method, Pair, PairId, Text};
        match self {
            Kind::Licenses => {
                &[("id", Text), ("key", Text), ("name", Text), ("metadata", Metadata), ("product", Text), ("policy", Text), ("owner", Text), ("user", Text)]
            }
            Kind::Machines => &[
                ("id", Text),
                ("fingerprint", Text),
                ("name", Text),
                ("metadata", Metadata),
                ("license", Text),
                ("product", Text),
                ("policy", Text),
                ("owner", Text),
                ("user", Text),
            ],
            Kind::Users => {
                &[("id", Text), ("email", Text), ("first_name", Text), ("last_name", Text), ("full_name", Text), ("metadata", Metadata), ("role", Text)]
            }
            Kind::Products => &[("id", Text), ("name", Text), ("metadata", Metadata)],
            Kind::Policies => &[("id", Text), ("name", Text), ("metadata", Metadata), ("product", Text)],
            Kind::Groups => &[("name", Text)],
            Kind::Entitlements => &[("id", Text), ("code", Text), ("name", Text)],
            Kind::RequestLogs => &[
                ("id", Text),
                ("requestor", Pair),
                ("requestor#id", PairId),
                ("resource", Pair),
                ("resource#id", PairId),
                ("method", Method),
                ("status", Text),
                ("url", Text),
                ("ip", Text),
            ],
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

/// The spellings a metadata search key matches: as given, snake_case and camelCase (Keygen
/// underscores search keys and stores metadata snake_case; Latchkey stores keys as sent, and
/// clients at ≤ 1.4 see nested keys snake_case).
fn spellings(key: &str) -> Vec<String> {
    let mut snake_key = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !snake_key.ends_with('_') {
                snake_key.push('_');
            }
            snake_key.push(c.to_ascii_lowercase());
        } else if c == '-' {
            snake_key.push('_');
        } else {
            snake_key.push(c);
        }
    }
    let mut camel = String::with_capacity(key.len());
    let mut up = false;
    for c in snake_key.chars() {
        if c == '_' && !camel.is_empty() {
            up = true;
        } else if up {
            camel.push(c.to_ascii_uppercase());
            up = false;
        } else {
            camel.push(c);
        }
    }
    let mut out = vec![key.to_owned()];
    for s in [snake_key, camel] {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// A request log's `requestor` / `resource` term: an id (at least 3 characters), or an object
/// with `type` and/or `id` (Keygen's `search_requestor(type:, id:)`) → (type, id) parameters.
///
/// # Errors
/// 400 `PARAMETER_INVALID` at the term (or its member) for another shape, an empty object or a
/// short id.
fn pair(v: &Value, ptr: &str, name: &str) -> Result<(Value, Value)> {
    match v {
        Value::String(_) | Value::Number(_) => {
            let id = text(v, ptr)?;
            if id.chars().count() < 3 {
                return Err(too_small(ptr, name));
            }
            Ok((Value::Null, id.into()))
        }
        Value::Object(o) => {
            let mut m = Members::new(o.clone(), ptr);
            let ty = m.string("type")?.set();
            let id = m.string("id")?.set();
            m.finish()?;
            if ty.is_none() && id.is_none() {
                return Err(Error::new(Code::ParameterInvalid, format!("search query for '{name}' must have a type or an id")).pointer(ptr));
            }
            if let Some(i) = &id {
                if i.chars().count() < 3 {
                    return Err(too_small(&format!("{ptr}/id"), "id"));
                }
            }
            let ty = ty.map(|t| crate::domain::request_log::normalize_type(&t));
            Ok((ty.map_or(Value::Null, Value::from), id.map_or(Value::Null, Value::from)))
        }
        v => Err(type_mismatch(ptr, v, "string or object")),
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
        let Some(i) = attrs.iter().position(|(a, t)| *a == name && *t != Term::PairId) else {
            return Err(Error::new(Code::ParameterInvalid, format!("search query '{k}' is not supported for resource type '{ty}'")).pointer(ptr));
        };
        let term = attrs.get(i).map(|(_, t)| *t);
        if term == Some(Term::Pair) {
            let (ty, id) = pair(v, &ptr, k)?;
            for (j, val) in [(i, ty), (i + 1, id)] {
                *terms.get_mut(j).ok_or_else(|| Error::internal("search slot"))? = val;
            }
            continue;
        }
        let slot = terms.get_mut(i).ok_or_else(|| Error::internal("search slot"))?;
        *slot = match term {
            Some(Term::Metadata) => {
                let Value::Object(m) = v else {
                    return Err(Error::new(Code::ParameterInvalid, "search query for 'metadata' must be a hash of key-value search terms").pointer(ptr));
                };
                let mut out = Vec::with_capacity(m.len());
                for (mk, mv) in m {
                    let t = text(mv, &format!("{ptr}/{mk}"))?;
                    if matches!(mv, Value::String(_)) && t.chars().count() < 3 {
                        return Err(too_small(&format!("{ptr}/{mk}"), mk));
                    }
                    out.push(serde_json::json!({"k": spellings(mk), "v": t}));
                }
                Value::Array(out).to_string().into()
            }
            Some(Term::Method) => {
                let t = text(v, &ptr)?;
                if t.chars().count() < 3 {
                    return Err(too_small(&ptr, k));
                }
                t.trim().to_ascii_uppercase().into()
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
    /// Request logs.
    RequestLogs(Vec<RequestLogRow>),
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
    // Resellers (issue 10 §7): a reseller admin searches its reseller's licenses, machines and
    // users (the statement's last filter); nothing else of the account.
    let reseller = crate::service::identity::resellers::of_bearer(caller);
    if reseller.is_some() && !matches!(input.kind, Kind::Licenses | Kind::Machines | Kind::Users) {
        return Err(Error::forbidden());
    }
    if matches!(input.kind, Kind::Licenses | Kind::Machines | Kind::Users) {
        f.push(reseller.map_or(Value::Null, Value::from));
    }
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
        Kind::RequestLogs => {
            // Also the request logs' own read (Keygen authorises the results as an index).
            access::require(caller, Action::RequestLogRead)?;
            let (r, n, p) = fetch_page(db, sql::search::REQUEST_LOGS, sql::search::REQUEST_LOGS_COUNT, f, page).await?;
            (Found::RequestLogs(r), n, p)
        }
    })
}

#[cfg(test)]
mod tests;

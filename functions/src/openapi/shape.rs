//! What a route row does, derived from its pattern and method alone, so a new row gets a
//! correct, conservative description without anyone writing one: a collection (list / create),
//! a member (read / update / delete), an `actions/*` route, a relationship (to-one, to-many,
//! attach / detach), a child below a relationship. [`EXCEPTIONS`] lists the rows whose answer
//! differs from what their shape says (each checked on the real runtime by the Schemathesis
//! stage and the e2e access table).

use super::resources::type_of;

/// The body a successful answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `{"data": [resources of ty]}` (`None`: of any type).
    List(Option<&'static str>),
    /// `{"data": resource of ty}`; `nullable`: `data` may be `null` (a to-one that is unset).
    One(Option<&'static str>, bool),
    /// `{"data": …}` of any shape (a resource, a list or `null`) and `meta` (actions).
    Any,
    /// 204, no body.
    Empty,
    /// Raw bytes (`application/octet-stream`: a license-file certificate download).
    Octets,
    /// A plain JSON document that is not JSON:API (this OpenAPI document).
    Json,
    /// A body in one of these media types, not JSON:API (CSV exports, the package engines'
    /// native formats).
    Media(&'static [&'static str]),
    /// A redirect (`Location`), no body: the engines hand downloads to the signed link.
    Redirect,
    /// The JSON:API error document as the designed answer (npm's audit endpoints: 410).
    Error,
}

/// A derived operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Status of the success answer.
    pub status: u16,
    /// What it carries.
    pub body: Body,
    /// The request body: `Some(ty)` a JSON:API resource document of that type (create /
    /// update); `None` with `optional_body` an optional JSON document (actions, relationship
    /// writes; the route's own parser decides).
    pub request: Option<&'static str>,
    /// Whether an (untyped, optional) request body is described.
    pub optional_body: bool,
    /// Whether it is a list (pagination parameters apply).
    pub paginated: bool,
    /// A summary for humans.
    pub summary: &'static str,
}

/// Rows whose answer is not their shape's: `(method, pattern, status, body)`.
pub const EXCEPTIONS: &[(&str, &str, u16, Body)] = &[
    ("GET", "/openapi.json", 200, Body::Json),
    // Health below an account (issue 11): a meta-only document, `{"meta": {"status", "database"}}`.
    ("GET", "/health", 200, Body::Any),
    ("POST", "/passwords", 204, Body::Empty),
    ("POST", "/tokens", 201, Body::One(Some("tokens"), false)),
    ("GET", "/profile", 200, Body::One(None, false)),
    ("GET", "/me", 200, Body::One(None, false)),
    ("POST", "/webhook-events/{id}/actions/retry", 201, Body::One(Some("webhook-events"), false)),
    ("GET", "/licenses/{id}/actions/check-out", 200, Body::Octets),
    ("GET", "/machines/{id}/actions/check-out", 200, Body::Octets),
    ("PUT", "/licenses/{id}/policy", 200, Body::One(Some("licenses"), false)),
    ("PATCH", "/licenses/{id}/policy", 200, Body::One(Some("licenses"), false)),
    // Package engines (issue 9): each answers its client's native format.
    ("GET", "/engines/pypi/simple", 200, Body::Media(PYPI)),
    ("GET", "/engines/pypi/simple/{project}", 200, Body::Media(PYPI)),
    ("POST", "/engines/npm/-/npm/v1/security/advisories/bulk", 410, Body::Error),
    ("POST", "/engines/npm/-/npm/v1/security/audits/quick", 410, Body::Error),
    ("GET", "/engines/npm/{package}", 200, Body::Media(JSON)),
    ("GET", "/engines/npm/{scope}/{name}", 200, Body::Media(JSON)),
    ("GET", "/engines/oci/{package}/manifests/{reference}", 200, Body::Media(OCI_MANIFESTS)),
    ("HEAD", "/engines/oci/{package}/manifests/{reference}", 200, Body::Media(OCI_MANIFESTS)),
    ("GET", "/engines/oci/{package}/blobs/{digest}", 303, Body::Redirect),
    ("HEAD", "/engines/oci/{package}/blobs/{digest}", 200, Body::Media(ANY)),
    ("GET", "/engines/oci/{package}/tags/list", 200, Body::Media(JSON)),
    ("HEAD", "/engines/rubygems", 200, Body::Media(TEXT)),
    ("GET", "/engines/rubygems/versions", 200, Body::Media(TEXT)),
    ("GET", "/engines/rubygems/names", 200, Body::Media(TEXT)),
    ("GET", "/engines/rubygems/info/{gem}", 200, Body::Media(TEXT)),
    ("GET", "/engines/rubygems/gems/{file}", 303, Body::Redirect),
    ("GET", "/engines/raw/{product}/{release}/{artifact}", 303, Body::Redirect),
    ("GET", "/engines/raw/{product}/{package}/{release}/{artifact}", 303, Body::Redirect),
    ("GET", "/engines/tauri/{package}", 200, Body::Media(JSON)),
];

/// Rows that may also succeed with another status: `(method, pattern, status, body)` (Tauri's
/// 204 "up to date").
pub const ALSO: &[(&str, &str, u16, Body)] = &[("GET", "/engines/tauri/{package}", 204, Body::Empty)];

const PYPI: &[&str] = &["text/html", "application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.v1+html"];
const JSON: &[&str] = &["application/json"];
const TEXT: &[&str] = &["text/plain"];
const ANY: &[&str] = &["*/*"];
const OCI_MANIFESTS: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
/// CSV exports (`GET /{type}/export`, issue 10 §6).
const CSV: &[&str] = &["text/csv"];

/// Relationship segments whose POST creates a child of that type (201) rather than attaching
/// existing resources (200).
const CREATES_CHILD: &[&str] = &["tokens", "second-factors"];

fn is_param(seg: &str) -> bool {
    seg.starts_with('{') && seg.ends_with('}')
}

/// The shape of `method` on `pattern`.
pub fn derive(method: &str, pattern: &str) -> Shape {
    let segs: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let mut base = base(method, &segs);
    if method == "GET" && segs.last() == Some(&"export") {
        base = Shape { paginated: false, ..shape(200, Body::Media(CSV), "Export as CSV") };
    }
    match EXCEPTIONS.iter().find(|(m, p, _, _)| *m == method && *p == pattern) {
        Some(&(_, _, status, body)) => Shape { status, body, ..base },
        None => base,
    }
}

fn shape(status: u16, body: Body, summary: &'static str) -> Shape {
    Shape { status, body, request: None, optional_body: false, paginated: false, summary }
}

fn base(method: &str, segs: &[&str]) -> Shape {
    let write = matches!(method, "PATCH" | "PUT");
    match (method, segs) {
        ("DELETE", [.., last]) if !is_param(last) && segs.len() > 2 => Shape { optional_body: true, ..shape(204, Body::Empty, "Detach or delete") },
        ("DELETE", _) => shape(204, Body::Empty, "Delete"),
        // The account itself.
        ("GET", []) => shape(200, Body::One(Some("accounts"), false), "Read the account"),
        (_, []) if write => Shape { request: Some("accounts"), ..shape(200, Body::One(Some("accounts"), false), "Update the account") },
        // Collections.
        ("GET", [c]) => Shape { paginated: true, ..shape(200, Body::List(type_of(c)), "List") },
        ("POST", [c]) => Shape { request: type_of(c), optional_body: type_of(c).is_none(), ..shape(201, Body::One(type_of(c), false), "Create") },
        // Members.
        ("GET", [c, id]) if is_param(id) => shape(200, Body::One(type_of(c), false), "Read"),
        (_, [c, id]) if is_param(id) && write => Shape { request: type_of(c), ..shape(200, Body::One(type_of(c), false), "Update") },
        // Actions (on a collection or a member).
        (_, [.., "actions", _]) => Shape { optional_body: method != "GET", ..shape(200, Body::Any, "Action") },
        // Relationships of a member.
        ("GET", [_, id, rel]) if is_param(id) => match type_of(rel) {
            Some(t) if is_plural(rel) => Shape { paginated: true, ..shape(200, Body::List(Some(t)), "List related") },
            Some(t) => shape(200, Body::One(Some(t), true), "Read related"),
            None => Shape { paginated: true, ..shape(200, Body::Any, "Read related") },
        },
        ("POST", [_, id, rel]) if is_param(id) && CREATES_CHILD.contains(rel) => {
            Shape { optional_body: true, ..shape(201, Body::One(type_of(rel), false), "Create a child") }
        }
        (_, [_, id, _]) if is_param(id) => Shape { optional_body: true, ..shape(200, Body::Any, "Change a relationship") },
        // A child below a relationship.
        ("GET", [_, id, rel, child]) if is_param(id) && is_param(child) => shape(200, Body::One(type_of(rel), false), "Read a related child"),
        (_, [_, id, rel, child]) if is_param(id) && is_param(child) && write => {
            Shape { optional_body: true, ..shape(200, Body::One(type_of(rel), false), "Update a related child") }
        }
        // Anything else: conservative.
        _ => Shape { optional_body: method != "GET", ..shape(200, Body::Any, "Operation") },
    }
}

/// Whether a relationship segment is a to-many one (a plural type name, not a to-one name).
fn is_plural(rel: &str) -> bool {
    super::resources::find(rel).is_some()
}

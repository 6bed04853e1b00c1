//! `GET /v1/openapi.json`: an OpenAPI 3.1 document of every row of the route table
//! ([`crate::routes::ROUTES`]), generated from the table itself, so it cannot drift. Paths,
//! methods and path parameters come from each row's pattern; what an operation answers from
//! its shape ([`shape`], derived from pattern and method, so a new row is described at once,
//! conservatively); attribute types from the descriptors next to the renderers ([`resources`],
//! checked against `shared::api`'s renderers by a native test); every operation documents
//! the JSON:API error document for each 4xx status of the error-code table, the security
//! schemes (bearer token, `License` key, Basic for login) and the signature headers.
//!
//! The document is generated once per isolate and served signed, like every account-scoped
//! answer, to anyone (`Action::OpenApiRead`): it describes the API, not an account's data.

mod resources;
mod schema;
mod shape;

use std::cell::OnceCell;

use serde_json::{json, Map, Value};
use shared::access::{self, Action};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;
use crate::routes::Route;
use shape::Body;

/// Rows a caller may use without credentials (the access table's anonymous rows), and
/// the login row that also takes Basic credentials: what each operation's `security` says.
const ANONYMOUS: &[(&str, &str)] = &[
    ("GET", "/openapi.json"),
    ("GET", "/health"),
    ("HEAD", "/engines/rubygems"),
    ("POST", "/passwords"),
    ("POST", "/users/{id}/actions/reset-password"),
    ("POST", "/licenses/actions/validate-key"),
];
const LOGIN: (&str, &str) = ("POST", "/tokens");

/// Stands for the calling account's id in the cached document.
const ACCOUNT_SLOT: &str = "\u{1}latchkey-account\u{1}";

thread_local! {
    // Workers isolates are single-threaded: the document is built and serialised once per
    // isolate, as the text before and after the account's id (its only per-request part).
    static DOCUMENT: OnceCell<(String, Option<String>)> = const { OnceCell::new() };
}

/// `GET /openapi.json`: the document, with the calling account as the server default.
pub async fn serve(cx: &Cx<'_>) -> Result<Reply, Error> {
    access::require(&cx.caller, Action::OpenApiRead)?;
    let body = body(cx.caller.account_id());
    Ok(Reply::Raw { status: 200, content_type: "application/json", headers: vec![], body: body.into_bytes() })
}

/// The serialised document for `account` (from the isolate's cached text).
fn body(account: &str) -> String {
    DOCUMENT.with(|d| {
        let (before, after) = d.get_or_init(|| {
            let mut doc = document(crate::routes::ROUTES);
            doc["servers"] = servers(ACCOUNT_SLOT);
            let text = doc.to_string();
            let slot = Value::String(ACCOUNT_SLOT.to_owned()).to_string();
            match text.split_once(&slot) {
                Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
                None => (text, None),
            }
        });
        match after {
            Some(after) => [before.as_str(), &Value::String(account.to_owned()).to_string(), after.as_str()].concat(),
            None => before.clone(),
        }
    })
}

fn servers(account: &str) -> Value {
    json!([
        {"url": "/v1/accounts/{account}", "description": "An account's API", "variables": {"account": {"default": account, "description": "The account's id or slug"}}},
        {"url": "/v1", "description": "The deployment's default account (LATCHKEY_ACCOUNT_ID, else the first account)"}
    ])
}

/// The OpenAPI document of `table`; its `servers` name no account (`serve` puts the caller's in).
pub fn document(table: &[Route]) -> Value {
    let mut paths = Map::new();
    for route in table {
        let item = paths.entry(route.pattern.to_owned()).or_insert_with(|| json!({}));
        for method in route.methods {
            let key = method.to_ascii_lowercase();
            // The first row for a method and pattern answers (the route table's precedence).
            if item.get(&key).is_none() {
                item[key] = operation(method, route.pattern);
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Latchkey",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A software-licensing API that speaks Keygen's public API (JSON:API under /v1) with Cryptlex's features. Generated from the route table; see docs/API.md."
        },
        "servers": servers("{account}"),
        "security": [{"bearer": []}, {"license": []}],
        "paths": paths,
        "components": components(),
    })
}

fn components() -> Value {
    let mut c = schema::components();
    let error = json!({
        "description": "A JSON:API error document.",
        "headers": signature_headers(),
        "content": {shared::api::MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Error"}}}
    });
    c["responses"] = json!({"Error": error});
    c
}

fn signature_headers() -> Value {
    let names = ["Keygen-Signature", "Keygen-Digest", "Keygen-Date", "Digest", "Date", "Keygen-Account", "X-Request-Id"];
    names.iter().map(|n| ((*n).to_owned(), json!({"$ref": format!("#/components/headers/{n}")}))).collect::<Map<_, _>>().into()
}

fn operation_id(method: &str, pattern: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for seg in pattern.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(seg.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
    }
    id
}

fn operation(method: &str, pattern: &str) -> Value {
    let s = shape::derive(method, pattern);
    let mut params: Vec<Value> = pattern
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
        .map(|name| {
            // `.` and `..` are not ids (URL parsers fold them into the path): at least one other character.
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "minLength": 1, "pattern": "[^.]"}})
        })
        .collect();
    if s.paginated {
        params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}, "description": "Page size without page[…] (default 10)."}));
        params.push(json!({"name": "page[number]", "in": "query", "schema": {"type": "integer", "minimum": 1}, "description": "1-based page number."}));
        params.push(json!({"name": "page[size]", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}));
    }
    let mut responses = Map::new();
    responses.insert(s.status.to_string(), success(s.status, s.body));
    for &(_, _, status, body) in shape::ALSO.iter().filter(|(m, p, _, _)| *m == method && *p == pattern) {
        responses.insert(status.to_string(), success(status, body));
    }
    for status in schema::error_statuses() {
        responses.entry(status.to_string()).or_insert_with(|| json!({"$ref": "#/components/responses/Error"}));
    }
    let tag = pattern.split('/').find(|s| !s.is_empty()).unwrap_or("account");
    let mut op = json!({
        "operationId": operation_id(method, pattern),
        "summary": format!("{} ({method} {pattern})", s.summary),
        "tags": [tag],
        "parameters": params,
        "responses": responses,
    });
    let media = |schema: Value| json!({shared::api::MEDIA_TYPE: {"schema": schema.clone()}, "application/json": {"schema": schema}});
    if let Some(ty) = s.request {
        op["requestBody"] = json!({"required": true, "content": media(schema::request(ty))});
    } else if s.optional_body {
        op["requestBody"] = json!({"required": false, "content": media(json!({"type": "object"}))});
    }
    if ANONYMOUS.contains(&(method, pattern)) {
        op["security"] = json!([{}, {"bearer": []}, {"license": []}]);
    } else if (method, pattern) == LOGIN {
        op["security"] = json!([{"basic": []}, {"bearer": []}]);
    }
    op
}

fn success(status: u16, body: Body) -> Value {
    let description = match status {
        201 => "Created",
        204 => "No content",
        303 => "See other (the signed download link is in Location)",
        410 => "Gone",
        _ => "OK",
    };
    let mut r = json!({"description": description, "headers": signature_headers()});
    match body {
        Body::Octets => r["content"] = json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}),
        Body::Json => r["content"] = json!({"application/json": {"schema": schema::body(body)}}),
        Body::Media(types) => r["content"] = types.iter().map(|t| ((*t).to_owned(), json!({"schema": {}}))).collect::<Map<_, _>>().into(),
        Body::Redirect => r["headers"]["Location"] = json!({"schema": {"type": "string"}}),
        Body::Error => r["content"] = json!({shared::api::MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Error"}}}),
        _ => {
            if let Some(schema) = schema::body(body) {
                r["content"] = json!({shared::api::MEDIA_TYPE: {"schema": schema}});
            }
        }
    }
    r
}

#[cfg(test)]
#[path = "../openapi_tests.rs"]
mod tests;

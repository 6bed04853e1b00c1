//! JSON Schemas of the document: resource objects typed by their descriptor
//! ([`super::resources`]), the generic resource, the JSON:API error document, request
//! documents, and the signature headers every account-scoped answer carries.

use serde_json::{json, Map, Value};

use super::resources::{Resource, J, RESOURCES};
use super::shape::Body;

/// The JSON Schema of one attribute type.
pub fn of(j: J) -> Value {
    match j {
        J::Str => json!({"type": "string"}),
        J::OptStr => json!({"type": ["string", "null"]}),
        J::Int => json!({"type": "integer"}),
        J::OptInt => json!({"type": ["integer", "null"]}),
        J::Bool => json!({"type": "boolean"}),
        J::OptBool => json!({"type": ["boolean", "null"]}),
        J::Obj => json!({"type": "object"}),
        J::Strs => json!({"type": "array", "items": {"type": "string"}}),
        J::Time => json!({"type": "string", "format": "date-time"}),
        J::OptTime => json!({"type": ["string", "null"], "format": "date-time"}),
        J::Any => json!({}),
    }
}

/// The component name of a type's resource schema (`licenses` → `LicensesResource`).
pub fn name(ty: &str) -> String {
    let mut out = String::new();
    for part in ty.split('-') {
        let mut c = part.chars();
        if let Some(f) = c.next() {
            out.extend(f.to_uppercase());
            out.push_str(c.as_str());
        }
    }
    out.push_str("Resource");
    out
}

fn reference(component: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{component}")})
}

/// A `$ref` to the schema of resources of `ty`, or to the generic resource.
pub fn resource_ref(ty: Option<&str>) -> Value {
    match ty.and_then(super::resources::find) {
        Some(r) => reference(&name(r.ty)),
        None => reference("Resource"),
    }
}

fn generic_resource() -> Value {
    json!({
        "type": "object",
        "description": "A JSON:API resource object: relationships and links.self on every resource.",
        "required": ["id", "type", "attributes", "relationships", "links"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string"},
            "attributes": {"type": "object"},
            "relationships": {"type": "object"},
            "links": {"type": "object", "properties": {"self": {"type": "string"}}},
            "meta": {"type": "object"}
        }
    })
}

fn typed_resource(r: &Resource) -> Value {
    let mut props = Map::new();
    for (k, j) in r.attributes.iter().chain(r.optional) {
        props.insert((*k).to_owned(), of(*j));
    }
    let required: Vec<&str> = r.attributes.iter().map(|(k, _)| *k).collect();
    let mut v = generic_resource();
    v["description"] = json!(format!("A `{}` resource.", r.ty));
    v["properties"]["type"] = json!({"const": r.ty});
    v["properties"]["attributes"] = json!({"type": "object", "required": required, "properties": props});
    v
}

fn error_document() -> Value {
    json!({
        "type": "object",
        "description": "A JSON:API error document; `code` is one of Keygen's upper-snake codes, `source` names the member, query parameter or header at fault.",
        "required": ["errors"],
        "properties": {
            "errors": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "required": ["title", "detail", "code"],
                "properties": {
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "code": {"type": "string", "pattern": "^[A-Z0-9_]+$"},
                    "source": {"type": "object", "properties": {
                        "pointer": {"type": "string"}, "parameter": {"type": "string"}, "header": {"type": "string"}
                    }}
                }
            }},
            "meta": {"type": "object", "properties": {"id": {"type": "string"}}}
        }
    })
}

/// The error statuses every account-scoped operation may answer: each 4xx status of the error
/// code table (`shared::error::Code::ALL`), in order.
pub fn error_statuses() -> Vec<u16> {
    let mut s: Vec<u16> = shared::error::Code::ALL.iter().map(|c| c.status()).filter(|s| (400..500).contains(s)).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// The schema of a success body.
pub fn body(b: Body) -> Option<Value> {
    let data = |d: Value| json!({"type": "object", "required": ["data"], "properties": {"data": d, "links": {"type": "object"}, "meta": {"type": "object"}, "included": {"type": "array", "items": reference("Resource")}}});
    Some(match b {
        Body::List(ty) => data(json!({"type": "array", "items": resource_ref(ty)})),
        Body::One(ty, false) => data(resource_ref(ty)),
        Body::One(ty, true) => data(json!({"anyOf": [resource_ref(ty), {"type": "null"}]})),
        Body::Any => json!({"type": "object", "properties": {
            "data": {"anyOf": [reference("Resource"), {"type": "array", "items": reference("Resource")}, {"type": "null"}]},
            "meta": {"type": "object"}, "links": {"type": "object"}
        }}),
        Body::Json => json!({"type": "object", "required": ["openapi", "paths"]}),
        Body::Empty | Body::Octets | Body::Media(_) | Body::Redirect | Body::Error => return None,
    })
}

/// The request document for creating or updating a resource of `ty`: `data.type` and
/// attributes typed by the descriptor (all optional: which are required or writable is the
/// route's parser's to say, with a 400 / 422 pointing at the member).
pub fn request(ty: &str) -> Value {
    let attrs: Map<String, Value> = super::resources::find(ty)
        .map(|r| r.attributes.iter().chain(r.optional).filter(|(k, _)| !matches!(*k, "created" | "updated")).map(|(k, j)| ((*k).to_owned(), of(*j))).collect())
        .unwrap_or_default();
    json!({"type": "object", "required": ["data"], "properties": {"data": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"const": ty}, "id": {"type": "string"}, "attributes": {"type": "object", "properties": attrs}, "relationships": {"type": "object"}}
    }, "meta": {"type": "object"}}})
}

/// The signature and whoami headers (`docs/API.md`, "Signatures").
pub fn headers() -> Value {
    let h = |d: &str| json!({"description": d, "schema": {"type": "string"}});
    json!({
        "Keygen-Signature": h("Ed25519 signature of the response: keyid, algorithm, signature, headers (`(request-target) host date digest`)."),
        "Keygen-Digest": h("`sha-256=<base64>` of the body."),
        "Keygen-Date": h("The signed date (RFC 7231)."),
        "Digest": h("Same as Keygen-Digest."),
        "Date": h("Same as Keygen-Date."),
        "Keygen-Account": h("The account that answered."),
        "X-Request-Id": h("The request's id (also `meta.id` of an error document).")
    })
}

/// `components`: schemas, responses, headers, security schemes.
pub fn components() -> Value {
    let mut schemas = Map::new();
    schemas.insert("Resource".into(), generic_resource());
    schemas.insert("Error".into(), error_document());
    for r in RESOURCES {
        schemas.insert(name(r.ty), typed_resource(r));
    }
    json!({
        "schemas": schemas,
        "headers": headers(),
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "An admin, product, user, license or activation token (`Authorization: Bearer <token>`)."},
            "license": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "A license key: `Authorization: License <key>`."},
            "basic": {"type": "http", "scheme": "basic", "description": "Email and password, only to log in (`POST /tokens`)."}
        }
    })
}

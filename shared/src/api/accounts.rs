//! Rendering of accounts, users, tokens, products and event logs.

use crate::domain::states::{BearerType, TokenKind};
use serde_json::{json, Map, Value};

use super::document::{ts, ResourceObject};
use crate::clock::iso8601;
use crate::store::rows::{json_object, AccountRow, EventRow, ProductRow, SecondFactorRow, TokenRow, UserRow};

/// The health check's answer (`GET /v1/health`, `GET /v1/accounts/{account}/health`).
pub fn health() -> super::Document {
    let mut meta = Map::new();
    meta.insert("status".into(), "ok".into());
    meta.insert("database".into(), "ok".into());
    let mut doc = Map::new();
    doc.insert("meta".into(), Value::Object(meta));
    super::Document(doc)
}

/// An account; `meta.publicKey` (hex Ed25519) and `meta.keys.{ed25519,rsa2048,ecdsa}` as Keygen
/// publishes them (null for a pair not made yet; reading the account makes them).
pub fn account(a: &AccountRow) -> ResourceObject {
    use base64::Engine as _;
    // Inside an environment the caller's account row carries the tenant id: render the account.
    let id = crate::domain::environments::split(&a.id).0;
    let mut r = ResourceObject::new(id, "accounts", id)
        .attr("name", a.name.clone())
        .attr("slug", a.slug.clone())
        .attr("apiVersion", a.api_version.clone())
        .attr("metadata", Value::Object(json_object(&a.metadata)))
        .timestamps(a.created_at, a.updated_at);
    r.self_link = format!("/v1/accounts/{id}");
    r.relationships.remove("account");
    let mut meta = Map::new();
    meta.insert("publicKey".into(), a.public_key.clone().into());
    // Keygen publishes base64 of each public key's text (hex for Ed25519, PEM for RSA and ECDSA);
    // `publicKey` stays the Ed25519 hex that SDKs are configured with (Keygen's is the RSA PEM).
    let b64 = |k: &str| base64::engine::general_purpose::STANDARD.encode(k);
    meta.insert(
        "keys".into(),
        json!({"ed25519": b64(&a.public_key), "rsa2048": a.rsa_public_key.as_deref().map(b64), "ecdsa": a.ecdsa_public_key.as_deref().map(b64)}),
    );
    r.meta = Some(meta);
    r.to_many("users", None).to_many("products", None).to_many("policies", None).to_many("licenses", None).to_many("machines", None).to_many("tokens", None)
}

/// A user. `password` is never rendered.
pub fn user(u: &UserRow) -> ResourceObject {
    let full = match (&u.first_name, &u.last_name) {
        (Some(f), Some(l)) => Value::String(format!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Value::String(n.clone()),
        _ => Value::Null,
    };
    ResourceObject::new(&u.account_id, "users", &u.id)
        .attr("fullName", full)
        .attr("firstName", u.first_name.clone())
        .attr("lastName", u.last_name.clone())
        .attr("email", u.email.clone())
        .attr("status", if u.banned_at.is_some() { "BANNED" } else { "ACTIVE" })
        .attr("role", u.role.as_str())
        .attr("permissions", crate::access::permissions::rendered(u.permissions.as_deref(), || crate::access::permissions::role_defaults(u.role)))
        .attr("metadata", Value::Object(json_object(&u.metadata)))
        .timestamps(u.created_at, u.updated_at)
        .to_one("group", "groups", u.group_id.as_deref())
        .to_one("organization", "organizations", u.organization_id.as_deref())
        // Resellers (issue 10 §7).
        .to_one("reseller", "resellers", u.reseller_id.as_deref())
        .to_many("products", None)
        .to_many("licenses", None)
        .to_many("machines", None)
        .to_many("tokens", None)
}

/// A second factor of a user; `uri` (the `otpauth://` provisioning URI, which carries the
/// secret) only in the create response, never afterwards.
pub fn second_factor(f: &SecondFactorRow, uri: Option<&str>) -> ResourceObject {
    let user = format!("{}/users/{}", super::document::account_base(&f.account_id), f.user_id);
    let mut r = ResourceObject::new(&f.account_id, "second-factors", &f.id).attr("enabled", f.enabled == 1);
    if let Some(uri) = uri {
        r = r.attr("uri", uri);
    }
    let mut r = r.timestamps(f.created_at, f.updated_at);
    r.self_link = format!("{user}/second-factors/{}", f.id);
    r.relationships.insert("user".into(), json!({"links": {"related": user}, "data": {"type": "users", "id": f.user_id}}));
    r
}

/// A token; `token` (the clear value) only right after creation or regeneration.
pub fn token(t: &TokenRow, raw: Option<&str>) -> ResourceObject {
    let bearer_type = match t.bearer_type {
        BearerType::User => "users",
        BearerType::Product => "products",
        BearerType::License => "licenses",
        BearerType::Environment => "environments",
    };
    let mut r = ResourceObject::new(&t.account_id, "tokens", &t.id)
        .attr("kind", t.kind.as_str())
        .attr("token", raw.map(str::to_owned))
        .attr("name", t.name.clone())
        .attr("expiry", ts(t.expiry))
        .attr("permissions", crate::access::permissions::rendered(t.permissions.as_deref(), || vec![crate::access::permissions::WILDCARD]))
        .timestamps(t.created_at, t.updated_at);
    if t.kind == TokenKind::Activation {
        r = r
            .attr("maxActivations", t.max_activations)
            .attr("activations", t.activations)
            .attr("maxDeactivations", t.max_deactivations)
            .attr("deactivations", t.deactivations);
    }
    if raw.is_none() {
        r.attributes.remove("token");
    }
    let base = super::document::account_base(&t.account_id);
    r.relationships.insert(
        "bearer".into(),
        json!({"links": {"related": format!("{base}/{bearer_type}/{}", t.bearer_id)}, "data": {"type": bearer_type, "id": t.bearer_id}}),
    );
    r
}

/// A product.
pub fn product(p: &ProductRow) -> ResourceObject {
    let (platforms, metadata) = crate::service::catalogue::products::render_parts(p);
    ResourceObject::new(&p.account_id, "products", &p.id)
        .attr("name", p.name.clone())
        .attr("code", p.code.clone())
        .attr("url", p.url.clone())
        .attr("distributionStrategy", p.distribution_strategy.as_str())
        .attr("platforms", platforms)
        .attr("permissions", json!([]))
        .attr("metadata", Value::Object(metadata))
        .timestamps(p.created_at, p.updated_at)
        .to_many("policies", None)
        .to_many("licenses", None)
        .to_many("machines", None)
        .to_many("users", None)
        .to_many("tokens", None)
}

/// An event log entry.
pub fn event(e: &EventRow) -> ResourceObject {
    let parse = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok()).unwrap_or(Value::Null);
    let mut r = ResourceObject::new(&e.account_id, "event-logs", &e.id)
        .attr("event", e.event.clone())
        .attr("metadata", json!({"changes": parse(&e.changes), "meta": parse(&e.meta)}))
        .attr("created", iso8601(e.created_at))
        .attr("updated", iso8601(e.created_at));
    let base = super::document::account_base(&e.account_id);
    r.relationships.insert(
        "resource".into(),
        json!({"links": {"related": format!("{base}/{}/{}", e.resource_type, e.resource_id)}, "data": {"type": e.resource_type, "id": e.resource_id}}),
    );
    let who = match (&e.whodunnit_type, &e.whodunnit_id) {
        (Some(t), Some(i)) => json!({"type": t, "id": i}),
        _ => Value::Null,
    };
    r.relationships.insert("whodunnit".into(), json!({"data": who}));
    // Keygen's `request` relationship: the request that wrote the event (its request log's id,
    // the request's `X-Request-Id`); `data: null` for scheduled jobs and older events.
    let request = match &e.request_log_id {
        Some(id) => json!({"links": {"related": format!("{base}/request-logs/{id}")}, "data": {"type": "request-logs", "id": id}}),
        None => json!({"data": null}),
    };
    r.relationships.insert("request".into(), request);
    r
}

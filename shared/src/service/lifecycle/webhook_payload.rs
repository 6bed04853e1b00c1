//! Webhook payloads (`reference/keygen-wire.md` §6.2): `{"data": <the resource as the API
//! renders it>, "meta": <event meta>}`, JSON-encoded as a string. Rendered at fan-out, so the
//! resource is as it is then (right after the request that recorded the event, or at the next
//! cron tick). A resource that no longer exists (deleted) is sent as its identifier
//! `{"type", "id"}`: Keygen renders the deleted record, which Latchkey does not keep.

use serde_json::{json, Map, Value};

use crate::api::versions::Lookups;
use crate::api::{accounts, entitlements as render_entitlements, groups as render_groups, licenses as render_licenses, machines as render_machines};
use crate::error::Code;
use crate::service::{
    catalogue::entitlements, catalogue::groups, catalogue::policies, catalogue::products, fleet::components, fleet::machines, fleet::processes,
    identity::tokens, identity::users, licensing::licenses, lifecycle::webhooks, App,
};
use crate::store::rows::PendingEventRow;
use crate::store::{Db, Kv};
use crate::Result;

/// Resource types events are recorded on that [`render`] can load (one read each).
const RENDERED: [&str; 11] =
    ["licenses", "machines", "policies", "products", "users", "tokens", "processes", "components", "entitlements", "groups", "webhook-endpoints"];

/// Whether [`render`] reads the database for `resource_type` (other types cost nothing and
/// are sent as identifiers).
pub fn renderable(resource_type: &str) -> bool {
    RENDERED.contains(&resource_type)
}

/// The resource `resource_type`/`id` of `account_id` as the API renders it (tokens without
/// their value), or `None` when it is gone or of a type not rendered. One read.
pub async fn render<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, resource_type: &str, id: &str) -> Result<Option<Value>> {
    let now = app.now();
    let r = match resource_type {
        "licenses" => licenses::find(app, account_id, id).await?.map(|l| render_licenses::license(&l, now)),
        "machines" => machines::find(app, account_id, id).await?.map(|m| render_machines::machine(&m, now, None)),
        "policies" => policies::find(app, account_id, id).await?.map(|p| render_licenses::policy(&p)),
        "products" => products::find(app, account_id, id).await?.map(|p| accounts::product(&p)),
        "users" => users::find(app, account_id, id).await?.map(|u| accounts::user(&u)),
        "tokens" => match tokens::find(app, account_id, id).await {
            Ok(t) => Some(accounts::token(&t, None)),
            Err(e) if e.is(Code::NotFound) => None,
            Err(e) => return Err(e),
        },
        "processes" => processes::find(app, account_id, id).await?.map(|p| render_machines::process(&p, now, None)),
        "components" => components::find(app, account_id, id).await?.map(|c| render_machines::component(&c)),
        "entitlements" => entitlements::find(app, account_id, id).await?.map(|e| render_entitlements::entitlement(&e)),
        "groups" => groups::find(app, account_id, id).await?.map(|g| render_groups::group(&g)),
        "webhook-endpoints" => webhooks::find(app, account_id, id).await?.map(|w| crate::api::webhooks::webhook_endpoint(&w)),
        _ => None,
    };
    Ok(r.map(crate::api::document::ResourceObject::into_value))
}

/// The payload string of event `e` for an endpoint at API `version`: the document below,
/// migrated down from the current version (Keygen §8.5: shape-only rewrites).
/// `found` holds what the older versions read ([`lookups`]).
pub fn payload_at(e: &PendingEventRow, resource: Option<&Value>, version: &str, found: &Lookups) -> String {
    if version == crate::api::API_VERSION {
        return payload(e, resource);
    }
    let mut doc: Value = serde_json::from_str(&payload(e, resource)).unwrap_or(Value::Null);
    crate::api::versions::migrate_payload(&mut doc, version, found);
    doc.to_string()
}

/// What [`payload_at`] needs read for `resource` at the oldest of `versions` (one read, only
/// when an endpoint at 1.5 or older gets a machine, or one at 1.0 a release or artifact).
///
/// # Errors
/// A store failure.
pub async fn lookups<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, resource: Option<&Value>, versions: &[&str]) -> Result<Lookups> {
    let wrapped = json!({"data": resource.cloned().unwrap_or(Value::Null)});
    let mut needs = crate::api::versions::Needs::default();
    for v in versions {
        needs.merge(crate::api::versions::payload_needs(&wrapped, v));
    }
    crate::service::licensing::version_lookups::lookups(app, account_id, &needs).await
}

/// The payload string of event `e`: `data` is `resource` (from [`render`]) or, when it is
/// gone, the identifier; `meta` is the event's meta with its `changes`.
pub fn payload(e: &PendingEventRow, resource: Option<&Value>) -> String {
    let parse = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok());
    let mut meta = match parse(&e.meta) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if let Some(c) = parse(&e.changes) {
        meta.insert("changes".into(), c);
    }
    let data = resource.cloned().unwrap_or_else(|| json!({"type": e.resource_type, "id": e.resource_id}));
    json!({"data": data, "meta": meta}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(changes: Option<&str>, meta: Option<&str>) -> PendingEventRow {
        PendingEventRow {
            id: "e".into(),
            account_id: "a".into(),
            event: "license.updated".into(),
            resource_type: "licenses".into(),
            resource_id: "l".into(),
            changes: changes.map(str::to_owned),
            meta: meta.map(str::to_owned),
            created_at: 0,
            product_id: None,
        }
    }

    #[test]
    fn gone_resources_are_sent_as_identifiers_with_meta_and_changes() {
        let p: Value = serde_json::from_str(&payload(&event(Some(r#"{"name":["a","b"]}"#), Some(r#"{"code":"VALID"}"#)), None)).unwrap();
        assert_eq!(p, json!({"data": {"type": "licenses", "id": "l"}, "meta": {"code": "VALID", "changes": {"name": ["a", "b"]}}}));
    }

    #[test]
    fn payloads_render_in_the_endpoints_api_version() {
        let r = json!({"type": "licenses", "id": "l", "attributes": {"metadata": {"a": {"innerKey": 1}}}, "relationships": {"owner": {"data": null}}});
        let e = event(None, Some(r#"{"valid":true,"code":"TOO_MANY_MACHINES"}"#));
        let at = |v: &str| serde_json::from_str::<Value>(&payload_at(&e, Some(&r), v, &Lookups::default())).unwrap();
        assert_eq!(at("1.8"), serde_json::from_str::<Value>(&payload(&e, Some(&r))).unwrap());
        assert_eq!(at("1.5")["data"]["relationships"], json!({"user": {"data": null}}));
        assert_eq!(at("1.5")["meta"], json!({"valid": true, "code": "TOO_MANY_MACHINES"}));
        assert_eq!(at("1.4")["data"]["attributes"]["metadata"], json!({"a": {"inner_key": 1}}));
        assert_eq!(at("1.0")["meta"], json!({"valid": false, "constant": "TOO_MANY_MACHINES"}));
    }

    #[test]
    fn rendered_resources_are_sent_whole() {
        let r = json!({"type": "licenses", "id": "l", "attributes": {"name": "x"}});
        let p: Value = serde_json::from_str(&payload(&event(None, None), Some(&r))).unwrap();
        assert_eq!(p, json!({"data": r, "meta": {}}));
    }

    #[test]
    fn only_known_types_are_read() {
        assert!(renderable("licenses") && renderable("webhook-endpoints") && renderable("tokens"));
        assert!(!renderable("accounts") && !renderable("webhook-events"));
    }
}

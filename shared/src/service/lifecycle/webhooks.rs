//! Webhook endpoints (CRUD) and webhook events (list, show, delete, manual retry). Admins only.
//! Delivery lives in [`crate::service::lifecycle::webhook_delivery`].

use serde_json::Value;

use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::lifecycle::webhook_url;
use crate::service::{catalogue::products, App, Caller};
use crate::store::rows::{WebhookEndpointRow, WebhookEventRow};
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// Every event name an endpoint may subscribe to: Keygen's emitted events
/// (`reference/emitted_events.txt`) and Latchkey's additions (Cryptlex-derived and the
/// lifecycle jobs').
pub const KNOWN_EVENTS: &[&str] = &[
    "account.billing.updated",
    "account.plan.updated",
    "account.settings.created",
    "account.settings.deleted",
    "account.settings.updated",
    "account.subscription.canceled",
    "account.subscription.paused",
    "account.subscription.renewed",
    "account.subscription.resumed",
    "account.updated",
    "artifact.created",
    "artifact.deleted",
    "artifact.downloaded",
    "artifact.updated",
    "artifact.upload.failed",
    "artifact.upload.processing",
    "artifact.upload.succeeded",
    "component.created",
    "component.deleted",
    "component.updated",
    "entitlement.created",
    "entitlement.deleted",
    "entitlement.updated",
    "environment.created",
    "environment.deleted",
    "environment.updated",
    "group.created",
    "group.deleted",
    "group.owners.attached",
    "group.owners.detached",
    "group.updated",
    "key.created",
    "key.deleted",
    "key.updated",
    "license.check-in-overdue",
    "license.check-in-required-soon",
    "license.checked-in",
    "license.activation.limit-reached",
    "license.checked-out",
    "license.created",
    "license.deleted",
    "license.entitlements.attached",
    "license.entitlements.detached",
    "license.expired",
    "license.expiring-soon",
    "license.first-activated",
    "license.group.updated",
    "license.owner.updated",
    "license.policy.updated",
    "license.reinstated",
    "license.renewed",
    "license.revoked",
    "license.suspended",
    "license.updated",
    "license.usage.decremented",
    "license.usage.incremented",
    "license.usage.reset",
    "license.user.updated",
    "license.users.attached",
    "license.users.detached",
    "license.validation.succeeded",
    "license.validation.failed",
    "machine.checked-out",
    "machine.created",
    "machine.deleted",
    "machine.group.updated",
    "machine.heartbeat.dead",
    "machine.heartbeat.ping",
    "machine.heartbeat.pong",
    "machine.heartbeat.reset",
    "machine.heartbeat.resurrected",
    "machine.owner.updated",
    "machine.proofs.generated",
    "machine.updated",
    "package.created",
    "package.deleted",
    "package.updated",
    "policy.created",
    "policy.deleted",
    "policy.entitlements.attached",
    "policy.entitlements.detached",
    "policy.pool.popped",
    "policy.updated",
    "process.created",
    "process.deleted",
    "process.heartbeat.dead",
    "process.heartbeat.ping",
    "process.heartbeat.pong",
    "process.heartbeat.resurrected",
    "process.updated",
    "product.created",
    "product.deleted",
    "product.updated",
    "release.constraints.attached",
    "release.constraints.detached",
    "release.created",
    "release.deleted",
    "release.downloaded",
    "release.package.updated",
    "release.published",
    "release.updated",
    "release.upgraded",
    "release.uploaded",
    "release.yanked",
    "second-factor.created",
    "second-factor.deleted",
    "token.generated",
    "token.regenerated",
    "token.revoked",
    // Trials.
    "trial-activation.created",
    "trial-activation.deleted",
    "trial-activation.expired",
    "trial-activation.updated",
    "trial-policy.created",
    "trial-policy.deleted",
    "trial-policy.updated",
    "user.banned",
    "user.created",
    "user.deleted",
    "user.group.updated",
    "user.password-reset",
    "user.unbanned",
    "user.updated",
    // Latchkey / Cryptlex-derived.
    "license.expiry.updated",
    "license.first-activated",
    "license.activation.limit-reached",
    "license.maintenance-expiring-soon",
    "license.maintenance-expired",
    "license.maintenance.renewed",
    "machine.lease.expired",
    // Subscriptions (issue 10 §5).
    "license.subscription.updated",
    "license.maintenance.extended",
    "maintenance-policy.created",
    "maintenance-policy.updated",
    "maintenance-policy.deleted",
    // Meter events and activation rules (issue 10 §2/§4 follow-up, branch rules).
    "license.meter.incremented",
    "license.meter.decremented",
    "license.meter.reset",
    // Features and entitlement sets (issue 10 §3).
    "entitlement-set.created",
    "entitlement-set.updated",
    "entitlement-set.deleted",
    // Environments (issue 8, Keygen EE).
    "environment.created",
    "environment.updated",
    "environment.deleted",
    // Organizations (issue 10 §7).
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "organization.user.created",
    "license.organization.updated",
    // Resellers (issue 10 §7).
    "reseller.created",
    "reseller.updated",
    "reseller.deleted",
    "reseller.user.created",
    "reseller.policies.attached",
    "reseller.policies.detached",
    "license.reseller.updated",
];

/// Signature algorithms Keygen knows; only `ed25519` is supported here.
const KEYGEN_ALGORITHMS: &[&str] = &["ed25519", "rsa-pss-sha256", "rsa-sha256", "ecdsa-p256"];

/// A parsed endpoint document.
#[derive(Debug, Default)]
pub struct EndpointInput {
    url: Field<String>,
    subscriptions: Option<Vec<String>>,
    signature_algorithm: Field<String>,
    api_version: Field<String>,
    product: Field<String>,
}

impl EndpointInput {
    /// An endpoint created without `apiVersion` takes `version`, the request's (Keygen §8.5).
    #[must_use]
    pub fn default_api_version(mut self, version: &str) -> Self {
        if matches!(self.api_version, Field::Absent) {
            self.api_version = Field::Set(version.to_owned());
        }
        self
    }
}

/// Checks an endpoint URL: ≤ 4 KB, and a target [`webhook_url::check`] allows (`https` to a
/// public host; development also `http` and loopback).
pub fn check_url(url: &str, development: bool) -> Result<()> {
    let bad = |d: &str| Err(Error::attribute("url", AttrFault::Invalid, d.to_owned()));
    if url.len() > 4096 {
        return bad("must be at most 4096 characters");
    }
    if crate::service::lifecycle::webhook_delivery::host_and_target(url).is_none() {
        return bad(webhook_url::Refusal::Malformed.detail());
    }
    webhook_url::check(url, development).or_else(|r| bad(r.detail()))
}

/// Parses an endpoint document (create or update) and checks its attributes.
pub fn parse(body: &[u8], creating: bool, development: bool) -> Result<EndpointInput> {
    let mut r = ResourceInput::parse(body, "webhook-endpoints")?;
    let mut w = EndpointInput { url: r.attrs.string("url")?, ..EndpointInput::default() };
    let ptr = r.attrs.ptr("subscriptions");
    w.subscriptions = match r.attrs.raw("subscriptions") {
        None => None,
        Some(Value::Array(a)) => Some(
            a.into_iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s),
                    v => Err(crate::api::input::type_mismatch(&format!("{ptr}/{i}"), &v, "string")),
                })
                .collect::<Result<_>>()?,
        ),
        Some(v) => return Err(crate::api::input::type_mismatch(&ptr, &v, "array")),
    };
    w.signature_algorithm = r.attrs.string("signatureAlgorithm")?;
    w.api_version = r.attrs.string("apiVersion")?;
    w.product = r.rels.one("product", "products")?;
    r.attrs.raw("suspended");
    r.finish()?;
    match &w.url {
        Field::Set(u) => check_url(u, development)?,
        Field::Null => return Err(Error::attribute("url", AttrFault::Missing, "must not be blank")),
        Field::Absent if creating => return Err(Error::attribute("url", AttrFault::Missing, "must not be blank")),
        Field::Absent => {}
    }
    if let Some(subs) = &w.subscriptions {
        if subs.is_empty() {
            return Err(Error::attribute("subscriptions", AttrFault::Invalid, "must have at least 1 webhook event subscription"));
        }
        if let Some(bad) = subs.iter().find(|s| *s != "*" && !KNOWN_EVENTS.contains(&s.as_str())) {
            return Err(Error::attribute("subscriptions", AttrFault::Invalid, format!("unsupported webhook event type for subscription: {bad}")));
        }
    }
    match &w.signature_algorithm {
        Field::Set(a) if KEYGEN_ALGORITHMS.contains(&a.as_str()) => {}
        Field::Set(_) | Field::Null => {
            return Err(Error::attribute("signatureAlgorithm", AttrFault::NotAllowed, format!("must be one of {}", KEYGEN_ALGORITHMS.join(", "))))
        }
        Field::Absent => {}
    }
    match &w.api_version {
        Field::Set(v) => {
            crate::api::api_version(Some(v)).map_err(|_| Error::attribute("apiVersion", AttrFault::NotAllowed, "unsupported API version"))?;
        }
        Field::Null => return Err(Error::attribute("apiVersion", AttrFault::NotAllowed, "unsupported API version")),
        Field::Absent => {}
    }
    Ok(w)
}

async fn find_endpoint<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<WebhookEndpointRow> {
    crate::access::require(caller, crate::access::Action::WebhookManage)?;
    find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("webhook endpoint", id))
}

/// An endpoint of the account by id, unchecked (callers authorize).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<WebhookEndpointRow>> {
    Ok(fetch_one(app.db, sql::webhooks::FIND_ENDPOINT, &[account_id.into(), id.into()]).await?)
}

async fn check_product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, product: &Field<String>) -> Result<()> {
    if let Field::Set(p) = product {
        match products::show(app, caller, p).await {
            Ok(_) => {}
            Err(e) if e.is(Code::NotFound) => return Err(Error::attribute("product", AttrFault::NotFound, "must exist")),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Creates an endpoint.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, w: EndpointInput) -> Result<WebhookEndpointRow> {
    crate::access::require(caller, crate::access::Action::WebhookManage)?;
    check_product(app, caller, &w.product).await?;
    let id = app.uuid();
    let subs = w.subscriptions.unwrap_or_else(|| vec!["*".into()]);
    let params = vec![
        id.clone().into(),
        caller.account_id().into(),
        w.product.set().map_or(Value::Null, Value::from),
        w.url.set().unwrap_or_default().into(),
        serde_json::to_string(&subs).unwrap_or_default().into(),
        w.signature_algorithm.set().unwrap_or_else(|| "ed25519".into()).into(),
        w.api_version.set().unwrap_or_else(|| crate::api::API_VERSION.into()).into(),
        app.now().into(),
    ];
    app.db.execute(sql::webhooks::INSERT_ENDPOINT, &params).await?;
    find_endpoint(app, caller, &id).await
}

/// Lists endpoints.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<WebhookEndpointRow>, u64, Page)> {
    crate::access::require(caller, crate::access::Action::WebhookManage)?;
    let page = Page::from_query(q)?;
    let f: Vec<Value> = vec![caller.account_id().into(), q.get("product").map_or(Value::Null, |p| p.to_owned().into())];
    crate::service::fetch_page(app.db, sql::webhooks::LIST_ENDPOINTS, sql::webhooks::COUNT_ENDPOINTS, f, page).await
}

/// One endpoint.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<WebhookEndpointRow> {
    find_endpoint(app, caller, id).await
}

/// Updates an endpoint; this also lifts a suspension.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, w: EndpointInput) -> Result<WebhookEndpointRow> {
    let cur = find_endpoint(app, caller, id).await?;
    check_product(app, caller, &w.product).await?;
    let subs = w.subscriptions.map_or(cur.subscriptions.clone(), |s| serde_json::to_string(&s).unwrap_or_default());
    let algorithm = w.signature_algorithm.set().unwrap_or_else(|| cur.algorithm().to_owned());
    let product = w.product.into_update().unwrap_or(cur.product_id);
    let params = vec![
        caller.account_id().into(),
        cur.id.clone().into(),
        w.url.set().unwrap_or(cur.url).into(),
        subs.into(),
        algorithm.into(),
        w.api_version.set().unwrap_or(cur.api_version).into(),
        product.map_or(Value::Null, Value::from),
        app.now().into(),
    ];
    app.db.execute(sql::webhooks::UPDATE_ENDPOINT, &params).await?;
    find_endpoint(app, caller, id).await
}

/// Deletes an endpoint and its webhook events.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let w = find_endpoint(app, caller, id).await?;
    app.db.execute(sql::webhooks::DELETE_ENDPOINT, &[caller.account_id().into(), w.id.into()]).await?;
    Ok(())
}

/// Lists webhook events with filters `event`, `status`, `endpoint`.
pub async fn list_events<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<WebhookEventRow>, u64, Page)> {
    crate::access::require(caller, crate::access::Action::WebhookManage)?;
    let page = Page::from_query(q)?;
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let f = vec![caller.account_id().into(), get("event"), get("status"), get("endpoint")];
    crate::service::fetch_page(app.db, sql::webhooks::LIST_EVENTS, sql::webhooks::COUNT_EVENTS, f, page).await
}

/// One webhook event.
pub async fn show_event<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<WebhookEventRow> {
    crate::access::require(caller, crate::access::Action::WebhookManage)?;
    fetch_one(app.db, sql::webhooks::FIND_EVENT, &[caller.account_id().into(), id.into()]).await?.ok_or_else(|| Error::not_found("webhook event", id))
}

/// Deletes a webhook event.
pub async fn delete_event<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let e = show_event(app, caller, id).await?;
    app.db.execute(sql::webhooks::DELETE_EVENT, &[caller.account_id().into(), e.id.into()]).await?;
    Ok(())
}

/// Manual retry: a new webhook event with the same payload and idempotency token, due now; a
/// suspended endpoint is un-suspended (the vendor says it is fixed), so it and the deliveries
/// that waited for it go out.
pub async fn retry_event<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<WebhookEventRow> {
    let e = show_event(app, caller, id).await?;
    let new_id = app.uuid();
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::webhooks::INSERT_RETRY, vec![caller.account_id().into(), e.id.clone().into(), new_id.clone().into(), now.into()]),
            Stmt::new(sql::webhooks::UNSUSPEND_ENDPOINT, vec![caller.account_id().into(), e.endpoint_id.clone().into(), now.into()]),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) != 1 {
        return Err(Error::not_found("webhook event", id));
    }
    show_event(app, caller, &new_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(attrs: &str) -> Vec<u8> {
        format!(r#"{{"data":{{"type":"webhook-endpoints","attributes":{attrs}}}}}"#).into_bytes()
    }

    #[test]
    fn urls_must_be_https_except_loopback_in_development() {
        assert!(check_url("https://example.com/hook", false).is_ok());
        assert_eq!(check_url("http://example.com/hook", true).unwrap_err().code, "URL_INVALID");
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("http://localhost/hook", true).is_ok());
        assert_eq!(check_url("http://127.0.0.1:9000/hook", false).unwrap_err().code, "URL_INVALID");
        assert_eq!(check_url("not a url", false).unwrap_err().code, "URL_INVALID");
        let e = check_url("https://169.254.169.254/latest", false).unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("URL_INVALID", 422));
        assert_eq!(e.source, Some(crate::error::Source::Pointer("/data/attributes/url".into())));
        assert_eq!(check_url("https://good.com@127.0.0.1/", false).unwrap_err().code, "URL_INVALID");
    }

    #[test]
    fn endpoint_attributes_are_checked() {
        let e = parse(&body(r#"{"url":"https://x.test","subscriptions":[]}"#), true, false).unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("SUBSCRIPTIONS_INVALID", 422));
        let e = parse(&body(r#"{"url":"https://x.test","subscriptions":["license.nope"]}"#), true, false).unwrap_err();
        assert_eq!(e.code, "SUBSCRIPTIONS_INVALID");
        let e = parse(&body(r#"{"url":"https://x.test","signatureAlgorithm":"rsa-sha512"}"#), true, false).unwrap_err();
        assert_eq!(e.code, "SIGNATURE_ALGORITHM_NOT_ALLOWED");
        let e = parse(&body(r#"{"url":"https://x.test","signatureAlgorithm":"RSA-SHA256"}"#), true, false).unwrap_err();
        assert_eq!(e.code, "SIGNATURE_ALGORITHM_NOT_ALLOWED");
        for a in ["ed25519", "rsa-pss-sha256", "rsa-sha256", "ecdsa-p256"] {
            assert!(parse(&body(&format!(r#"{{"url":"https://x.test","signatureAlgorithm":"{a}"}}"#)), true, false).is_ok(), "{a}");
        }
        let e = parse(&body(r#"{"url":"https://x.test","subscriptions":[1]}"#), true, false).unwrap_err();
        assert_eq!(e.code, "PARAMETER_INVALID");
        let e = parse(&body(r#"{"url":"https://x.test","bogus":1}"#), true, false).unwrap_err();
        assert_eq!(e.code, "PARAMETER_UNPERMITTED");
        let e = parse(&body(r#"{}"#), true, false).unwrap_err();
        assert_eq!(e.code, "URL_MISSING");
        assert!(parse(&body(r#"{"url":"https://x.test","subscriptions":["*","license.expired"],"apiVersion":"1.7"}"#), true, false).is_ok());
    }
}

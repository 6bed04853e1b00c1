//! `/webhook-endpoints`, `/webhook-events` and `POST /licenses/{id}/actions/renew-maintenance`.

use shared::api::licenses::license;
use shared::api::webhooks::{webhook_endpoint, webhook_event};
use shared::api::Document;
use shared::service::{licensing::maintenance, lifecycle::webhooks};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists webhook endpoints.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    webhooks::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(r, n, p)| Reply::ok(list_doc(cx, &r, n, p, webhook_endpoint)))
}

/// Creates a webhook endpoint (and drops this isolate's cached endpoints); without
/// `apiVersion` it takes the request's version.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let version = shared::api::versions::resolve(cx.req.version.as_deref(), &cx.caller.account.api_version)?;
    let i = webhooks::parse(&cx.req.body, true, cx.env.development)?.default_api_version(version);
    webhooks::create(&cx.app, &cx.caller, i).await.map(|w| Reply::created(Document::one(webhook_endpoint(&w))))
}

/// Shows a webhook endpoint.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    webhooks::show(&cx.app, &cx.caller, id).await.map(|w| Reply::ok(Document::one(webhook_endpoint(&w))))
}

/// Updates a webhook endpoint (and drops this isolate's cached endpoints).
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = webhooks::parse(&cx.req.body, false, cx.env.development)?;
    webhooks::update(&cx.app, &cx.caller, id, i).await.map(|w| Reply::ok(Document::one(webhook_endpoint(&w))))
}

/// Deletes a webhook endpoint (and drops this isolate's cached endpoints).
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    webhooks::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// Lists webhook events (deliveries).
pub async fn list_events(cx: &Cx<'_>) -> Result<Reply, Error> {
    webhooks::list_events(&cx.app, &cx.caller, &cx.req.query).await.map(|(r, n, p)| Reply::ok(list_doc(cx, &r, n, p, webhook_event)))
}

/// Shows a webhook event.
pub async fn show_event(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    webhooks::show_event(&cx.app, &cx.caller, id).await.map(|e| Reply::ok(Document::one(webhook_event(&e))))
}

/// Deletes a webhook event.
pub async fn delete_event(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    webhooks::delete_event(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `POST /webhook-events/{id}/actions/retry`.
pub async fn retry_event(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    webhooks::retry_event(&cx.app, &cx.caller, id).await.map(|e| Reply::created(Document::one(webhook_event(&e))))
}

/// `POST /licenses/{id}/actions/renew-maintenance`.
pub async fn renew_maintenance(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    maintenance::renew(&cx.app, &cx.caller, id).await.map(|l| Reply::ok(Document::one(license(&l, cx.app.now()))))
}

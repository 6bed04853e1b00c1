//! The links webhook resources render: `GET /webhook-endpoints/{id}/product` and
//! `GET /webhook-events/{id}/webhookEndpoint`.

use shared::api::accounts::product;
use shared::api::webhooks::{webhook_endpoint, webhook_event};
use shared::service::lifecycle::webhook_relations as svc;
use shared::Error;

use crate::endpoints::licensing::related::to_one;
use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// `GET /webhook-endpoints/{id}/product`.
pub async fn endpoint_product(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(svc::endpoint_product(&cx.app, &cx.caller, id).await?.as_ref().map(product)))
}

/// `GET /webhook-events/{id}/webhookEndpoint`.
pub async fn event_endpoint(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(svc::event_endpoint(&cx.app, &cx.caller, id).await?.as_ref().map(webhook_endpoint)))
}

/// `GET /webhook-endpoints/{id}/webhook-events` (issue 8, for keygen-rs `WebhookEndpoint::events`).
pub async fn endpoint_events(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::endpoint_events(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(r, n, p)| Reply::ok(list_doc(cx, &r, n, p, webhook_event)))
}

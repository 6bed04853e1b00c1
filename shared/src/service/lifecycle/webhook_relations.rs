//! The links webhook resources render: `GET /webhook-endpoints/{id}/product` and
//! `GET /webhook-events/{id}/webhookEndpoint` (behind `WebhookManage`, as the parents), and an
//! endpoint's events (`GET /webhook-endpoints/{id}/webhook-events`, issue 8: keygen-rs
//! `WebhookEndpoint::events` calls it; Keygen itself serves events only at the top level).

use crate::api::query::{Page, Query};
use crate::service::catalogue::products;
use crate::service::lifecycle::webhooks;
use crate::service::{App, Caller};
use crate::store::rows::{ProductRow, WebhookEndpointRow, WebhookEventRow};
use crate::store::{Db, Kv};
use crate::Result;

/// The endpoint's product (`None`: an account-wide endpoint).
pub async fn endpoint_product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<ProductRow>> {
    match webhooks::show(app, caller, id).await?.product_id {
        Some(p) => products::find(app, caller.account_id(), &p).await,
        None => Ok(None),
    }
}

/// The event's endpoint (`None` once the endpoint is deleted).
pub async fn event_endpoint<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<WebhookEndpointRow>> {
    let e = webhooks::show_event(app, caller, id).await?;
    webhooks::find(app, caller.account_id(), &e.endpoint_id).await
}

/// `GET /webhook-endpoints/{id}/webhook-events`: the event list with the endpoint as its filter
/// (a caller's own `endpoint` filter never widens it).
pub async fn endpoint_events<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<WebhookEventRow>, u64, Page)> {
    let e = webhooks::show(app, caller, id).await?;
    let mut q = q.clone();
    q.0.retain(|(k, _)| k != "endpoint");
    q.0.push(("endpoint".into(), e.id));
    webhooks::list_events(app, caller, &q).await
}

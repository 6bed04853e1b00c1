//! `/webhook-endpoints`, `/webhook-events` and `POST /licenses/{id}/actions/renew-maintenance`.

use shared::api::licenses::license;
use shared::api::webhooks::{webhook_endpoint, webhook_event};
use shared::api::Document;
use shared::service::{licensing::maintenance, lifecycle::webhooks};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Routes of the lifecycle group; `None` for paths it does not own.
pub async fn route(cx: &Cx<'_>, rest: &[&str]) -> Option<Result<Reply, Error>> {
    let (app, caller) = (&cx.app, &cx.caller);
    let dev = cx.env.development;
    if rest.first() == Some(&"webhook-endpoints") && cx.req.method != "GET" {
        crate::fetch::forget_endpoints(caller.account_id());
    }
    Some(match (cx.req.method.as_str(), rest) {
        ("GET", ["webhook-endpoints"]) => webhooks::list(app, caller, &cx.req.query).await.map(|(r, n, p)| Reply::ok(list_doc(cx, &r, n, p, webhook_endpoint))),
        ("POST", ["webhook-endpoints"]) => match webhooks::parse(&cx.req.body, true, dev) {
            Ok(i) => webhooks::create(app, caller, i).await.map(|w| Reply::created(Document::one(webhook_endpoint(&w)))),
            Err(e) => Err(e),
        },
        ("GET", ["webhook-endpoints", id]) => webhooks::show(app, caller, id).await.map(|w| Reply::ok(Document::one(webhook_endpoint(&w)))),
        ("PATCH" | "PUT", ["webhook-endpoints", id]) => match webhooks::parse(&cx.req.body, false, dev) {
            Ok(i) => webhooks::update(app, caller, id, i).await.map(|w| Reply::ok(Document::one(webhook_endpoint(&w)))),
            Err(e) => Err(e),
        },
        ("DELETE", ["webhook-endpoints", id]) => webhooks::delete(app, caller, id).await.map(|()| Reply::NoContent),
        ("GET", ["webhook-events"]) => {
            webhooks::list_events(app, caller, &cx.req.query).await.map(|(r, n, p)| Reply::ok(list_doc(cx, &r, n, p, webhook_event)))
        }
        ("GET", ["webhook-events", id]) => webhooks::show_event(app, caller, id).await.map(|e| Reply::ok(Document::one(webhook_event(&e)))),
        ("DELETE", ["webhook-events", id]) => webhooks::delete_event(app, caller, id).await.map(|()| Reply::NoContent),
        ("POST", ["webhook-events", id, "actions", "retry"]) => {
            webhooks::retry_event(app, caller, id).await.map(|e| Reply::created(Document::one(webhook_event(&e))))
        }
        ("POST", ["licenses", id, "actions", "renew-maintenance"]) => {
            maintenance::renew(app, caller, id).await.map(|l| Reply::ok(Document::one(license(&l, app.now()))))
        }
        _ => return None,
    })
}

//! Subscriptions (issue 10 §5): `PATCH /licenses/{id}/expires-at` and the subscription logs,
//! `GET /subscription-logs[/{id}]`, `GET /licenses/{id}/subscription-logs`.

use shared::api::licenses::license;
use shared::api::subscriptions::subscription_log;
use shared::api::Document;
use shared::service::licensing::{subscription_logs, subscriptions};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// `PATCH|PUT /licenses/{id}/expires-at`.
pub async fn set_expiry(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let l = subscriptions::set_expiry(&cx.app, &cx.caller, id, &cx.req.body).await?;
    Ok(Reply::ok(Document::one(license(&l, cx.app.now()))))
}

/// `GET /subscription-logs`.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = subscription_logs::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, subscription_log)))
}

/// `GET /subscription-logs/{id}`.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(subscription_log(&subscription_logs::show(&cx.app, &cx.caller, id).await?))))
}

/// `GET /licenses/{id}/subscription-logs`.
pub async fn for_license(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let (rows, n, page) = subscription_logs::for_license(&cx.app, &cx.caller, id, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, subscription_log)))
}

/// `POST /licenses/{id}/actions/extend-maintenance`.
pub async fn extend_maintenance(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let l = shared::service::licensing::maintenance::extend(&cx.app, &cx.caller, id, &cx.req.body).await?;
    Ok(Reply::ok(Document::one(license(&l, cx.app.now()))))
}

/// `PUT /licenses/{id}/maintenance-policy`.
pub async fn set_maintenance_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let l = shared::service::licensing::maintenance::set_policy(&cx.app, &cx.caller, id, &cx.req.body).await?;
    Ok(Reply::ok(Document::one(license(&l, cx.app.now()))))
}

/// `GET /licenses/{id}/maintenance-policy` (`data: null` when it has none).
pub async fn maintenance_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let m = subscriptions::maintenance_policy_of(&cx.app, &cx.caller, id).await?;
    Ok(crate::endpoints::licensing::related::to_one(m.as_ref().map(shared::api::subscriptions::maintenance_policy)))
}

//! `/activation-logs` (Cryptlex's activation logs).

use shared::api::activation_logs::render;
use shared::api::Document;
use shared::service::lifecycle::activation_logs as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists activation logs.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = svc::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, render)))
}

/// Shows an activation log.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|l| Reply::ok(Document::one(render(&l))))
}

//! `/request-logs` (Keygen EE's request logs, issue 8). The logs are written by the router
//! after each response ([`crate::router`]), in batches per isolate ([`crate::request_log`]):
//! a read first writes this isolate's buffer through the request's session (read-your-writes).

use shared::api::request_logs::render;
use shared::api::Document;
use shared::service::lifecycle::request_logs as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::request_log::take;
use crate::router::Cx;

/// Writes this isolate's buffered logs before a read; a failed write is logged and its rows kept
/// for the next write ([`crate::request_log::keep`]), and the read goes on (issue 11).
async fn write_buffer(cx: &Cx<'_>) -> Result<(), Error> {
    if let svc::Flushed::Failed(batch, e) = svc::write_buffered(cx.app.db, &cx.caller, take, cx.env.jobs.request_logs.daily_limit).await? {
        crate::request_log::keep(cx.env, cx.ctx, batch, &e);
    }
    Ok(())
}

/// Lists request logs.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    write_buffer(cx).await?;
    let (rows, n, page) = svc::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, render)))
}

/// Shows a request log.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    write_buffer(cx).await?;
    svc::show(&cx.app, &cx.caller, id).await.map(|l| Reply::ok(Document::one(render(&l))))
}

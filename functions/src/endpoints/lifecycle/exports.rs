//! `GET /{activation-logs,trial-activations,licenses,machines,users,event-logs}/export`: CSV,
//! signed like every response. One response is one bounded part of the export (its signature
//! covers the whole body); `Link: <…>; rel="next"` names the next part.

use shared::service::lifecycle::exports::{self as svc, Kind};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// Answers one part of the export of `kind` with the request's filters, `limit` and `cursor`.
pub async fn export(cx: &Cx<'_>, kind: Kind) -> Result<Reply, Error> {
    let ex = svc::prepare(&cx.caller, kind, &cx.req.query, cx.app.now())?;
    let (body, next) = svc::body(cx.app.db, &ex).await?;
    let mut headers = vec![("Content-Disposition", format!("attachment; filename=\"{}\"", kind.filename()))];
    if let Some(c) = next {
        headers.push(("Link", svc::next_link(&cx.req.path, &cx.req.query, &c)));
    }
    Ok(Reply::Raw { status: 200, content_type: "text/csv; charset=utf-8", headers, body: body.into_bytes() })
}

//! `POST /licenses/{id}/actions/deactivate-machines` (bulk deactivation by creation date).

use serde_json::json;
use shared::api::Document;
use shared::service::licensing::bulk_deactivation as svc;
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// Deactivates a license's machines created in a range; `meta.deactivated` lists their ids.
pub async fn deactivate_machines(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let range = svc::parse(&cx.req.body)?;
    let ids = svc::deactivate_machines(&cx.app, &cx.caller, id, range, &crate::endpoints::origin(cx)).await?;
    Ok(Reply::ok(Document::many(vec![], Default::default()).meta(json!({"deactivated": ids, "count": ids.len()}))))
}

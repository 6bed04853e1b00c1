//! `/policies`.

use shared::api::{licenses::policy, Document};
use shared::service::catalogue::policies;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists policies.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = policies::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, policy)))
}

/// Creates a policy.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = policies::parse(&cx.req.body, true)?;
    Ok(Reply::created(Document::one(policy(&policies::create(&cx.app, &cx.caller, input).await?))))
}

/// Shows a policy.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(policy(&policies::show(&cx.app, &cx.caller, id).await?))))
}

/// Updates a policy.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = policies::parse(&cx.req.body, false)?;
    Ok(Reply::ok(Document::one(policy(&policies::update(&cx.app, &cx.caller, id, input).await?))))
}

/// Deletes a policy.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    policies::delete(&cx.app, &cx.caller, id).await?;
    Ok(Reply::NoContent)
}

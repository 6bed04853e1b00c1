//! `/environments[/{id|code}]` and `/environments/{id|code}/tokens` (Keygen EE, issue 8).

use shared::api::{accounts::token, environments::environment, Document};
use shared::service::identity::{environments as svc, tokens};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists environments.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, environment)))
}

/// Creates one.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|e| Reply::created(Document::one(environment(&e))))
}

/// Shows one.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|e| Reply::ok(Document::one(environment(&e))))
}

/// Renames one.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    let e = svc::update(&cx.app, &cx.caller, id, i).await?;
    crate::router::forget_environments();
    Ok(Reply::ok(Document::one(environment(&e))))
}

/// Deletes one and everything in it.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let left = svc::delete(&cx.app, &cx.caller, id).await?;
    crate::router::forget_environments();
    // Its machines' leases and artifacts' objects go too (the rows are gone: nothing links
    // them any more; a deployment without the bucket has no objects).
    shared::service::identity::environment_leftovers::remove_leases(&cx.app, &left).await;
    if let Some(bucket) = cx.env.artifacts.clone() {
        shared::service::identity::environment_leftovers::remove_objects(&crate::r2::R2Blobs(bucket), &left).await;
    }
    Ok(Reply::NoContent)
}

/// Lists an environment's tokens.
pub async fn token_list(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::list_tokens(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |t| token(t, None))))
}

/// Shows one of an environment's tokens.
pub async fn token_show(cx: &Cx<'_>, id: &str, token_id: &str) -> Result<Reply, Error> {
    svc::show_token(&cx.app, &cx.caller, id, token_id).await.map(|t| Reply::ok(Document::one(token(&t, None))))
}

/// Mints an environment token.
pub async fn tokens(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = tokens::parse_input(&cx.req.body, false)?;
    let t = svc::create_token(&cx.app, &cx.caller, id, input).await?;
    Ok(Reply::created(Document::one(token(&t.row, t.raw.as_deref()))))
}

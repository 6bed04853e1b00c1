//! `/components`: create, list, show, update, delete.

use shared::api::machines::component;
use shared::api::Document;
use shared::service::fleet::components;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists components.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = components::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, component)))
}

/// Creates a component.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = components::parse(&cx.req.body)?;
    Ok(Reply::created(Document::one(component(&components::create(&cx.app, &cx.caller, input).await?))))
}

/// Shows a component.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(component(&components::show(&cx.app, &cx.caller, id).await?))))
}

/// Updates a component's name or metadata.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = components::parse_update(&cx.req.body)?;
    Ok(Reply::ok(Document::one(component(&components::update(&cx.app, &cx.caller, id, input).await?))))
}

/// Deletes a component.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    components::delete(&cx.app, &cx.caller, id).await?;
    Ok(Reply::NoContent)
}

//! `/products`.

use shared::api::{accounts::product, Document};
use shared::domain::states::BearerType;
use shared::service::{catalogue::products, identity::tokens};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists products.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = products::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, product)))
}

/// Creates a product.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = products::parse(&cx.req.body, true)?;
    Ok(Reply::created(Document::one(product(&products::create(&cx.app, &cx.caller, input).await?))))
}

/// Shows a product.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(product(&products::show(&cx.app, &cx.caller, id).await?))))
}

/// Updates a product.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = products::parse(&cx.req.body, false)?;
    Ok(Reply::ok(Document::one(product(&products::update(&cx.app, &cx.caller, id, input).await?))))
}

/// Deletes a product.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    products::delete(&cx.app, &cx.caller, id).await?;
    Ok(Reply::NoContent)
}

/// `POST /products/{id}/tokens`: a product token (admins).
pub async fn create_token(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let p = products::authorize(&cx.app, &cx.caller, id, shared::access::Action::ProductTokenCreate).await?;
    let input = tokens::parse_input(&cx.req.body, false)?;
    let t = tokens::issue(&cx.app, &cx.caller, BearerType::Product, &p.id, shared::access::Kind::Product, input).await?;
    Ok(Reply::created(Document::one(shared::api::accounts::token(&t.row, t.raw.as_deref()))))
}

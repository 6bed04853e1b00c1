//! `/tokens`.

use shared::api::{accounts::token, Document};
use shared::service::identity::tokens;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists tokens.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = tokens::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, |t| token(t, None))))
}

/// `POST /tokens`: log in with email/password (Basic) or mint for the current bearer.
pub async fn generate(cx: &Cx<'_>, password: Option<(String, String)>) -> Result<Reply, Error> {
    let input = tokens::parse_input(&cx.req.body, false)?;
    let t = tokens::login(&cx.app, &cx.caller, password, input).await?;
    Ok(Reply::created(Document::one(token(&t.row, t.raw.as_deref()))))
}

/// Shows a token.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(token(&tokens::show(&cx.app, &cx.caller, id).await?, None))))
}

/// Regenerates a token.
pub async fn regenerate(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let t = tokens::regenerate(&cx.app, &cx.caller, id).await?;
    Ok(Reply::ok(Document::one(token(&t.row, t.raw.as_deref()))))
}

/// `PUT /tokens`: regenerates the token the request authenticated with (Keygen's
/// `tokens#regenerate_current`).
pub async fn regenerate_current(cx: &Cx<'_>) -> Result<Reply, Error> {
    let t = tokens::regenerate_current(&cx.app, &cx.caller).await?;
    Ok(Reply::ok(Document::one(token(&t.row, t.raw.as_deref()))))
}

/// Revokes a token.
pub async fn revoke(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    tokens::revoke(&cx.app, &cx.caller, id).await?;
    Ok(Reply::NoContent)
}

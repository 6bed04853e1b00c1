//! `/users`.

use shared::api::{accounts::user, Document};
use shared::service::{identity::tokens, identity::users};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists users.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = users::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, user)))
}

/// Creates a user.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = users::parse(&cx.req.body, true)?;
    Ok(Reply::created(Document::one(user(&users::create(&cx.app, &cx.caller, input).await?))))
}

/// Shows a user (by id or email).
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(user(&users::show(&cx.app, &cx.caller, id).await?))))
}

/// Updates a user.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = users::parse(&cx.req.body, false)?;
    Ok(Reply::ok(Document::one(user(&users::update(&cx.app, &cx.caller, id, input).await?))))
}

/// Deletes a user.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    users::delete(&cx.app, &cx.caller, id).await?;
    Ok(Reply::NoContent)
}

/// `actions/ban` and `actions/unban`.
pub async fn ban(cx: &Cx<'_>, id: &str, banned: bool) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(user(&users::set_banned(&cx.app, &cx.caller, id, banned).await?))))
}

/// `POST /users/{id}/tokens`: a token for a user whose role is `user` (admins, its products).
pub async fn create_token(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = tokens::parse_input(&cx.req.body, false)?;
    let t = users::create_token(&cx.app, &cx.caller, id, input).await?;
    Ok(Reply::created(Document::one(shared::api::accounts::token(&t.row, t.raw.as_deref()))))
}

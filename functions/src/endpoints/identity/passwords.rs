//! `POST /passwords`, `POST /users/{id}/actions/reset-password|update-password`.

use shared::api::{accounts::user, Document};
use shared::service::identity::passwords;
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// Requests a password reset: 204 whether or not the email exists.
pub async fn request(cx: &Cx<'_>) -> Result<Reply, Error> {
    let email = passwords::parse_request(&cx.req.body)?;
    passwords::request_reset(&cx.app, &cx.caller, &email).await?;
    Ok(Reply::NoContent)
}

/// Resets a password with a reset token; renders the user.
pub async fn reset(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let (token, new_password) = passwords::parse_reset(&cx.req.body)?;
    Ok(Reply::ok(Document::one(user(&passwords::reset(&cx.app, &cx.caller, id, &token, &new_password).await?))))
}

/// Changes a password with the old one; renders the user.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(user(&passwords::update(&cx.app, &cx.caller, id, &cx.req.body).await?))))
}

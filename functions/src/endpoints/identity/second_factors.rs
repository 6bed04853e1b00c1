//! `/users/{id}/second-factors[/{id}]`.

use shared::api::{accounts::second_factor, Document};
use shared::service::identity::second_factors;
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// Lists a user's second factors.
pub async fn list(cx: &Cx<'_>, user: &str) -> Result<Reply, Error> {
    let rows = second_factors::list(&cx.app, &cx.caller, user).await?;
    Ok(Reply::ok(Document::many(rows.iter().map(|f| second_factor(f, None)).collect(), Default::default())))
}

/// Shows one (never its secret).
pub async fn show(cx: &Cx<'_>, user: &str, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(second_factor(&second_factors::show(&cx.app, &cx.caller, user, id).await?, None))))
}

/// Creates a disabled factor; renders its provisioning `uri` this once.
pub async fn create(cx: &Cx<'_>, user: &str) -> Result<Reply, Error> {
    let (pw, otp) = second_factors::parse_create(&cx.req.body)?;
    let (f, uri) = second_factors::create(&cx.app, &cx.caller, user, pw.as_deref(), otp.as_deref()).await?;
    Ok(Reply::created(Document::one(second_factor(&f, Some(&uri)))))
}

/// Enables or disables a factor with one of its codes.
pub async fn update(cx: &Cx<'_>, user: &str, id: &str) -> Result<Reply, Error> {
    let (enabled, otp) = second_factors::parse_update(&cx.req.body)?;
    Ok(Reply::ok(Document::one(second_factor(&second_factors::update(&cx.app, &cx.caller, user, id, enabled, &otp).await?, None))))
}

/// Deletes a factor (with a code while it is enabled).
pub async fn delete(cx: &Cx<'_>, user: &str, id: &str) -> Result<Reply, Error> {
    let otp = second_factors::otp_of(&cx.req.body)?;
    second_factors::delete(&cx.app, &cx.caller, user, id, otp.as_deref()).await?;
    Ok(Reply::NoContent)
}

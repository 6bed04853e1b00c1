//! `/licenses` and the license actions of the foundation: suspend, reinstate, renew, revoke,
//! policy transfer and owner change.

use shared::api::licenses::{license, policy as render_policy};
use shared::api::Document;
use shared::service::{catalogue::policies, licensing::licenses};
use shared::store::rows::LicenseRow;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

fn one(cx: &Cx<'_>, l: &LicenseRow) -> Document {
    Document::one(license(l, cx.app.now()))
}

/// Lists licenses.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = licenses::list(&cx.app, &cx.caller, &cx.req.query).await?;
    let now = cx.app.now();
    Ok(Reply::ok(list_doc(cx, &rows, n, page, |l| license(l, now))))
}

/// Creates a license.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = licenses::parse(&cx.req.body, true)?;
    Ok(Reply::created(one(cx, &licenses::create(&cx.app, &cx.caller, input).await?)))
}

/// Shows a license by id or key.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(one(cx, &licenses::show(&cx.app, &cx.caller, id).await?)))
}

/// Updates a license.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = licenses::parse(&cx.req.body, false)?;
    Ok(Reply::ok(one(cx, &licenses::update(&cx.app, &cx.caller, id, input).await?)))
}

/// Deletes (`revoke = false`) or revokes a license.
pub async fn delete(cx: &Cx<'_>, id: &str, revoke: bool) -> Result<Reply, Error> {
    licenses::delete(&cx.app, &cx.caller, id, revoke).await?;
    Ok(Reply::NoContent)
}

/// `actions/suspend` and `actions/reinstate`.
pub async fn suspend(cx: &Cx<'_>, id: &str, suspended: bool) -> Result<Reply, Error> {
    Ok(Reply::ok(one(cx, &licenses::set_suspended(&cx.app, &cx.caller, id, suspended).await?)))
}

/// `actions/renew`.
pub async fn renew(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(one(cx, &licenses::renew(&cx.app, &cx.caller, id).await?)))
}

/// `GET /licenses/{id}/policy`.
pub async fn policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let l = licenses::show(&cx.app, &cx.caller, id).await?;
    let p = policies::find(&cx.app, cx.caller.account_id(), &l.policy_id).await?.ok_or_else(|| Error::not_found("policy", &l.policy_id))?;
    Ok(Reply::ok(Document::one(render_policy(&p))))
}

/// `PUT /licenses/{id}/policy`: policy transfer.
pub async fn transfer(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(one(cx, &licenses::transfer(&cx.app, &cx.caller, id, &cx.req.body).await?)))
}

/// `PUT /licenses/{id}/owner`.
pub async fn change_owner(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(one(cx, &licenses::change_owner(&cx.app, &cx.caller, id, &cx.req.body).await?)))
}

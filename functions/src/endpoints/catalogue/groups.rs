//! `/groups`, their users, and `PUT /users/{id}/group` (a group's licenses and machines and
//! `PUT /licenses/{id}/group`: `licensing::relations`), and a group's owners.

use shared::api::accounts::user;
use shared::api::groups::{group, group_owner};
use shared::api::Document;
use shared::service::catalogue::group_owners as owners_svc;
use shared::service::catalogue::groups as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists groups.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, group)))
}

/// Creates a group.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|g| Reply::created(Document::one(group(&g))))
}

/// Shows a group.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|g| Reply::ok(Document::one(group(&g))))
}

/// Updates a group.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|g| Reply::ok(Document::one(group(&g))))
}

/// Deletes a group.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `GET /groups/{id}/users`.
pub async fn users(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::users(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, user)))
}

/// `PUT /users/{id}/group`.
pub async fn set_user_group(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::set_user_group(&cx.app, &cx.caller, id, &cx.req.body).await.map(|u| Reply::ok(Document::one(user(&u))))
}

// Group owners (issue 8).
/// `GET /groups/{id}/owners`.
pub async fn owners(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    owners_svc::list(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, group_owner)))
}

/// `GET /groups/{id}/owners/{owner}`.
pub async fn owner(cx: &Cx<'_>, id: &str, owner: &str) -> Result<Reply, Error> {
    owners_svc::show(&cx.app, &cx.caller, id, owner).await.map(|o| Reply::ok(Document::one(group_owner(&o))))
}

/// `POST /groups/{id}/owners`: the new owners.
pub async fn attach_owners(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let rows = owners_svc::attach(&cx.app, &cx.caller, id, &cx.req.body).await?;
    Ok(Reply::ok(Document::many(rows.iter().map(group_owner).collect(), Default::default())))
}

/// `DELETE /groups/{id}/owners`.
pub async fn detach_owners(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    owners_svc::detach(&cx.app, &cx.caller, id, &cx.req.body).await.map(|()| Reply::NoContent)
}

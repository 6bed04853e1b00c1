//! `/resellers` (issue 10 §7, Cryptlex 3.67), their users and organizations, and `PUT|GET
//! /users|organizations/{id}/reseller` (their policies and products:
//! `catalogue::reseller_policies`; their licenses: `licensing::resellers`).

use shared::api::accounts::user;
use shared::api::organizations::organization;
use shared::api::resellers::reseller;
use shared::api::{Document, ResourceObject};
use shared::service::identity::reseller_members as members;
use shared::service::identity::resellers as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists resellers.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, reseller)))
}

/// Creates one.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|r| Reply::created(Document::one(reseller(&r))))
}

/// Shows one.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|r| Reply::ok(Document::one(reseller(&r))))
}

/// Updates one.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|r| Reply::ok(Document::one(reseller(&r))))
}

/// Deletes one.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `GET /resellers/{id}/users`.
pub async fn users(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    members::users_of(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, user)))
}

/// `GET /resellers/{id}/organizations`.
pub async fn organizations(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    members::organizations_of(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, organization)))
}

/// `PUT /users/{id}/reseller`.
pub async fn set_user_reseller(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    members::set_user_reseller(&cx.app, &cx.caller, id, &cx.req.body).await.map(|u| Reply::ok(Document::one(user(&u))))
}

/// `GET /users/{id}/reseller` (`data: null` when it has none).
pub async fn of_user(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(members::of_user(&cx.app, &cx.caller, id).await?.as_ref().map(reseller)))
}

/// `PUT /organizations/{id}/reseller`.
pub async fn set_organization_reseller(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    members::set_organization_reseller(&cx.app, &cx.caller, id, &cx.req.body).await.map(|o| Reply::ok(Document::one(organization(&o))))
}

/// `GET /organizations/{id}/reseller` (`data: null` when it has none).
pub async fn of_organization(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(members::of_organization(&cx.app, &cx.caller, id).await?.as_ref().map(reseller)))
}

/// A to-one answer (`data: null` for none).
fn to_one(r: Option<ResourceObject>) -> Reply {
    match r {
        Some(r) => Reply::ok(Document::one(r)),
        None => Reply::ok(Document(serde_json::Map::from_iter([("data".to_owned(), serde_json::Value::Null)]))),
    }
}

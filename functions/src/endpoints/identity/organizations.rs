//! `/organizations` (issue 10 §7), their users, and `PUT|GET /users/{id}/organization` (their
//! licenses: `licensing::organizations`).

use serde_json::{Map, Value};
use shared::api::accounts::user;
use shared::api::organizations::organization;
use shared::api::Document;
use shared::service::identity::organizations as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists organizations.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, organization)))
}

/// Creates one.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|o| Reply::created(Document::one(organization(&o))))
}

/// Shows one.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|o| Reply::ok(Document::one(organization(&o))))
}

/// Updates one.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|o| Reply::ok(Document::one(organization(&o))))
}

/// Deletes one.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `GET /organizations/{id}/users`.
pub async fn users(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::users(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, user)))
}

/// `PUT /users/{id}/organization`.
pub async fn set_user_organization(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::set_user_organization(&cx.app, &cx.caller, id, &cx.req.body).await.map(|u| Reply::ok(Document::one(user(&u))))
}

/// `GET /users/{id}/organization` (`data: null` when it has none).
pub async fn of_user(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(match svc::of_user(&cx.app, &cx.caller, id).await? {
        Some(o) => Reply::ok(Document::one(organization(&o))),
        None => Reply::ok(Document(Map::from_iter([("data".to_owned(), Value::Null)]))),
    })
}

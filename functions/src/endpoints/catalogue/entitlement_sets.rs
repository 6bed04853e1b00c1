//! `/entitlement-sets` (issue 10 §3), their members, and a policy's entitlement set
//! (`PUT|GET /policies/{id}/entitlement-set`; a license's: `licensing::entitlement_set`).

use shared::api::entitlements::{attachment, entitlement, entitlement_set};
use shared::api::licenses::policy;
use shared::api::Document;
use shared::service::catalogue::entitlement_sets as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists entitlement sets.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, entitlement_set)))
}

/// Creates one.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|s| Reply::created(Document::one(entitlement_set(&s))))
}

/// Shows one.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|s| Reply::ok(Document::one(entitlement_set(&s))))
}

/// Updates one.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|s| Reply::ok(Document::one(entitlement_set(&s))))
}

/// Deletes one.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `GET /entitlement-sets/{id}/entitlements`.
pub async fn members(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::members(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, entitlement)))
}

/// `POST /entitlement-sets/{id}/entitlements`.
pub async fn add(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let acc = cx.caller.account_id();
    svc::add(&cx.app, &cx.caller, id, &cx.req.body).await.map(|(sid, ids, at)| {
        let owner = ("entitlementSet", "entitlement-sets", sid.as_str());
        let rs = ids.iter().map(|e| attachment(acc, "entitlement-set-entitlements", owner, ("entitlement", "entitlements", e), at)).collect();
        Reply::ok(Document::many(rs, Default::default()))
    })
}

/// `DELETE /entitlement-sets/{id}/entitlements`.
pub async fn remove(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::remove(&cx.app, &cx.caller, id, &cx.req.body).await.map(|()| Reply::NoContent)
}

/// `PUT /policies/{id}/entitlement-set`.
pub async fn set_for_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::set_for_policy(&cx.app, &cx.caller, id, &cx.req.body).await.map(|p| Reply::ok(Document::one(policy(&p))))
}

/// `GET /policies/{id}/entitlement-set` (`data: null` when it has none).
pub async fn of_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(match svc::of_policy(&cx.app, &cx.caller, id).await? {
        Some(s) => Reply::ok(Document::one(entitlement_set(&s))),
        None => Reply::ok(Document(serde_json::Map::from_iter([("data".to_owned(), serde_json::Value::Null)]))),
    })
}

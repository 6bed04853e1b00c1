//! `/entitlements` (by id or code) and entitlement attachment to policies (licenses':
//! `licensing::relations`).

use shared::api::entitlements::{attachment, entitlement};
use shared::api::Document;
use shared::service::catalogue::entitlements as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

type Listed = Result<(Vec<shared::store::rows::EntitlementRow>, u64, shared::api::query::Page), Error>;

fn listed(cx: &Cx<'_>, r: Listed) -> Result<Reply, Error> {
    r.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, entitlement)))
}

/// Lists entitlements.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    listed(cx, svc::list(&cx.app, &cx.caller, &cx.req.query).await)
}

/// Creates an entitlement.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|e| Reply::created(Document::one(entitlement(&e))))
}

/// Shows an entitlement (by id or code).
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|e| Reply::ok(Document::one(entitlement(&e))))
}

/// Updates an entitlement.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|e| Reply::ok(Document::one(entitlement(&e))))
}

/// Deletes an entitlement.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `GET /policies/{id}/entitlements`.
pub async fn list_for_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    listed(cx, svc::list_for_policy(&cx.app, &cx.caller, id, &cx.req.query).await)
}

/// `POST /policies/{id}/entitlements`.
pub async fn attach_to_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let acc = cx.caller.account_id();
    svc::attach_to_policy(&cx.app, &cx.caller, id, &cx.req.body).await.map(|(pid, ids, at)| {
        let rs = ids.iter().map(|e| attachment(acc, "policy-entitlements", ("policy", "policies", &pid), ("entitlement", "entitlements", e), at)).collect();
        Reply::ok(Document::many(rs, Default::default()))
    })
}

/// `DELETE /policies/{id}/entitlements`.
pub async fn detach_from_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::detach_from_policy(&cx.app, &cx.caller, id, &cx.req.body).await.map(|()| Reply::NoContent)
}

//! A license's relations: `/licenses/{id}/entitlements`, `PUT /licenses/{id}/group`,
//! `GET /licenses/{id}/machines`, and `GET /groups/{id}/licenses|machines`.

use shared::api::entitlements::{attachment, entitlement};
use shared::api::licenses::license;
use shared::api::machines::machine;
use shared::api::Document;
use shared::service::licensing::relations as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// `GET /licenses/{id}/entitlements`.
pub async fn entitlements(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::entitlements_of_license(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, entitlement)))
}

/// `POST /licenses/{id}/entitlements`.
pub async fn attach_entitlements(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let acc = cx.caller.account_id();
    svc::attach_entitlements(&cx.app, &cx.caller, id, &cx.req.body).await.map(|(lid, ids, at)| {
        let rs = ids.iter().map(|e| attachment(acc, "license-entitlements", ("license", "licenses", &lid), ("entitlement", "entitlements", e), at)).collect();
        Reply::ok(Document::many(rs, Default::default()))
    })
}

/// `DELETE /licenses/{id}/entitlements`.
pub async fn detach_entitlements(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::detach_entitlements(&cx.app, &cx.caller, id, &cx.req.body).await.map(|()| Reply::NoContent)
}

/// `PUT /licenses/{id}/group`.
pub async fn set_license_group(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    svc::set_license_group(&cx.app, &cx.caller, id, &cx.req.body).await.map(|l| Reply::ok(Document::one(license(&l, now))))
}

/// `GET /licenses/{id}/machines`.
pub async fn machines(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let (rows, n, page) = svc::machines_of_license(&cx.app, &cx.caller, id, &cx.req.query).await?;
    let now = cx.app.now();
    Ok(Reply::ok(list_doc(cx, &rows, n, page, |m| machine(m, now, None))))
}

/// `GET /groups/{id}/licenses`.
pub async fn group_licenses(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    svc::licenses_of_group(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |l| license(l, now))))
}

/// `GET /groups/{id}/machines`.
pub async fn group_machines(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    svc::machines_of_group(&cx.app, &cx.caller, id, &cx.req.query)
        .await
        .map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |m| machine(m, now, None))))
}

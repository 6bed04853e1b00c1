//! An organization's licenses (issue 10 §7): `GET /organizations/{id}/licenses`, `PUT|GET
//! /licenses/{id}/organization`.

use shared::api::licenses::license;
use shared::api::organizations::organization;
use shared::api::Document;
use shared::service::licensing::organizations as svc;
use shared::Error;

use crate::endpoints::licensing::related::to_one;
use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// `GET /organizations/{id}/licenses`.
pub async fn licenses(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    svc::licenses_of(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |l| license(l, now))))
}

/// `PUT /licenses/{id}/organization`.
pub async fn set_license_organization(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    svc::set_license_organization(&cx.app, &cx.caller, id, &cx.req.body).await.map(|l| Reply::ok(Document::one(license(&l, now))))
}

/// `GET /licenses/{id}/organization` (`data: null` when it has none).
pub async fn of_license(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(svc::of_license(&cx.app, &cx.caller, id).await?.as_ref().map(organization)))
}

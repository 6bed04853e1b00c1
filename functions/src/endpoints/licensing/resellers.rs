//! A reseller's licenses (issue 10 §7): `GET /resellers/{id}/licenses`, `PUT|GET
//! /licenses/{id}/reseller`.

use shared::api::licenses::license;
use shared::api::resellers::reseller;
use shared::api::Document;
use shared::service::licensing::resellers as svc;
use shared::Error;

use crate::endpoints::licensing::related::to_one;
use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// `GET /resellers/{id}/licenses`.
pub async fn licenses(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    svc::licenses_of(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |l| license(l, now))))
}

/// `PUT /licenses/{id}/reseller`.
pub async fn set_license_reseller(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    svc::set_license_reseller(&cx.app, &cx.caller, id, &cx.req.body).await.map(|l| Reply::ok(Document::one(license(&l, now))))
}

/// `GET /licenses/{id}/reseller` (`data: null` when it has none).
pub async fn of_license(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(svc::of_license(&cx.app, &cx.caller, id).await?.as_ref().map(reseller)))
}

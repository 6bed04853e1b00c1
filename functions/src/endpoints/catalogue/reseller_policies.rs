//! A reseller's allotted policies and their products (issue 10 §7): `GET|POST|DELETE
//! /resellers/{id}/policies`, `GET /resellers/{id}/products`.

use shared::api::accounts::product;
use shared::api::entitlements::attachment;
use shared::api::licenses::policy;
use shared::api::Document;
use shared::service::catalogue::reseller_policies as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// `GET /resellers/{id}/policies`.
pub async fn list(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, policy)))
}

/// `GET /resellers/{id}/products`.
pub async fn products(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::products(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, product)))
}

/// `POST /resellers/{id}/policies`: the `reseller-policies` attached.
pub async fn attach(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let acc = cx.caller.account_id();
    svc::attach(&cx.app, &cx.caller, id, &cx.req.body).await.map(|(rid, ids, at)| {
        let rs = ids.iter().map(|p| attachment(acc, "reseller-policies", ("reseller", "resellers", &rid), ("policy", "policies", p), at)).collect();
        Reply::ok(Document::many(rs, Default::default()))
    })
}

/// `DELETE /resellers/{id}/policies`.
pub async fn detach(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::detach(&cx.app, &cx.caller, id, &cx.req.body).await.map(|()| Reply::NoContent)
}

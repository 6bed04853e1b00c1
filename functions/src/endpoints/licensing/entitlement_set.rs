//! `PUT|GET /licenses/{id}/entitlement-set` (issue 10 §3): a license's own entitlement set.

use shared::api::entitlements::entitlement_set;
use shared::api::licenses::license;
use shared::api::Document;
use shared::service::licensing::entitlement_set as svc;
use shared::Error;

use crate::endpoints::licensing::related::to_one;
use crate::http::Reply;
use crate::router::Cx;

/// `PUT /licenses/{id}/entitlement-set`.
pub async fn set_for_license(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::set(&cx.app, &cx.caller, id, &cx.req.body).await.map(|l| Reply::ok(Document::one(license(&l, cx.app.now()))))
}

/// `GET /licenses/{id}/entitlement-set` (`data: null` when it has none of its own).
pub async fn for_license(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(svc::of_license(&cx.app, &cx.caller, id).await?.as_ref().map(entitlement_set)))
}

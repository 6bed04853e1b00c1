//! Search (issue 8): `POST /search`.

use shared::api::{accounts, entitlements, groups, licenses, machines};
use shared::service::lifecycle::search::{self as svc, Found};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Searches one resource type; the answer is that type's list document.
pub async fn search(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = svc::parse(&cx.req.body)?;
    let (found, n, page) = svc::search(&cx.app, &cx.caller, &cx.req.query, input).await?;
    let now = cx.app.now();
    Ok(Reply::ok(match found {
        Found::Licenses(r) => list_doc(cx, &r, n, page, |l| licenses::license(l, now)),
        Found::Machines(r) => list_doc(cx, &r, n, page, |m| machines::machine(m, now, None)),
        Found::Users(r) => list_doc(cx, &r, n, page, accounts::user),
        Found::Products(r) => list_doc(cx, &r, n, page, accounts::product),
        Found::Policies(r) => list_doc(cx, &r, n, page, licenses::policy),
        Found::Groups(r) => list_doc(cx, &r, n, page, groups::group),
        Found::Entitlements(r) => list_doc(cx, &r, n, page, entitlements::entitlement),
        Found::RequestLogs(r) => list_doc(cx, &r, n, page, shared::api::request_logs::render),
    }))
}

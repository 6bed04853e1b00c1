//! `/entitlements` (by id or code) and entitlement attachment to policies and licenses.

use shared::api::entitlements::{attachment, entitlement};
use shared::api::Document;
use shared::service::catalogue::entitlements as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Routes owned by this module.
pub async fn route(cx: &Cx<'_>, rest: &[&str]) -> Option<Result<Reply, Error>> {
    let (app, caller, body, q) = (&cx.app, &cx.caller, cx.req.body.as_slice(), &cx.req.query);
    let acc = caller.account_id();
    let list = |r: Result<(Vec<shared::store::rows::EntitlementRow>, u64, shared::api::query::Page), Error>| {
        r.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, entitlement)))
    };
    Some(match (cx.req.method.as_str(), rest) {
        ("GET", ["entitlements"]) => list(svc::list(app, caller, q).await),
        ("POST", ["entitlements"]) => match svc::parse(body, true) {
            Ok(i) => svc::create(app, caller, i).await.map(|e| Reply::created(Document::one(entitlement(&e)))),
            Err(e) => Err(e),
        },
        ("GET", ["entitlements", id]) => svc::show(app, caller, id).await.map(|e| Reply::ok(Document::one(entitlement(&e)))),
        ("PATCH" | "PUT", ["entitlements", id]) => match svc::parse(body, false) {
            Ok(i) => svc::update(app, caller, id, i).await.map(|e| Reply::ok(Document::one(entitlement(&e)))),
            Err(e) => Err(e),
        },
        ("DELETE", ["entitlements", id]) => svc::delete(app, caller, id).await.map(|()| Reply::NoContent),

        ("GET", ["policies", id, "entitlements"]) => list(svc::list_for_policy(app, caller, id, q).await),
        ("POST", ["policies", id, "entitlements"]) => svc::attach_to_policy(app, caller, id, body).await.map(|(pid, ids, at)| {
            let rs = ids.iter().map(|e| attachment(acc, "policy-entitlements", ("policy", "policies", &pid), ("entitlement", "entitlements", e), at)).collect();
            Reply::ok(Document::many(rs, Default::default()))
        }),
        ("DELETE", ["policies", id, "entitlements"]) => svc::detach_from_policy(app, caller, id, body).await.map(|()| Reply::NoContent),

        ("GET", ["licenses", id, "entitlements"]) => list(svc::list_for_license(app, caller, id, q).await),
        ("POST", ["licenses", id, "entitlements"]) => svc::attach_to_license(app, caller, id, body).await.map(|(lid, ids, at)| {
            let rs =
                ids.iter().map(|e| attachment(acc, "license-entitlements", ("license", "licenses", &lid), ("entitlement", "entitlements", e), at)).collect();
            Reply::ok(Document::many(rs, Default::default()))
        }),
        ("DELETE", ["licenses", id, "entitlements"]) => svc::detach_from_license(app, caller, id, body).await.map(|()| Reply::NoContent),
        _ => return None,
    })
}

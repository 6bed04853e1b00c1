//! `/groups`, their licenses, users and machines, and `PUT /licenses/{id}/group`,
//! `PUT /users/{id}/group`.

use shared::api::accounts::user;
use shared::api::groups::group;
use shared::api::licenses::license;
use shared::api::machines::machine;
use shared::api::Document;
use shared::service::catalogue::groups as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Routes owned by this module.
pub async fn route(cx: &Cx<'_>, rest: &[&str]) -> Option<Result<Reply, Error>> {
    let (app, caller, body, q) = (&cx.app, &cx.caller, cx.req.body.as_slice(), &cx.req.query);
    let now = app.now();
    Some(match (cx.req.method.as_str(), rest) {
        ("GET", ["groups"]) => svc::list(app, caller, q).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, group))),
        ("POST", ["groups"]) => match svc::parse(body, true) {
            Ok(i) => svc::create(app, caller, i).await.map(|g| Reply::created(Document::one(group(&g)))),
            Err(e) => Err(e),
        },
        ("GET", ["groups", id]) => svc::show(app, caller, id).await.map(|g| Reply::ok(Document::one(group(&g)))),
        ("PATCH" | "PUT", ["groups", id]) => match svc::parse(body, false) {
            Ok(i) => svc::update(app, caller, id, i).await.map(|g| Reply::ok(Document::one(group(&g)))),
            Err(e) => Err(e),
        },
        ("DELETE", ["groups", id]) => svc::delete(app, caller, id).await.map(|()| Reply::NoContent),
        ("GET", ["groups", id, "licenses"]) => {
            svc::licenses(app, caller, id, q).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |l| license(l, now))))
        }
        ("GET", ["groups", id, "users"]) => svc::users(app, caller, id, q).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, user))),
        ("GET", ["groups", id, "machines"]) => {
            svc::machines(app, caller, id, q).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |m| machine(m, now, None))))
        }
        ("PUT" | "PATCH", ["licenses", id, "group"]) => svc::set_license_group(app, caller, id, body).await.map(|l| Reply::ok(Document::one(license(&l, now)))),
        ("PUT" | "PATCH", ["users", id, "group"]) => svc::set_user_group(app, caller, id, body).await.map(|u| Reply::ok(Document::one(user(&u)))),
        _ => return None,
    })
}

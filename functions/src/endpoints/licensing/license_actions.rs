//! License actions of the licensing engine and license relationships: `actions/check-in`,
//! `increment-usage`, `decrement-usage`, `reset-usage`, `/licenses/{id}/tokens[/{id}]` and
//! licensees (`/licenses/{id}/users`).

use shared::api::accounts::{token, user};
use shared::api::entitlements::attachment;
use shared::api::licenses::license;
use shared::api::Document;
use shared::service::{licensing::license_tokens, licensing::licensees, licensing::usage};
use shared::store::rows::LicenseRow;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

fn one(cx: &Cx<'_>, l: &LicenseRow) -> Reply {
    Reply::ok(Document::one(license(l, cx.app.now())))
}

/// Routes owned by this module.
pub async fn route(cx: &Cx<'_>, rest: &[&str]) -> Option<Result<Reply, Error>> {
    let (app, caller, body) = (&cx.app, &cx.caller, cx.req.body.as_slice());
    Some(match (cx.req.method.as_str(), rest) {
        ("POST", ["licenses", id, "actions", "check-in"]) => usage::check_in(app, caller, id).await.map(|l| one(cx, &l)),
        ("POST", ["licenses", id, "actions", "increment-usage"]) => match usage::parse_amount(body, "increment") {
            Ok(n) => usage::increment(app, caller, id, n).await.map(|l| one(cx, &l)),
            Err(e) => Err(e),
        },
        ("POST", ["licenses", id, "actions", "decrement-usage"]) => match usage::parse_amount(body, "decrement") {
            Ok(n) => usage::decrement(app, caller, id, n).await.map(|l| one(cx, &l)),
            Err(e) => Err(e),
        },
        ("POST", ["licenses", id, "actions", "reset-usage"]) => usage::reset(app, caller, id).await.map(|l| one(cx, &l)),

        ("POST", ["licenses", id, "tokens"]) => {
            license_tokens::generate(app, caller, id, body).await.map(|t| Reply::created(Document::one(token(&t.row, t.raw.as_deref()))))
        }
        ("GET", ["licenses", id, "tokens"]) => {
            license_tokens::list(app, caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |t| token(t, None))))
        }
        ("GET", ["licenses", id, "tokens", tid]) => license_tokens::show(app, caller, id, tid).await.map(|t| Reply::ok(Document::one(token(&t, None)))),

        ("GET", ["licenses", id, "users"]) => {
            licensees::list(app, caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, user)))
        }
        ("POST", ["licenses", id, "users"]) => licensees::attach(app, caller, id, body).await.map(|(lid, users, at)| {
            let acc = caller.account_id();
            let rs = users.iter().map(|u| attachment(acc, "license-users", ("license", "licenses", &lid), ("user", "users", u), at)).collect();
            Reply::ok(Document::many(rs, Default::default()))
        }),
        ("DELETE", ["licenses", id, "users"]) => licensees::detach(app, caller, id, body).await.map(|()| Reply::NoContent),
        _ => return None,
    })
}

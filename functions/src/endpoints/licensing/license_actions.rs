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

/// `actions/check-in`.
pub async fn check_in(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    usage::check_in(&cx.app, &cx.caller, id).await.map(|l| one(cx, &l))
}

/// `actions/increment-usage`.
pub async fn increment(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let n = usage::parse_amount(&cx.req.body, "increment")?;
    usage::increment(&cx.app, &cx.caller, id, n).await.map(|l| one(cx, &l))
}

/// `actions/decrement-usage`.
pub async fn decrement(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let n = usage::parse_amount(&cx.req.body, "decrement")?;
    usage::decrement(&cx.app, &cx.caller, id, n).await.map(|l| one(cx, &l))
}

/// `actions/reset-usage`.
pub async fn reset(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    usage::reset(&cx.app, &cx.caller, id).await.map(|l| one(cx, &l))
}

/// `POST /licenses/{id}/tokens`.
pub async fn create_token(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    license_tokens::generate(&cx.app, &cx.caller, id, &cx.req.body).await.map(|t| Reply::created(Document::one(token(&t.row, t.raw.as_deref()))))
}

/// `GET /licenses/{id}/tokens`.
pub async fn list_tokens(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    license_tokens::list(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, |t| token(t, None))))
}

/// `GET /licenses/{id}/tokens/{token}`.
pub async fn show_token(cx: &Cx<'_>, id: &str, tid: &str) -> Result<Reply, Error> {
    license_tokens::show(&cx.app, &cx.caller, id, tid).await.map(|t| Reply::ok(Document::one(token(&t, None))))
}

/// `GET /licenses/{id}/users`.
pub async fn list_users(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    licensees::list(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, user)))
}

/// `POST /licenses/{id}/users`.
pub async fn attach_users(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let caller = &cx.caller;
    licensees::attach(&cx.app, caller, id, &cx.req.body).await.map(|(lid, users, at)| {
        let acc = caller.account_id();
        let rs = users.iter().map(|u| attachment(acc, "license-users", ("license", "licenses", &lid), ("user", "users", u), at)).collect();
        Reply::ok(Document::many(rs, Default::default()))
    })
}

/// `DELETE /licenses/{id}/users`.
pub async fn detach_users(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    licensees::detach(&cx.app, &cx.caller, id, &cx.req.body).await.map(|()| Reply::NoContent)
}

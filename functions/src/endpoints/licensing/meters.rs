//! Meter attributes (issue 10 §2): a license's meters and a machine's uses of them.

use shared::api::licenses::license;
use shared::api::machines::machine;
use shared::api::Document;
use shared::service::licensing::meters;
use shared::store::rows::LicenseRow;
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

fn one(cx: &Cx<'_>, l: &LicenseRow) -> Document {
    Document::one(license(l, cx.app.now()))
}

/// `POST /licenses/{id}/meters`.
pub async fn create(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let m = meters::parse(&cx.req.body, true)?;
    meters::create(&cx.app, &cx.caller, id, m).await.map(|l| Reply::created(one(cx, &l)))
}

/// `PATCH /licenses/{id}/meters/{name}`.
pub async fn update(cx: &Cx<'_>, id: &str, name: &str) -> Result<Reply, Error> {
    let m = meters::parse(&cx.req.body, false)?;
    meters::update(&cx.app, &cx.caller, id, name, m).await.map(|l| Reply::ok(one(cx, &l)))
}

/// `DELETE /licenses/{id}/meters/{name}`.
pub async fn delete(cx: &Cx<'_>, id: &str, name: &str) -> Result<Reply, Error> {
    meters::delete(&cx.app, &cx.caller, id, name).await.map(|()| Reply::NoContent)
}

/// `POST /licenses/{id}/meters/{name}/actions/reset`.
pub async fn reset(cx: &Cx<'_>, id: &str, name: &str) -> Result<Reply, Error> {
    meters::reset(&cx.app, &cx.caller, id, name).await.map(|l| Reply::ok(one(cx, &l)))
}

/// `POST /machines/{id}/actions/increment-meter|decrement-meter`.
pub async fn step(cx: &Cx<'_>, id: &str, up: bool) -> Result<Reply, Error> {
    let (name, n) = meters::parse_step(&cx.req.body, if up { "increment" } else { "decrement" })?;
    let s = if up { meters::increment(&cx.app, &cx.caller, id, &name, n).await? } else { meters::decrement(&cx.app, &cx.caller, id, &name, n).await? };
    Ok(Reply::ok(Document::one(machine(&s.machine, cx.app.now(), None)).meta(s.meta())))
}

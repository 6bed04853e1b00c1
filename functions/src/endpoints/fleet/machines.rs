//! `/machines` (read by id or fingerprint, list, update), heartbeat actions and
//! `GET /machines/{id}/license`. Activation and deactivation: `licensing::activation`.

use shared::api::licenses::license;
use shared::api::machines::machine;
use shared::api::Document;
use shared::service::{fleet::heartbeats, fleet::machines};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

pub(crate) fn one(cx: &Cx<'_>, m: &shared::store::rows::MachineRow) -> Document {
    Document::one(machine(m, cx.app.now(), None))
}

/// Lists machines.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = machines::list(&cx.app, &cx.caller, &cx.req.query).await?;
    let now = cx.app.now();
    Ok(Reply::ok(list_doc(cx, &rows, n, page, |m| machine(m, now, None))))
}

/// Shows a machine by id or fingerprint.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(one(cx, &machines::show(&cx.app, &cx.caller, id).await?)))
}

/// Updates a machine.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = machines::parse_update(&cx.req.body)?;
    Ok(Reply::ok(one(cx, &machines::update(&cx.app, &cx.caller, id, input).await?)))
}

/// `actions/ping`.
pub async fn ping(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let (m, status) = heartbeats::ping(&cx.app, &cx.caller, id).await?;
    Ok(Reply::ok(Document::one(machine(&m, cx.app.now(), status))))
}

/// `actions/reset`.
pub async fn reset(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(one(cx, &heartbeats::reset(&cx.app, &cx.caller, id).await?)))
}

/// `GET /machines/{id}/license`.
pub async fn machine_license(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(license(&machines::license(&cx.app, &cx.caller, id).await?, cx.app.now()))))
}

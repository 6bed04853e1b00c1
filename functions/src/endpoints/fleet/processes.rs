//! `/processes`: spawn, list, show, update, kill, and `actions/ping`.

use shared::api::machines::process;
use shared::api::Document;
use shared::service::fleet::processes;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists processes.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = processes::list(&cx.app, &cx.caller, &cx.req.query).await?;
    let now = cx.app.now();
    Ok(Reply::ok(list_doc(cx, &rows, n, page, |p| process(p, now, None))))
}

/// `POST /processes`: spawns a process.
pub async fn spawn(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = processes::parse(&cx.req.body)?;
    Ok(Reply::created(Document::one(process(&processes::spawn(&cx.app, &cx.caller, input).await?, cx.app.now(), None))))
}

/// Shows a process.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(Reply::ok(Document::one(process(&processes::show(&cx.app, &cx.caller, id).await?, cx.app.now(), None))))
}

/// `PATCH|PUT /processes/{id}`: updates a process's metadata.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let input = processes::parse_update(&cx.req.body)?;
    Ok(Reply::ok(Document::one(process(&processes::update(&cx.app, &cx.caller, id, input).await?, cx.app.now(), None))))
}

/// `DELETE /processes/{id}`: kills a process.
pub async fn kill(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    processes::kill(&cx.app, &cx.caller, id).await?;
    Ok(Reply::NoContent)
}

/// `POST /processes/{id}/actions/ping`.
pub async fn ping(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let (p, status) = processes::ping(&cx.app, &cx.caller, id).await?;
    Ok(Reply::ok(Document::one(process(&p, cx.app.now(), status))))
}

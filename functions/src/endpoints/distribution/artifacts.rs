//! `/artifacts`: create answers 307 to the Worker's signed upload link; show answers 303 to a
//! signed download link (`Prefer: no-redirect` → 200 with `Location`; not yet downloadable →
//! 200 without).

use shared::api::distribution::artifact;
use shared::api::Document;
use shared::service::distribution::artifacts as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

const MEDIA_TYPE: &str = "application/vnd.api+json";

fn prefers(cx: &Cx<'_>, what: &str) -> bool {
    let h = cx.req.prefer.as_deref().or(cx.req.query.get("prefer")).unwrap_or("");
    h.split(',').any(|p| p.trim().eq_ignore_ascii_case(what))
}

fn redirect(cx: &Cx<'_>, status: u16, doc: Document, link: &str) -> Reply {
    let status = if prefers(cx, "no-redirect") { 200 } else { status };
    Reply::Raw { status, content_type: MEDIA_TYPE, headers: vec![("Location", super::absolute(cx, link))], body: doc.to_bytes() }
}

/// Lists artifacts.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query, None).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, artifact)))
}

/// Creates an artifact: 307 to its upload link.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    let (a, link) = svc::create(&cx.app, &cx.caller, i).await?;
    Ok(redirect(cx, 307, Document::one(artifact(&a)), &link))
}

/// Shows (downloads) an artifact by id or filename; `release` narrows a filename lookup.
pub async fn show(cx: &Cx<'_>, id: &str, release: Option<&str>) -> Result<Reply, Error> {
    let release = release.or(cx.req.query.get("release"));
    answer(cx, svc::download(&cx.app, &cx.caller, id, release, None, cx.req.query.get("ttl")).await?)
}

/// A download's answer: 303 to the signed link (`Prefer: no-download` / `no-redirect`
/// honoured), or the artifact alone when it is not downloadable.
pub fn answer(cx: &Cx<'_>, d: svc::Download) -> Result<Reply, Error> {
    let doc = Document::one(artifact(&d.artifact));
    match d.link {
        Some(link) if !prefers(cx, "no-download") => Ok(redirect(cx, 303, doc, &link)),
        _ => Ok(Reply::ok(doc)),
    }
}

/// `GET /artifacts/{id}/{filename}` (vanity): the artifact `id`.
pub async fn vanity(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    show(cx, id, None).await
}

/// `GET /releases/{id}/artifacts/{artifact}`.
pub async fn of_release(cx: &Cx<'_>, release: &str, id: &str) -> Result<Reply, Error> {
    show(cx, id, Some(release)).await
}

/// `GET /releases/{id}/artifacts`.
pub async fn list_of_release(cx: &Cx<'_>, release: &str) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query, Some(release)).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, artifact)))
}

/// Updates an artifact.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|a| Reply::ok(Document::one(artifact(&a))))
}

/// `POST /artifacts/{id}/actions/yank`.
pub async fn yank(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::yank(&cx.app, &cx.caller, id).await.map(|a| Reply::ok(Document::one(artifact(&a))))
}

/// Deletes an artifact and its object.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let blobs = super::blobs(cx)?;
    svc::delete(&cx.app, &blobs, &cx.caller, id).await.map(|()| Reply::NoContent)
}

//! `GET /engines/pypi/simple/` and `/engines/pypi/simple/{project}/` (PEP 503 HTML, PEP 691 JSON).

use shared::domain::engines::pypi::Format;
use shared::error::{Code, Error};
use shared::service::distribution::engines::pypi;

use super::base_url;
use crate::http::Reply;
use crate::router::Cx;

/// The negotiated format; `None` answers 406 once the access checks have spoken (so a refused
/// caller learns nothing from the `Accept` it sent).
fn format(cx: &Cx<'_>) -> Option<Format> {
    Format::negotiate(cx.req.accept.as_deref())
}

fn page(f: Option<Format>, body: String) -> Result<Reply, Error> {
    let f = f.ok_or_else(|| {
        Error::new(Code::NotAcceptable, "the simple index is served as text/html, application/vnd.pypi.simple.v1+html or application/vnd.pypi.simple.v1+json")
            .header("Accept")
    })?;
    Ok(Reply::Raw { status: 200, content_type: f.content_type(), headers: vec![("Vary", "Accept".into())], body: body.into_bytes() })
}

/// The index of the caller's PyPI packages.
pub async fn index(cx: &Cx<'_>) -> Result<Reply, Error> {
    let f = format(cx);
    page(f, pypi::index(&cx.app, &cx.caller, f.unwrap_or(Format::Html), &base_url(cx)).await?)
}

/// One project's files.
pub async fn project(cx: &Cx<'_>, name: &str) -> Result<Reply, Error> {
    let f = format(cx);
    page(f, pypi::project(&cx.app, &cx.caller, f.unwrap_or(Format::Html), &base_url(cx), name).await?)
}

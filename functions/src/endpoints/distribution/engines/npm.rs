//! `GET /engines/npm/{package}` (`name`, `@scope%2fname`) and `/engines/npm/{@scope}/{name}`:
//! the packument; npm's audit endpoints answer 410 Gone as Keygen's do.

use shared::error::{Code, Error};
use shared::service::distribution::engines::npm;

use super::base_url;
use crate::http::Reply;
use crate::router::Cx;

/// The packument of `name`.
pub async fn packument(cx: &Cx<'_>, name: &str) -> Result<Reply, Error> {
    let doc = npm::packument(&cx.app, &cx.caller, &base_url(cx), name).await?;
    Ok(Reply::Raw { status: 200, content_type: "application/json", headers: vec![], body: doc.to_string().into_bytes() })
}

/// The packument of `@scope/name` asked as two segments.
pub async fn scoped(cx: &Cx<'_>, scope: &str, name: &str) -> Result<Reply, Error> {
    packument(cx, &format!("{scope}/{name}")).await
}

/// `/-/npm/v1/security/*` (audits): 410 Gone as Keygen answers, with an error document.
pub fn gone() -> Result<Reply, Error> {
    let mut e = Error::new(Code::NotSupported, "npm audits are not supported by this registry");
    e.status = 410;
    Err(e)
}

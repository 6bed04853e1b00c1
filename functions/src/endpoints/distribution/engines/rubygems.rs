//! RubyGems' compact index: `GET /engines/rubygems/versions`, `/names`, `/info/{gem}`, and
//! `GET /engines/rubygems/gems/{file}.gem` (303 straight to the signed download link).

use shared::error::Error;
use shared::service::distribution::engines::rubygems;

use super::super::absolute;
use crate::http::Reply;
use crate::router::Cx;

fn text(body: String) -> Reply {
    Reply::Raw { status: 200, content_type: "text/plain; charset=utf-8", headers: vec![], body: body.into_bytes() }
}

/// `HEAD` on the engine's root: the compact index's ping (200, no body).
pub async fn ping(cx: &Cx<'_>) -> Result<Reply, Error> {
    rubygems::ping(&cx.caller)?;
    Ok(text(String::new()))
}

/// `versions`.
pub async fn versions(cx: &Cx<'_>) -> Result<Reply, Error> {
    Ok(text(rubygems::versions_file(&cx.app, &cx.caller).await?))
}

/// `names`.
pub async fn names(cx: &Cx<'_>) -> Result<Reply, Error> {
    Ok(text(rubygems::names(&cx.app, &cx.caller).await?))
}

/// `info/{gem}`.
pub async fn info(cx: &Cx<'_>, gem: &str) -> Result<Reply, Error> {
    Ok(text(rubygems::info(&cx.app, &cx.caller, gem).await?))
}

/// `gems/{file}`.
pub async fn gem(cx: &Cx<'_>, file: &str) -> Result<Reply, Error> {
    let link = rubygems::gem_link(&cx.app, &cx.caller, file).await?;
    Ok(Reply::Raw { status: 303, content_type: "application/octet-stream", headers: vec![("Location", absolute(cx, &link))], body: Vec::new() })
}

//! The raw engine (303 to the artifact's vanity URL, keeping the query string so `?auth=`
//! survives) and the Tauri updater endpoint (its JSON, or 204 when up to date).

use shared::service::distribution::{raw, tauri};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// `GET /engines/raw/{product}/{release}/{artifact}` and `…/{product}/@{package}/{release}/{artifact}`.
pub async fn raw(cx: &Cx<'_>, product: &str, package: Option<&str>, release: &str, artifact: &str) -> Result<Reply, Error> {
    let package = match package {
        Some(p) => Some(p.strip_prefix('@').ok_or_else(crate::routes::not_found)?),
        None => None,
    };
    let a = raw::resolve(&cx.app, &cx.caller, product, package, release, artifact).await?;
    let query = cx.req.target.split_once('?').map_or(String::new(), |(_, q)| format!("?{q}"));
    let path = format!("{}/artifacts/{}/{}{query}", shared::api::document::account_base(&a.account_id), a.id, urlencode(&a.filename));
    Ok(Reply::Raw { status: 303, content_type: "application/vnd.api+json", headers: vec![("Location", super::absolute(cx, &path))], body: Vec::new() })
}

/// Percent-encodes a path segment.
fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// `GET /engines/tauri/{package}?platform=&arch=&version=`.
pub async fn tauri(cx: &Cx<'_>, package: &str) -> Result<Reply, Error> {
    match tauri::update(&cx.app, &cx.caller, package, &cx.req.query).await? {
        None => Ok(Reply::NoContent),
        Some(u) => {
            let path =
                format!("{}/artifacts/{}/{}", shared::api::document::account_base(&u.artifact.account_id), u.artifact.id, urlencode(&u.artifact.filename));
            let body = u.to_json(&super::absolute(cx, &path)).to_string().into_bytes();
            Ok(Reply::Raw { status: 200, content_type: "application/json", headers: vec![], body })
        }
    }
}

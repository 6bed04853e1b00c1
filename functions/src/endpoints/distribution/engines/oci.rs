//! The OCI distribution read side: `HEAD|GET …/{package}/manifests/{reference}`,
//! `HEAD|GET …/{package}/blobs/{digest}` (GET: 303 to the artifact's download URL) and
//! `GET …/{package}/tags/list`, below `/engines/oci` and at the host's `/v2/` (the router maps
//! `/v2/{account}/{package}/…` and `/v2/{package}/…` here and answers the `/v2/` ping).

use shared::error::Error;
use shared::service::distribution::engines::oci;

use super::super::absolute;
use crate::http::Reply;
use crate::router::Cx;

const API_VERSION: (&str, &str) = ("Docker-Distribution-Api-Version", "registry/2.0");

fn head_only(cx: &Cx<'_>) -> bool {
    cx.req.method == "HEAD"
}

/// A manifest's exact bytes, type and digest.
pub async fn manifest(cx: &Cx<'_>, package: &str, reference: &str) -> Result<Reply, Error> {
    let blobs = super::super::blobs(cx)?;
    let m = oci::manifest(&cx.app, &blobs, &cx.caller, package, reference, cx.req.accept.as_deref()).await?;
    let headers = vec![("Docker-Content-Digest", m.digest), (API_VERSION.0, API_VERSION.1.into())];
    let body = if head_only(cx) { Vec::new() } else { m.bytes };
    Ok(Reply::Raw { status: 200, content_type: m.media_type, headers, body })
}

/// A blob: HEAD answers its digest and size; GET redirects (303) to its signed download link.
pub async fn blob(cx: &Cx<'_>, package: &str, digest: &str) -> Result<Reply, Error> {
    let mut headers = vec![("Docker-Content-Digest", digest.to_owned()), (API_VERSION.0, API_VERSION.1.into())];
    if head_only(cx) {
        let a = oci::blob(&cx.app, &cx.caller, package, digest).await?;
        headers.extend(a.filesize.map(|s| ("Content-Length", s.to_string())));
        return Ok(Reply::Raw { status: 200, content_type: "application/octet-stream", headers, body: Vec::new() });
    }
    let (_, link) = oci::blob_link(&cx.app, &cx.caller, package, digest).await?;
    headers.push(("Location", absolute(cx, &link)));
    Ok(Reply::Raw { status: 303, content_type: "application/octet-stream", headers, body: Vec::new() })
}

/// The tags list.
pub async fn tags(cx: &Cx<'_>, package: &str) -> Result<Reply, Error> {
    let doc = oci::tags(&cx.app, &cx.caller, package).await?;
    Ok(Reply::Raw { status: 200, content_type: "application/json", headers: vec![(API_VERSION.0, API_VERSION.1.into())], body: doc.to_string().into_bytes() })
}

/// `GET|HEAD /v2/`: the registry ping. Without credentials it answers 401 with a `Basic`
/// challenge, which is what makes docker and skopeo send the `license:KEY` credentials they
/// hold (they send none to a registry whose ping asked for none); with credentials, 200.
pub fn ping(authorization: Option<&str>) -> Reply {
    let headers = vec![(API_VERSION.0, API_VERSION.1.to_owned()), ("WWW-Authenticate", "Basic realm=\"latchkey\"".to_owned())];
    match authorization {
        Some(_) => Reply::Raw { status: 200, content_type: "application/json", headers: vec![(API_VERSION.0, API_VERSION.1.into())], body: b"{}".to_vec() },
        None => Reply::Raw {
            status: 401,
            content_type: "application/json",
            headers,
            body: br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec(),
        },
    }
}

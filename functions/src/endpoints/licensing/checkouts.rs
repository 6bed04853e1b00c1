//! Offline check-out: `POST|GET /licenses/{id}/actions/check-out` and
//! `/machines/{id}/actions/check-out`. POST answers the JSON `license-files` / `machine-files`
//! resource; GET the raw certificate as a download.

use shared::api::files::file;
use shared::api::Document;
use shared::crypto::license_file::FileKind;
use shared::service::licensing::checkout::{self, Checkout};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

fn reply(c: Checkout, raw: bool) -> Reply {
    if raw {
        Reply::Raw {
            status: 200,
            content_type: "application/octet-stream",
            headers: vec![("Content-Disposition", format!("attachment; filename=\"{}.lic\"", c.id))],
            body: c.certificate.into_bytes(),
        }
    } else {
        Reply::ok(Document::one(file(&c)))
    }
}

/// `GET|POST /licenses/{id}/actions/check-out` (`raw`: the GET download).
pub async fn license(cx: &Cx<'_>, id: &str, raw: bool) -> Result<Reply, Error> {
    check_out(cx, FileKind::License, id, raw).await
}

/// `GET|POST /machines/{id}/actions/check-out` (`raw`: the GET download).
pub async fn machine(cx: &Cx<'_>, id: &str, raw: bool) -> Result<Reply, Error> {
    check_out(cx, FileKind::Machine, id, raw).await
}

async fn check_out(cx: &Cx<'_>, kind: FileKind, id: &str, raw: bool) -> Result<Reply, Error> {
    let opts = checkout::parse_options(kind, &cx.req.query, (!raw).then_some(cx.req.body.as_slice()))?;
    let c = match kind {
        FileKind::License => checkout::license(&cx.app, &cx.caller, id, opts).await?,
        FileKind::Machine => checkout::machine(&cx.app, &cx.caller, id, opts).await?,
        // Trial certificates come from `POST /trial-activations`, never from a check-out route.
        FileKind::Trial => return Err(Error::internal("no check-out route issues trial certificates")),
    };
    Ok(reply(c, raw))
}

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

/// Routes owned by this module.
pub async fn route(cx: &Cx<'_>, rest: &[&str]) -> Option<Result<Reply, Error>> {
    let (kind, id) = match rest {
        ["licenses", id, "actions", "check-out"] => (FileKind::License, *id),
        ["machines", id, "actions", "check-out"] => (FileKind::Machine, *id),
        _ => return None,
    };
    let raw = match cx.req.method.as_str() {
        "GET" => true,
        "POST" => false,
        _ => return None,
    };
    Some(
        async {
            let opts = checkout::parse_options(kind, &cx.req.query, (!raw).then_some(cx.req.body.as_slice()))?;
            let c = match kind {
                FileKind::License => checkout::license(&cx.app, &cx.caller, id, opts).await?,
                FileKind::Machine => checkout::machine(&cx.app, &cx.caller, id, opts).await?,
            };
            Ok(reply(c, raw))
        }
        .await,
    )
}

//! License validation: `GET|POST /licenses/{id|key}/actions/validate` and
//! `POST /licenses/actions/validate-key`. The validation's writes (last validated, lazy
//! expiry, event) run in `wait_until`, after the response.

use serde_json::{Map, Value};
use shared::api::licenses::license;
use shared::api::Document;
use shared::service::licensing::validation::{self, Pending, ValidationRequest};
use shared::Error;
use wasm_bindgen::JsCast;

use crate::d1::D1Db;
use crate::http::Reply;
use crate::router::Cx;

/// `POST /licenses/actions/validate-key`.
pub async fn validate_key(cx: &Cx<'_>) -> Result<Reply, Error> {
    run(cx, validation::parse_validate_key(&cx.req.body)).await
}

/// `GET|POST /licenses/{id}/actions/validate` (`get`: the GET form).
pub async fn validate(cx: &Cx<'_>, id: &str, get: bool) -> Result<Reply, Error> {
    run(cx, validation::parse_validate(&cx.req.body, id, get)).await
}

async fn run(cx: &Cx<'_>, req: Result<ValidationRequest, Error>) -> Result<Reply, Error> {
    // The client's facts the activation rules re-check (issue 10 §4), as an activation reads them.
    let clock = shared::domain::activation_rules::parse_clock(cx.req.client_clock.as_deref())?;
    let ip = cx.req.client_ip.as_deref().and_then(|ip| ip.trim().parse().ok());
    let req = req?.with_client(ip, cx.req.country(cx.env.test), clock);
    let v = validation::validate_license(&cx.app, &cx.caller, req).await?;
    defer(cx, v.pending);
    let doc = match &v.license {
        Some(l) => Document::one(license(l, cx.app.now())),
        None => {
            let mut m = Map::new();
            m.insert("data".into(), Value::Null);
            Document(m)
        }
    };
    Ok(Reply::ok(doc.meta(v.meta)))
}

/// Runs the validation's writes after the response, then (only if there were writes, which is
/// when an event may have been recorded) sends the webhook queue its one notice: a coalesced
/// validation costs neither a write nor a queue send. The future must own its data, so it
/// takes its own handle on the D1 binding (a clone of the same JS object).
fn defer(cx: &Cx<'_>, pending: Pending) {
    cx.notifies_itself.set(true);
    if pending.0.is_empty() {
        return;
    }
    let db = D1Db(worker::D1Database::unchecked_from_js(AsRef::<wasm_bindgen::JsValue>::as_ref(&cx.env.db.0).clone()));
    let queue = cx.env.webhooks.clone();
    let account = cx.caller.account_id().to_owned();
    let log = cx.env.server_timing;
    cx.ctx.wait_until(async move {
        match pending.commit(&db).await {
            Ok(()) => {
                if let Some(q) = queue {
                    crate::fetch::send_notice(&q, account, log).await;
                }
            }
            Err(e) => worker::console_error!("validation writes failed: {e} ({:?})", e.cause),
        }
    });
}

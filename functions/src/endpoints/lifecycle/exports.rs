//! `GET /{activation-logs,trial-activations,licenses,machines,users}/export`: CSV, streamed page
//! by page.

use shared::service::lifecycle::exports::{self as svc, Cursor, Export, Kind};
use shared::Error;
use wasm_bindgen::JsCast as _;

use crate::d1::D1Db;
use crate::http::Reply;
use crate::router::Cx;

/// Where the stream is: before the first page, after a cursor, or done.
enum Step {
    Page(Option<Cursor>),
    Done,
}

/// Streams the export of `kind` with the request's filters: the header, then one chunk per
/// keyset page, each read when the previous one has been sent.
pub async fn export(cx: &Cx<'_>, kind: Kind) -> Result<Reply, Error> {
    let ex: Export = svc::prepare(&cx.caller, kind, &cx.req.query, cx.app.now())?;
    // The stream outlives the request context: it owns its own handle on the database.
    let db = D1Db(worker::D1Database::unchecked_from_js(cx.env.db.0.as_ref().clone()));
    let header = futures_util::stream::once(async move { Ok::<Vec<u8>, worker::Error>(kind.header().into_bytes()) });
    let pages = futures_util::stream::unfold((Step::Page(None), db, ex), |(step, db, ex)| async move {
        let Step::Page(after) = step else { return None };
        match svc::page(&db, &ex, after).await {
            Ok((chunk, next)) => {
                let step = next.map_or(Step::Done, |c| Step::Page(Some(c)));
                Some((Ok(chunk.into_bytes()), (step, db, ex)))
            }
            Err(e) => {
                // Mid-stream the status is sent: the body ends early (a truncated CSV).
                worker::console_error!("export {:?} failed: {}", ex.kind, e.detail);
                Some((Err(worker::Error::RustError(e.detail.clone())), (Step::Done, db, ex)))
            }
        }
    });
    use futures_util::StreamExt as _;
    let disposition = format!("attachment; filename=\"{}\"", kind.filename());
    Ok(Reply::Stream { content_type: "text/csv; charset=utf-8", headers: vec![("Content-Disposition", disposition)], body: Box::pin(header.chain(pages)) })
}

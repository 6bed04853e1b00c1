//! The transfer links (`/v1/transfers/{account}/{artifact}/{upload|download}?expires&signature`):
//! the storage side of artifacts, served before the JSON:API pipeline because the signed link,
//! not a bearer, is the credential (as a presigned storage URL is in Keygen). Uploads stream
//! the body into R2 (one put up to 5 MiB, multipart above) while checking `filesize` and
//! `checksum`; downloads stream from R2 with `Range` (206 / 416).

use futures_util::StreamExt as _;
use shared::api::query::Query;
use shared::error::{Code, Error};
use shared::service::distribution::{artifacts::MAX_FILESIZE, transfer};
use shared::service::App;
use shared::store::distribution::{Blobs, Part, MIN_PART_BYTES};
use worker::{Headers, Request, Response};

use crate::env::{AppEnv, CryptoRandom, WorkerClock};
use crate::r2::R2Blobs;

fn answer(status: u16, body: serde_json::Value) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/vnd.api+json")?;
    Ok(Response::from_bytes(body.to_string().into_bytes())?.with_status(status).with_headers(headers))
}

fn error(e: &Error, rid: &str) -> worker::Result<Response> {
    if e.status >= 500 {
        worker::console_error!("transfer {rid}: {} {:?}", e.detail, e.cause);
    }
    answer(e.status, shared::api::document::error_document(e, rid))
}

/// Bytes of a refused request's body read and dropped before answering, so the connection
/// stays usable (an unread body left on a keep-alive connection breaks the next request).
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Serves one transfer request.
pub async fn handle(mut req: Request, env: &AppEnv, rid: &str) -> worker::Result<Response> {
    match serve(&mut req, env).await {
        Ok(r) => Ok(r),
        Err(e) => {
            if let Ok(mut stream) = req.stream() {
                let mut seen = 0usize;
                while let Some(Ok(chunk)) = stream.next().await {
                    seen = seen.saturating_add(chunk.len());
                    if seen > DRAIN_LIMIT {
                        break;
                    }
                }
            }
            error(&e, rid)
        }
    }
}

async fn serve(req: &mut Request, env: &AppEnv) -> Result<Response, Error> {
    let url = req.url().map_err(|_| Error::new(Code::NotFound, "not a transfer link"))?;
    let query = Query::parse(url.query().unwrap_or(""));
    let now = js_sys::Date::now() as i64;
    let t = transfer::verify(&env.secret, url.path(), &query, now.div_euclid(1000))?;
    let bucket = env.artifacts.clone().ok_or_else(|| Error::new(Code::ConfigInvalid, "the deployment is missing the R2 binding ARTIFACTS"))?;
    let blobs = R2Blobs(bucket);
    let app = App { db: &env.db, kv: &env.kv, clock: &WorkerClock, rng: &CryptoRandom, secret: &env.secret, kdf: &env.kdf, request_id: None };
    let method = req.method().to_string().to_ascii_uppercase();
    match (t.op, method.as_str()) {
        (transfer::Op::Upload, "PUT") => upload(req, &app, &blobs, &t).await,
        (transfer::Op::Download, "GET" | "HEAD") => download(req, &app, &blobs, &t, method == "HEAD").await,
        _ => Err(Error::new(Code::NotSupported, format!("{method} is not supported by this link"))),
    }
}

type WApp<'a> = App<'a, crate::d1::D1Db, crate::kv::WorkersKv>;

async fn upload(req: &mut Request, app: &WApp<'_>, blobs: &R2Blobs, t: &transfer::Target) -> Result<Response, Error> {
    let a = transfer::upload_target(app, t).await?;
    // This upload's own object: a concurrent upload of the same artifact writes another.
    let key = transfer::upload_key(&a, &app.uuid());
    let mut verifier = transfer::Verifier::new(a.checksum.as_deref());
    let (mut buf, mut size, mut parts, mut multipart): (Vec<u8>, u64, Vec<Part>, Option<String>) = (Vec::new(), 0, Vec::new(), None);
    let max = u64::try_from(MAX_FILESIZE).unwrap_or(u64::MAX);
    if let Ok(mut stream) = req.stream() {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::new(Code::JsonInvalid, format!("unreadable body: {e}")))?;
            size = size.saturating_add(chunk.len() as u64);
            if size > max {
                if let Some(id) = &multipart {
                    blobs.abort_multipart(&key, id).await?;
                }
                return Err(Error::new(Code::PayloadTooLarge, "artifacts are at most 5 GiB"));
            }
            if let Some(v) = verifier.as_mut() {
                v.update(&chunk);
            }
            buf.extend_from_slice(&chunk);
            // R2 wants every part but the last of one size: cut exact MIN_PART_BYTES parts.
            while buf.len() >= MIN_PART_BYTES {
                let rest = buf.split_off(MIN_PART_BYTES);
                let id = match &multipart {
                    Some(id) => id.clone(),
                    None => {
                        let id = blobs.create_multipart(&key).await?;
                        multipart = Some(id.clone());
                        id
                    }
                };
                let number = u16::try_from(parts.len() + 1).map_err(|_| Error::new(Code::PayloadTooLarge, "too many parts"))?;
                parts.push(blobs.upload_part(&key, &id, number, std::mem::replace(&mut buf, rest)).await?);
            }
        }
    }
    match multipart {
        Some(id) => {
            if !buf.is_empty() {
                let number = u16::try_from(parts.len() + 1).map_err(|_| Error::new(Code::PayloadTooLarge, "too many parts"))?;
                parts.push(blobs.upload_part(&key, &id, number, buf).await?);
            }
            blobs.complete_multipart(&key, &id, parts).await?;
        }
        None => blobs.put(&key, buf).await?,
    }
    let ok = verifier.is_none_or(transfer::Verifier::matches);
    match transfer::settle(app, &a, &key, size, ok).await {
        Ok(a) => answer(200, serde_json::json!({"meta": {"id": a.id, "status": a.status.as_str(), "filesize": size}})).map_err(Error::internal),
        Err(e) => {
            // A rejected upload (mismatch, or another upload settled first) leaves no bytes.
            blobs.delete(&key).await?;
            Err(e)
        }
    }
}

async fn download(req: &Request, app: &WApp<'_>, blobs: &R2Blobs, t: &transfer::Target, head: bool) -> Result<Response, Error> {
    let a = transfer::download_target(app, t).await?;
    let size = blobs.head(&a.r2_key).await?.ok_or_else(|| Error::not_found("artifact", &a.id))?.size;
    let range_header = req.headers().get("range").ok().flatten();
    let range = transfer::parse_range(range_header.as_deref(), size)?;
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(Error::internal);
    set("Accept-Ranges", "bytes")?;
    set("Content-Type", "application/octet-stream")?;
    set("Content-Disposition", &format!("attachment; filename=\"{}\"", a.filename.replace(['"', '\\', '\r', '\n'], "_")))?;
    let (status, len) = match range {
        Some((s, e)) => {
            set("Content-Range", &format!("bytes {s}-{e}/{size}"))?;
            (206, e - s + 1)
        }
        None => (200, size),
    };
    if head || len == 0 {
        set("Content-Length", &len.to_string())?;
        return Ok(Response::empty().map_err(Error::internal)?.with_status(status).with_headers(headers));
    }
    let obj = blobs.get_object(&a.r2_key, range).await?.ok_or_else(|| Error::not_found("artifact", &a.id))?;
    let body = obj.body().ok_or_else(|| Error::internal("object without a body"))?;
    // Handed to the runtime: R2's stream has a known length (so the runtime sends
    // Content-Length itself) and the Worker spends no CPU on the bytes.
    let body = body.response_body().map_err(Error::internal)?;
    Ok(Response::from_body(body).map_err(Error::internal)?.with_status(status).with_headers(headers))
}

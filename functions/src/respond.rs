//! Turns a [`Reply`] or an error into a `worker::Response` and signs it: `Date`, `Digest`,
//! `Keygen-Date`, `Keygen-Digest`, `Keygen-Signature` on every account-scoped response,
//! errors and 204s included (`reference/keygen-wire.md` §4.3), plus Keygen's default headers
//! (`Keygen-Account|Bearer|Token`, `-Edition`, `-Mode`, `-Revision`, `-Version`, `Cache-Control`;
//! [`shared::api::headers`]), which the signature does not cover.

use std::cell::Cell;

use shared::api::document::error_document;
use shared::api::headers::{self as default_headers, Whoami};
use shared::api::{Document, API_VERSION, MEDIA_TYPE};
use shared::crypto::signature;
use shared::crypto::signer::{AccountSigner, Algorithm};
use shared::Error;
use worker::{Headers, Response};

use crate::crypto::WebCryptoSigner;
use crate::http::{Reply, Req};

/// The reply for an error; 5xx causes are logged with the request id, never sent.
pub fn error(e: &Error, request_id: &str) -> Reply {
    if e.status >= 500 {
        worker::console_error!("request {request_id}: {e}");
    }
    Reply::Doc(e.status, Document(error_document(e, request_id).as_object().cloned().unwrap_or_default()))
}

thread_local! {
    // `Keygen-Mode` depends on the deployment's configuration, read once per request by the
    // router before anything is answered; isolates are single-threaded.
    static MULTIPLAYER: Cell<bool> = const { Cell::new(false) };
    // Which signing primitives run on WebCrypto (`LATCHKEY_WEBCRYPTO`), set with MULTIPLAYER.
    static SIGNER: Cell<WebCryptoSigner> = const { Cell::new(WebCryptoSigner::DEFAULT) };
}

/// Records whether this deployment can create accounts (`Keygen-Mode: multiplayer`) and how
/// it signs (`LATCHKEY_WEBCRYPTO`).
pub fn configure(multiplayer: bool, signer: WebCryptoSigner) {
    MULTIPLAYER.with(|m| m.set(multiplayer));
    SIGNER.with(|s| s.set(signer));
}

fn base_headers(content_type: &str, version: &str) -> Headers {
    let h = Headers::new();
    let _ = h.set("Content-Type", content_type);
    let _ = h.set("Keygen-Version", version);
    let _ = h.set("Cache-Control", default_headers::CACHE_CONTROL);
    for (k, v) in default_headers::server_headers(MULTIPLAYER.with(Cell::get)) {
        let _ = h.set(k, v);
    }
    let _ = h.set("X-Content-Type-Options", "nosniff");
    h
}

fn parts(reply: Reply) -> (u16, &'static str, Vec<(&'static str, String)>, Vec<u8>) {
    match reply {
        Reply::Doc(status, doc) => (status, MEDIA_TYPE, vec![], doc.to_bytes()),
        Reply::NoContent => (204, MEDIA_TYPE, vec![], vec![]),
        Reply::Raw { status, content_type, headers, body } => (status, content_type, headers, body),
    }
}

fn build(status: u16, headers: Headers, body: Vec<u8>) -> worker::Result<Response> {
    let resp = if status == 204 { Response::empty()? } else { Response::from_bytes(body)? };
    Ok(resp.with_status(status).with_headers(headers))
}

/// A signed response for account `account_id`, answered to no bearer.
pub async fn signed(reply: Reply, key: &AccountSigner, account_id: &str, req: &Req, version: &str, now_ms: i64, request_id: &str) -> Response {
    let who = Whoami { account_id, ..Whoami::default() };
    signed_with(reply, &[], key, &who, req, version, now_ms, request_id).await
}

/// A signed response for `who` with extra headers (`X-RateLimit-*`, `Retry-After`); headers
/// are not part of the signing string.
#[expect(clippy::too_many_arguments, reason = "the signing inputs plus the extra headers; one call site per kind of response")]
pub async fn signed_with(
    reply: Reply,
    headers: &[(&'static str, String)],
    key: &AccountSigner,
    who: &Whoami<'_>,
    req: &Req,
    version: &str,
    now_ms: i64,
    request_id: &str,
) -> Response {
    signed_sized(reply, headers, key, who, req, version, now_ms, request_id).await.0
}

/// [`signed_with`], also returning the body's length in bytes (always `Some`: every body is held, exports included):
/// the request log's response size (issue 8).
#[expect(clippy::too_many_arguments, reason = "the signing inputs plus the extra headers, as signed_with")]
pub async fn signed_sized(
    reply: Reply,
    headers: &[(&'static str, String)],
    key: &AccountSigner,
    who: &Whoami<'_>,
    req: &Req,
    version: &str,
    now_ms: i64,
    request_id: &str,
) -> (Response, Option<usize>) {
    let (status, ct, extra, body) = parts(reply);
    // A HEAD answer carries no body (package engines, issue 9): sign the empty one it sends.
    let body = if req.method == "HEAD" { Vec::new() } else { body };
    let signing = js_sys::Date::now();
    // The algorithm the request accepted (ed25519 when it named none, or named one wrongly: that
    // 400 is signed with the default); the router made the account's pair for it. Ed25519 goes
    // through the configured signer (WebCrypto, issue 11); a refusal falls back to the crates.
    let alg = signature::response_algorithm(req.accept_signature.as_deref(), who.account_id);
    let to = signature::Target { account_id: who.account_id, method: &req.method, target: &req.target, host: &req.host };
    let sig = if alg == Algorithm::Ed25519 {
        let signer = SIGNER.with(Cell::get);
        match signature::sign_ed25519_with(&signer, &key.ed25519, to, now_ms, &body).await {
            Ok(sig) => sig,
            Err(_) => signature::sign_ed25519(&key.ed25519, to, now_ms, &body),
        }
    } else {
        signature::sign(key, alg, to, now_ms, &body, &crate::env::CryptoRandom).unwrap_or_else(|_| signature::sign_ed25519(&key.ed25519, to, now_ms, &body))
    };
    let sign_ms = js_sys::Date::now() - signing;
    let h = base_headers(ct, version);
    for (k, v) in extra.iter().chain(headers) {
        // The dev/bench `Server-Timing` (router) gains the signing time, known only here.
        let _ = if *k == "Server-Timing" { h.set(k, &format!("{v}, sign;dur={sign_ms:.1}")) } else { h.set(k, v) };
    }
    let _ = h.set("Date", &sig.date);
    let _ = h.set("Keygen-Date", &sig.date);
    let _ = h.set("Digest", &sig.digest);
    let _ = h.set("Keygen-Digest", &sig.digest);
    let _ = h.set("Keygen-Signature", &sig.signature);
    for (k, v) in default_headers::whoami_headers(version, who) {
        let _ = h.set(k, &v);
    }
    let _ = h.set("X-Request-Id", request_id);
    if status == 401 {
        let _ = h.set("WWW-Authenticate", "Bearer realm=\"keygen\"");
    }
    let size = body.len();
    (build(status, h, body).unwrap_or_else(|_| unreachable_response()), Some(size))
}

fn unreachable_response() -> Response {
    // Building a Response only fails if the JS runtime cannot construct one at all; there is
    // nothing left to answer with then.
    Response::error("Internal server error", 500).unwrap_or_else(|_| std::process::abort())
}

/// An unsigned response (no account resolved: unknown routes, `/v1/ping`, bad configuration).
pub fn unsigned(reply: Reply, request_id: &str) -> Response {
    let (status, ct, extra, body) = parts(reply);
    let h = base_headers(ct, API_VERSION);
    for (k, v) in extra {
        let _ = h.set(k, &v);
    }
    let _ = h.set("X-Request-Id", request_id);
    build(status, h, body).unwrap_or_else(|_| unreachable_response())
}

/// An unsigned error response.
pub fn unsigned_error(e: &Error, request_id: &str) -> worker::Result<Response> {
    Ok(unsigned(error(e, request_id), request_id))
}

//! The request as handlers see it and the reply they return: plain data, no `worker` types.

use shared::api::query::Query;
use shared::api::Document;

/// A parsed request.
#[derive(Clone)]
pub struct Req {
    /// Upper-case method.
    pub method: String,
    /// Path without the query, percent-encoded as received (the router decodes each segment
    /// once, [`crate::routes::decode_all`]).
    pub path: String,
    /// Path and query exactly as received (the signature's request target).
    pub target: String,
    /// Decoded query parameters.
    pub query: Query,
    /// Body bytes.
    pub body: Vec<u8>,
    /// `Authorization`.
    pub authorization: Option<String>,
    /// Host as the client sent it (with port if any): what SDKs verify signatures with.
    pub host: String,
    /// `Keygen-Version`.
    pub version: Option<String>,
    /// `Keygen-Environment`.
    pub environment: Option<String>,
    /// `Keygen-Accept-Signature`.
    pub accept_signature: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `CF-Connecting-IP`: the client's address as Cloudflare saw it (rate-limit key).
    pub client_ip: Option<String>,
    /// `request.cf.country` (recorded on trial activations).
    pub country: Option<String>,
    /// `User-Agent` (recorded on trial activations).
    pub user_agent: Option<String>,
    /// The body exceeded [`shared::api::MAX_BODY_BYTES`] and was dropped; the pipeline answers
    /// 413 once the account is known, so the error is signed like every other.
    pub too_large: bool,
    /// `Latchkey-D1-Bookmark`: a D1 session bookmark for read-your-writes ([`crate::d1`]).
    pub bookmark: Option<String>,
    /// `Prefer` (distribution: `no-redirect`, `no-download`).
    pub prefer: Option<String>,
    // package engines (issue 9)
    /// `Accept` (PEP 691 and OCI manifest negotiation).
    pub accept: Option<String>,
    // end package engines
    /// Activation rules (issue 10 §4): `request.cf.country`, the test-only
    /// `Latchkey-Test-Country` header (honoured only when `ENVIRONMENT=test`, see [`Req::country`])
    /// and the client's clock (`Latchkey-Client-Clock`).
    pub cf_country: Option<String>,
    pub test_country: Option<String>,
    pub client_clock: Option<String>,
}

impl Req {
    /// The client's country: Cloudflare's `request.cf.country`; under `ENVIRONMENT=test` the
    /// `Latchkey-Test-Country` header wins (Miniflare's `cf` is one fixed object per Worker).
    pub fn country(&self, test: bool) -> Option<String> {
        if test {
            self.test_country.clone().or_else(|| self.cf_country.clone())
        } else {
            self.cf_country.clone()
        }
    }
}

/// What a handler answers.
pub enum Reply {
    /// A JSON:API document with a status.
    Doc(u16, Document),
    /// 204 with an empty body.
    NoContent,
    /// A raw body (license-file certificates).
    Raw {
        /// Status.
        status: u16,
        /// Content type.
        content_type: &'static str,
        /// Extra headers.
        headers: Vec<(&'static str, String)>,
        /// Body.
        body: Vec<u8>,
    },
}

impl Reply {
    /// 200 with a document.
    pub fn ok(d: Document) -> Self {
        Reply::Doc(200, d)
    }
    /// 201 with a document.
    pub fn created(d: Document) -> Self {
        Reply::Doc(201, d)
    }
}

/// Bytes of an oversized body read (and dropped) before giving up on it. Bodies are drained a
/// little past the cap (closing early resets the client's connection before it reads the 413),
/// but never without bound: a body without `Content-Length` is not buffered in full.
const DRAIN_LIMIT: usize = 32 * shared::api::MAX_BODY_BYTES;

/// Reads the body chunk by chunk, keeping at most [`shared::api::MAX_BODY_BYTES`]: past that it
/// drops what it has, drains up to [`DRAIN_LIMIT`] and stops. `(body, too_large)`.
async fn read_body(req: &mut worker::Request) -> Result<(Vec<u8>, bool), shared::Error> {
    use futures_util::StreamExt;
    use shared::error::{Code, Error};
    // `stream()` fails only for a request without a body (GET, HEAD, …).
    let Ok(mut stream) = req.stream() else { return Ok((Vec::new(), false)) };
    let (mut body, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Error::new(Code::JsonInvalid, format!("unreadable body: {e}")))?;
        seen = seen.saturating_add(chunk.len());
        if seen > shared::api::MAX_BODY_BYTES {
            body = Vec::new();
            if seen > DRAIN_LIMIT {
                break;
            }
        } else {
            body.extend_from_slice(&chunk);
        }
    }
    Ok((body, seen > shared::api::MAX_BODY_BYTES))
}

/// Reads a `worker::Request` into a [`Req`].
///
/// # Errors
/// 413 when the body exceeds [`shared::api::MAX_BODY_BYTES`]; 400 when it cannot be read.
pub async fn read(mut req: worker::Request) -> Result<Req, shared::Error> {
    use shared::error::{Code, Error};
    let h = req.headers().clone();
    let get = |k: &str| h.get(k).ok().flatten();
    let declared = get("content-length").and_then(|l| l.trim().parse::<usize>().ok());
    let url = req.url().map_err(|e| Error::new(Code::JsonInvalid, format!("bad url: {e}")))?;
    let (body, too_large) = match declared {
        Some(l) if l > DRAIN_LIMIT => (Vec::new(), true),
        // A declared length within the cap (the framing holds the body to it): one read of the
        // whole body (issue 11: the chunked stream reader cost more than the rest of parsing).
        Some(l) if l <= shared::api::MAX_BODY_BYTES => {
            let body = req.bytes().await.map_err(|e| Error::new(Code::JsonInvalid, format!("unreadable body: {e}")))?;
            if body.len() > shared::api::MAX_BODY_BYTES {
                (Vec::new(), true)
            } else {
                (body, false)
            }
        }
        _ => read_body(&mut req).await?,
    };
    let path = url.path().to_owned();
    let target = match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    let host = get("host").unwrap_or_else(|| {
        url.host_str()
            .map(|h| match url.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
            .unwrap_or_default()
    });
    Ok(Req {
        method: req.method().to_string().to_ascii_uppercase(),
        query: Query::parse(url.query().unwrap_or("")),
        path,
        target,
        body,
        authorization: get("authorization"),
        host,
        version: get("keygen-version"),
        accept_signature: get("keygen-accept-signature"),
        environment: get("keygen-environment").filter(|e| !e.trim().is_empty()),
        content_type: get("content-type"),
        client_ip: get("cf-connecting-ip"),
        country: req.cf().and_then(|cf| cf.country()),
        user_agent: get("user-agent"),
        bookmark: get("latchkey-d1-bookmark"),
        prefer: get("prefer"),
        accept: get("accept"),
        cf_country: req.cf().and_then(worker::Cf::country),
        test_country: get("latchkey-test-country"),
        client_clock: get("latchkey-client-clock"),
        too_large,
    })
}

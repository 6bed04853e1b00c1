//! The CLI's HTTP client: blocking `ureq` with rustls, JSON:API in and out, and the API's error
//! documents turned into [`ApiError`] (printed with title, detail, code and source).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::config::Config;
use super::Failure;

/// One JSON:API error object as the API sent it.
#[derive(Debug, Clone, Default)]
pub struct ErrorItem {
    /// `title`.
    pub title: String,
    /// `detail`.
    pub detail: String,
    /// `code`.
    pub code: String,
    /// `source` rendered as `pointer /data/…`, `parameter x` or `header X`.
    pub source: String,
}

/// An error response: its status and error objects.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Request line, `METHOD path`.
    pub request: String,
    /// The error objects (empty when the body was not a JSON:API error document).
    pub errors: Vec<ErrorItem>,
}

impl ApiError {
    fn from_doc(status: u16, request: String, doc: &Value) -> Self {
        let errors = doc["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                        let src = &e["source"];
                        let source = ["pointer", "parameter", "header"].iter().find_map(|k| src[*k].as_str().map(|v| format!("{k} {v}"))).unwrap_or_default();
                        ErrorItem { title: s("title"), detail: s("detail"), code: s("code"), source }
                    })
                    .collect()
            })
            .unwrap_or_default();
        ApiError { status, request, errors }
    }

    /// The first error's code (empty when none).
    pub fn code(&self) -> &str {
        self.errors.first().map_or("", |e| e.code.as_str())
    }

    /// One line: `409 ID_CONFLICT: must not … (pointer /data/id)`.
    pub fn brief(&self) -> String {
        match self.errors.first() {
            Some(e) => {
                let src = if e.source.is_empty() { String::new() } else { format!(" ({})", e.source) };
                format!("{} {}: {}{src}", self.status, e.code, if e.detail.is_empty() { &e.title } else { &e.detail })
            }
            None => format!("{} (no error document)", self.status),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {} answered {}", self.request, self.status)?;
        for e in &self.errors {
            write!(f, "\n  {}: {}", e.title, e.detail)?;
            if !e.code.is_empty() {
                write!(f, "\n    code: {}", e.code)?;
            }
            if !e.source.is_empty() {
                write!(f, "\n    source: {}", e.source)?;
            }
        }
        Ok(())
    }
}

/// A Keygen-compatible API: a base URL, an account prefix and credentials.
#[derive(Clone)]
pub struct Api {
    agent: ureq::Agent,
    base: String,
    prefix: String,
    auth: Option<String>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api").field("base", &self.base).field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// Splits a deployment URL into its origin and whatever path it carries (without `/v1`).
fn origin(url: &str) -> String {
    let url = url.trim_end_matches('/');
    url.strip_suffix("/v1").unwrap_or(url).to_owned()
}

impl Api {
    /// An API at `url` (with or without a trailing `/v1`), account-scoped when `account` is
    /// given, sending `Authorization: Bearer token` when `token` is.
    pub fn new(url: &str, account: Option<&str>, token: Option<&str>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(120)))
            .user_agent(concat!("latchkey-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let prefix = match account {
            Some(a) => format!("/v1/accounts/{}", percent(a)),
            None => "/v1".to_owned(),
        };
        Api { agent, base: origin(url), prefix, auth: token.map(|t| format!("Bearer {t}")) }
    }

    /// The API the saved configuration names.
    pub fn from_config(c: &Config) -> Self {
        Api::new(&c.url, c.account.as_deref(), Some(&c.token))
    }

    /// The same API with HTTP Basic credentials (email/password login).
    pub fn basic(mut self, user: &str, password: &str) -> Self {
        self.auth = Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))));
        self
    }

    /// The absolute URL of `path`: an account-relative path (`/licenses`), a path that starts
    /// with `/v1/` (as `links.next` carries), or an absolute URL.
    pub fn url(&self, path: &str) -> String {
        // Brackets (`page[size]`) are not allowed raw in a request target: encode the query's.
        let path = match path.split_once('?') {
            Some((p, q)) => format!("{p}?{}", q.replace('[', "%5B").replace(']', "%5D")),
            None => path.to_owned(),
        };
        let path = path.as_str();
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else if path.starts_with("/v1/") {
            format!("{}{path}", self.base)
        } else {
            format!("{}{}{path}", self.base, self.prefix)
        }
    }

    /// Sends a request and returns the status and the parsed body (`Null` when empty).
    ///
    /// # Errors
    /// [`Failure::Network`] when the server cannot be reached.
    pub fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), Failure> {
        self.exchange(method, path, body).map(|(status, _, json)| (status, json))
    }

    /// As [`Api::raw`], also returning the `Location` header (redirects are never followed).
    ///
    /// # Errors
    /// [`Failure::Network`] when the server cannot be reached.
    pub fn exchange(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Option<String>, Value), Failure> {
        let url = self.url(path);
        macro_rules! headers {
            ($b:expr) => {{
                let b = $b.header("Accept", "application/vnd.api+json");
                match &self.auth {
                    Some(a) => b.header("Authorization", a),
                    None => b,
                }
            }};
        }
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let with_body = |b: ureq::RequestBuilder<ureq::typestate::WithBody>| headers!(b).header("Content-Type", "application/vnd.api+json").send(&bytes[..]);
        let res = match method {
            "GET" => headers!(self.agent.get(&url)).call(),
            "DELETE" => headers!(self.agent.delete(&url)).call(),
            "POST" => with_body(self.agent.post(&url)),
            "PATCH" => with_body(self.agent.patch(&url)),
            "PUT" => with_body(self.agent.put(&url)),
            other => return Err(Failure::Usage(format!("unsupported method {other}"))),
        };
        Self::answer(res, &url, method)
    }

    /// `GET`s `path` as text (a CSV export part): the status, the `Link` header and the body.
    ///
    /// # Errors
    /// [`Failure::Network`] when the server cannot be reached.
    pub fn text(&self, path: &str) -> Result<(u16, Option<String>, String), Failure> {
        let url = self.url(path);
        let net = |e: ureq::Error| Failure::Network(format!("GET {url}: {e}"));
        let req = self.agent.get(&url).header("Accept", "text/csv, application/vnd.api+json");
        let req = match &self.auth {
            Some(a) => req.header("Authorization", a),
            None => req,
        };
        let mut resp = req.call().map_err(net)?;
        let link = resp.headers().get("link").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = resp.body_mut().with_config().limit(256 * 1024 * 1024).read_to_string().map_err(net)?;
        Ok((resp.status().as_u16(), link, body))
    }

    /// Status, `Location` and parsed body of a response.
    fn answer(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>, url: &str, method: &str) -> Result<(u16, Option<String>, Value), Failure> {
        let net = |e: ureq::Error| Failure::Network(format!("{method} {url}: {e}"));
        let mut resp = res.map_err(net)?;
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = resp.body_mut().with_config().limit(256 * 1024 * 1024).read_to_string().map_err(net)?;
        let json = if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Ok((status, location, json))
    }

    /// The [`Failure::Api`] for an error answer to `method path`.
    pub fn refused(&self, method: &str, path: &str, status: u16, doc: &Value) -> Failure {
        Failure::Api(ApiError::from_doc(status, format!("{method} {}", self.url(path)), doc))
    }

    /// `PUT`s a file's bytes to an absolute URL (a signed upload link: no `Authorization`),
    /// streamed from disk with its length as `Content-Length`; a status of 400 or more is an
    /// [`ApiError`].
    ///
    /// # Errors
    /// [`Failure::Api`] for an error status, [`Failure::Network`] when unreachable.
    pub fn put_file(&self, url: &str, file: std::fs::File) -> Result<Value, Failure> {
        let res = self.agent.put(url).header("Accept", "application/vnd.api+json").header("Content-Type", "application/octet-stream").send(file);
        match Self::answer(res, url, "PUT")? {
            (s, _, doc) if s < 400 => Ok(doc),
            (s, _, doc) => Err(self.refused("PUT", url, s, &doc)),
        }
    }

    /// Sends a request; a status of 400 or more is an [`ApiError`].
    ///
    /// # Errors
    /// [`Failure::Api`] for an error status, [`Failure::Network`] when unreachable.
    pub fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Failure> {
        match self.raw(method, path, body)? {
            (s, doc) if s < 400 => Ok(doc),
            (s, doc) => Err(self.refused(method, path, s, &doc)),
        }
    }

    /// Every resource of a list endpoint, following `links.next`, calling `each` per page with
    /// the page's resources and the total (`meta.count` if sent).
    ///
    /// # Errors
    /// As [`Api::send`].
    pub fn each_page(&self, path: &str, size: u32, mut each: impl FnMut(&[Value], Option<u64>) -> Result<(), Failure>) -> Result<(), Failure> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}page[size]={size}&page[number]=1"));
        let mut seen = 0usize;
        while let Some(p) = next.take() {
            let doc = self.send("GET", &p, None)?;
            let items = doc["data"].as_array().cloned().unwrap_or_default();
            each(&items, doc["meta"]["count"].as_u64().or_else(|| doc["meta"]["pages"]["count"].as_u64()))?;
            seen += items.len();
            // A server that keeps answering with pages stops at an empty one (and at 10M rows).
            if items.is_empty() || seen > 10_000_000 {
                break;
            }
            next = doc["links"]["next"].as_str().filter(|n| !n.is_empty()).map(str::to_owned);
        }
        Ok(())
    }
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved kept).
pub fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_from_the_origin_and_the_account() {
        let api = Api::new("https://x.test/v1/", Some("acme co"), None);
        assert_eq!(api.url("/licenses"), "https://x.test/v1/accounts/acme%20co/licenses");
        assert_eq!(api.url("/v1/accounts/a/licenses?page[number]=2"), "https://x.test/v1/accounts/a/licenses?page%5Bnumber%5D=2");
        assert_eq!(Api::new("http://[::1]:8787", None, None).url("/me"), "http://[::1]:8787/v1/me");
        assert_eq!(Api::new("http://127.0.0.1:1", None, None).url("/me"), "http://127.0.0.1:1/v1/me");
    }

    #[test]
    fn error_documents_keep_code_and_source() {
        let doc = serde_json::json!({"errors":[{"title":"Conflict","detail":"taken","code":"ID_CONFLICT","source":{"pointer":"/data/id"}}]});
        let e = ApiError::from_doc(409, "POST /x".into(), &doc);
        assert_eq!(e.code(), "ID_CONFLICT");
        assert_eq!(e.brief(), "409 ID_CONFLICT: taken (pointer /data/id)");
        let shown = e.to_string();
        assert!(shown.contains("code: ID_CONFLICT") && shown.contains("source: pointer /data/id"), "{shown}");
        assert_eq!(ApiError::from_doc(502, "GET /".into(), &Value::Null).brief(), "502 (no error document)");
    }
}

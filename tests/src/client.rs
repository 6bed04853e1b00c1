//! [`Client`], a small `ureq` wrapper (no redirects, 4xx/5xx are ordinary responses, `/v1/`
//! responses verified when it holds a key), and [`Resp`], a response fully read.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::{assert_key_id, assert_signed, JSON_API};

/// Per-request timeout, so a hung Worker fails one test instead of the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A response, fully read. `json` is `Value::Null` when the body is empty or not JSON.
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status code.
    pub status: u16,
    /// Response headers, names lower-cased; repeated headers joined with ", ".
    pub headers: BTreeMap<String, String>,
    /// The body parsed as JSON, or `Value::Null`.
    pub json: Value,
    /// The raw body bytes (what `Digest` covers).
    pub body: Vec<u8>,
    /// Request method, upper-case, as sent.
    pub method: String,
    /// Request target (`path[?query]`) exactly as sent.
    pub target: String,
    /// The `Host` header the request carried (`127.0.0.1:PORT`).
    pub host: String,
}

/// An HTTP client for one server; optionally bound to an account's public key, in which case
/// every response to a `/v1/` path must carry a valid signature by that key.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    url: String,
    pub(crate) host: String,
    pub(crate) public_key_hex: Option<String>,
    pub(crate) account_id: Option<String>,
    /// Environments (issue 8): sent as `Keygen-Environment` on every request when set.
    environment: Option<String>,
}

impl Client {
    /// A client for `url` that verifies no signatures.
    pub fn new(url: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            // A fresh loopback connection per request (issue 8): local workerd may close a
            // kept-alive connection once the previous response's `waitUntil` work (request
            // logs) finishes, racing the next request sent on it ("Peer disconnected"). On
            // Cloudflare clients connect to the edge, never to workerd itself.
            .max_idle_connections_per_host(0)
            .build();
        let url = url.trim_end_matches('/').to_string();
        let host = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")).unwrap_or(&url).to_string();
        Client { agent: ureq::Agent::new_with_config(config), url, host, public_key_hex: None, account_id: None, environment: None }
    }

    /// The same client, verifying `/v1/` responses with `public_key_hex`.
    pub fn with_public_key(mut self, public_key_hex: &str) -> Client {
        self.public_key_hex = Some(public_key_hex.to_string());
        self
    }

    /// Environments (issue 8): the same client, sending `Keygen-Environment: <environment>`.
    pub fn in_environment(mut self, environment: &str) -> Client {
        self.environment = Some(environment.to_string());
        self
    }

    /// The same client, verifying nothing (e.g. to look at a response that must not be signed).
    pub fn unverified(mut self) -> Client {
        self.public_key_hex = None;
        self.account_id = None;
        self
    }

    /// `GET path`. `token`: see [`Client::request`].
    pub fn get(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.request("GET", path, token, body)
    }

    /// `POST path` with a JSON:API body.
    pub fn post(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.request("POST", path, token, body)
    }

    /// `PATCH path` with a JSON:API body.
    pub fn patch(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.request("PATCH", path, token, body)
    }

    /// `PUT path` with a JSON:API body.
    pub fn put(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.request("PUT", path, token, body)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.request("DELETE", path, token, body)
    }

    /// Sends `method path` (`path` may carry a query; it is sent exactly as given).
    ///
    /// `token` becomes `Authorization: Bearer <token>`, unless it already names a scheme
    /// (`"License <key>"`, `"Basic <b64>"`, `"Bearer …"`), in which case it is sent verbatim.
    /// A body is sent as `Content-Type: application/vnd.api+json`.
    /// If this client holds a public key and `path` starts with `/v1/`, the response's signature
    /// is verified ([`assert_signed`](crate::assert_signed)).
    pub fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let mut headers: Vec<(&str, String)> = vec![("Accept", JSON_API.to_string())];
        if let Some(env) = &self.environment {
            headers.push(("Keygen-Environment", env.clone()));
        }
        if let Some(token) = token {
            let has_scheme = ["License ", "Basic ", "Bearer ", "Token "].iter().any(|s| token.starts_with(s));
            let value = if has_scheme { token.to_string() } else { format!("Bearer {token}") };
            headers.push(("Authorization", value));
        }
        let bytes = body.map(|b| {
            headers.push(("Content-Type", JSON_API.to_string()));
            serde_json::to_vec(&b).expect("serialisable body")
        });
        let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = self.raw(method, path, &refs, bytes.as_deref());
        if path.starts_with("/v1/") {
            if let Some(key) = &self.public_key_hex {
                assert_signed(&resp, key);
                if let Some(id) = &self.account_id {
                    assert_key_id(&resp, id);
                }
            }
        }
        resp
    }

    /// Sends a request with exactly these headers and body; verifies nothing.
    ///
    /// # Panics
    /// On a transport error (connection refused, timeout), not on any status.
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
        let mut builder = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.url));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let result = match body {
            Some(bytes) => self.agent.run(builder.body(bytes).expect("valid request")),
            None => self.agent.run(builder.body(()).expect("valid request")),
        };
        let mut response = result.unwrap_or_else(|e| panic!("e2e: {method} {path}: {e}"));
        let status = response.status().as_u16();
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in response.headers() {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            map.entry(name.as_str().to_ascii_lowercase())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        let bytes = response.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap_or_else(|e| panic!("e2e: {method} {path}: reading the body: {e}"));
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers: map, json, body: bytes, method: method.to_ascii_uppercase(), target: path.to_string(), host: self.host.clone() }
    }
}

impl Resp {
    /// A header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status, printing the request and body when it differs. Returns `self`.
    pub fn assert_status(&self, expected: u16) -> &Resp {
        assert_eq!(self.status, expected, "{} {} answered {} (expected {expected}); body: {}", self.method, self.target, self.status, self.text());
        self
    }

    /// The first error object's `code`, if the body is a JSON:API error document.
    pub fn error_code(&self) -> Option<&str> {
        self.json["errors"][0]["code"].as_str()
    }
}

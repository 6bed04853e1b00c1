//! Test harness for the end-to-end suite: the release Worker on workerd (Miniflare), driven over
//! HTTP, with every account-scoped response's signature checked.
//!
//! - [`server()`] starts `node tests/harness/server.mjs` once per test binary (in-memory D1 and KV,
//!   every migration applied, cron handlers reachable) and keeps its stdin open in a static: when
//!   the test process exits, however it exits, stdin closes and the server disposes itself.
//! - [`Server::bootstrap_account`] creates a fresh account per test (random slug and email), so
//!   tests share one server without sharing state.
//! - [`Client`] is a small `ureq` wrapper: no redirects, 4xx/5xx are ordinary responses, and every
//!   `/v1/` response is verified with [`assert_signed`] when the client holds a public key.
//!
//! The signature check is written here from the wire contract (ed25519-dalek, sha2, base64) and
//! deliberately does not call `shared::crypto`, so a bug there cannot hide itself.
//!
//! Nothing is built here: `scripts/test` builds the release Worker first.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// How long the server may take to print its URL line (Miniflare usually needs well under 1 s).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Per-request timeout, so a hung Worker fails one test instead of the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The bootstrap token the server binds unless `LATCHKEY_BOOTSTRAP_TOKEN` is set (see server.mjs).
const DEFAULT_BOOTSTRAP_TOKEN: &str = "e2e-bootstrap-token";
/// Content type of every JSON:API request body.
pub const JSON_API: &str = "application/vnd.api+json";

/// The running e2e server. Obtain it with [`server()`].
pub struct Server {
    url: String,
    host: String,
    bootstrap_token: String,
    logs: Arc<Mutex<String>>,
    // Held, never used: dropping stdin (at process exit) is what stops the server.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

/// An account created by [`Server::bootstrap_account`], with its first admin.
#[derive(Debug, Clone)]
pub struct TestAccount {
    /// Account id (UUID).
    pub id: String,
    /// The unique random slug the account was created with.
    pub slug: String,
    /// Bearer token of the account's admin (`admin-…`).
    pub admin_token: String,
    /// The admin user's id.
    pub admin_id: String,
    /// The admin's email.
    pub admin_email: String,
    /// The admin's password.
    pub admin_password: String,
    /// The account's Ed25519 public key, 64 hex chars: what SDKs take as `public_key`.
    pub public_key_hex: String,
    /// The whole 201 document returned by `POST /v1/accounts`.
    pub document: Value,
    url: String,
    host: String,
}

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
    host: String,
    public_key_hex: Option<String>,
    account_id: Option<String>,
    /// Environments (issue 8): sent as `Keygen-Environment` on every request when set.
    environment: Option<String>,
}

/// The shared server, started on first use (once per test binary).
///
/// # Panics
/// If the Worker has not been built (run `scripts/test`), Node dependencies are missing
/// (run `scripts/setup`), or the server does not print its URL within 30 s; the panic message
/// carries the server's stderr.
pub fn server() -> &'static Server {
    // The outcome is kept either way: after one failed start, every other test fails at once
    // with the same message instead of waiting another 30 s.
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(Server::start) {
        Ok(server) => server,
        Err(why) => panic!("{why}"),
    }
}

/// A second server whose D1 read replica lags the primary by `lag_ms` (the harness's
/// `LATCHKEY_HARNESS_REPLICA_LAG`, tests/harness/d1-lag.mjs), started on first use; the first
/// call's `lag_ms` holds for the test binary.
///
/// # Panics
/// As [`server()`].
pub fn lagged_server(lag_ms: u64) -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(|| Server::start_with(&[("LATCHKEY_HARNESS_REPLICA_LAG", &lag_ms.to_string())])) {
        Ok(server) => server,
        Err(why) => panic!("{why}"),
    }
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

impl Server {
    fn start() -> Result<Server, String> {
        Self::start_with(&[])
    }

    /// Starts the harness with `vars` added to its environment. A harness that exits before it
    /// is ready is started once more (a fresh Miniflare, an empty database), and the first
    /// attempt's output is printed to stderr so that the retry stays visible; a second failure
    /// returns both outputs.
    fn start_with(vars: &[(&str, &str)]) -> Result<Server, String> {
        match Self::start_once(vars) {
            Err(first) if first.contains("exited before printing its URL") => {
                eprintln!("e2e: the harness failed to start; starting it once more. The first attempt:\n{first}");
                Self::start_once(vars).map_err(|second| format!("{second}\n\nThe first attempt:\n{first}"))
            }
            other => other,
        }
    }

    fn start_once(vars: &[(&str, &str)]) -> Result<Server, String> {
        let root = workspace_root();
        for built in ["functions/build/index.js", "functions/build/index_bg.wasm"] {
            if !root.join(built).is_file() {
                return Err(format!(
                    "e2e: {built} is missing. The e2e tests run against the release Worker, which \
                     they do not build: run `scripts/test` (it builds first), or `scripts/build` \
                     then `cargo test -p e2e`."
                ));
            }
        }
        if !root.join("node_modules/miniflare").is_dir() {
            return Err("e2e: node_modules/miniflare is missing: run `scripts/setup`.".into());
        }
        let bootstrap_token = std::env::var("LATCHKEY_BOOTSTRAP_TOKEN").unwrap_or_else(|_| DEFAULT_BOOTSTRAP_TOKEN.to_string());

        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg("tests/harness/server.mjs")
            .current_dir(&root)
            .env("LATCHKEY_BOOTSTRAP_TOKEN", &bootstrap_token)
            .envs(vars.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("e2e: cannot run `node` (Node.js >= 20 is required): {e}"))?;

        let logs = Arc::new(Mutex::new(String::new()));
        let echo = std::env::var_os("LATCHKEY_E2E_LOG").is_some();
        let stderr = child.stderr.take().expect("piped stderr");
        let stderr_logs = Arc::clone(&logs);
        let stderr_thread = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                append_log(&stderr_logs, &line, echo);
            }
        });
        let (url_tx, url_rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped stdout");
        let stdout_logs = Arc::clone(&logs);
        std::thread::spawn(move || {
            let mut url_tx = Some(url_tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let url = serde_json::from_str::<Value>(&line).ok().and_then(|v| v["url"].as_str().map(str::to_owned));
                match (url, url_tx.take()) {
                    (Some(url), Some(tx)) => {
                        let _ = tx.send(url);
                    }
                    (_, tx) => {
                        url_tx = tx;
                        append_log(&stdout_logs, &line, echo);
                    }
                }
            }
        });

        let url = match url_rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(e) => {
                let reason = match e {
                    mpsc::RecvTimeoutError::Timeout => "did not print its URL within 30 s",
                    mpsc::RecvTimeoutError::Disconnected => "exited before printing its URL",
                };
                let _ = child.kill();
                let status = child.wait().ok();
                let _ = stderr_thread.join();
                return Err(format!(
                    "e2e: tests/harness/server.mjs {reason} (exit: {status:?}). Its output:\n{}",
                    logs.lock().map(|l| l.clone()).unwrap_or_default()
                ));
            }
        };
        let host = url.strip_prefix("http://").unwrap_or(&url).trim_end_matches('/').to_string();
        let stdin = child.stdin.take().expect("piped stdin");
        Ok(Server { url, host, bootstrap_token, logs, _stdin: Mutex::new(stdin), _child: Mutex::new(child) })
    }

    /// Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `Host` header requests carry: `127.0.0.1:PORT`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The token that authorises `POST /v1/accounts`.
    pub fn bootstrap_token(&self) -> &str {
        &self.bootstrap_token
    }

    /// Everything the server and the Worker have logged so far (stderr), for failure messages.
    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A client that verifies no signatures (for unauthenticated or cross-account requests).
    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// Creates a fresh account (random slug and admin email) through the bootstrap endpoint and
    /// checks the 201 response: its shape and its signature by the new account's key.
    ///
    /// # Panics
    /// If the response is not a 201 with `data.id`, `meta.adminToken` and `meta.publicKey`, or
    /// its signature does not verify.
    pub fn bootstrap_account(&self) -> TestAccount {
        let tag = unique_tag();
        let slug = format!("e2e-{tag}");
        let admin_email = format!("admin+{tag}@example.com");
        let admin_password = format!("pw-{tag}-{tag}");
        let body = json!({"data": {
            "type": "accounts",
            "attributes": {"name": format!("E2E {tag}"), "slug": slug},
            "relationships": {"admins": {"data": [
                {"type": "users", "attributes": {"email": admin_email, "password": admin_password}}
            ]}}
        }});
        let resp = self.client().post("/v1/accounts", Some(&self.bootstrap_token), Some(body));
        resp.assert_status(201);
        let field = |v: &Value, what: &str| -> String {
            v.as_str().map(str::to_owned).unwrap_or_else(|| panic!("e2e: bootstrap response lacks {what}: {}", resp.json))
        };
        let id = field(&resp.json["data"]["id"], "data.id");
        let public_key_hex = field(&resp.json["meta"]["publicKey"], "meta.publicKey");
        let admin_token = field(&resp.json["meta"]["adminToken"], "meta.adminToken");
        let admin_id = field(&resp.json["meta"]["adminId"], "meta.adminId");
        assert_signed(&resp, &public_key_hex);
        assert_key_id(&resp, &id);
        TestAccount {
            id,
            slug,
            admin_token,
            admin_id,
            admin_email,
            admin_password,
            public_key_hex,
            document: resp.json,
            url: self.url.clone(),
            host: self.host.clone(),
        }
    }

    /// Runs the Worker's scheduled handler for `cron` (one of wrangler.toml's expressions, e.g.
    /// `"*/2 * * * *"`), through Miniflare's `/cdn-cgi/handler/scheduled`; returns the status
    /// (200 when the handler completed).
    pub fn trigger_cron(&self, cron: &str) -> u16 {
        let target = format!("/cdn-cgi/handler/scheduled?cron={}", cron.replace(' ', "+"));
        self.client().get(&target, None, None).status
    }
}

fn append_log(logs: &Mutex<String>, line: &str, echo: bool) {
    if echo {
        // Straight to the process's stderr: eprintln! would be captured by whichever test runs.
        let _ = writeln!(std::io::stderr(), "[server] {line}");
    }
    if let Ok(mut l) = logs.lock() {
        // Bounded, so a chatty Worker cannot grow the test process without limit.
        if l.len() > 1 << 20 {
            l.clear();
            l.push_str("[earlier output dropped]\n");
        }
        l.push_str(line);
        l.push('\n');
    }
}

/// A short token unique across this process and, very likely, across runs.
pub fn unique_tag() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}{:x}{n:x}", std::process::id(), nanos & 0xffff_ffff)
}

impl TestAccount {
    /// A client that sends nothing by default and verifies every `/v1/` response with this
    /// account's public key (and checks `keyid` is this account).
    pub fn client(&self) -> Client {
        let mut c = Client::new(&self.url);
        c.host.clone_from(&self.host);
        c.public_key_hex = Some(self.public_key_hex.clone());
        c.account_id = Some(self.id.clone());
        c
    }

    /// `/v1/accounts/{id}{rest}`, e.g. `account.path("/licenses")`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/accounts/{}{rest}", self.id)
    }

    /// The admin token, as the `token` argument of [`Client`] methods expects it.
    pub fn admin(&self) -> Option<&str> {
        Some(&self.admin_token)
    }
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
    /// is verified ([`assert_signed`]).
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

/// Verifies a Keygen response signature, independently of `shared::crypto`:
/// `Date`, `Digest`, `Keygen-Date` (= `Date`), `Keygen-Digest` (= `Digest` = `sha-256=` + base64
/// SHA-256 of the body as received) and `Keygen-Signature` (`algorithm="ed25519"`,
/// `headers="(request-target) host date digest"`, an Ed25519 signature by `public_key_hex` over
/// `(request-target): <method> <target>\nhost: <host>\ndate: <date>\ndigest: <digest>`).
///
/// The host is the `Host` the request carried, port included (`127.0.0.1:PORT`): the Worker signs
/// the Host header as received.
///
/// # Errors
/// A description of the first check that fails.
pub fn verify_signature(resp: &Resp, public_key_hex: &str) -> Result<(), String> {
    let get = |name: &str| resp.header(name).ok_or_else(|| format!("no {name} header"));
    let date = get("date")?;
    let digest = get("digest")?;
    if get("keygen-date")? != date {
        return Err(format!("Keygen-Date {:?} != Date {date:?}", resp.header("keygen-date")));
    }
    if get("keygen-digest")? != digest {
        return Err(format!("Keygen-Digest {:?} != Digest {digest:?}", resp.header("keygen-digest")));
    }
    let expected_digest = format!("sha-256={}", B64.encode(Sha256::digest(&resp.body)));
    if digest != expected_digest {
        return Err(format!("Digest {digest:?} != digest of the body {expected_digest:?}"));
    }
    let params = parse_signature_header(get("keygen-signature")?)?;
    let param = |k: &str| params.get(k).map(String::as_str).ok_or_else(|| format!("Keygen-Signature lacks {k}"));
    if param("algorithm")? != "ed25519" {
        return Err(format!("algorithm {:?}, expected \"ed25519\"", param("algorithm")?));
    }
    if param("headers")? != "(request-target) host date digest" {
        return Err(format!("headers {:?}", param("headers")?));
    }
    let signature = B64.decode(param("signature")?).map_err(|e| format!("signature is not base64: {e}"))?;
    let signature = Signature::from_slice(&signature).map_err(|e| format!("signature: {e}"))?;
    let key: [u8; 32] =
        hex::decode(public_key_hex).ok().and_then(|k| k.try_into().ok()).ok_or_else(|| format!("public key {public_key_hex:?} is not 64 hex chars"))?;
    let key = VerifyingKey::from_bytes(&key).map_err(|e| format!("public key: {e}"))?;
    let signing_string = format!("(request-target): {} {}\nhost: {}\ndate: {date}\ndigest: {digest}", resp.method.to_ascii_lowercase(), resp.target, resp.host);
    key.verify_strict(signing_string.as_bytes(), &signature).map_err(|e| format!("signature does not verify over {signing_string:?}: {e}"))
}

/// Panics unless [`verify_signature`] accepts `resp`.
pub fn assert_signed(resp: &Resp, public_key_hex: &str) {
    if let Err(why) = verify_signature(resp, public_key_hex) {
        panic!("{} {} ({}): bad response signature: {why}\nheaders: {:?}\nbody: {}", resp.method, resp.target, resp.status, resp.headers, resp.text());
    }
}

/// Panics unless `Keygen-Signature`'s `keyid` is `account_id`.
pub fn assert_key_id(resp: &Resp, account_id: &str) {
    let params = resp.header("keygen-signature").map(parse_signature_header).and_then(Result::ok).unwrap_or_default();
    assert_eq!(params.get("keyid").map(String::as_str), Some(account_id), "{} {}: Keygen-Signature keyid is not the account id", resp.method, resp.target);
}

/// Parses `k1="v1", k2="v2"` (values may contain `,`, `=` and spaces but not `"`).
fn parse_signature_header(header: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").ok_or_else(|| format!("malformed Keygen-Signature {header:?}"))?;
        let (value, after) = after.split_once('"').ok_or_else(|| format!("unterminated value in Keygen-Signature {header:?}"))?;
        out.insert(key.trim().to_string(), value.to_string());
        rest = after.trim_start().trim_start_matches(',').trim_start();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed_resp(sign_host: &str) -> (Resp, String) {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let body = br#"{"data":null}"#.to_vec();
        let date = "Mon, 23 Nov 2026 10:00:00 GMT";
        let digest = format!("sha-256={}", B64.encode(Sha256::digest(&body)));
        let signing = format!("(request-target): get /v1/x?a=1\nhost: {sign_host}\ndate: {date}\ndigest: {digest}");
        let sig = B64.encode(key.sign(signing.as_bytes()).to_bytes());
        let headers = BTreeMap::from([
            ("date".to_string(), date.to_string()),
            ("keygen-date".to_string(), date.to_string()),
            ("digest".to_string(), digest.clone()),
            ("keygen-digest".to_string(), digest),
            ("keygen-signature".to_string(), format!(r#"keyid="acct", algorithm="ed25519", signature="{sig}", headers="(request-target) host date digest""#)),
        ]);
        let resp = Resp { status: 200, headers, json: Value::Null, body, method: "GET".into(), target: "/v1/x?a=1".into(), host: "127.0.0.1:9".into() };
        (resp, hex::encode(key.verifying_key().to_bytes()))
    }

    #[test]
    fn accepts_a_signature_over_the_host_as_sent() {
        let (resp, key) = signed_resp("127.0.0.1:9");
        assert_eq!(verify_signature(&resp, &key), Ok(()));
        assert_key_id(&resp, "acct");
    }

    #[test]
    fn rejects_a_signature_over_another_host() {
        let (resp, key) = signed_resp("127.0.0.1");
        assert!(verify_signature(&resp, &key).is_err());
    }

    #[test]
    fn rejects_a_tampered_body() {
        let (mut resp, key) = signed_resp("127.0.0.1:9");
        resp.body = br#"{"data":1}"#.to_vec();
        let err = verify_signature(&resp, &key).unwrap_err();
        assert!(err.contains("digest of the body"), "{err}");
    }

    #[test]
    fn parses_signature_parameters() {
        let p = parse_signature_header(r#"keyid="a", algorithm="ed25519", signature="x+/=", headers="(request-target) host""#).unwrap();
        assert_eq!(p["signature"], "x+/=");
        assert_eq!(p["headers"], "(request-target) host");
    }
}

//! The harness process: [`server()`] and [`lagged_server`] start `node tests/harness/server.mjs`
//! once per test binary, and [`Server`] reads its URL, its logs, bootstraps accounts and runs
//! the cron handlers.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};

use crate::{assert_key_id, assert_signed, unique_tag, workspace_root, Client, TestAccount};

/// How long the server may take to print its URL line (Miniflare usually needs well under 1 s).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The bootstrap token the server binds unless `LATCHKEY_BOOTSTRAP_TOKEN` is set (see server.mjs).
const DEFAULT_BOOTSTRAP_TOKEN: &str = "e2e-bootstrap-token";

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

//! What the CLI e2e tests share: the built `latchkey` binary (`$LATCHKEY_CLI_BIN`, else built
//! once per run with `cargo build -p shared --features cli --bin latchkey`), a CLI user with a
//! config file of their own, accounts bootstrapped over HTTP (optionally with a brought signing
//! key), and a second deployment to import into.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use e2e::{server, unique_tag, workspace_root};
use serde_json::{json, Value};

pub fn bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("LATCHKEY_CLI_BIN") {
            return PathBuf::from(p);
        }
        let root = workspace_root();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let st = Command::new(cargo)
            .current_dir(&root)
            .args(["build", "-p", "shared", "--features", "cli", "--bin", "latchkey"])
            .status()
            .expect("run cargo build for the CLI");
        assert!(st.success(), "building the latchkey CLI failed");
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        target.join("debug").join("latchkey")
    })
}

/// A second deployment (its own workerd, D1 and KV, through the same harness): ids are unique
/// per deployment, so an import that keeps them moves data between deployments, as a move from
/// Keygen CE to Latchkey does. It stops when this process exits (its stdin closes).
struct Deployment {
    url: String,
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

pub fn second_deployment() -> &'static str {
    static D: OnceLock<Deployment> = OnceLock::new();
    &D.get_or_init(|| {
        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg("tests/harness/server.mjs")
            .current_dir(workspace_root())
            .env("LATCHKEY_BOOTSTRAP_TOKEN", server().bootstrap_token())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a second harness server");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| serde_json::from_str::<Value>(&l).ok().and_then(|v| v["url"].as_str().map(str::to_owned)))
            .expect("the second server prints its URL");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        let stdin = child.stdin.take().expect("piped stdin");
        Deployment { url, _stdin: Mutex::new(stdin), _child: Mutex::new(child) }
    })
    .url
}

/// One CLI user: a config file of their own.
pub struct Cli {
    pub dir: PathBuf,
}

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }
}

impl Cli {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("latchkey-cli-{}", unique_tag()));
        std::fs::create_dir_all(&dir).unwrap();
        Cli { dir }
    }
    pub fn config(&self) -> PathBuf {
        self.dir.join("conf").join("config.toml")
    }
    pub fn run(&self, args: &[&str]) -> Out {
        let o = Command::new(bin()).args(args).env("LATCHKEY_CONFIG", self.config()).env_remove("LATCHKEY_PASSWORD").output().expect("run latchkey");
        Out { code: o.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
    }
    /// Runs without `LATCHKEY_CONFIG`, with `XDG_CONFIG_HOME` (and `HOME`) in this user's
    /// directory, feeding `stdin`.
    pub fn run_xdg(&self, args: &[&str], stdin: &str) -> Out {
        use std::io::Write;
        let mut child = Command::new(bin())
            .args(args)
            .env_remove("LATCHKEY_CONFIG")
            .env_remove("LATCHKEY_PASSWORD")
            .env("XDG_CONFIG_HOME", self.dir.join("xdg"))
            .env("HOME", self.dir.join("home"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run latchkey");
        child.stdin.take().expect("piped stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let o = child.wait_with_output().expect("wait for latchkey");
        Out { code: o.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
    }
    pub fn login(&self, acct: &Account) {
        self.run(&["login", &acct.url, "--account", &acct.id, "--token", &acct.token]).ok();
    }
}

/// An account bootstrapped here (optionally with a brought signing key).
#[derive(Debug, Clone)]
pub struct Account {
    pub url: String,
    pub id: String,
    pub token: String,
    pub email: String,
    pub password: String,
    pub public_key: String,
}

pub fn bootstrap(private_key: Option<&str>) -> Account {
    bootstrap_at(server().url(), private_key)
}

pub fn bootstrap_at(url: &str, private_key: Option<&str>) -> Account {
    let tag = unique_tag();
    let (email, password) = (format!("cli+{tag}@example.com"), format!("pw-{tag}-{tag}"));
    let mut attrs = json!({"name": format!("CLI {tag}"), "slug": format!("cli-{tag}")});
    if let Some(k) = private_key {
        attrs["ed25519PrivateKey"] = k.into();
    }
    let body = json!({"data": {"type": "accounts", "attributes": attrs,
        "relationships": {"admins": {"data": [{"type": "users", "attributes": {"email": email, "password": password}}]}}}});
    let r = e2e::Client::new(url).post("/v1/accounts", Some(server().bootstrap_token()), Some(body));
    r.assert_status(201);
    let s = |v: &Value| v.as_str().unwrap().to_owned();
    Account {
        url: url.to_owned(),
        id: s(&r.json["data"]["id"]),
        token: s(&r.json["meta"]["adminToken"]),
        email,
        password,
        public_key: s(&r.json["meta"]["publicKey"]),
    }
}

impl Account {
    pub fn post(&self, path: &str, body: Value) -> Value {
        let r = e2e::Client::new(&self.url).post(&format!("/v1/accounts/{}{path}", self.id), Some(&self.token), Some(body));
        assert!(r.status < 300, "POST {path}: {} {}", r.status, r.text());
        r.json
    }
    pub fn get(&self, path: &str) -> e2e::Resp {
        e2e::Client::new(&self.url).get(&format!("/v1/accounts/{}{path}", self.id), Some(&self.token), None)
    }
    pub fn create(&self, ty: &str, attrs: Value, rels: Value) -> String {
        let doc = self.post(&format!("/{ty}"), json!({"data": {"type": ty, "attributes": attrs, "relationships": rels}}));
        doc["data"]["id"].as_str().unwrap().to_owned()
    }
}

pub fn rel(ty: &str, id: &str) -> Value {
    json!({"data": {"type": ty, "id": id}})
}

pub fn validate(acct: &Account, key: &str, fingerprint: &str) -> Value {
    let r = e2e::Client::new(&acct.url).post(
        &format!("/v1/accounts/{}/licenses/actions/validate-key", acct.id),
        None,
        Some(json!({"meta": {"key": key, "scope": {"fingerprint": fingerprint}}})),
    );
    r.assert_status(200);
    r.json["meta"].clone()
}

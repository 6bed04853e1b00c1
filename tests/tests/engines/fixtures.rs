//! Fixtures of the engine e2e tests: an account with a LICENSED product, a license of it and
//! one of another product, packages, releases and artifacts uploaded the way Keygen clients do
//! (`POST /artifacts` → 307 → unauthenticated `PUT` of the bytes), and the real clients
//! installed by `scripts/engine-clients`.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

use e2e::{server, workspace_root, Client, TestAccount};
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};

static UNIQ: AtomicU64 = AtomicU64::new(0);

/// A lowercase name unique in this run (valid as a PyPI, npm, gem and OCI package key).
pub fn uniq(prefix: &str) -> String {
    format!("{prefix}{}x{}", std::process::id(), UNIQ.fetch_add(1, Ordering::Relaxed))
}

/// An account with product A (LICENSED) and B, a license of each and their keys.
pub struct Shop {
    pub acct: TestAccount,
    pub c: Client,
    pub product: String,
    pub license_key: String,
    pub license_id: String,
    pub other_key: String,
}

impl Shop {
    pub fn new() -> Shop {
        let acct = server().bootstrap_account();
        let c = acct.client();
        let mut shop = Shop { acct, c, product: String::new(), license_key: String::new(), license_id: String::new(), other_key: String::new() };
        shop.product = shop.product("LICENSED");
        let (id, key) = shop.license(&shop.product.clone());
        shop.license_id = id;
        shop.license_key = key;
        let other = shop.product("LICENSED");
        shop.other_key = shop.license(&other).1;
        shop
    }

    pub fn admin_post(&self, path: &str, body: Value) -> Value {
        let r = self.c.post(&self.acct.path(path), self.acct.admin(), Some(body));
        assert!(matches!(r.status, 200 | 201), "fixture POST {path}: {} {}", r.status, r.text());
        r.json["data"].clone()
    }

    pub fn product(&self, strategy: &str) -> String {
        let p = self.admin_post("/products", json!({"data":{"type":"products","attributes":{"name":uniq("p"),"distributionStrategy":strategy}}}));
        p["id"].as_str().unwrap_or_default().to_owned()
    }

    /// A license of `product` (a fresh policy): `(id, key)`.
    pub fn license(&self, product: &str) -> (String, String) {
        let pol = self.admin_post(
            "/policies",
            json!({"data":{"type":"policies","attributes":{"name":uniq("pol"),"authenticationStrategy":"MIXED"},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
        );
        let l = self.admin_post("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol["id"]}}}}}));
        (l["id"].as_str().unwrap_or_default().to_owned(), l["attributes"]["key"].as_str().unwrap_or_default().to_owned())
    }

    /// A package of product A with this key and engine: its id.
    pub fn package(&self, key: &str, engine: &str) -> String {
        let p = self.admin_post(
            "/packages",
            json!({"data":{"type":"packages","attributes":{"name":key,"key":key,"engine":engine},
                "relationships":{"product":{"data":{"type":"products","id":self.product}}}}}),
        );
        p["id"].as_str().unwrap_or_default().to_owned()
    }

    /// A published release of the package: its id.
    pub fn release(&self, package: &str, version: &str, channel: &str, tag: Option<&str>) -> String {
        let mut attrs = json!({"version":version,"channel":channel,"status":"PUBLISHED"});
        if let Some(t) = tag {
            attrs["tag"] = json!(t);
        }
        let r = self.admin_post(
            "/releases",
            json!({"data":{"type":"releases","attributes":attrs,
                "relationships":{"product":{"data":{"type":"products","id":self.product}},"package":{"data":{"type":"packages","id":package}}}}}),
        );
        r["id"].as_str().unwrap_or_default().to_owned()
    }

    pub fn yank(&self, release: &str) {
        let r = self.c.post(&self.acct.path(&format!("/releases/{release}/actions/yank")), self.acct.admin(), None);
        r.assert_status(200);
    }

    /// Uploads `bytes` as an artifact of `release` (checksum given, so it is verified): its id.
    pub fn upload(&self, release: &str, filename: &str, filetype: &str, bytes: &[u8], checksum: &str, metadata: Value) -> String {
        let r = self.c.post(
            &self.acct.path("/artifacts"),
            self.acct.admin(),
            Some(json!({"data":{"type":"artifacts","attributes":{"filename":filename,"filetype":filetype,"filesize":bytes.len(),"checksum":checksum,"metadata":metadata},
                "relationships":{"release":{"data":{"type":"releases","id":release}}}}})),
        );
        r.assert_status(307);
        let id = r.json["data"]["id"].as_str().unwrap_or_default().to_owned();
        let location = r.header("location").unwrap_or_default().to_owned();
        let put = self.c.raw("PUT", &path_of(&location), &[("Content-Type", "application/octet-stream")], Some(bytes));
        assert_eq!(put.status, 200, "upload PUT {location}: {}", put.text());
        id
    }

    /// `http://license:KEY@127.0.0.1:PORT` for URL credentials.
    pub fn authority_with(&self, user: &str, key: &str) -> String {
        format!("http://{user}:{key}@{}", server().host())
    }
}

/// The path and query of an absolute URL (or the input when it is already a path).
pub fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/".to_owned(), |i| rest[i..].to_owned()),
        None => url.to_owned(),
    }
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

pub fn sha512_b64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(Sha512::digest(b))
}

/// A fresh temporary directory under the target dir.
pub fn temp_dir(what: &str) -> PathBuf {
    let d = workspace_root().join("target").join("e2e-engines").join(uniq(what));
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("mkdir {}: {e}", d.display()));
    d
}

/// Where `scripts/engine-clients` installed the clients.
pub fn clients_dir() -> PathBuf {
    std::env::var_os("LATCHKEY_ENGINE_CLIENTS").map_or_else(|| workspace_root().join(".engine-clients"), PathBuf::from)
}

/// Runs a client, bounded to 120 s, with no proxy and no user configuration.
pub fn run(program: &str, args: &[&str], cwd: &std::path::Path, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("timeout");
    cmd.arg("120").arg(program).args(args).current_dir(cwd);
    for (k, _) in std::env::vars() {
        let lower = k.to_ascii_lowercase();
        if lower.ends_with("_proxy")
            || lower.starts_with("pip_")
            || lower.starts_with("npm_config_")
            || lower.starts_with("bundle_")
            || lower.starts_with("gem_")
        {
            cmd.env_remove(k);
        }
    }
    cmd.env("NO_PROXY", "*");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap_or_else(|e| panic!("{program} is missing ({e}): run scripts/engine-clients"))
}

/// The client's output, for assertion messages.
pub fn show(o: &Output) -> String {
    format!("status {:?}\nstdout:\n{}\nstderr:\n{}", o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

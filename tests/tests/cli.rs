//! The `latchkey` CLI, built from `shared` (feature `cli`) and driven as a process against the
//! release Worker on workerd: login (token and email/password), a CRUD round trip with
//! `--json`, exit codes, license check-out + offline verification, an import from one Latchkey
//! account into another on a second deployment (validated afterwards with keygen-rs, and re-run
//! idempotently), and a
//! Cryptlex CSV import from fixtures in `tests/fixtures/cryptlex/`.
//!
//! The binary is `$LATCHKEY_CLI_BIN` when set, else built once per run with
//! `cargo build -p shared --features cli --bin latchkey`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use e2e::{server, unique_tag, workspace_root};
use keygen_rs::config::{set_config, KeygenConfig};
use keygen_rs::license::{LicenseValidationRequest, SchemeCode};
use serde_json::{json, Value};

/// keygen-rs keeps its configuration in a global.
static KEYGEN_RS: Mutex<()> = Mutex::new(());

fn bin() -> &'static PathBuf {
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

fn second_deployment() -> &'static str {
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
struct Cli {
    dir: PathBuf,
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }
}

impl Cli {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("latchkey-cli-{}", unique_tag()));
        std::fs::create_dir_all(&dir).unwrap();
        Cli { dir }
    }
    fn config(&self) -> PathBuf {
        self.dir.join("conf").join("config.toml")
    }
    fn run(&self, args: &[&str]) -> Out {
        let o = Command::new(bin()).args(args).env("LATCHKEY_CONFIG", self.config()).env_remove("LATCHKEY_PASSWORD").output().expect("run latchkey");
        Out { code: o.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
    }
    fn login(&self, acct: &Account) {
        self.run(&["login", &acct.url, "--account", &acct.id, "--token", &acct.token]).ok();
    }
}

/// An account bootstrapped here (optionally with a brought signing key).
#[derive(Debug, Clone)]
struct Account {
    url: String,
    id: String,
    token: String,
    email: String,
    password: String,
    public_key: String,
}

fn bootstrap(private_key: Option<&str>) -> Account {
    bootstrap_at(server().url(), private_key)
}

fn bootstrap_at(url: &str, private_key: Option<&str>) -> Account {
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
    fn post(&self, path: &str, body: Value) -> Value {
        let r = e2e::Client::new(&self.url).post(&format!("/v1/accounts/{}{path}", self.id), Some(&self.token), Some(body));
        assert!(r.status < 300, "POST {path}: {} {}", r.status, r.text());
        r.json
    }
    fn get(&self, path: &str) -> e2e::Resp {
        e2e::Client::new(&self.url).get(&format!("/v1/accounts/{}{path}", self.id), Some(&self.token), None)
    }
    fn create(&self, ty: &str, attrs: Value, rels: Value) -> String {
        let doc = self.post(&format!("/{ty}"), json!({"data": {"type": ty, "attributes": attrs, "relationships": rels}}));
        doc["data"]["id"].as_str().unwrap().to_owned()
    }
}

fn rel(ty: &str, id: &str) -> Value {
    json!({"data": {"type": ty, "id": id}})
}

fn validate(acct: &Account, key: &str, fingerprint: &str) -> Value {
    let r = e2e::Client::new(&acct.url).post(
        &format!("/v1/accounts/{}/licenses/actions/validate-key", acct.id),
        None,
        Some(json!({"meta": {"key": key, "scope": {"fingerprint": fingerprint}}})),
    );
    r.assert_status(200);
    r.json["meta"].clone()
}

#[test]
fn cli_logs_in_and_round_trips_resources_with_json_and_exit_codes() {
    let acct = bootstrap(None);
    let cli = Cli::new();
    // Before login: a config error (3), and a usage error (2).
    assert_eq!(cli.run(&["products", "list"]).code, 3);
    assert_eq!(cli.run(&["products", "frobnicate"]).code, 2);
    assert_eq!(cli.run(&["login"]).code, 2);
    // An unreachable server is a network error (3) and saves nothing.
    let down = cli.run(&["login", "http://127.0.0.1:9", "--token", "admin-x"]);
    assert_eq!(down.code, 3, "{down:?}");
    assert!(!cli.config().exists());
    // A wrong token is the API's error (1), printed with its code.
    let bad = cli.run(&["login", server().url(), "--account", &acct.id, "--token", "admin-nope"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("code: TOKEN_FORMAT_INVALID") && bad.stderr.contains("source: header Authorization"), "{bad:?}");

    // Email/password: a token is generated through POST /tokens and saved with mode 0600.
    let out = cli.run(&["login", server().url(), "--account", &acct.id, "--email", &acct.email, "--password", &acct.password]).ok();
    assert!(out.stdout.contains(&acct.email), "{out:?}");
    let saved = std::fs::read_to_string(cli.config()).unwrap();
    assert!(saved.contains("token = \"admin-") || saved.contains("token = \"user-"), "{saved}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(cli.config()).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Create → show → update → list → delete, with typed attributes and relationships.
    let p = cli.run(&["products", "create", "--attr", "name=CLI App", "--str", "code=007", "--attr", "metadata={\"tier\":1}", "--json"]).ok().json();
    let product = p["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!((p["data"]["attributes"]["code"].as_str(), p["data"]["attributes"]["metadata"]["tier"].as_i64()), (Some("007"), Some(1)));
    let pol = cli
        .run(&[
            "policies",
            "create",
            "--attr",
            "name=Floating",
            "--attr",
            "floating=true",
            "--attr",
            "maxMachines=3",
            "--rel",
            &format!("product={product}"),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(pol["data"]["attributes"]["maxMachines"], 3);
    assert_eq!(pol["data"]["relationships"]["product"]["data"]["id"], product.as_str());
    let shown = cli.run(&["product", "show", &product, "--json"]).ok().json();
    assert_eq!(shown["data"]["attributes"]["name"], "CLI App");
    let text = cli.run(&["products", "show", &product]).ok();
    assert!(text.stdout.contains("name: CLI App"), "{text:?}");
    cli.run(&["products", "update", &product, "--attr", "name=Renamed"]).ok();
    assert_eq!(acct.get(&format!("/products/{product}")).json["data"]["attributes"]["name"], "Renamed");
    // More than one page: --all follows links.next.
    for i in 0..11 {
        acct.create("products", json!({"name": format!("bulk {i}")}), json!({}));
    }
    let all = cli.run(&["products", "list", "--all", "--json"]).ok().json();
    assert_eq!(all["data"].as_array().unwrap().len(), 12);
    let first = cli.run(&["products", "list", "--limit", "5", "--json"]).ok().json();
    assert_eq!(first["data"].as_array().unwrap().len(), 5);
    let table = cli.run(&["products", "list", "--all"]).ok();
    assert!(table.stdout.starts_with("ID") && table.stdout.contains("Renamed"), "{table:?}");
    // An API refusal prints title, detail, code and source, and exits 1.
    let bad = cli.run(&["licenses", "create", "--attr", "maxMachines=-1", "--rel", &format!("policy={}", pol["data"]["id"].as_str().unwrap())]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("code: MAX_MACHINES_INVALID") && bad.stderr.contains("source: pointer /data/attributes/maxMachines"), "{bad:?}");
    let unknown = cli.run(&["products", "create", "--attr", "bogus=1"]);
    assert!(unknown.stderr.contains("PARAMETER_UNPERMITTED") && unknown.stderr.contains("/data/attributes/bogus"), "{unknown:?}");
    // Webhook endpoints go by their short name too.
    let hook = cli.run(&["webhooks", "create", "--attr", "url=https://hooks.example.com/latchkey", "--json"]).ok().json();
    assert_eq!(hook["data"]["type"], "webhook-endpoints");
    cli.run(&["products", "delete", &product]).ok();
    let gone = cli.run(&["products", "show", &product]);
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("NOT_FOUND"), "{gone:?}");

    cli.run(&["logout"]).ok();
    assert!(!cli.config().exists());
    assert_eq!(cli.run(&["products", "list"]).code, 3);
}

#[test]
fn cli_checks_out_and_verifies_license_files_offline() {
    let acct = bootstrap(None);
    let cli = Cli::new();
    cli.login(&acct);
    let product = acct.create("products", json!({"name": "App"}), json!({}));
    let policy = acct.create("policies", json!({"name": "P"}), json!({"product": rel("products", &product)}));
    let lic = acct.post("/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": rel("policies", &policy)}}}));
    let (id, key) = (lic["data"]["id"].as_str().unwrap(), lic["data"]["attributes"]["key"].as_str().unwrap());
    for encrypt in [true, false] {
        let file = cli.dir.join(format!("license-{encrypt}.lic"));
        let file_s = file.to_str().unwrap();
        let mut args = vec!["license", "checkout", id, "--out", file_s, "--ttl", "3600"];
        if encrypt {
            args.push("--encrypt");
        }
        cli.run(&args).ok();
        let cert = std::fs::read_to_string(&file).unwrap();
        assert!(cert.starts_with("-----BEGIN LICENSE FILE-----"), "{cert}");
        let v = cli.run(&["verify", file_s, "--key", key, "--public-key", &acct.public_key, "--json"]).ok().json();
        assert_eq!((v["valid"].as_bool(), v["data"]["data"]["id"].as_str()), (Some(true), Some(id)));
        assert_eq!(v["alg"], if encrypt { "aes-256-gcm+ed25519" } else { "base64+ed25519" });
        // Another account's public key, and (encrypted) a wrong license key, do not verify.
        let other = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        assert_eq!(cli.run(&["verify", file_s, "--key", key, "--public-key", other]).code, 1);
        if encrypt {
            assert_eq!(cli.run(&["verify", file_s, "--key", "WRONG-KEY", "--public-key", &acct.public_key]).code, 1);
        }
        // A tampered byte in the body fails the signature.
        let mut lines: Vec<String> = cert.lines().map(str::to_owned).collect();
        let l1 = lines[1].clone();
        let flipped: String = l1
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 10 {
                    if c == 'A' {
                        'B'
                    } else {
                        'A'
                    }
                } else {
                    c
                }
            })
            .collect();
        lines[1] = flipped;
        let bad = cli.dir.join("tampered.lic");
        std::fs::write(&bad, lines.join("\n")).unwrap();
        let r = cli.run(&["verify", bad.to_str().unwrap(), "--key", key, "--public-key", &acct.public_key]);
        assert_eq!(r.code, 1, "{r:?}");
    }
    // Usage: --out is required.
    assert_eq!(cli.run(&["license", "checkout", id]).code, 2);
}

/// RFC 8032 §7.1 test 2's seed: the "Keygen CE" account's signing key that both sides hold.
const CE_SEED: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

#[test]
fn cli_imports_a_latchkey_account_into_another_and_keygen_rs_validates_the_keys() {
    let _g = KEYGEN_RS.lock().unwrap_or_else(|e| e.into_inner());
    // The source stands for a self-hosted Keygen CE account whose public key apps embed.
    let src = bootstrap(Some(CE_SEED));
    let product = src.create("products", json!({"name": "Desktop", "code": format!("desk-{}", unique_tag())}), json!({}));
    let ent = src.create("entitlements", json!({"name": "Export", "code": format!("export-{}", unique_tag())}), json!({}));
    let policy = src.create(
        "policies",
        json!({"name": "Floating", "floating": true, "maxMachines": 3, "authenticationStrategy": "LICENSE"}),
        json!({"product": rel("products", &product)}),
    );
    src.post(&format!("/policies/{policy}/entitlements"), json!({"data": [{"type": "entitlements", "id": ent}]}));
    let signed_policy = src.create("policies", json!({"name": "Signed", "scheme": "ED25519_SIGN"}), json!({"product": rel("products", &product)}));
    let group = src.create("groups", json!({"name": "Team"}), json!({}));
    let user = src.create("users", json!({"email": format!("customer+{}@example.com", unique_tag()), "firstName": "Cus"}), json!({}));
    let key = format!("IMPORT-{}", unique_tag());
    let lic = src.create("licenses", json!({"name": "Main", "key": key}), json!({"policy": rel("policies", &policy), "owner": rel("users", &user)}));
    let sus = src.create("licenses", json!({"name": "Suspended"}), json!({"policy": rel("policies", &policy)}));
    src.post(&format!("/licenses/{sus}/actions/suspend"), json!({}));
    let signed = src.post("/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": rel("policies", &signed_policy)}}}));
    let (signed_id, signed_key) = (signed["data"]["id"].as_str().unwrap().to_owned(), signed["data"]["attributes"]["key"].as_str().unwrap().to_owned());
    let machine = src.post(
        "/machines",
        json!({"data": {"type": "machines", "attributes": {"fingerprint": "host-imported", "hostname": "h1"},
        "relationships": {"license": rel("licenses", &lic)}}}),
    );
    let machine = machine["data"]["id"].as_str().unwrap().to_owned();

    // The destination brings the same signing key: its public key is the source's.
    let dst = bootstrap_at(second_deployment(), Some(CE_SEED));
    assert_eq!(dst.public_key, src.public_key);
    let cli = Cli::new();
    cli.login(&dst);
    let out = cli.run(&["import", "keygen", "--from", server().url(), "--account", &src.id, "--token", &src.token, "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let s = out.json();
    for (ty, n) in [("products", 1), ("entitlements", 1), ("policies", 2), ("groups", 1), ("licenses", 3), ("machines", 1)] {
        assert_eq!((ty, s[ty]["imported"].as_u64(), s[ty]["refused"].as_array().map(Vec::len)), (ty, Some(n), Some(0)), "{s}");
    }
    // Users: the customer and the source's admin.
    assert_eq!(s["users"]["imported"], 2, "{s}");
    assert!(!out.stderr.contains("=>"), "no progress bar is drawn when stderr is not a terminal: {}", out.stderr);

    // Same ids, keys, fingerprints and relationships; the suspended license is suspended.
    let l = dst.get(&format!("/licenses/{lic}"));
    l.assert_status(200);
    assert_eq!(l.json["data"]["attributes"]["key"], key.as_str());
    assert_eq!(l.json["data"]["relationships"]["owner"]["data"]["id"], user.as_str());
    assert_eq!(dst.get(&format!("/licenses/{sus}")).json["data"]["attributes"]["status"], "SUSPENDED");
    assert_eq!(dst.get(&format!("/licenses/{signed_id}")).json["data"]["attributes"]["key"], signed_key.as_str(), "signed key kept verbatim");
    let m = dst.get(&format!("/machines/{machine}"));
    assert_eq!((m.status, m.json["data"]["attributes"]["fingerprint"].as_str()), (200, Some("host-imported")));
    let ents = dst.get(&format!("/policies/{policy}/entitlements"));
    assert_eq!(ents.json["data"][0]["id"], ent.as_str());
    assert_eq!(validate(&dst, &key, "host-imported")["code"], "VALID");

    // keygen-rs, configured with the destination and the (unchanged) public key.
    let cfg = KeygenConfig {
        api_url: format!("{}/v1/accounts", dst.url),
        api_prefix: dst.id.clone(),
        account: dst.id.clone(),
        product: product.clone(),
        public_key: Some(dst.public_key.clone()),
        verify_keygen_signature: Some(true),
        license_key: Some(key.clone()),
        ..Default::default()
    };
    set_config(cfg.clone()).expect("keygen-rs config");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let res = rt.block_on(keygen_rs::validate_with_config(cfg.clone(), &LicenseValidationRequest::for_fingerprint("host-imported".into())));
    let res = res.expect("keygen-rs validates the imported key");
    assert!(res.meta.valid, "{:?}", res.meta);
    assert_eq!(res.license.map(|l| l.id), Some(lic.clone()));
    let bad = rt.block_on(keygen_rs::validate_with_config(cfg, &LicenseValidationRequest::for_fingerprint("unknown-host".into())));
    assert!(bad.map_or(true, |r| !r.meta.valid), "an unknown fingerprint is not valid");
    // The signed key verifies offline under the embedded public key.
    let dataset = keygen_rs::verify(SchemeCode::Ed25519Sign, &signed_key).expect("the imported signed key verifies");
    assert!(String::from_utf8_lossy(&dataset).contains(&signed_id));

    // A re-run skips everything and writes nothing.
    let again = cli.run(&["import", "keygen", "--from", server().url(), "--account", &src.id, "--token", &src.token, "--json"]);
    assert_eq!(again.code, 0, "{again:?}");
    let s2 = again.json();
    for ty in ["products", "entitlements", "policies", "groups", "users", "licenses", "machines"] {
        assert_eq!(s2[ty]["imported"], 0, "{ty}: {s2}");
        assert!(s2[ty]["skipped"].as_u64().unwrap_or(0) >= 1, "{ty}: {s2}");
    }
    assert_eq!(dst.get("/licenses").json["data"].as_array().map(Vec::len), Some(3));
}

fn fixture(name: &str) -> String {
    workspace_root().join("tests/fixtures/cryptlex").join(name).to_str().unwrap().to_owned()
}

#[test]
fn cli_imports_cryptlex_csv_exports_idempotently() {
    let dst = bootstrap(None);
    let cli = Cli::new();
    cli.login(&dst);
    let (u, l, a) = (fixture("users.csv"), fixture("licenses.csv"), fixture("activations.csv"));
    let args = ["import", "cryptlex", "--users", &u, "--licenses", &l, "--activations", &a, "--json"];
    let out = cli.run(&args);
    // The revoked license (and so its activation) is refused, with the reason: exit 1.
    assert_eq!(out.code, 1, "{out:?}");
    let s = out.json();
    assert_eq!((s["users"]["imported"].as_u64(), s["products"]["imported"].as_u64(), s["policies"]["imported"].as_u64()), (Some(2), Some(1), Some(1)), "{s}");
    assert_eq!(s["licenses"]["imported"], 2, "{s}");
    assert!(s["licenses"]["refused"][0].as_str().unwrap().contains("revoked"), "{s}");
    assert_eq!(s["machines"]["imported"], 1, "{s}");
    assert!(s["machines"]["refused"][0].as_str().unwrap().contains("LICENSE_NOT_FOUND"), "{s}");

    let ada = dst.get("/licenses/6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e01").json;
    let attrs = &ada["data"]["attributes"];
    assert_eq!((attrs["key"].as_str(), attrs["maxMachines"].as_i64()), (Some("CRYPT-ADA-0001-AAAA"), Some(2)));
    assert_eq!(attrs["expiry"], "2099-01-01T00:00:00.000Z");
    assert_eq!(attrs["metadata"]["tier"], "pro");
    assert_eq!(ada["data"]["relationships"]["owner"]["data"]["id"], "0b7f1c3e-8d2a-4e5b-9c6d-1a2b3c4d5e01");
    assert_eq!(validate(&dst, "CRYPT-ADA-0001-AAAA", "cryptlex-fp-ada-laptop")["code"], "VALID");
    assert_eq!(validate(&dst, "CRYPT-GRACE-0002-BBBB", "x")["code"], "SUSPENDED");
    let m = dst.get("/machines/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c01").json;
    assert_eq!((m["data"]["attributes"]["hostname"].as_str(), m["data"]["attributes"]["platform"].as_str()), (Some("ada-laptop"), Some("windows")));

    // Re-run: everything there is skipped; the refusals are explained again.
    let again = cli.run(&args);
    assert_eq!(again.code, 1, "{again:?}");
    let s2 = again.json();
    for (ty, n) in [("users", 2), ("products", 1), ("policies", 1), ("licenses", 2), ("machines", 1)] {
        assert_eq!((s2[ty]["imported"].as_u64(), s2[ty]["skipped"].as_u64()), (Some(0), Some(n)), "{ty}: {s2}");
    }
    // A damaged file (not UTF-8) is a config error, and nothing of the files is written.
    let broken = cli.dir.join("broken.csv");
    std::fs::write(&broken, b"id,key,productId\n9a9a9a9a-0000-4000-8000-000000000001,\xff\xfe,p\n").unwrap();
    let r = cli.run(&["import", "cryptlex", "--users", &u, "--licenses", broken.to_str().unwrap()]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("broken.csv"), "{r:?}");
    assert_eq!(dst.get("/licenses/9a9a9a9a-0000-4000-8000-000000000001").status, 404);
    assert_eq!(cli.run(&["import", "cryptlex"]).code, 2);
}

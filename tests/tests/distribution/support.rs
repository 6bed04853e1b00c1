//! Fixtures of the distribution e2e tests: an account and helpers that create products,
//! policies, licenses, releases and artifacts through the API and move bytes through the
//! transfer links.

use e2e::{server, Client, Resp, TestAccount};
use serde_json::{json, Value};

pub struct Dist {
    pub acct: TestAccount,
    pub c: Client,
}

pub fn id(v: &Value) -> String {
    v["data"]["id"].as_str().unwrap_or_else(|| panic!("no id: {v}")).to_owned()
}

impl Dist {
    pub fn new() -> Dist {
        let acct = server().bootstrap_account();
        let c = acct.client();
        Dist { acct, c }
    }

    pub fn admin_post(&self, path: &str, body: Value) -> Value {
        let r = self.c.post(&self.acct.path(path), self.acct.admin(), Some(body));
        assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
        r.json
    }

    pub fn product(&self, strategy: &str) -> String {
        id(&self.admin_post("/products", json!({"data":{"type":"products","attributes":{"name":"App","distributionStrategy":strategy}}})))
    }

    pub fn policy(&self, product: &str, attrs: Value) -> String {
        let mut a = json!({"name":"P","floating":true,"maxMachines":10});
        if let (Some(a), Some(extra)) = (a.as_object_mut(), attrs.as_object()) {
            a.extend(extra.clone());
        }
        id(&self
            .admin_post("/policies", json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product}}}}})))
    }

    /// A license of `policy` with `attrs`, and a license token for it.
    pub fn license(&self, policy: &str, attrs: Value) -> (String, String) {
        let l = id(&self.admin_post(
            "/licenses",
            json!({"data":{"type":"licenses","attributes":attrs,"relationships":{"policy":{"data":{"type":"policies","id":policy}}}}}),
        ));
        let t = self.admin_post(&format!("/licenses/{l}/tokens"), json!({"data":{"type":"tokens","attributes":{}}}));
        (l, t["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned())
    }

    pub fn release(&self, product: &str, version: &str, channel: &str, extra: Value) -> String {
        let mut a = json!({"version":version,"channel":channel,"status":"PUBLISHED"});
        if let (Some(a), Some(extra)) = (a.as_object_mut(), extra.as_object()) {
            a.extend(extra.clone());
        }
        id(&self
            .admin_post("/releases", json!({"data":{"type":"releases","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product}}}}})))
    }

    /// Creates an artifact (expects the 307) and returns its id and upload URL.
    pub fn artifact(&self, release: &str, filename: &str, attrs: Value) -> (String, String) {
        let mut a = json!({"filename":filename});
        if let (Some(a), Some(extra)) = (a.as_object_mut(), attrs.as_object()) {
            a.extend(extra.clone());
        }
        let body = json!({"data":{"type":"artifacts","attributes":a,"relationships":{"release":{"data":{"type":"releases","id":release}}}}});
        let r = self.c.post(&self.acct.path("/artifacts"), self.acct.admin(), Some(body));
        assert_eq!(r.status, 307, "{}", r.json);
        assert_eq!(r.json["data"]["attributes"]["status"], "WAITING");
        (id(&r.json), r.header("location").unwrap_or_else(|| panic!("no Location")).to_owned())
    }

    /// PUTs `bytes` to an absolute transfer URL, as keygen-cli does (no auth, Content-Length).
    pub fn put(&self, url: &str, bytes: &[u8]) -> Resp {
        let path = url.strip_prefix(server().url()).unwrap_or_else(|| panic!("{url} is not on this server"));
        let len = bytes.len().to_string();
        self.c.raw("PUT", path, &[("Content-Type", "application/octet-stream"), ("Content-Length", &len)], Some(bytes))
    }

    pub fn get_url(&self, url: &str, headers: &[(&str, &str)]) -> Resp {
        let path = url.strip_prefix(server().url()).unwrap_or_else(|| panic!("{url} is not on this server"));
        self.c.raw("GET", path, headers, None)
    }

    pub fn get(&self, path: &str, who: Option<&str>) -> Resp {
        self.c.get(&self.acct.path(path), who, None)
    }

    /// Release with one uploaded artifact `app.bin` of `bytes`.
    pub fn uploaded(&self, product: &str, version: &str, extra: Value, bytes: &[u8]) -> (String, String) {
        let r = self.release(product, version, "stable", extra);
        let (a, url) = self.artifact(&r, "app.bin", json!({}));
        self.put(&url, bytes).assert_status(200);
        (r, a)
    }
}

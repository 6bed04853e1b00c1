//! The fixtures of `tests/access.rs`: one account with two products, their policies, two users,
//! two licenses, a machine with a process and a component, an entitlement, a group, a webhook
//! endpoint, and a token for each of the eight bearers; fresh resources for `*` placeholders.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use e2e::{server, Client, Resp, TestAccount};

// package engines (issue 9)
#[path = "engines.rs"]
mod engines;
use serde_json::{json, Value};

/// The account, its fixtures and a token per bearer.
pub struct World {
    pub acct: TestAccount,
    pub c: Client,
    ids: HashMap<&'static str, String>,
    pub tokens: [Option<String>; 8],
}

static UNIQ: AtomicU64 = AtomicU64::new(0);

pub fn uniq() -> String {
    format!("u{}-{}", std::process::id(), UNIQ.fetch_add(1, Ordering::Relaxed))
}

impl World {
    fn admin_post(&self, path: &str, body: Value) -> Value {
        let r = self.c.post(&self.acct.path(path), self.acct.admin(), Some(body));
        assert!(matches!(r.status, 200 | 201), "fixture {path}: {} {}", r.status, r.json);
        r.json["data"].clone()
    }

    pub fn id(&self, k: &str) -> &str {
        self.ids.get(k).map_or_else(|| panic!("no fixture {k}"), String::as_str)
    }

    fn product(&self) -> Value {
        self.admin_post("/products", json!({"data":{"type":"products","attributes":{"name":uniq()}}}))
    }

    fn policy(&self, product: &str) -> Value {
        self.admin_post(
            "/policies",
            json!({"data":{"type":"policies","attributes":{"name":uniq(),"floating":true,"maxMachines":1000,"duration":2_592_000},
                "relationships":{"product":{"data":{"type":"products","id":product}}}}}),
        )
    }

    fn user(&self) -> Value {
        self.admin_post("/users", json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", uniq()),"password":"long enough pw"}}}))
    }

    fn license(&self, policy: &str, owner: &str) -> Value {
        self.admin_post(
            "/licenses",
            json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}},"owner":{"data":{"type":"users","id":owner}}}}}),
        )
    }

    // organization admins (issue 10 §7)
    /// A user of `role` in organization `org` (organization on create).
    fn org_user(&self, org: &str, role: &str) -> Value {
        self.admin_post(
            "/users",
            json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", uniq()),"role":role},
                "relationships":{"organization":{"data":{"type":"organizations","id":org}}}}}),
        )
    }

    /// A license of policy A in organization ORGA, without an owner.
    fn org_license(&self) -> Value {
        self.admin_post(
            "/licenses",
            json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":self.id("POLA")}},
                "organization":{"data":{"type":"organizations","id":self.id("ORGA")}}}}}),
        )
    }
    // end organization admins

    fn machine(&self, license: &str) -> Value {
        self.admin_post(
            "/machines",
            json!({"data":{"type":"machines","attributes":{"fingerprint":uniq()},"relationships":{"license":{"data":{"type":"licenses","id":license}}}}}),
        )
    }

    /// A maintenance policy of product A (issue 10 §5).
    fn maintenance_policy(&self) -> Value {
        self.admin_post(
            "/maintenance-policies",
            json!({"data":{"type":"maintenance-policies","attributes":{"name":uniq(),"subscriptionInterval":"P1Y"},
                "relationships":{"product":{"data":{"type":"products","id":self.id("PA")}}}}}),
        )
    }

    /// Trials: an offline trial request (base64 of a trial-activation document) for product A
    /// and `fingerprint`.
    pub fn trial_request(&self, fingerprint: &str) -> String {
        use base64::Engine as _;
        let doc = json!({"data":{"type":"trial-activations","attributes":{"fingerprint":fingerprint},"relationships":{"product":{"data":{"type":"products","id":self.id("PA")}}}}});
        base64::engine::general_purpose::STANDARD.encode(doc.to_string())
    }

    /// Trials: a trial activation of product A, made offline (outside the strict limit).
    fn trial(&self, fingerprint: &str) -> Value {
        self.admin_post("/trial-activations/offline-activate", json!({"meta":{"request":self.trial_request(fingerprint)}}))
    }

    fn token(&self, path: &str) -> (String, String) {
        let t = self.admin_post(path, json!({"data":{"type":"tokens","attributes":{}}}));
        (t["id"].as_str().unwrap_or_default().to_owned(), t["attributes"]["token"].as_str().unwrap_or_default().to_owned())
    }

    pub fn new() -> World {
        let acct = server().bootstrap_account();
        let c = acct.client();
        let mut w = World { acct, c, ids: HashMap::new(), tokens: Default::default() };
        let set = |w: &mut World, k: &'static str, v: &Value| {
            w.ids.insert(k, v.as_str().unwrap_or_else(|| panic!("fixture {k}: {v}")).to_owned());
        };
        let (pa, pb) = (w.product(), w.product());
        set(&mut w, "PA", &pa["id"]);
        let (pol_a, pol_a2, pol_b) = (w.policy(w.id("PA")), w.policy(w.id("PA")), w.policy(pb["id"].as_str().unwrap_or_default()));
        set(&mut w, "POLA", &pol_a["id"]);
        set(&mut w, "POLA2", &pol_a2["id"]);
        let (u, v) = (w.user(), w.user());
        set(&mut w, "U", &u["id"]);
        set(&mut w, "U_EMAIL", &u["attributes"]["email"]);
        set(&mut w, "V", &v["id"]);
        let la = w.license(w.id("POLA"), w.id("U"));
        let lb = w.license(pol_b["id"].as_str().unwrap_or_default(), w.id("V"));
        set(&mut w, "LA", &la["id"]);
        set(&mut w, "LA_KEY", &la["attributes"]["key"]);
        let ma = w.machine(w.id("LA"));
        set(&mut w, "MA", &ma["id"]);
        // Meter attributes (issue 10 §2): meter "m" (unlimited) on LA.
        w.admin_post(&format!("/licenses/{}/meters", w.id("LA")), json!({"data":{"type":"meters","attributes":{"name":"m","allowedUses":-1}}}));
        let pr = w.admin_post(
            "/processes",
            json!({"data":{"type":"processes","attributes":{"pid":"1"},"relationships":{"machine":{"data":{"type":"machines","id":w.id("MA")}}}}}),
        );
        set(&mut w, "PRA", &pr["id"]);
        let comp = w.admin_post(
            "/components",
            json!({"data":{"type":"components","attributes":{"fingerprint":"c1","name":"cpu"},"relationships":{"machine":{"data":{"type":"machines","id":w.id("MA")}}}}}),
        );
        set(&mut w, "CA", &comp["id"]);
        let e = w.admin_post("/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"E","code":uniq()}}}));
        set(&mut w, "E", &e["id"]);
        let g = w.admin_post("/groups", json!({"data":{"type":"groups","attributes":{"name":"G"}}}));
        set(&mut w, "G", &g["id"]);
        let wh = w.admin_post(
            "/webhook-endpoints",
            json!({"data":{"type":"webhook-endpoints","attributes":{"url":"https://hooks.example.invalid/a","subscriptions":["account.billing.updated"]}}}),
        );
        set(&mut w, "W", &wh["id"]);
        // Trials: product A's default trial policy and a trial activation; TREQ an offline request.
        let tpol = w.admin_post(
            "/trial-policies",
            json!({"data":{"type":"trial-policies","attributes":{"name":"T","trialLength":30,"allowedActivations":1000},
                "relationships":{"product":{"data":{"type":"products","id":w.id("PA")}}}}}),
        );
        set(&mut w, "TPOLA", &tpol["id"]);
        let taa = w.trial(&uniq());
        set(&mut w, "TAA", &taa["id"]);
        let treq = w.trial_request("access-offline");
        w.ids.insert("TREQ", treq);
        // Activation logs: the log of MA's activation.
        let al = w.c.get(&w.acct.path(&format!("/activation-logs?machine={}", w.id("MA"))), w.acct.admin(), None);
        w.ids.insert("ALA", al.json["data"][0]["id"].as_str().unwrap_or_else(|| panic!("no activation log: {}", al.json)).to_owned());
        // Request logs (issue 8): one log of the requests above (written after each response).
        let start = std::time::Instant::now();
        let rl = loop {
            let r = w.c.get(&w.acct.path("/request-logs?page[size]=1"), w.acct.admin(), None);
            match r.json["data"][0]["id"].as_str() {
                Some(id) => break id.to_owned(),
                None if start.elapsed() < std::time::Duration::from_secs(10) => std::thread::sleep(std::time::Duration::from_millis(100)),
                None => panic!("no request log: {}", r.json),
            }
        };
        w.ids.insert("RL", rl);
        // Distribution (issue 9): two published releases of product A, an uploaded artifact, a package.
        let ra = w.dist_release("1.0.0");
        w.ids.insert("RA", ra);
        let ra2 = w.dist_release("2.0.0");
        w.ids.insert("RA2", ra2);
        let ara = w.dist_artifact("app.bin", true);
        w.ids.insert("ARA", ara);
        let pka = w.dist_package();
        w.ids.insert("PKA", pka);
        w.ids.insert("ADMIN", w.acct.admin_id.clone());
        w.ids.insert("NONE", "00000000-0000-4000-8000-000000000000".into());
        let (tpa, pa_token) = w.token(&format!("/products/{}/tokens", w.id("PA")));
        w.ids.insert("TPA", tpa);
        let (_, pb_token) = w.token(&format!("/products/{}/tokens", pb["id"].as_str().unwrap_or_default()));
        let (_, u_token) = w.token(&format!("/users/{}/tokens", w.id("U")));
        let (_, v_token) = w.token(&format!("/users/{}/tokens", w.id("V")));
        let (tla, la_token) = w.token(&format!("/licenses/{}/tokens", w.id("LA")));
        w.ids.insert("TLA", tla);
        let (_, lb_token) = w.token(&format!("/licenses/{}/tokens", lb["id"].as_str().unwrap_or_default()));
        let ev = w.c.get(&w.acct.path("/event-logs"), w.acct.admin(), None);
        w.ids.insert("EV", ev.json["data"][0]["id"].as_str().unwrap_or_else(|| panic!("no event: {}", ev.json)).to_owned());
        // Subscriptions (issue 10 §5): one subscription log of LA (its expiry moved far out).
        let path = w.acct.path(&format!("/licenses/{}/expires-at", w.id("LA")));
        w.c.patch(&path, w.acct.admin(), Some(json!({"meta":{"expiry":"2099-01-01T00:00:00Z"}}))).assert_status(200);
        let sl = w.c.get(&w.acct.path(&format!("/licenses/{}/subscription-logs", w.id("LA"))), w.acct.admin(), None);
        w.ids.insert("SLA", sl.json["data"][0]["id"].as_str().unwrap_or_else(|| panic!("no subscription log: {}", sl.json)).to_owned());
        let mpa = w.maintenance_policy();
        set(&mut w, "MPA", &mpa["id"]);
        // Key pools (issue 8): a pooled policy of product A and one of its keys.
        let polpa = w.policy_with(w.id("PA"), json!({"usePool": true}));
        set(&mut w, "POLPA", &polpa["id"]);
        let ka = w.pool_key();
        set(&mut w, "KA", &ka["id"]);
        // end key pools
        // Environments (issue 8): one environment (and another) of the account.
        for (k, code) in [("ENV", uniq()), ("ENV_OTHER", uniq())] {
            let e = w.admin_post("/environments", json!({"data":{"type":"environments","attributes":{"name":code,"code":code}}}));
            set(&mut w, k, &e["id"]);
            if k == "ENV" {
                w.ids.insert("ENV_CODE", code);
            }
        }
        // end environments
        // Features and entitlement sets (issue 10 §3).
        let esa = w.admin_post("/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":uniq()}}}));
        set(&mut w, "ESA", &esa["id"]);
        // Organizations (issue 10 §7).
        let orga = w.admin_post("/organizations", json!({"data":{"type":"organizations","attributes":{"name":uniq()}}}));
        set(&mut w, "ORGA", &orga["id"]);
        // organization admins (issue 10 §7): an admin of ORGA (and of another, ORGB), a member
        // OM of ORGA, an ORGA license OL of policy A (no owner) and its machine OLM; their tokens.
        let orgb = w.admin_post("/organizations", json!({"data":{"type":"organizations","attributes":{"name":uniq()}}}));
        set(&mut w, "ORGB", &orgb["id"]);
        for (k, t, org) in [("OAU", "OAT", "ORGA"), ("OBU", "OBT", "ORGB")] {
            let u = id_of(&w.org_user(w.id(org), "organization-admin"));
            let (_, token) = w.token(&format!("/users/{u}/tokens"));
            w.ids.insert(k, u);
            w.ids.insert(t, token);
        }
        let om = w.org_user(w.id("ORGA"), "user");
        set(&mut w, "OM", &om["id"]);
        let ol = w.org_license();
        set(&mut w, "OL", &ol["id"]);
        let olm = w.machine(w.id("OL"));
        set(&mut w, "OLM", &olm["id"]);
        // end organization admins
        // Resellers (issue 10 §7): reseller RES with POLA allotted, a customer of it, a license of
        // POLA that is RES's (owned by the customer, with a machine), an organization of RES; and
        // another reseller.
        for k in ["RES", "RES_OTHER"] {
            let r = w.admin_post("/resellers", json!({"data":{"type":"resellers","attributes":{"name":uniq()}}}));
            set(&mut w, k, &r["id"]);
        }
        w.admin_post(&format!("/resellers/{}/policies", w.id("RES")), json!({"data":[{"type":"policies","id":w.id("POLA")}]}));
        let ru = w.fresh("RESU");
        w.ids.insert("RES_U", ru);
        let rl = w.fresh("RESL");
        w.ids.insert("RES_L", rl);
        let rm = w.machine(w.id("RES_L"));
        set(&mut w, "RES_M", &rm["id"]);
        let ro = w.fresh("RESO");
        w.ids.insert("RES_O", ro);
        // end resellers
        // package engines (issue 9)
        for (k, v) in engines::fixtures(&w, w.id("PA")) {
            w.ids.insert(k, v);
        }
        // end package engines
        w.tokens = [Some(w.acct.admin_token.clone()), Some(pa_token), Some(pb_token), Some(u_token), Some(v_token), Some(la_token), Some(lb_token), None];
        w
    }

    /// A published release of product A.
    fn dist_release(&self, version: &str) -> String {
        let body = json!({"data":{"type":"releases","attributes":{"version":version,"channel":"stable","status":"PUBLISHED"},
            "relationships":{"product":{"data":{"type":"products","id":self.id("PA")}}}}});
        self.admin_post("/releases", body)["id"].as_str().unwrap_or_default().to_owned()
    }

    /// An artifact of release RA, uploaded through its link when `upload`.
    fn dist_artifact(&self, filename: &str, upload: bool) -> String {
        let body =
            json!({"data":{"type":"artifacts","attributes":{"filename":filename},"relationships":{"release":{"data":{"type":"releases","id":self.id("RA")}}}}});
        let r = self.c.post(&self.acct.path("/artifacts"), self.acct.admin(), Some(body));
        assert_eq!(r.status, 307, "fixture artifact: {}", r.json);
        if upload {
            let url = r.header("location").unwrap_or_default();
            let path = url.strip_prefix(server().url()).unwrap_or(url);
            let put = self.c.raw("PUT", path, &[("Content-Length", "5")], Some(b"bytes"));
            assert_eq!(put.status, 200, "fixture upload: {}", put.text());
        }
        r.json["data"]["id"].as_str().unwrap_or_default().to_owned()
    }

    /// A package of product A.
    fn dist_package(&self) -> String {
        let body = json!({"data":{"type":"packages","attributes":{"name":"P","key":uniq()},"relationships":{"product":{"data":{"type":"products","id":self.id("PA")}}}}});
        self.admin_post("/packages", body)["id"].as_str().unwrap_or_default().to_owned()
    }

    /// Key pools (issue 8): a policy of `product` with extra attributes.
    fn policy_with(&self, product: &str, attrs: Value) -> Value {
        let mut a = attrs;
        a["name"] = uniq().into();
        self.admin_post("/policies", json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product}}}}}))
    }

    /// Key pools (issue 8): a fresh key in pooled policy POLPA.
    fn pool_key(&self) -> Value {
        self.admin_post(
            "/keys",
            json!({"data":{"type":"keys","attributes":{"key":format!("pool-{}", uniq())},"relationships":{"policy":{"data":{"type":"policies","id":self.id("POLPA")}}}}}),
        )
    }

    /// Resellers (issue 10 §7): `id` (of `ty`) given reseller RES.
    fn given_reseller(&self, ty: &str, id: String) -> String {
        let r = self.c.put(&self.acct.path(&format!("/{ty}/{id}/reseller")), self.acct.admin(), Some(json!({"data":{"type":"resellers","id":self.id("RES")}})));
        assert_eq!(r.status, 200, "fixture {ty} of RES: {}", r.json);
        id
    }

    /// A fresh resource for a `*` placeholder.
    fn fresh(&self, kind: &str) -> String {
        let id = |v: Value| v["id"].as_str().unwrap_or_else(|| panic!("fresh {kind}: {v}")).to_owned();
        let (pa, u, e, la, ma) = (self.id("PA"), self.id("U"), self.id("E"), self.id("LA"), self.id("MA"));
        match kind {
            "L" => id(self.license(self.id("POLA"), u)),
            "LS" => {
                let l = id(self.license(self.id("POLA"), u));
                self.admin_post(&format!("/licenses/{l}/actions/suspend"), json!(null));
                l
            }
            "LE" => {
                let l = id(self.license(self.id("POLA"), u));
                self.admin_post(&format!("/licenses/{l}/entitlements"), json!({"data":[{"type":"entitlements","id":e}]}));
                l
            }
            "LU" => {
                let l = id(self.license(self.id("POLA"), u));
                self.admin_post(&format!("/licenses/{l}/users"), json!({"data":[{"type":"users","id":self.id("V")}]}));
                l
            }
            "M" => id(self.machine(la)),
            // Meter attributes (issue 10 §2): a license with meter "m".
            "LM" => {
                let l = id(self.license(self.id("POLA"), u));
                self.admin_post(&format!("/licenses/{l}/meters"), json!({"data":{"type":"meters","attributes":{"name":"m","allowedUses":1}}}));
                l
            }
            "PR" => id(self.admin_post(
                "/processes",
                json!({"data":{"type":"processes","attributes":{"pid":uniq()},"relationships":{"machine":{"data":{"type":"machines","id":ma}}}}}),
            )),
            "C" => id(self.admin_post(
                "/components",
                json!({"data":{"type":"components","attributes":{"fingerprint":uniq(),"name":"c"},"relationships":{"machine":{"data":{"type":"machines","id":ma}}}}}),
            )),
            "E" => id(self.admin_post("/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"E","code":uniq()}}}))),
            "G" => id(self.admin_post("/groups", json!({"data":{"type":"groups","attributes":{"name":uniq()}}}))),
            "P" => id(self.product()),
            "POL" => id(self.policy(pa)),
            "POLE" => {
                let p = id(self.policy(pa));
                self.admin_post(&format!("/policies/{p}/entitlements"), json!({"data":[{"type":"entitlements","id":e}]}));
                p
            }
            "U" => id(self.user()),
            "UB" => {
                let u = id(self.user());
                self.admin_post(&format!("/users/{u}/actions/ban"), json!(null));
                u
            }
            // keygen-rs SDK measure (issue 8): a pooled policy of product A with one key.
            "POLPK" => {
                let p = id(self.policy_with(pa, json!({"usePool": true})));
                self.admin_post("/keys", json!({"data":{"type":"keys","attributes":{"key":format!("pool-{}", uniq())},"relationships":{"policy":{"data":{"type":"policies","id":p}}}}}));
                p
            }
            "TPA" => self.token(&format!("/products/{pa}/tokens")).0,
            "MP" => id(self.maintenance_policy()),
            // Features and entitlement sets (issue 10 §3): a set, and one with E as a member.
            "ES" => id(self.admin_post("/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":uniq()}}}))),
            "ESM" => {
                let s = id(self.admin_post("/entitlement-sets", json!({"data":{"type":"entitlement-sets","attributes":{"name":uniq()}}})));
                self.admin_post(&format!("/entitlement-sets/{s}/entitlements"), json!({"data":[{"type":"entitlements","id":e}]}));
                s
            }
            // Organizations (issue 10 §7).
            "ORG" => id(self.admin_post("/organizations", json!({"data":{"type":"organizations","attributes":{"name":uniq()}}}))),
            // organization admins (issue 10 §7): a member of ORGA, an ORGA license, its machine.
            "OM" => id(self.org_user(self.id("ORGA"), "user")),
            "OL" => id(self.org_license()),
            "OLM" => id(self.machine(&id(self.org_license()))),
            "W" => id(self.admin_post("/webhook-endpoints", json!({"data":{"type":"webhook-endpoints","attributes":{"url":"https://hooks.example.invalid/x","subscriptions":["account.billing.updated"]}}}))),
            // Trials.
            "TPOL" => id(self.admin_post(
                "/trial-policies",
                json!({"data":{"type":"trial-policies","attributes":{"name":uniq(),"trialLength":7},"relationships":{"product":{"data":{"type":"products","id":pa}}}}}),
            )),
            "TA" => id(self.trial(&uniq())),
            "VER" => format!("0.{}.0", UNIQ.fetch_add(1, Ordering::Relaxed)),
            "R" => self.dist_release(&format!("0.{}.0", UNIQ.fetch_add(1, Ordering::Relaxed))),
            "AR" => self.dist_artifact(&format!("{}.bin", uniq()), false),
            "PK" => self.dist_package(),
            // Key pools (issue 8).
            "K" => id(self.pool_key()),
            // Environments (issue 8).
            "ENV" => id(self.admin_post("/environments", json!({"data":{"type":"environments","attributes":{"name":"E","code":uniq()}}}))),
            // Resellers (issue 10 §7): a reseller; one with POLA allotted; a customer, a license
            // (of POLA, owned by the customer RES_U once it exists) and an organization of RES.
            "RES" => id(self.admin_post("/resellers", json!({"data":{"type":"resellers","attributes":{"name":uniq()}}}))),
            "RESP" => {
                let r = id(self.admin_post("/resellers", json!({"data":{"type":"resellers","attributes":{"name":uniq()}}})));
                self.admin_post(&format!("/resellers/{r}/policies"), json!({"data":[{"type":"policies","id":self.id("POLA")}]}));
                r
            }
            "RESU" => self.given_reseller("users", id(self.user())),
            "RESL" => {
                let owner = self.ids.get("RES_U").cloned().unwrap_or_else(|| u.to_owned());
                self.given_reseller("licenses", id(self.license(self.id("POLA"), &owner)))
            }
            "RESO" => self.given_reseller("organizations", id(self.admin_post("/organizations", json!({"data":{"type":"organizations","attributes":{"name":uniq()}}})))),
            other => panic!("no fresh fixture {other}"),
        }
    }

    /// `template` with every placeholder filled.
    fn fill(&self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else { break };
            let name = &rest[start + 1..start + len];
            let is_placeholder = !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '*');
            if !is_placeholder && name != "uniq" {
                out.push_str(&rest[..=start]);
                rest = &rest[start + 1..];
                continue;
            }
            out.push_str(&rest[..start]);
            out.push_str(&match name {
                "uniq" => uniq(),
                n if n.ends_with('*') => self.fresh(&n[..n.len() - 1]),
                n => self.id(n).to_owned(),
            });
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    pub fn send(&self, method: &str, path: &str, body: &str, bearer: usize) -> Resp {
        self.send_with(&self.c, method, path, body, bearer)
    }

    /// As [`World::send`], through `client` (environments, issue 8: one that sends
    /// `Keygen-Environment`).
    pub fn send_with(&self, client: &e2e::Client, method: &str, path: &str, body: &str, bearer: usize) -> Resp {
        let body = (!body.is_empty()).then(|| serde_json::from_str::<Value>(&self.fill(body)).unwrap_or_else(|e| panic!("row body {body}: {e}")));
        let path = self.acct.path(&self.fill(path));
        let token = self.tokens.get(bearer).cloned().flatten();
        if path.ends_with("/export") {
            // Exports: a streamed 200 carries no signature (errors do: tests/hostile/queries.rs).
            return self.acct.client().unverified().request(method, &path, token.as_deref(), body);
        }
        client.request(method, &path, token.as_deref(), body)
    }
}

// organization admins (issue 10 §7)
fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("fixture: {v}")).to_owned()
}

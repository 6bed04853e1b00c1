//! The scoreboard (one row per called keygen-rs function) and the world the calls run in: one
//! account, raw HTTP helpers for set-up that keygen-rs does not offer, and `configure` which
//! points keygen-rs's global configuration at the account with signature verification on.

use std::collections::BTreeMap;
use std::future::Future;

use e2e::{server, TestAccount};
use keygen_rs::config::{set_config, KeygenConfig};
use serde_json::Value;

/// `r!(call)`: await a keygen-rs call and turn its error into the row's failure text.
#[macro_export]
macro_rules! r {
    ($e:expr) => {
        $e.await.map_err(|e| format!("{e:?}"))?
    };
}

/// `ensure!(cond, "what")`: fail the row with what was expected and what came back.
#[macro_export]
macro_rules! ensure {
    ($c:expr, $($m:tt)+) => {
        if !$c {
            return Err(format!($($m)+));
        }
    };
}

pub type Outcome = Result<(), String>;

pub struct Row {
    pub module: &'static str,
    pub func: &'static str,
    pub result: Outcome,
}

#[derive(Default)]
pub struct Board {
    rows: Vec<Row>,
}

impl Board {
    pub async fn run(&mut self, module: &'static str, func: &'static str, f: impl Future<Output = Outcome>) {
        let result = f.await;
        if let Err(e) = &result {
            eprintln!("keygen_sdk: {module} {func} FAILED: {e}");
        }
        self.rows.push(Row { module, func, result });
    }

    /// Checks the rows against the catalogue (each function called exactly once), prints the
    /// table, and fails on any function that failed without a named reason.
    pub fn finish(self, catalogue: &[(&str, &str, Option<&str>)]) {
        let mut problems = Vec::new();
        for (module, func, _) in catalogue {
            let n = self.rows.iter().filter(|r| r.module == *module && r.func == *func).count();
            if n != 1 {
                problems.push(format!("{module} {func}: called {n} times"));
            }
        }
        for r in &self.rows {
            if !catalogue.iter().any(|(m, f, _)| *m == r.module && *f == r.func) {
                problems.push(format!("{} {}: not in the catalogue", r.module, r.func));
            }
        }
        // module -> (functions, called, passing, not callable lines)
        let mut table: BTreeMap<&str, (usize, usize, usize, Vec<String>)> = BTreeMap::new();
        for (module, func, reason) in catalogue {
            let e = table.entry(module).or_default();
            e.0 += 1;
            let Some(row) = self.rows.iter().find(|r| r.module == *module && r.func == *func) else { continue };
            e.1 += 1;
            match (&row.result, reason) {
                (Ok(()), _) => e.2 += 1,
                (Err(err), Some(why)) => e.3.push(format!("{func}: {why} [{}]", short(err))),
                (Err(err), None) => {
                    e.3.push(format!("{func}: FAILED [{}]", short(err)));
                    problems.push(format!("{module} {func}: {err}"));
                }
            }
        }
        let mut out = String::from("\n| module | functions | called | passing | not callable + reason |\n|---|---|---|---|---|\n");
        let (mut tf, mut tc, mut tp) = (0, 0, 0);
        for (module, (f, c, p, why)) in &table {
            out.push_str(&format!("| {module} | {f} | {c} | {p} | {} |\n", why.join("; ")));
            (tf, tc, tp) = (tf + f, tc + c, tp + p);
        }
        out.push_str(&format!("| **total** | {tf} | {tc} | {tp} | |\n"));
        println!("{out}");
        assert!(problems.is_empty(), "keygen-rs functions failing without a named reason:\n{}", problems.join("\n"));
    }
}

/// An error in a table cell: the HTTP status and JSON:API code when it is an API error.
fn short(e: &str) -> String {
    let after = |tag: &str| e.split_once(tag).map(|(_, rest)| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>());
    match (after("status: "), after("code: Some(\"")) {
        (Some(status), Some(code)) => format!("{status} {code}"),
        _ => e.chars().take(80).collect::<String>().replace('|', "/"),
    }
}

pub struct World {
    pub acct: TestAccount,
}

impl World {
    pub fn new() -> World {
        // Loopback webhook targets are allowed only in development (as in passwords.rs).
        std::env::set_var("ENVIRONMENT", "development");
        World { acct: server().bootstrap_account() }
    }

    /// keygen-rs against this account as the admin, verifying every response's signature.
    pub fn admin(&self) {
        self.configure(Some(self.acct.admin_token.clone()), None);
    }

    /// keygen-rs appends `/{api_prefix}/{path}` to any `api_url` other than api.keygen.sh, so the
    /// prefix carries the account segment.
    pub fn configure(&self, token: Option<String>, license_key: Option<String>) {
        set_config(self.config(token, license_key)).expect("config");
    }

    pub fn config(&self, token: Option<String>, license_key: Option<String>) -> KeygenConfig {
        KeygenConfig {
            api_url: format!("{}/v1/accounts", server().url()),
            api_prefix: self.acct.id.clone(),
            account: self.acct.id.clone(),
            public_key: Some(self.acct.public_key_hex.clone()),
            verify_keygen_signature: Some(true),
            token,
            license_key,
            ..Default::default()
        }
    }

    /// Raw admin POST for set-up keygen-rs has no function for; answers the created id.
    pub fn post(&self, path: &str, body: Value) -> String {
        let r = self.acct.client().post(&self.acct.path(path), self.acct.admin(), Some(body));
        r.assert_status(201);
        r.json["data"]["id"].as_str().unwrap_or_else(|| panic!("{path}: {}", r.json)).to_owned()
    }

    pub fn get(&self, path: &str) -> Value {
        let r = self.acct.client().get(&self.acct.path(path), self.acct.admin(), None);
        r.assert_status(200);
        r.json.clone()
    }
}

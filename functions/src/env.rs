//! Bindings, secrets and platform services read once per invocation into a typed [`AppEnv`].
//! A missing binding or secret is a typed configuration error (503), never an `unwrap`.

use shared::error::{Code, Error};
use shared::{Clock, Random};
use worker::Env;

use crate::crypto::{WebCryptoPbkdf2, WebCryptoSigner};
use crate::d1::D1Db;
use crate::kv::WorkersKv;

/// Everything the Worker reads from its environment.
pub struct AppEnv {
    /// Account database.
    pub db: D1Db,
    /// Lease store.
    pub kv: WorkersKv,
    /// Deployment secret (`LATCHKEY_SECRET`).
    pub secret: String,
    /// Account-creation token (`LATCHKEY_BOOTSTRAP_TOKEN`), if set.
    pub bootstrap_token: Option<String>,
    /// Account for bare `/v1/…` routes (`LATCHKEY_ACCOUNT_ID`), if set.
    pub account_id: Option<String>,
    /// `development` allows http webhook URLs on loopback.
    pub development: bool,
    /// Rate limiting bindings and their limits.
    pub rate: crate::rate_limit::Limiters,
    /// Password hashing, at `LATCHKEY_PASSWORD_ITERATIONS` (default 100,000) for new hashes.
    pub kdf: WebCryptoPbkdf2,
    /// Per-invocation budgets of the cron jobs and the webhook queue consumer (`LATCHKEY_PLAN`,
    /// `LATCHKEY_CRON_D1_QUERIES`; Free-plan defaults).
    pub jobs: shared::service::lifecycle::jobs::Settings,
    /// The webhook queue producer (`WEBHOOKS`); `None` when the deployment has no queue (the
    /// cron alone delivers).
    pub webhooks: Option<std::rc::Rc<worker::Queue>>,
    /// `LATCHKEY_SERVER_TIMING=1` (dev and bench only; off by default): responses carry the D1
    /// round-trip counts in `Server-Timing`.
    pub server_timing: bool,
    /// The artifact bucket (`ARTIFACTS`, R2; distribution); `None` when the deployment has
    /// none (artifact routes then answer 503 `CONFIG_INVALID`).
    pub artifacts: Option<worker::Bucket>,
    /// `ENVIRONMENT=test` (the e2e harness only): the test-only `Latchkey-Test-Country` header
    /// stands in for `request.cf.country` (activation rules, issue 10 §4).
    pub test: bool,
    /// Response signing primitives on WebCrypto (`LATCHKEY_WEBCRYPTO`, default: the measured faster).
    pub signer: WebCryptoSigner,
}

thread_local! {
    /// The vars and secrets read so far, by name (issue 11: reading ~15 of them through the
    /// binding lookups cost more per request than the one-read endpoint's query). They are
    /// fixed for the Worker version an isolate runs, so an isolate reads each once.
    static TEXT: std::cell::RefCell<Vec<(&'static str, Option<String>)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A var or secret, non-empty (read once per isolate, see [`TEXT`]).
pub(crate) fn text(env: &Env, name: &'static str) -> Option<String> {
    if let Some(known) = TEXT.with(|t| t.borrow().iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())) {
        return known;
    }
    let value = env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok().filter(|s| !s.is_empty());
    TEXT.with(|t| t.borrow_mut().push((name, value.clone())));
    value
}

impl AppEnv {
    /// Reads the bindings.
    ///
    /// # Errors
    /// 503 `CONFIG_INVALID` naming what is missing.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let missing = |what: &str| Error::new(Code::ConfigInvalid, format!("the deployment is missing {what}"));
        let development = text(env, "ENVIRONMENT").is_some_and(|e| e == "development");
        let jobs = shared::service::lifecycle::jobs::Settings::from_vars(
            text(env, "LATCHKEY_PLAN").as_deref(),
            text(env, "LATCHKEY_CRON_D1_QUERIES").as_deref(),
            development,
        )
        .map_err(|e| Error::new(Code::ConfigInvalid, e))?;
        // Request logs (issue 8): retention and the per-account daily cap.
        let jobs = shared::service::lifecycle::jobs::Settings {
            request_logs: shared::domain::request_log::Settings::from_vars(
                text(env, "LATCHKEY_REQUEST_LOG_RETENTION_DAYS").as_deref(),
                text(env, "LATCHKEY_REQUEST_LOG_DAILY_LIMIT").as_deref(),
            )
            .map_err(|e| Error::new(Code::ConfigInvalid, e))?,
            ..jobs
        };
        Ok(Self {
            db: D1Db(env.d1("DB").map_err(|_| missing("the D1 binding DB"))?),
            kv: WorkersKv::new(env.kv("LEASES").map_err(|_| missing("the KV binding LEASES"))?),
            secret: text(env, "LATCHKEY_SECRET").ok_or_else(|| missing("the secret LATCHKEY_SECRET"))?,
            bootstrap_token: text(env, "LATCHKEY_BOOTSTRAP_TOKEN"),
            account_id: text(env, "LATCHKEY_ACCOUNT_ID"),
            development,
            jobs,
            webhooks: env.queue("WEBHOOKS").ok().map(std::rc::Rc::new),
            server_timing: text(env, "LATCHKEY_SERVER_TIMING").is_some_and(|v| v == "1" || v == "true"),
            artifacts: env.bucket("ARTIFACTS").ok(),
            test: text(env, "ENVIRONMENT").is_some_and(|e| e == "test"),
            signer: WebCryptoSigner::parse(text(env, "LATCHKEY_WEBCRYPTO").as_deref())
                .map_err(|why| Error::new(Code::ConfigInvalid, format!("the var LATCHKEY_WEBCRYPTO {why}")))?,
            rate: crate::rate_limit::Limiters::from_env(env)?,
            kdf: WebCryptoPbkdf2 {
                iterations: shared::kdf::parse_iterations(text(env, "LATCHKEY_PASSWORD_ITERATIONS").as_deref())
                    .map_err(|why| Error::new(Code::ConfigInvalid, format!("the var LATCHKEY_PASSWORD_ITERATIONS {why}")))?,
            },
        })
    }
}

/// `Date.now()`; `SystemTime::now()` panics on wasm32.
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}

/// `crypto.getRandomValues` through getrandom's `js` backend.
pub struct CryptoRandom;

impl Random for CryptoRandom {
    fn fill(&self, buf: &mut [u8]) {
        // getrandom on Workers cannot fail short of a broken runtime; zeros would be unsafe, so
        // abort the request instead of continuing with predictable bytes.
        assert!(getrandom::getrandom(buf).is_ok(), "crypto.getRandomValues unavailable");
    }
}

//! Rate limits on account-scoped requests, through the Workers Rate Limiting binding
//! (`[[ratelimits]]` in `wrangler.toml`): a general 10 s and 60 s limit, each per client IP
//! (`CF-Connecting-IP`) and per credential (the HMAC digest of the token, license key or email:
//! never the raw secret), plus a strict limit for the route classes that guess secrets (password
//! login, 5/min per email; password reset and second-factor changes plug in by [`Class`]).
//!
//! The binding only answers allow/deny, per Cloudflare location, and is approximate (abuse
//! control, never billing). The `X-RateLimit-*` headers are computed by an isolate-local counter
//! per key and fixed window (`count` = requests this isolate saw in the window, `remaining` =
//! `limit - count`, 0 once the binding refuses): an approximation, documented as such in
//! `docs/API.md` "Rate limits". The binding's decision alone refuses a request.

use std::cell::RefCell;
use std::collections::HashMap;

use shared::crypto::token;
use shared::error::{Code, Error};
use shared::service::identity::auth::Credentials;

/// Route classes: [`Class::General`] routes get the general limits only; the others add a strict
/// limit of their own binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// General limits only.
    General,
    /// Password login (`POST /tokens` with Basic email:password): per email.
    Login,
    /// Password reset (`POST /passwords`, `reset-password`): per target user (the email, or the
    /// user in the path; [`subject_check`]) and per credential, else IP.
    PasswordReset,
    /// Second-factor changes (routes to come): per credential, else IP.
    SecondFactor,
    /// Trial activation (`POST /trial-activations`, anonymous by design): per credential, else IP.
    Trial,
}

/// One limit: a binding, the var holding its configured limit, its period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// `[[ratelimits]] name`.
    pub binding: &'static str,
    /// The `[vars]` entry that repeats the binding's `simple.limit` (for the headers).
    pub var: &'static str,
    /// `simple.period` (10 or 60 s).
    pub period_s: i64,
}

/// General limits, every account-scoped request, per IP and per credential.
pub const GENERAL: [Spec; 2] = [
    Spec { binding: "RL_GENERAL_10S", var: "RATE_LIMIT_GENERAL_10S", period_s: 10 },
    Spec { binding: "RL_GENERAL_60S", var: "RATE_LIMIT_GENERAL_60S", period_s: 60 },
];

/// Strict limits by route class.
pub const STRICT: [(Class, Spec); 4] = [
    (Class::Login, Spec { binding: "RL_LOGIN", var: "RATE_LIMIT_LOGIN_60S", period_s: 60 }),
    (Class::PasswordReset, Spec { binding: "RL_PASSWORD_RESET", var: "RATE_LIMIT_PASSWORD_RESET_60S", period_s: 60 }),
    (Class::SecondFactor, Spec { binding: "RL_SECOND_FACTOR", var: "RATE_LIMIT_SECOND_FACTOR_60S", period_s: 60 }),
    // Trials.
    (Class::Trial, Spec { binding: "RL_TRIAL", var: "RATE_LIMIT_TRIAL_60S", period_s: 60 }),
];

impl Class {
    /// The strict limit's spec, if any.
    pub fn spec(self) -> Option<Spec> {
        STRICT.iter().find(|(c, _)| *c == self).map(|(_, s)| *s)
    }
    /// The strict limit's binding name, if any.
    #[cfg(test)]
    pub fn binding(self) -> Option<&'static str> {
        self.spec().map(|s| s.binding)
    }
}

/// One limiter check to make: which limit and under which key.
#[derive(Debug, PartialEq, Eq)]
pub struct Check {
    /// The limit.
    pub spec: Spec,
    /// The key (account-scoped; digests only).
    pub key: String,
}

/// The checks for one request: every general limit per IP and (if any) per credential, then the
/// class's strict limit.
pub fn checks(secret: &str, account: &str, ip: Option<&str>, creds: Option<&Credentials>, class: Class) -> Vec<Check> {
    let ip_key = format!("{account}:ip:{}", ip.unwrap_or("unknown"));
    let digest = |kind: &str, v: &str| format!("{account}:{kind}:{}", token::digest(secret, account, &format!("ratelimit:{kind}:{v}")));
    let cred_key = match creds {
        Some(Credentials::Token(t)) => Some(digest("token", t)),
        Some(Credentials::LicenseKey(k)) => Some(digest("license", k)),
        Some(Credentials::Password { email, .. }) => Some(digest("email", email)),
        Some(Credentials::None) | None => None,
    };
    let mut out = Vec::new();
    for spec in GENERAL {
        out.push(Check { spec, key: ip_key.clone() });
        if let Some(k) = &cred_key {
            out.push(Check { spec, key: k.clone() });
        }
    }
    if let Some(spec) = class.spec() {
        let key = match (class, creds) {
            // Only password credentials guess a password: other bearers minting tokens are
            // held by the general limits.
            (Class::Login, Some(Credentials::Password { .. })) => cred_key,
            (Class::Login, _) => None,
            _ => Some(cred_key.unwrap_or(ip_key)),
        };
        if let Some(key) = key {
            out.push(Check { spec, key });
        }
    }
    out
}

/// The subject a [`Class::PasswordReset`] request targets: `meta.email` of `POST /passwords`,
/// else the user (id or email) in the path, lower-cased. `None` when there is none to read
/// (the request then fails its own parsing, held by the per-IP limit).
pub fn reset_subject(pattern: &str, user: &str, body: &[u8]) -> Option<String> {
    if pattern == "/passwords" {
        shared::service::identity::passwords::parse_request(body).ok()
    } else {
        Some(user.trim().to_lowercase()).filter(|s| !s.is_empty())
    }
}

/// The strict check of `class` keyed by `subject` (the digest of the targeted user), so that
/// guessing one user's reset token is limited however many IPs or credentials it comes from.
pub fn subject_check(secret: &str, account: &str, class: Class, subject: &str) -> Option<Check> {
    let spec = class.spec()?;
    let key = format!("{account}:subject:{}", token::digest(secret, account, &format!("ratelimit:subject:{subject}")));
    Some(Check { spec, key })
}

/// One check's outcome as the headers report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Window length, s.
    pub period_s: i64,
    /// The configured limit.
    pub limit: u32,
    /// Requests this isolate counted in the window (this one included).
    pub count: u32,
    /// Whether the binding allowed the request.
    pub allowed: bool,
    /// End of the window, epoch seconds.
    pub reset_s: i64,
}

impl Outcome {
    /// `limit - count`, 0 once refused.
    pub fn remaining(&self) -> u32 {
        if self.allowed {
            self.limit.saturating_sub(self.count)
        } else {
            0
        }
    }

    /// `X-RateLimit-*` (and `Retry-After` when refused).
    pub fn headers(&self, now_s: i64) -> Vec<(&'static str, String)> {
        let window = if self.period_s % 60 == 0 { format!("{}m", self.period_s / 60) } else { format!("{}s", self.period_s) };
        let mut h = vec![
            ("X-RateLimit-Window", window),
            ("X-RateLimit-Count", self.count.to_string()),
            ("X-RateLimit-Limit", self.limit.to_string()),
            ("X-RateLimit-Remaining", self.remaining().to_string()),
            ("X-RateLimit-Reset", self.reset_s.to_string()),
        ];
        if !self.allowed {
            h.push(("Retry-After", (self.reset_s - now_s).max(1).to_string()));
        }
        h
    }
}

/// Fixed-window counters of one isolate: key → (window start, count).
#[derive(Default)]
pub struct Counters(HashMap<String, (i64, u32)>);

/// Above this many keys, counters of ended windows are dropped.
const MAX_KEYS: usize = 4096;

impl Counters {
    /// Counts one request of `key` at `now_s` in a window of `period_s`; answers (count, reset).
    pub fn hit(&mut self, key: &str, period_s: i64, now_s: i64) -> (u32, i64) {
        let period = period_s.max(1);
        let start = now_s - now_s.rem_euclid(period);
        if self.0.len() >= MAX_KEYS && !self.0.contains_key(key) {
            self.0.retain(|_, (s, _)| *s + 60 > now_s);
        }
        let e = self.0.entry(key.to_owned()).or_insert((start, 0));
        if e.0 != start {
            *e = (start, 0);
        }
        e.1 = e.1.saturating_add(1);
        (e.1, start + period)
    }
}

/// The outcome the headers report: the first refusal, else the one with the fewest remaining.
pub fn reported(outcomes: &[Outcome]) -> Option<&Outcome> {
    outcomes.iter().find(|o| !o.allowed).or_else(|| outcomes.iter().min_by_key(|o| o.remaining()))
}

/// 429 `TOO_MANY_REQUESTS`.
pub fn too_many(o: &Outcome, now_s: i64) -> Error {
    Error::new(
        Code::TooManyRequests,
        format!("Throttle limit reached: {} requests per {} seconds; retry in {} s", o.limit, o.period_s, (o.reset_s - now_s).max(1)),
    )
}

thread_local! {
    static COUNTERS: RefCell<Counters> = RefCell::new(Counters::default());
}

/// The bindings and their configured limits.
pub struct Limiters(Vec<(Spec, u32, worker::RateLimiter)>);

impl Limiters {
    /// Reads every binding of [`GENERAL`] and [`STRICT`] and its limit var.
    ///
    /// # Errors
    /// 503 `CONFIG_INVALID` naming a missing binding or a missing/non-numeric var.
    pub fn from_env(env: &worker::Env) -> Result<Self, Error> {
        let missing = |what: String| Error::new(Code::ConfigInvalid, format!("the deployment is missing {what}"));
        let mut out = Vec::new();
        for spec in GENERAL.into_iter().chain(STRICT.into_iter().map(|(_, s)| s)) {
            let rl = env.rate_limiter(spec.binding).map_err(|_| missing(format!("the rate limiting binding {}", spec.binding)))?;
            let limit =
                crate::env::text(env, spec.var).and_then(|v| v.trim().parse::<u32>().ok()).ok_or_else(|| missing(format!("a numeric var {}", spec.var)))?;
            out.push((spec, limit, rl));
        }
        Ok(Self(out))
    }

    /// Runs `checks` concurrently (the binding calls are independent, so a request waits for
    /// the slowest one, not their sum); a binding that fails is logged and allows (abuse control
    /// fails open).
    pub async fn run(&self, checks: Vec<Check>, now_ms: i64) -> Vec<Outcome> {
        let now_s = now_ms.div_euclid(1000);
        let bound: Vec<(Check, u32, &worker::RateLimiter)> =
            checks.into_iter().filter_map(|c| self.0.iter().find(|(s, _, _)| *s == c.spec).map(|(_, limit, rl)| (c, *limit, rl))).collect();
        let answers = futures_util::future::join_all(bound.iter().map(|(c, _, rl)| rl.limit(c.key.clone()))).await;
        bound
            .into_iter()
            .zip(answers)
            .map(|((c, limit, _), answer)| {
                let allowed = match answer {
                    Ok(o) => o.success,
                    Err(e) => {
                        worker::console_error!("rate limit {}: {e}", c.spec.binding);
                        true
                    }
                };
                let (count, reset_s) = COUNTERS.with(|k| k.borrow_mut().hit(&format!("{}|{}", c.spec.binding, c.key), c.spec.period_s, now_s));
                Outcome { period_s: c.spec.period_s, limit, count, allowed, reset_s }
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "rate_limit_tests.rs"]
mod tests;

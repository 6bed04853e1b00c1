//! Request pipeline: resolve the account (from `/v1/accounts/{id}/…` or the
//! deployment's default for bare `/v1/…`), check `Keygen-Version` and
//! `Keygen-Accept-Signature`, apply the rate limits, authenticate,
//! dispatch to one handler of the route table ([`crate::routes`]), sign the response.

use std::cell::RefCell;
use std::collections::HashMap;

use shared::api::headers::Whoami;
use shared::api::{self, Document};
use shared::crypto::signature;
use shared::crypto::signer::AccountSigner;
use shared::error::Error;
use shared::service::{identity::account_keys, identity::accounts, identity::auth, App, Bearer, Caller};
use shared::store::rows::AccountRow;
use worker::{Context, Response};

use crate::d1::{Consistency, D1Session, BOOKMARK_HEADER};
use crate::env::{AppEnv, CryptoRandom, WorkerClock};
use crate::http::{Reply, Req};
use crate::kv::WorkersKv;
use crate::rate_limit::{self, Class};
use crate::respond;
use crate::routes::{self, Match};

/// The application as handlers see it.
pub type A<'a> = App<'a, D1Session, WorkersKv>;

/// Per-request context for handlers.
pub struct Cx<'a> {
    /// Services' dependencies.
    pub app: A<'a>,
    /// The resolved account and bearer.
    pub caller: Caller,
    /// The request.
    pub req: &'a Req,
    /// The Worker's execution context (for `wait_until`).
    pub ctx: &'a Context,
    /// The environment.
    pub env: &'a AppEnv,
    /// Email and password of a password login (`POST /tokens` with Basic credentials).
    pub password: Option<(String, String)>,
    /// Set by a handler whose events are written after the response (validation): it notifies
    /// the webhook queue itself, after that write and only if it wrote anything, so the router
    /// does not.
    pub notifies_itself: std::cell::Cell<bool>,
}

/// How long an isolate reuses a resolved account and its unsealed key.
const ACCOUNT_CACHE_MS: i64 = 60_000;

thread_local! {
    // Workers isolates are single-threaded and reused across requests: caching the account row
    // and its unsealed signing key saves a D1 read and an AES-GCM open on the hot path.
    static ACCOUNTS: RefCell<HashMap<String, (i64, AccountRow, AccountSigner)>> = RefCell::new(HashMap::new());
}

/// Drops the isolate's cached accounts (after an account's name or slug changed).
pub fn forget_accounts() {
    ACCOUNTS.with(|c| c.borrow_mut().clear());
}

// Environments (issue 8): the isolate's environment lookups (Keygen caches them too), by
// account and the value named (id or code), for as long as accounts; bounded, and dropped
// whenever this isolate changes or deletes an environment.
const ENVIRONMENT_CACHE_ENTRIES: usize = 256;

thread_local! {
    static ENVIRONMENTS: RefCell<HashMap<(String, String), (i64, shared::store::rows::EnvironmentRow)>> = RefCell::new(HashMap::new());
}

/// Drops the isolate's cached environment lookups (after an environment changed or went).
pub fn forget_environments() {
    ENVIRONMENTS.with(|c| c.borrow_mut().clear());
}

/// The environment `value` names in `account_id`, from the isolate's cache when fresh.
async fn environment_of(app: &A<'_>, account_id: &str, value: &str) -> Result<shared::store::rows::EnvironmentRow, Error> {
    let (now, key) = (app.now(), (account_id.to_owned(), value.to_owned()));
    let hit = ENVIRONMENTS.with(|c| c.borrow().get(&key).filter(|(t, _)| now - t < ACCOUNT_CACHE_MS).map(|(_, e)| e.clone()));
    if let Some(e) = hit {
        return Ok(e);
    }
    let e = shared::service::identity::environments::select(app, account_id, value).await?;
    ENVIRONMENTS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= ENVIRONMENT_CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, (now, e.clone()));
    });
    Ok(e)
}

/// Gives an account that lacks them its RSA-2048 pair (WebCrypto, native) and P-256 pair, once
/// (the guarded store keeps one pair when first requests race). A failure is logged and left to
/// the lazy path in `shared` (which generates in wasm): the request goes on.
async fn with_all_pairs(app: &A<'_>, account: AccountRow) -> AccountRow {
    let mut account = account;
    if account.rsa_private_key_sealed.is_none() {
        let adopted = match crate::crypto::rsa_2048_pkcs8().await {
            Ok(der) => account_keys::adopt_rsa(app, &account, &der).await,
            Err(e) => Err(e),
        };
        match adopted {
            Ok(a) => account = a,
            Err(e) => worker::console_error!("account {}: making the rsa pair: {e}", account.id),
        }
    }
    if account.ecdsa_private_key_sealed.is_none() {
        match account_keys::ensure(app, &account, shared::crypto::signer::Pair::Ecdsa).await {
            Ok(a) => account = a,
            Err(e) => worker::console_error!("account {}: making the ecdsa pair: {e}", account.id),
        }
    }
    account
}

/// The account and its signer, from the isolate's cache when fresh. The signer holds the pair
/// that `accepted` (the request's `Keygen-Accept-Signature` algorithm) signs with: an RSA or
/// P-256 pair is made here on its first use.
async fn resolve(app: &A<'_>, env: &AppEnv, id: Option<&str>, accepted: Option<&str>) -> Result<(AccountRow, AccountSigner), Error> {
    let now = app.now();
    let cache_key = id.unwrap_or("").to_owned();
    let hit = ACCOUNTS.with(|c| c.borrow().get(&cache_key).filter(|(t, _, _)| now - t < ACCOUNT_CACHE_MS).map(|(_, a, k)| (a.clone(), k.clone())));
    let (account, signer) = match hit {
        Some(hit) => hit,
        None => {
            let account = match id {
                Some(id) => accounts::find(app, id).await?,
                None => accounts::default_account(app, env.account_id.as_deref()).await?,
            };
            let account = with_all_pairs(app, account).await;
            let signer = account_keys::signer(app.secret, &account)?;
            (account, signer)
        }
    };
    let pair = signature::response_algorithm(accepted, &account.id).pair();
    let (account, signer) = if signer.has(pair) {
        (account, signer)
    } else {
        let account = account_keys::ensure(app, &account, pair).await?;
        let signer = account_keys::signer(app.secret, &account)?;
        (account, signer)
    };
    ACCOUNTS.with(|c| c.borrow_mut().insert(cache_key, (now, account.clone(), signer.clone())));
    Ok((account, signer))
}

/// Handles one request end to end.
pub async fn handle(env: &AppEnv, ctx: &Context, req: Req, rid: &str) -> Response {
    // One D1 session per request: replica or primary decided once, by `Consistency`.
    respond::configure(env.bootstrap_token.is_some(), env.signer);
    let db = env.db.session(Consistency::for_request(&req.method, &req.path), req.bookmark.as_deref());
    let app = App { db: &db, kv: &env.kv, clock: &WorkerClock, rng: &CryptoRandom, secret: &env.secret, kdf: &env.kdf, request_id: Some(rid) };
    let path = req.path.trim_end_matches('/').to_owned();
    let segs = routes::split(&path);
    match segs.as_slice() {
        // Keygen's `v1` concern serves `ping` at the root and below every account, touching no
        // account (`health#general_ping`): `render status: 200`, an empty 200. Below an account
        // Latchkey knows whose it is and signs it (issue 8: keygen-rs `service::ping` verifies
        // the signature; an extra signature breaks no Keygen client). An unknown account still
        // answers the unsigned 200, as Keygen's ping never looks the account up.
        ["v1", "ping"] => respond::unsigned(pong(), rid),
        ["v1", "accounts", id, "ping"] => {
            let resolved = match routes::decode_all(&[id]) {
                Ok(id) => resolve(&app, env, id.first().map(String::as_str), req.accept_signature.as_deref()).await.ok(),
                Err(_) => None,
            };
            match resolved {
                Some((account, key)) => respond::signed(pong(), &key, &account.id, &req, api::API_VERSION, app.now(), rid).await,
                None => respond::unsigned(pong(), rid),
            }
        }
        // Unscoped and unsigned; below an account the route table's `/health` signs it.
        ["v1", "health"] => match accounts::health(&app).await {
            Ok(_) => respond::unsigned(Reply::ok(api::accounts::health()), rid),
            Err(e) => respond::unsigned(respond::error(&e, rid), rid),
        },
        ["v1", "accounts"] if req.method == "POST" => bootstrap(&app, env, &req, rid).await,
        ["v1", "accounts", id, rest @ ..] => match routes::decode_all(&[id]) {
            Ok(id) => scoped(app, env, ctx, &req, id.first().map(String::as_str), rest, rid).await,
            Err(e) => respond::unsigned(respond::error(&e, rid), rid),
        },
        ["v1", rest @ ..] => scoped(app, env, ctx, &req, None, rest, rid).await,
        // package engines (issue 9): OCI clients address the registry at the host's `/v2/`:
        // the ping, then `/v2/{account}/{package}/…` (Keygen's multiplayer image name) or
        // `/v2/{package}/…` (the configured account, like bare `/v1`).
        ["v2"] => respond::unsigned(crate::endpoints::distribution::engines::oci::ping(req.authorization.as_deref()), rid),
        ["v2", account, package, kind, tail @ ..] if matches!(*kind, "manifests" | "blobs" | "tags") => {
            let rest: Vec<&str> = ["engines", "oci", package, kind].into_iter().chain(tail.iter().copied()).collect();
            match routes::decode_all(&[account]) {
                Ok(id) => scoped(app, env, ctx, &req, id.first().map(String::as_str), &rest, rid).await,
                Err(e) => respond::unsigned(respond::error(&e, rid), rid),
            }
        }
        ["v2", package, tail @ ..] => {
            let rest: Vec<&str> = ["engines", "oci", package].into_iter().chain(tail.iter().copied()).collect();
            scoped(app, env, ctx, &req, None, &rest, rid).await
        }
        // end package engines
        _ => respond::unsigned(respond::error(&routes::not_found(), rid), rid),
    }
}

/// The ping's answer: an empty 200.
fn pong() -> Reply {
    Reply::Raw { status: 200, content_type: api::MEDIA_TYPE, headers: vec![], body: vec![] }
}

async fn bootstrap(app: &A<'_>, env: &AppEnv, req: &Req, rid: &str) -> Response {
    let created = async {
        accounts::authorize_bootstrap(req.authorization.as_deref(), env.bootstrap_token.as_deref())?;
        // An oversized body was dropped while read: refuse it rather than parse it as empty.
        if req.too_large {
            return Err(Error::new(shared::error::Code::PayloadTooLarge, format!("request body must be at most {} bytes", api::MAX_BODY_BYTES)));
        }
        let mut input = accounts::parse_create(&req.body)?;
        // API versions (issue 8): a new account is pinned to the version it was created at.
        input.api_version = api::api_version(req.version.as_deref())?;
        accounts::bootstrap(app, input).await
    }
    .await;
    match created {
        Ok(b) => {
            let key = match account_keys::signer(app.secret, &b.account) {
                Ok(k) => k,
                Err(e) => return respond::unsigned(respond::error(&e, rid), rid),
            };
            let doc = Document::one(api::accounts::account(&b.account))
                .meta(serde_json::json!({"adminToken": b.admin_token, "adminId": b.admin_id, "publicKey": b.account.public_key}));
            respond::signed(Reply::created(doc), &key, &b.account.id, req, api::API_VERSION, app.now(), rid).await
        }
        Err(e) => respond::unsigned(respond::error(&e, rid), rid),
    }
}

/// An account-scoped request: resolve the account, decode and route the path, apply the rate
/// limits, check the version, run the pipeline; every answer is signed and carries the
/// `X-RateLimit-*` headers.
async fn scoped<'a>(app: A<'a>, env: &'a AppEnv, ctx: &'a Context, req: &'a Req, account: Option<&str>, rest: &[&str], rid: &str) -> Response {
    let started = js_sys::Date::now();
    let (account, key) = match resolve(&app, env, account, req.accept_signature.as_deref()).await {
        // Environments (issue 8): an environment's tenant row is never an account of its own.
        Ok((a, _)) if shared::domain::environments::split(&a.id).1.is_some() => {
            return respond::unsigned(respond::error(&Error::not_found("account", &a.id), rid), rid);
        }
        Ok(a) => a,
        Err(e) => return respond::unsigned(respond::error(&e, rid), rid),
    };
    let account_id = account.id.clone();
    let now = app.now();
    let found = routes::decode_all(rest).map(|s| routes::find(routes::ROUTES, &req.method, &s));
    let class = match &found {
        Ok(Match::Found(r, _)) => r.class,
        _ => Class::General,
    };
    let creds = auth::parse_credentials(req.authorization.as_deref(), req.query.get("token")).ok();
    let mut checks = rate_limit::checks(&env.secret, &account_id, req.client_ip.as_deref(), creds.as_ref(), class);
    if let (Class::PasswordReset, Ok(Match::Found(r, p))) = (class, &found) {
        let subject = rate_limit::reset_subject(r.pattern, p.at(0), &req.body);
        checks.extend(subject.and_then(|s| rate_limit::subject_check(&env.secret, &account_id, class, &s)));
    }
    let outcomes = env.rate.run(checks, now).await;
    let reported = rate_limit::reported(&outcomes);
    let mut headers = reported.map(|o| o.headers(now.div_euclid(1000))).unwrap_or_default();
    let db = app.db;
    let with_bookmark = |mut headers: Vec<(&'static str, String)>| {
        headers.extend(db.bookmark().map(|b| (BOOKMARK_HEADER, b)));
        if env.server_timing {
            headers.push(("Server-Timing", crate::d1::server_timing(db.counts(), env.kv.counts(), js_sys::Date::now() - started)));
        }
        headers
    };
    if let Some(o) = reported.filter(|o| !o.allowed) {
        let headers = with_bookmark(headers);
        return respond::signed_with(
            respond::error(&rate_limit::too_many(o, now.div_euclid(1000)), rid),
            &headers,
            &key,
            &Whoami { account_id: &account_id, ..Whoami::default() },
            req,
            api::API_VERSION,
            now,
            rid,
        )
        .await;
    }
    let version = match api::versions::resolve(req.version.as_deref(), &account.api_version) {
        Ok(v) => v,
        Err(e) => {
            let headers = with_bookmark(headers);
            let who = Whoami { account_id: &account_id, ..Whoami::default() };
            return respond::signed_with(respond::error(&e, rid), &headers, &key, &who, req, api::API_VERSION, now, rid).await;
        }
    };
    // Environments (issue 8): `Keygen-Environment` (or `?environment=`) moves the request into
    // the environment's tenant, where every store statement's account filter isolates it.
    let (account, environment) = match select_environment(&app, req, account).await {
        Ok(a) => a,
        Err(e) => {
            let headers = with_bookmark(headers);
            let who = Whoami { account_id: &account_id, ..Whoami::default() };
            return respond::signed_with(respond::error(&e, rid), &headers, &key, &who, req, api::API_VERSION, now, rid).await;
        }
    };
    let data_id = account.id.clone();
    headers.extend(environment.map(|e| ("Keygen-Environment", e.code)));
    // API versions (issue 8): an older client's request body climbs to the current shapes
    // before the handler parses it, and the answer is migrated down before it is signed.
    let pattern = match &found {
        Ok(Match::Found(r, _)) => Some(r.pattern),
        _ => None,
    };
    let climbed;
    let req = match pattern.and_then(|p| api::versions::migrate_request(&req.body, version, &req.method, p)) {
        Some(body) => {
            climbed = Req { body, ..req.clone() };
            &climbed
        }
        None => req,
    };
    // Request logs (issue 8): the path's resource (as Keygen's `Current.resource`, the parent of
    // a relationship route), read before the pipeline consumes `found`; else the response's.
    let path_resource = match &found {
        Ok(Match::Found(..)) => routes::decode_all(rest).ok().and_then(|s| {
            let s: Vec<&str> = s.iter().map(String::as_str).collect();
            shared::domain::request_log::resource_from_path(&s).map(|(t, i)| (t.to_owned(), i.to_owned()))
        }),
        _ => None,
    };
    let mut answered = None;
    let lookup_app = App { ..app };
    let reply = match pipeline(app, env, ctx, req, account, found, &mut answered).await {
        Ok(r) => r,
        Err(e) => respond::error(&e, rid),
    };
    let reply = migrated(&lookup_app, &data_id, reply, version, &req.method, pattern, rid).await;
    headers = with_bookmark(headers);
    let (bearer_id, token_id, requestor) = answered.unwrap_or_default();
    let who = Whoami { account_id: &account_id, bearer_id: bearer_id.as_deref(), token_id: token_id.as_deref() };
    let logged = shared::domain::request_log::is_logged(rest.first().copied().unwrap_or(""));
    let (status, resource) = (crate::request_log::status(&reply), path_resource.or_else(|| crate::request_log::resource(&reply)));
    let (resp, response_size) = respond::signed_sized(reply, &headers, &key, &who, req, version, now, rid).await;
    if logged {
        let entry = shared::service::lifecycle::request_logs::Entry {
            method: req.method.clone(),
            target: req.target.clone(),
            status,
            ip: req.client_ip.clone(),
            user_agent: req.user_agent.clone(),
            requestor,
            resource,
            request_size: req.body.len(),
            response_size,
            run_time_ms: (js_sys::Date::now() - started) as i64,
        };
        crate::request_log::log(env, ctx, rid, &data_id, entry);
    }
    resp
}

/// `reply` as a client at API `version` sees it: a document migrated down from the current
/// version ([`api::versions`]), after the one read the older shapes may need; other
/// replies, and current clients', as they are.
async fn migrated(app: &A<'_>, account_id: &str, reply: Reply, version: &str, method: &str, pattern: Option<&str>, rid: &str) -> Reply {
    let Reply::Doc(status, doc) = reply else { return reply };
    if version == api::API_VERSION {
        return Reply::Doc(status, doc);
    }
    let x = api::versions::Exchange { method, pattern, status };
    let mut body = serde_json::Value::Object(doc.0);
    let found = match shared::service::licensing::version_lookups::lookups(app, account_id, &api::versions::needs(&body, version, &x)).await {
        Ok(f) => f,
        Err(e) => return respond::error(&e, rid),
    };
    api::versions::migrate_response(&mut body, version, &x, &found);
    Reply::Doc(status, Document(if let serde_json::Value::Object(m) = body { m } else { serde_json::Map::new() }))
}
/// The request's environment (`Keygen-Environment`, else the `environment` parameter, an id or
/// an exact code) and the account as its tenant; the account itself without one.
///
/// # Errors
/// 400 `ENVIRONMENT_INVALID`, its source the header or the parameter that named it.
async fn select_environment(app: &A<'_>, req: &Req, account: AccountRow) -> Result<(AccountRow, Option<shared::store::rows::EnvironmentRow>), Error> {
    let (value, from_header) = match (req.environment.as_deref(), req.query.get("environment")) {
        (Some(h), _) => (h, true),
        (None, Some(p)) if !p.trim().is_empty() => (p, false),
        _ => return Ok((account, None)),
    };
    let source = |e: Error| if from_header { e.header("Keygen-Environment") } else { e.parameter("environment") };
    let e = environment_of(app, &account.id, value).await.map_err(source)?;
    let tenant = AccountRow { id: shared::domain::environments::tenant_id(&account.id, &e.id), ..account };
    Ok((tenant, Some(e)))
}

/// What the whoami headers and the request log name: the bearer's id, the token's id and the
/// requestor (JSON:API type and id).
type Answered = (Option<String>, Option<String>, Option<(&'static str, String)>);

async fn pipeline<'a>(
    app: A<'a>,
    env: &'a AppEnv,
    ctx: &'a Context,
    req: &'a Req,
    account: AccountRow,
    found: Result<Match<'_>, Error>,
    answered: &mut Option<Answered>,
) -> Result<Reply, Error> {
    api::check_request(&api::RequestHead {
        account_id: shared::domain::environments::split(&account.id).0,
        accept_signature: req.accept_signature.as_deref(),
        content_type: req.content_type.as_deref(),
        has_body: !req.body.is_empty(),
        too_large: req.too_large,
    })?;
    let creds = auth::parse_credentials(req.authorization.as_deref(), req.query.get("token"))?;
    let token_login = matches!(&found, Ok(Match::Found(r, _)) if r.class == Class::Login);
    let (caller, password) = auth::authenticate_request(&app, account, creds, token_login).await?;
    // The whoami headers name the authenticated bearer even if the route then refuses it.
    *answered = Some((bearer_id(&caller.bearer), caller.token_id.clone(), shared::service::lifecycle::request_logs::requestor(&caller.bearer)));
    let (route, params) = match found? {
        Match::Found(route, params) => (route, params),
        Match::MethodNotAllowed => return Err(routes::not_supported(&req.method)),
        Match::NotFound => return Err(routes::not_found()),
    };
    let cx = Cx { app, caller, req, ctx, env, password, notifies_itself: std::cell::Cell::new(false) };
    let reply = (route.handler)(&cx, &params).await;
    // Environments (issue 8): a relationship naming another environment's record is Keygen's
    // 422 `must be compatible with … environment` (one read, on that error path only).
    let reply = match reply {
        Err(e) if e.status == 422 => Err(shared::service::identity::environment_compat::explain(&cx.app, cx.caller.account_id(), &req.body, e).await),
        other => other,
    };
    // Hidden meters are not shown to the client's side (issue 10 §2): one walk over the document.
    let reply = match reply {
        Ok(Reply::Doc(status, mut doc)) if !shared::domain::meters::sees_hidden(cx.caller.bearer.kind()) => {
            shared::api::meters::hide_invisible(&mut doc.0);
            Ok(Reply::Doc(status, doc))
        }
        other => other,
    };
    if let (Some(_), Ok(Reply::Doc(201, doc))) = (&cx.password, &reply) {
        // A password login authenticates in its handler: the bearer is the new token's.
        let user = doc.0.get("data").and_then(|d| d.pointer("/relationships/bearer/data/id")).and_then(|v| v.as_str());
        *answered = Some((user.map(str::to_owned), None, user.map(|u| ("users", u.to_owned()))));
    }
    // A successful change may have recorded events: one queue send, no webhook D1 work here.
    if reply.is_ok() && req.method != "GET" && !cx.notifies_itself.get() {
        crate::fetch::notify(env, cx.ctx, cx.caller.account_id());
    }
    reply
}

/// The id `Keygen-Bearer` names: the user, product or license authenticated.
fn bearer_id(bearer: &Bearer) -> Option<String> {
    match bearer {
        Bearer::Anonymous => None,
        Bearer::Admin { user_id, .. } | Bearer::User { user_id } => Some(user_id.clone()),
        Bearer::Product { product_id } => Some(product_id.clone()),
        Bearer::License { license_id } => Some(license_id.clone()),
        Bearer::Environment { environment_id } => Some(environment_id.clone()),
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => Some(user_id.clone()),
        // Resellers (issue 10 §7).
        Bearer::ResellerAdmin { user_id, .. } => Some(user_id.clone()),
    }
}

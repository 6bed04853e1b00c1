//! Request pipeline and route table: resolve the account (from `/v1/accounts/{id}/…` or the
//! deployment's default for bare `/v1/…`), check `Keygen-Version` and
//! `Keygen-Accept-Signature`, authenticate, dispatch to one handler, sign the response.

use std::cell::RefCell;
use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use shared::api::{self, Document};
use shared::error::{Code, Error};
use shared::service::{identity::accounts, identity::auth, licensing::licenses, App, Caller};
use shared::store::rows::AccountRow;
use worker::{Context, Response};

use crate::d1::D1Db;
use crate::endpoints as ep;
use crate::env::{AppEnv, CryptoRandom, WorkerClock};
use crate::http::{Reply, Req};
use crate::kv::WorkersKv;
use crate::respond;

/// The application as handlers see it.
pub type A<'a> = App<'a, D1Db, WorkersKv>;

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
}

/// How long an isolate reuses a resolved account and its unsealed key.
const ACCOUNT_CACHE_MS: i64 = 60_000;

thread_local! {
    // Workers isolates are single-threaded and reused across requests: caching the account row
    // and its unsealed signing key saves a D1 read and an AES-GCM open on the hot path.
    static ACCOUNTS: RefCell<HashMap<String, (i64, AccountRow, SigningKey)>> = RefCell::new(HashMap::new());
}

async fn resolve(app: &A<'_>, env: &AppEnv, id: Option<&str>) -> Result<(AccountRow, SigningKey), Error> {
    let now = app.now();
    let cache_key = id.unwrap_or("").to_owned();
    if let Some(hit) = ACCOUNTS.with(|c| c.borrow().get(&cache_key).filter(|(t, _, _)| now - t < ACCOUNT_CACHE_MS).map(|(_, a, k)| (a.clone(), k.clone()))) {
        return Ok(hit);
    }
    let account = match id {
        Some(id) => accounts::find(app, id).await?,
        None => accounts::default_account(app, env.account_id.as_deref()).await?,
    };
    let key = licenses::signing_key(app, &account)?;
    ACCOUNTS.with(|c| c.borrow_mut().insert(cache_key, (now, account.clone(), key.clone())));
    Ok((account, key))
}

/// Handles one request end to end.
pub async fn handle(env: &AppEnv, ctx: &Context, req: Req, rid: &str) -> Response {
    let app = App { db: &env.db, kv: &env.kv, clock: &WorkerClock, rng: &CryptoRandom, secret: &env.secret, kdf: &env.kdf };
    let path = req.path.trim_end_matches('/').to_owned();
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    match segs.as_slice() {
        ["v1", "ping"] => respond::unsigned(Reply::NoContent, rid),
        ["v1", "health"] => match accounts::health(&app).await {
            Ok(_) => respond::unsigned(
                Reply::ok(Document(serde_json::json!({"meta": {"status": "ok", "database": "ok"}}).as_object().cloned().unwrap_or_default())),
                rid,
            ),
            Err(e) => respond::unsigned(respond::error(&e, rid), rid),
        },
        ["v1", "accounts"] if req.method == "POST" => bootstrap(&app, env, &req, rid).await,
        ["v1", "accounts", id, rest @ ..] => scoped(app, env, ctx, &req, Some(id), rest, rid).await,
        ["v1", rest @ ..] => scoped(app, env, ctx, &req, None, rest, rid).await,
        _ => respond::unsigned(respond::error(&route_not_found(), rid), rid),
    }
}

fn route_not_found() -> Error {
    Error::new(Code::NotFound, "The requested endpoint was not found (check your HTTP method, Accept header, and URL path)")
}

async fn bootstrap(app: &A<'_>, env: &AppEnv, req: &Req, rid: &str) -> Response {
    let created = async {
        accounts::authorize_bootstrap(req.authorization.as_deref(), env.bootstrap_token.as_deref())?;
        let input = accounts::parse_create(&req.body)?;
        accounts::bootstrap(app, input).await
    }
    .await;
    match created {
        Ok(b) => {
            let key = match licenses::signing_key(app, &b.account) {
                Ok(k) => k,
                Err(e) => return respond::unsigned(respond::error(&e, rid), rid),
            };
            let doc = Document::one(api::accounts::account(&b.account))
                .meta(serde_json::json!({"adminToken": b.admin_token, "adminId": b.admin_id, "publicKey": b.account.public_key}));
            respond::signed(Reply::created(doc), &key, &b.account.id, req, api::API_VERSION, app.now(), rid)
        }
        Err(e) => respond::unsigned(respond::error(&e, rid), rid),
    }
}

async fn scoped<'a>(app: A<'a>, env: &'a AppEnv, ctx: &'a Context, req: &'a Req, account: Option<&str>, rest: &[&str], rid: &str) -> Response {
    let (account, key) = match resolve(&app, env, account).await {
        Ok(a) => a,
        Err(e) => return respond::unsigned(respond::error(&e, rid), rid),
    };
    let account_id = account.id.clone();
    let now = app.now();
    let version = match api::api_version(req.version.as_deref()) {
        Ok(v) => v,
        Err(e) => return respond::signed(respond::error(&e, rid), &key, &account_id, req, api::API_VERSION, now, rid),
    };
    let reply = match pipeline(app, env, ctx, req, account, rest).await {
        Ok(r) => r,
        Err(e) => respond::error(&e, rid),
    };
    respond::signed(reply, &key, &account_id, req, version, now, rid)
}

async fn pipeline<'a>(app: A<'a>, env: &'a AppEnv, ctx: &'a Context, req: &'a Req, account: AccountRow, rest: &[&str]) -> Result<Reply, Error> {
    api::check_request(&api::RequestHead {
        account_id: &account.id,
        accept_signature: req.accept_signature.as_deref(),
        environment: req.environment.as_deref(),
        content_type: req.content_type.as_deref(),
        has_body: !req.body.is_empty(),
        too_large: req.too_large,
    })?;
    let creds = auth::parse_credentials(req.authorization.as_deref(), req.query.get("token"))?;
    let token_login = rest == ["tokens"] && req.method == "POST";
    let (caller, password) = auth::authenticate_request(&app, account, creds, token_login).await?;
    let cx = Cx { app, caller, req, ctx, env };
    let reply = dispatch(&cx, rest, password).await;
    // A successful change may have recorded events: deliver their webhooks in the background.
    if reply.is_ok() && req.method != "GET" {
        crate::fetch::spawn_delivery(env, cx.ctx, cx.caller.account_id());
    }
    reply
}

/// Tries each endpoint group's routes in turn; a group answers `None` for paths it does not own.
/// New resource groups add one line here and keep their routes in their own module.
async fn dispatch(cx: &Cx<'_>, rest: &[&str], password: Option<(String, String)>) -> Result<Reply, Error> {
    macro_rules! try_group {
        ($e:expr) => {
            if let Some(r) = $e.await {
                return r;
            }
        };
    }
    try_group!(ep::core_routes(cx, rest, password));
    try_group!(ep::fleet::machines::route(cx, rest));
    try_group!(ep::licensing::license_actions::route(cx, rest));
    try_group!(ep::licensing::checkouts::route(cx, rest));
    try_group!(ep::catalogue::entitlements::route(cx, rest));
    try_group!(ep::catalogue::groups::route(cx, rest));
    try_group!(ep::lifecycle::webhooks::route(cx, rest));
    let m = cx.req.method.as_str();
    Err(if known_path(rest) { Error::new(Code::NotSupported, format!("{m} is not supported on this endpoint")) } else { route_not_found() })
}

/// Every path some endpoint serves (any method), for telling 405 (a served path, another
/// method) from 404 (no such path). Segments are separated by `/`; `*` is any one segment (an
/// id, key or fingerprint) and `a|b` lists alternatives. Keep in step with the endpoint groups.
const PATHS: &[&str] = &[
    "",
    "profile",
    "me",
    "tokens",
    "tokens/*",
    "products",
    "products/*",
    "products/*/tokens",
    "policies",
    "policies/*",
    "policies/*/entitlements",
    "users",
    "users/*",
    "users/*/tokens|group",
    "users/*/actions/ban|unban",
    "licenses",
    "licenses/*",
    "licenses/actions/validate-key",
    "licenses/*/entitlements|group|machines|owner|policy|tokens|users",
    "licenses/*/tokens/*",
    "licenses/*/actions/check-in|check-out|decrement-usage|increment-usage|reinstate|renew|renew-maintenance|reset-usage|revoke|suspend|validate",
    "event-logs",
    "event-logs/*",
    "machines",
    "machines/*",
    "machines/*/license",
    "machines/*/actions/ping|ping-heartbeat|reset|reset-heartbeat|check-out",
    "processes",
    "processes/*",
    "processes/*/actions/ping",
    "components",
    "components/*",
    "entitlements",
    "entitlements/*",
    "groups",
    "groups/*",
    "groups/*/licenses|machines|users",
    "webhook-endpoints",
    "webhook-endpoints/*",
    "webhook-events",
    "webhook-events/*",
    "webhook-events/*/actions/retry",
];

/// Whether some method serves this path (405 rather than 404).
fn known_path(rest: &[&str]) -> bool {
    PATHS.iter().any(|p| {
        let segs: Vec<&str> = if p.is_empty() { Vec::new() } else { p.split('/').collect() };
        segs.len() == rest.len() && segs.iter().zip(rest).all(|(pat, seg)| (*pat == "*" && !seg.is_empty()) || pat.split('|').any(|alt| alt == *seg))
    })
}

#[cfg(test)]
mod tests {
    use super::known_path;

    #[test]
    fn served_paths_are_known_and_others_are_not() {
        for p in [
            &[][..],
            &["licenses"],
            &["licenses", "abc"],
            &["licenses", "abc", "actions", "suspend"],
            &["licenses", "abc", "actions", "check-out"],
            &["licenses", "actions", "validate-key"],
            &["licenses", "abc", "tokens", "t1"],
            &["licenses", "abc", "policy"],
            &["machines", "m1", "actions", "ping-heartbeat"],
            &["users", "u1", "actions", "ban"],
            &["groups", "g1", "machines"],
            &["webhook-events", "e1", "actions", "retry"],
        ] {
            assert!(known_path(p), "{p:?}");
        }
        for p in [
            &["nope"][..],
            &["licenses", "abc", "bogus"],
            &["licenses", "abc", "actions", "bogus"],
            &["licenses", "abc", "actions"],
            &["licenses", "abc", "tokens", "t1", "x"],
            &["machines", "m1", "actions", "suspend"],
            &["products", "p1", "entitlements"],
            &["licenses", ""],
        ] {
            assert!(!known_path(p), "{p:?}");
        }
    }
}

//! Tokens: login with email/password, minting for products, users and licenses, listing,
//! regeneration and revocation. Tokens are shown once; only their HMAC digest is stored.

use serde_json::Value;

use crate::access::{self, permissions, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::clock::{parse_iso8601, Millis, DAY_MS};
use crate::crypto::{password, token};
use crate::domain::states::{BearerType, TokenKind};
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, readable, App, Bearer, Caller};
use crate::store::rows::{TokenRow, UserRow};
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// User tokens expire after two weeks unless told otherwise, as in Keygen.
pub const USER_TOKEN_TTL_MS: Millis = 14 * DAY_MS;

/// A token row and, right after creation or regeneration, its clear value.
#[derive(Debug)]
pub struct Issued {
    /// The stored token.
    pub row: TokenRow,
    /// The clear token, shown once.
    pub raw: Option<String>,
}

/// Optional attributes of a token request.
#[derive(Debug, Default)]
pub struct TokenInput {
    /// Name.
    pub name: Option<String>,
    /// Expiry (ms), `Some(None)` = never.
    pub expiry: Option<Option<Millis>>,
    /// License tokens: activation limit.
    pub max_activations: Option<i64>,
    /// License tokens: deactivation limit.
    pub max_deactivations: Option<i64>,
    /// `meta.otp`: a code of the user's enabled second factor (password login).
    pub otp: Option<String>,
    /// `permissions`: the token's subset of its bearer's (checked by [`issue`]).
    pub permissions: Option<Value>,
}

/// Parses an optional `{"data":{"type":"tokens","attributes":{name, expiry, maxActivations, maxDeactivations}}}`.
pub fn parse_input(body: &[u8], license: bool) -> Result<TokenInput> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TokenInput::default());
    }
    let otp = crate::service::identity::second_factors::otp_of(body)?;
    // `{"meta":{"otp":…}}` alone (Keygen's login body): no attributes, and nothing else in
    // `meta` (strict, like every other body).
    if !crate::api::input::parse_body(body)?.contains_key("data") {
        let mut meta = crate::api::input::parse_meta(body)?;
        meta.raw("otp");
        meta.finish()?;
        return Ok(TokenInput { otp, ..TokenInput::default() });
    }
    let mut r = ResourceInput::parse(body, "tokens")?;
    let name = r.attrs.string("name")?.set();
    let expiry = match r.attrs.string("expiry")? {
        Field::Absent => None,
        Field::Null => Some(None),
        Field::Set(s) => Some(Some(parse_iso8601(&s).ok_or_else(|| Error::attribute("expiry", AttrFault::Invalid, "must be a valid ISO-8601 timestamp"))?)),
    };
    let (mut max_activations, mut max_deactivations) = (None, None);
    if license {
        max_activations = r.attrs.int_in("maxActivations", 0, crate::domain::policy::INT4_MAX)?.set();
        max_deactivations = r.attrs.int_in("maxDeactivations", 0, crate::domain::policy::INT4_MAX)?.set();
    }
    let permissions = r.attrs.raw("permissions");
    r.finish()?;
    Ok(TokenInput { name, expiry, max_activations, max_deactivations, otp, permissions })
}

/// A new token's stored `permissions`: `None` (Keygen's default wildcard) unless asked; each
/// name must be one the token's bearer (`kind`) may use at all and, when the caller is itself
/// restricted, one the caller holds (no escalation through a token).
///
/// # Errors
/// 422 `PERMISSIONS_INVALID` / `PERMISSIONS_NOT_ALLOWED` at `/data/attributes/permissions/{i}`.
fn token_permissions(caller: &Caller, kind: access::Kind, requested: Option<Value>) -> Result<Option<String>> {
    let Some(v) = requested.filter(|v| !v.is_null()) else {
        // A restricted caller's new token is restricted as the caller is.
        return Ok(caller.permissions.as_ref().map(|p| Value::from(p.clone()).to_string()));
    };
    let list = permissions::parse(&v, "/data/attributes/permissions", |p| permissions::bearer_allows(kind, p))?;
    if let Some(i) = list.iter().position(|p| !permissions::caller_holds(caller, p)) {
        return Err(Error::attribute(
            "permissions",
            AttrFault::NotAllowed,
            "unsupported permissions: a token may not have more permissions than the bearer and token making the request",
        )
        .pointer(format!("/data/attributes/permissions/{i}")));
    }
    Ok(Some(Value::from(list).to_string()))
}

/// Token prefix and kind for a bearer.
fn kind_of(bearer_type: BearerType, admin: bool) -> (&'static str, TokenKind) {
    match (bearer_type, admin) {
        (BearerType::User, true) => ("admin", TokenKind::Admin),
        (BearerType::User, false) => ("user", TokenKind::User),
        (BearerType::Product, _) => ("prod", TokenKind::Product),
        (BearerType::License, _) => ("activ", TokenKind::Activation),
        (BearerType::Environment, _) => ("env", TokenKind::Environment),
    }
}

/// The expiry of the token the caller authenticated with, if it has one: no token minted or
/// regenerated by this caller may outlive it (stricter than Keygen, which lets any token mint a
/// never-expiring one). `None` for callers without an expiring token (password login, license
/// keys, tokens without expiry).
async fn ceiling<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<Option<Millis>> {
    let Some(id) = &caller.token_id else { return Ok(None) };
    let t: Option<TokenRow> = fetch_one(app.db, sql::tokens::FIND, &[caller.account_id().into(), id.clone().into()]).await?;
    Ok(t.and_then(|t| t.expiry))
}

fn outlives_bearer() -> Error {
    Error::attribute("expiry", AttrFault::Invalid, "must not be later than the expiry of the token making the request (nor null while it expires)")
}

/// The expiry of a new token: the requested one (`Some`), which may not outlive `ceiling`, or the
/// default, cut down to `ceiling`.
fn bounded_expiry(requested: Option<Option<Millis>>, default: Option<Millis>, ceiling: Option<Millis>) -> Result<Option<Millis>> {
    match (requested, ceiling) {
        (Some(e), Some(c)) if e.is_none_or(|e| e > c) => Err(outlives_bearer()),
        (Some(e), _) => Ok(e),
        (None, Some(c)) => Ok(Some(default.map_or(c, |d| d.min(c)))),
        (None, None) => Ok(default),
    }
}

/// Issues a token for `(bearer_type, bearer_id)` and records `token.generated`.
///
/// # Errors
/// 422 `EXPIRY_INVALID` (`/data/attributes/expiry`) for an expiry later than the caller's own
/// token's (or `null` while it expires).
pub async fn issue<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    bearer_type: BearerType,
    bearer_id: &str,
    bearer_kind: access::Kind,
    input: TokenInput,
) -> Result<Issued> {
    let now = app.now();
    let perms = token_permissions(caller, bearer_kind, input.permissions)?;
    let (prefix, kind) = kind_of(bearer_type, permissions::staff_set(bearer_kind).is_some() || bearer_kind == access::Kind::Admin);
    let default_expiry = if bearer_type == BearerType::User { Some(now + USER_TOKEN_TTL_MS) } else { None };
    let expiry = bounded_expiry(input.expiry, default_expiry, ceiling(app, caller).await?)?;
    let raw = token::generate(prefix, app.rng);
    let digest = token::digest(app.secret, caller.account_id(), &raw);
    let id = app.uuid();
    let stmts = vec![
        sql::tokens::insert(sql::tokens::NewToken {
            id: &id,
            account_id: caller.account_id(),
            bearer_type,
            bearer_id,
            kind,
            digest: &digest,
            name: input.name,
            expiry,
            max_activations: input.max_activations,
            max_deactivations: input.max_deactivations,
            permissions: perms,
            now,
        }),
        events::record(
            app,
            caller.account_id(),
            &caller.bearer,
            events::Event { name: "token.generated", resource_type: "tokens", resource_id: &id, changes: None, meta: None },
        ),
    ];
    app.db.batch(stmts).await?;
    let row = find(app, caller.account_id(), &id).await?;
    Ok(Issued { row, raw: Some(raw) })
}

/// `POST /tokens`: with email/password, a new token for that user; with a token, a new token
/// for the same bearer (never outliving the token used, see [`issue`]).
///
/// # Errors
/// 401 `EMAIL_REQUIRED`/`PASSWORD_REQUIRED`; 401 `CREDENTIALS_INVALID` for an unknown email, a
/// passwordless user and a wrong password alike ([`check_password`]); 403 `USER_BANNED`.
pub async fn login<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, password_creds: Option<(String, String)>, input: TokenInput) -> Result<Issued> {
    if let Some((email, pw)) = password_creds {
        let user = check_password(app, caller.account_id(), &email, &pw).await?;
        if user.banned_at.is_some() {
            return Err(Error::new(Code::UserBanned, "User is banned"));
        }
        // After the password (Keygen checks it before): only someone who knows the password
        // learns that the user has a second factor.
        // The user's own account: a global admin logging in inside an environment keeps its
        // second factor (issue 8).
        crate::service::identity::second_factors::require_otp(app, &user.account_id, &user.id, input.otp.as_deref()).await?;
        let as_user = Caller { bearer: Bearer::of_user(&user), permissions: permissions::decode(user.permissions.as_deref()), ..caller.clone() };
        return issue(app, &as_user, BearerType::User, &user.id, as_user.bearer.kind(), input).await;
    }
    if caller.bearer == Bearer::Anonymous {
        return Err(Error::new(Code::TokenMissing, "email and password, or a token, are required").header("Authorization"));
    }
    access::require(caller, Action::TokenGenerate)?;
    match &caller.bearer {
        Bearer::Admin { user_id, .. } | Bearer::User { user_id } => issue(app, caller, BearerType::User, user_id, caller.bearer.kind(), input).await,
        // Resellers (issue 10 §7).
        Bearer::ResellerAdmin { user_id, .. } => issue(app, caller, BearerType::User, user_id, caller.bearer.kind(), input).await,
        Bearer::Product { product_id } => issue(app, caller, BearerType::Product, product_id, access::Kind::Product, input).await,
        Bearer::License { .. } | Bearer::Environment { .. } | Bearer::Anonymous => Err(Error::forbidden()),
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => issue(app, caller, BearerType::User, user_id, caller.bearer.kind(), input).await,
    }
}

/// The user whose email and password these are.
///
/// Every failure is the same 401 `CREDENTIALS_INVALID` (what Keygen answers clients pinned to
/// API ≤ 1.7; 1.8's `EMAIL_INVALID`/`PASSWORD_INVALID` tell which emails exist) and costs the
/// same: an unknown email or a passwordless user still runs one derivation at the configured
/// count, and a wrong password under an older, cheaper hash is padded up to it. A correct
/// password under an older count is rehashed at the configured one, in one UPDATE guarded by
/// the hash it replaces (a concurrent password change wins).
///
/// # Errors
/// 401 `EMAIL_REQUIRED`, `PASSWORD_REQUIRED`, `CREDENTIALS_INVALID`.
pub async fn check_password<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, email: &str, pw: &str) -> Result<UserRow> {
    if email.is_empty() {
        return Err(Error::new(Code::EmailRequired, "email is required").header("Authorization"));
    }
    if pw.is_empty() {
        return Err(Error::new(Code::PasswordRequired, "password is required").header("Authorization"));
    }
    let invalid = || Error::new(Code::CredentialsInvalid, "email and password must be valid").header("Authorization");
    // Environments (issue 8): inside one, its users or the account's global admins.
    let user = crate::service::identity::environment_admins::find_user(app, account_id, email).await?;
    let Some((user, hash)) = user.and_then(|u| u.password_hash.clone().map(|h| (u, h))) else {
        password::burn(app.kdf, pw).await?;
        return Err(invalid());
    };
    if !password::verify(app.kdf, pw, &hash).await? {
        return Err(invalid());
    }
    if password::needs_rehash(&hash, app.kdf.iterations()) {
        let fresh = password::hash(app.kdf, app.rng, pw).await?;
        app.db.execute(sql::users::REHASH_PASSWORD, &[user.account_id.clone().into(), user.id.clone().into(), hash.into(), fresh.into()]).await?;
    }
    Ok(user)
}

/// One token by id (404 for another account's or an unknown id).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<TokenRow> {
    fetch_one(app.db, sql::tokens::FIND, &[account_id.into(), id.into()]).await?.ok_or_else(|| Error::not_found("token", id))
}

/// The `(bearer_type, bearer_id)` of the caller's own tokens; `None` for admins and
/// environments (all).
fn own_bearer(caller: &Caller) -> Option<(BearerType, String)> {
    match &caller.bearer {
        Bearer::User { user_id } => Some((BearerType::User, user_id.clone())),
        // Resellers (issue 10 §7).
        Bearer::ResellerAdmin { user_id, .. } => Some((BearerType::User, user_id.clone())),
        Bearer::Product { product_id } => Some((BearerType::Product, product_id.clone())),
        Bearer::License { license_id } => Some((BearerType::License, license_id.clone())),
        // An environment token sees every token of its environment, as an admin its account's.
        Bearer::Admin { .. } | Bearer::Environment { .. } | Bearer::Anonymous => None,
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => Some((BearerType::User, user_id.clone())),
    }
}

/// A token the caller may see.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<TokenRow> {
    authorize(app, caller, id, Action::TokenRead).await
}

/// The token `id` if the access table lets the caller do `action` on it (its own tokens).
async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<TokenRow> {
    let own = own_bearer(caller);
    let found = async { Ok(fetch_one::<TokenRow>(app.db, sql::tokens::FIND, &[caller.account_id().into(), id.into()]).await?) };
    readable(caller, action, "token", id, found, async |t| Ok(Ownership::of(own.as_ref().is_none_or(|(ty, bid)| t.bearer_type == *ty && t.bearer_id == *bid))))
        .await
}

/// Lists tokens (admins: all, filterable by `bearer[type]`/`bearer[id]`; others: their own).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<TokenRow>, u64, Page)> {
    access::require(caller, Action::TokenRead)?;
    let page = Page::from_query(q)?;
    let (ty, id) = match own_bearer(caller) {
        Some((t, i)) => (Value::from(t.as_str()), Value::from(i)),
        None => {
            // An unknown type matches no token (never "any type").
            let ty = q.get("bearer[type]").map(|t| t.trim_end_matches('s').parse::<BearerType>().map_or("none", BearerType::as_str));
            (opt(ty), opt(q.get("bearer[id]").map(str::to_owned)))
        }
    };
    let filters = vec![caller.account_id().into(), ty, id];
    crate::service::fetch_page(app.db, sql::tokens::LIST, sql::tokens::COUNT, filters, page).await
}

/// Regenerates a token: same id, new value (shown once), expiry renewed for user tokens (as
/// Keygen: now + 2 weeks) but never past the expiry of the caller's own token, so a token cannot
/// extend its own life by regenerating itself.
///
/// # Errors
/// 403 `FORBIDDEN` (`/data/attributes/expiry`) when a non-admin regenerates an expired token.
pub async fn regenerate<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Issued> {
    let t = authorize(app, caller, id, Action::TokenRegenerate).await?;
    let now = app.now();
    if t.expiry.is_some_and(|e| e <= now) && !crate::access::permits(caller, Action::ExpiredTokenRegenerate) {
        return Err(Error::new(Code::Forbidden, "an expired token cannot be regenerated (only admins may)").pointer("/data/attributes/expiry"));
    }
    let renewed = if t.bearer_type == BearerType::User { t.expiry.map(|_| now + USER_TOKEN_TTL_MS) } else { t.expiry };
    let expiry = match (renewed, ceiling(app, caller).await?) {
        (Some(e), Some(c)) => Some(e.min(c)),
        (None, Some(c)) => Some(c),
        (e, None) => e,
    };
    let (prefix, _) = kind_of(t.bearer_type, t.kind == TokenKind::Admin);
    let raw = token::generate(prefix, app.rng);
    let digest = token::digest(app.secret, caller.account_id(), &raw);
    app.db
        .batch(vec![
            Stmt::new(sql::tokens::REGENERATE, vec![caller.account_id().into(), id.into(), digest.into(), opt(expiry), now.into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "token.regenerated", resource_type: "tokens", resource_id: id, changes: None, meta: None },
            ),
        ])
        .await?;
    Ok(Issued { row: find(app, caller.account_id(), id).await?, raw: Some(raw) })
}

/// Regenerates the token the caller authenticated with (Keygen's `tokens#regenerate_current`,
/// `PUT /tokens`): the same rules as [`regenerate`] on that token.
///
/// # Errors
/// 401 for anonymous callers; 404 `NOT_FOUND` when the request was not token-authenticated
/// (a license key, a password), as Keygen.
pub async fn regenerate_current<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<Issued> {
    crate::access::gate(caller, Action::TokenRegenerate)?;
    let id = caller.token_id.clone().ok_or_else(|| Error::new(Code::NotFound, "The requested token was not found"))?;
    regenerate(app, caller, &id).await
}

/// Revokes a token.
pub async fn revoke<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    authorize(app, caller, id, Action::TokenRevoke).await?;
    app.db
        .batch(vec![
            Stmt::new(sql::tokens::DELETE, vec![caller.account_id().into(), id.into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "token.revoked", resource_type: "tokens", resource_id: id, changes: None, meta: None },
            ),
        ])
        .await?;
    Ok(())
}

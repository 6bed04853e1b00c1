//! Tokens: login with email/password, minting for products, users and licenses, listing,
//! regeneration and revocation. Tokens are shown once; only their HMAC digest is stored.

use serde_json::Value;

use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::clock::{parse_iso8601, Millis, DAY_MS};
use crate::crypto::{password, token};
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, App, Bearer, Caller};
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
}

/// Parses an optional `{"data":{"type":"tokens","attributes":{name, expiry, maxActivations, maxDeactivations}}}`.
pub fn parse_input(body: &[u8], license: bool) -> Result<TokenInput> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TokenInput::default());
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
    r.attrs.raw("permissions");
    r.finish()?;
    Ok(TokenInput { name, expiry, max_activations, max_deactivations })
}

/// Token prefix and kind for a bearer.
fn kind_of(bearer_type: &str, admin: bool) -> (&'static str, &'static str) {
    match (bearer_type, admin) {
        ("user", true) => ("admin", "admin-token"),
        ("user", false) => ("user", "user-token"),
        ("product", _) => ("prod", "product-token"),
        _ => ("activ", "activation-token"),
    }
}

/// Issues a token for `(bearer_type, bearer_id)` and records `token.generated`.
pub async fn issue<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, bearer_type: &str, bearer_id: &str, admin: bool, input: TokenInput) -> Result<Issued> {
    let now = app.now();
    let (prefix, kind) = kind_of(bearer_type, admin);
    let raw = token::generate(prefix, app.rng);
    let digest = token::digest(app.secret, caller.account_id(), &raw);
    let default_expiry = if bearer_type == "user" { Some(now + USER_TOKEN_TTL_MS) } else { None };
    let expiry = input.expiry.unwrap_or(default_expiry);
    let id = app.uuid();
    let stmts = vec![
        Stmt::new(
            sql::tokens::INSERT,
            vec![
                id.clone().into(),
                caller.account_id().into(),
                bearer_type.into(),
                bearer_id.into(),
                kind.into(),
                digest.into(),
                opt(input.name),
                opt(expiry),
                opt(input.max_activations),
                opt(input.max_deactivations),
                now.into(),
            ],
        ),
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
/// for the same bearer.
///
/// # Errors
/// 401 `EMAIL_INVALID`/`PASSWORD_INVALID`/`PASSWORD_NOT_SUPPORTED`; 403 `USER_BANNED`.
pub async fn login<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, password_creds: Option<(String, String)>, input: TokenInput) -> Result<Issued> {
    if let Some((email, pw)) = password_creds {
        if email.is_empty() {
            return Err(Error::new(Code::EmailRequired, "email is required").header("Authorization"));
        }
        if pw.is_empty() {
            return Err(Error::new(Code::PasswordRequired, "password is required").header("Authorization"));
        }
        let user: UserRow = fetch_one(app.db, sql::users::FIND, &[caller.account_id().into(), email.into()])
            .await?
            .ok_or_else(|| Error::new(Code::EmailInvalid, "email must be valid").header("Authorization"))?;
        let Some(hash) = &user.password_hash else {
            return Err(Error::new(Code::PasswordNotSupported, "password is not supported for this user").header("Authorization"));
        };
        if !password::verify(&pw, hash) {
            return Err(Error::new(Code::PasswordInvalid, "password must be valid").header("Authorization"));
        }
        if user.banned_at.is_some() {
            return Err(Error::new(Code::UserBanned, "User is banned"));
        }
        let as_user = Caller {
            bearer: if user.role == "admin" { Bearer::Admin { user_id: user.id.clone() } } else { Bearer::User { user_id: user.id.clone() } },
            ..caller.clone()
        };
        return issue(app, &as_user, "user", &user.id, user.role == "admin", input).await;
    }
    match &caller.bearer {
        Bearer::Admin { user_id } => issue(app, caller, "user", user_id, true, input).await,
        Bearer::User { user_id } => issue(app, caller, "user", user_id, false, input).await,
        Bearer::Product { product_id } => issue(app, caller, "product", product_id, false, input).await,
        Bearer::License { .. } | Bearer::Anonymous => {
            Err(Error::new(Code::TokenMissing, "email and password, or a token, are required").header("Authorization"))
        }
    }
}

/// One token by id (404 for another account's or an unknown id).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<TokenRow> {
    fetch_one(app.db, sql::tokens::FIND, &[account_id.into(), id.into()]).await?.ok_or_else(|| Error::not_found("token", id))
}

/// The `(bearer_type, bearer_id)` whose tokens `caller` may see; `None` = all (admin).
fn scope_of(caller: &Caller) -> Result<Option<(&'static str, String)>> {
    Ok(match &caller.bearer {
        Bearer::Admin { .. } => None,
        Bearer::User { user_id } => Some(("user", user_id.clone())),
        Bearer::Product { product_id } => Some(("product", product_id.clone())),
        Bearer::License { license_id } => Some(("license", license_id.clone())),
        Bearer::Anonymous => return Err(caller.denied()),
    })
}

/// A token the caller may manage.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<TokenRow> {
    let scope = scope_of(caller)?;
    let t = find(app, caller.account_id(), id).await?;
    match scope {
        Some((ty, bid)) if t.bearer_type != ty || t.bearer_id != bid => Err(Error::not_found("token", id)),
        _ => Ok(t),
    }
}

/// Lists tokens (admins: all, filterable by `bearer[type]`/`bearer[id]`; others: their own).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<TokenRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let (ty, id) = match scope_of(caller)? {
        Some((t, i)) => (Value::from(t), Value::from(i)),
        None => {
            let ty = q.get("bearer[type]").map(|t| match t.trim_end_matches('s') {
                "user" => "user",
                "product" => "product",
                "license" => "license",
                _ => "none",
            });
            (opt(ty), opt(q.get("bearer[id]").map(str::to_owned)))
        }
    };
    let filters = vec![caller.account_id().into(), ty, id];
    crate::service::fetch_page(app.db, sql::tokens::LIST, sql::tokens::COUNT, filters, page).await
}

/// Regenerates a token: same id, new value (shown once), expiry renewed for user tokens.
pub async fn regenerate<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Issued> {
    let t = show(app, caller, id).await?;
    let now = app.now();
    let (prefix, _) = kind_of(&t.bearer_type, t.kind == "admin-token");
    let raw = token::generate(prefix, app.rng);
    let digest = token::digest(app.secret, caller.account_id(), &raw);
    let expiry = if t.bearer_type == "user" { t.expiry.map(|_| now + USER_TOKEN_TTL_MS) } else { t.expiry };
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

/// Revokes a token.
pub async fn revoke<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    show(app, caller, id).await?;
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

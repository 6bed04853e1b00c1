//! Authentication: resolves `Authorization` into a [`Bearer`] within one account.
//!
//! Order as Keygen's: `Bearer`/`Token <token>`, `Basic` (`license:<key>`, `token:<token>`,
//! `<token>:`), `License <key>`; `?token=` in the query. Email/password Basic credentials are
//! accepted only by `POST /tokens` ([`crate::service::identity::tokens::login`]).

use base64::Engine as _;

use crate::crypto::token;
use crate::domain::states::BearerType;
use crate::domain::strategy::ExpirationStrategy;
use crate::error::{Code, Error};
use crate::rng::is_uuid;
use crate::service::{App, Bearer, Caller};
use crate::store::rows::{AccountRow, LicenseRow, TokenRow, UserRow};
use crate::store::{self, fetch_one, sql, Db, Kv};
use crate::Result;

/// Credentials as presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// None.
    None,
    /// An API token.
    Token(String),
    /// A license key.
    LicenseKey(String),
    /// Email and password (Basic), valid only for `POST /tokens`.
    Password {
        /// Email.
        email: String,
        /// Password.
        password: String,
    },
}

/// Parses the `Authorization` header (and `?token=` fallback).
///
/// # Errors
/// 401 `TOKEN_FORMAT_INVALID` for an unknown scheme or undecodable Basic credentials.
pub fn parse_credentials(authorization: Option<&str>, query_token: Option<&str>) -> Result<Credentials> {
    let Some(h) = authorization.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(query_token.map_or(Credentials::None, |t| Credentials::Token(t.to_owned())));
    };
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let rest = rest.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" | "token" => Ok(Credentials::Token(rest.to_owned())),
        "license" => Ok(Credentials::LicenseKey(rest.to_owned())),
        "basic" => {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| Error::new(Code::TokenFormatInvalid, "basic credentials are not valid base64").header("Authorization"))?;
            let (user, pass) = raw.split_once(':').unwrap_or((&raw, ""));
            Ok(match (user, pass) {
                ("license", key) => Credentials::LicenseKey(key.to_owned()),
                ("token", t) => Credentials::Token(t.to_owned()),
                (t, "") => Credentials::Token(t.to_owned()),
                (email, password) => Credentials::Password { email: email.to_lowercase(), password: password.to_owned() },
            })
        }
        _ => Err(Error::new(Code::TokenFormatInvalid, "unsupported authorization scheme (expected Bearer, Basic or License)").header("Authorization")),
    }
}

/// Resolves credentials to a caller of `account`.
///
/// # Errors
/// 401 `TOKEN_*`/`LICENSE_INVALID`, 403 `USER_BANNED`/`LICENSE_*`/`TOKEN_NOT_ALLOWED`.
pub async fn authenticate<D: Db, K: Kv>(app: &App<'_, D, K>, account: AccountRow, creds: Credentials) -> Result<Caller> {
    let (bearer, token_id, permissions) = match creds {
        Credentials::None => (Bearer::Anonymous, None, None),
        Credentials::Password { .. } => {
            return Err(Error::new(Code::TokenFormatInvalid, "email and password credentials are only accepted when generating a token (POST /tokens)")
                .header("Authorization"))
        }
        Credentials::LicenseKey(key) => (authenticate_key(app, &account.id, &key).await?, None, None),
        Credentials::Token(raw) => {
            let t = find_token(app, &account.id, &raw).await?;
            let (bearer, user_permissions) = bearer_of(app, &account.id, &t).await?;
            let permissions = crate::access::permissions::intersect(user_permissions, crate::access::permissions::decode(t.permissions.as_deref()));
            (bearer, Some(t.id), permissions)
        }
    };
    Ok(Caller { account, bearer, token_id, permissions })
}

/// Resolves credentials for a request. Email/password Basic credentials are accepted only when
/// `token_login` (the request is `POST /tokens`): then the caller stays anonymous and the
/// credentials are returned for [`crate::service::identity::tokens::login`] to check.
///
/// # Errors
/// As [`authenticate`].
pub async fn authenticate_request<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    account: AccountRow,
    creds: Credentials,
    token_login: bool,
) -> Result<(Caller, Option<(String, String)>)> {
    match creds {
        Credentials::Password { email, password } if token_login => {
            Ok((Caller { account, bearer: Bearer::Anonymous, token_id: None, permissions: None }, Some((email, password))))
        }
        creds => Ok((authenticate(app, account, creds).await?, None)),
    }
}

/// Looks a raw token up by its digest.
///
/// # Errors
/// 401 `TOKEN_FORMAT_INVALID` (a UUID or malformed), `TOKEN_INVALID`, `TOKEN_EXPIRED`.
pub async fn find_token<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, raw: &str) -> Result<TokenRow> {
    if is_uuid(raw) || !token::looks_like_token(raw) {
        return Err(Error::new(
            Code::TokenFormatInvalid,
            "Token format is invalid (make sure that you're providing a token value, not a token's UUID identifier)",
        )
        .header("Authorization"));
    }
    let digest = token::digest(app.secret, account_id, raw);
    let mut found: Option<TokenRow> = fetch_one(app.db, sql::tokens::FIND_BY_DIGEST, &[account_id.into(), digest.into()]).await?;
    // Environments (issue 8): inside a SHARED environment a global token is accepted too
    // (its digest is keyed by the account; one more read, only when the first found nothing).
    if let (None, (account, Some(_))) = (&found, crate::domain::environments::split(account_id)) {
        let global = token::digest(app.secret, account, raw);
        found = fetch_one(app.db, sql::tokens::FIND_GLOBAL_BY_DIGEST, &[account_id.into(), global.into()]).await?;
    }
    let t = found.ok_or_else(|| Error::new(Code::TokenInvalid, "Token is invalid").header("Authorization"))?;
    if t.expiry.is_some_and(|e| e <= app.now()) {
        return Err(Error::new(Code::TokenExpired, "Token is expired").header("Authorization"));
    }
    Ok(t)
}

/// The token's bearer and, for a user, its own `permissions`.
async fn bearer_of<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, t: &TokenRow) -> Result<(Bearer, Option<Vec<String>>)> {
    match t.bearer_type {
        BearerType::User => {
            // Environments (issue 8): a global admin's token minted inside an environment.
            let u: UserRow = crate::service::identity::environment_admins::find_user(app, account_id, &t.bearer_id)
                .await?
                .ok_or_else(|| Error::new(Code::TokenInvalid, "Token is invalid"))?;
            if u.banned_at.is_some() {
                return Err(Error::new(Code::UserBanned, "User is banned"));
            }
            Ok((Bearer::of_user(&u), crate::access::permissions::decode(u.permissions.as_deref())))
        }
        BearerType::Product => Ok((Bearer::Product { product_id: t.bearer_id.clone() }, None)),
        BearerType::License => Ok((authenticate_token_bearer(app, account_id, &t.bearer_id).await?, None)),
        // Environments (issue 8): an environment's token is stored in its tenant and is valid
        // only there (without the `Keygen-Environment` header its digest matches nothing).
        BearerType::Environment => match crate::domain::environments::split(account_id) {
            (_, Some(env)) if env == t.bearer_id => Ok((Bearer::Environment { environment_id: t.bearer_id.clone() }, None)),
            _ => Err(Error::new(Code::TokenInvalid, "Token is invalid")),
        },
    }
}

/// Resolves `Authorization: License <key>` to a license bearer.
///
/// # Errors
/// 401 `LICENSE_INVALID`; 403 `LICENSE_NOT_ALLOWED` (policy forbids key auth), `LICENSE_BANNED`,
/// `LICENSE_SUSPENDED`, `LICENSE_EXPIRED` (only under `REVOKE_ACCESS`).
pub async fn authenticate_key<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, key: &str) -> Result<Bearer> {
    let l = store::licenses::find_by_key(app.db, account_id, key)
        .await?
        .ok_or_else(|| Error::new(Code::LicenseInvalid, "License key is invalid").header("Authorization"))?;
    if !l.config().authentication_strategy.supports_license_auth() {
        return Err(Error::new(Code::LicenseNotAllowed, "License key authentication is not allowed by policy"));
    }
    check_license_bearer(app, &l)?;
    Ok(Bearer::License { license_id: l.id })
}

/// Resolves a license token's bearer.
pub async fn authenticate_token_bearer<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, license_id: &str) -> Result<Bearer> {
    let l = store::licenses::find(app.db, account_id, license_id).await?.ok_or_else(|| Error::new(Code::TokenInvalid, "Token is invalid"))?;
    if !l.config().authentication_strategy.supports_token_auth() {
        return Err(Error::new(Code::TokenNotAllowed, "Token authentication is not allowed by policy"));
    }
    check_license_bearer(app, &l)?;
    Ok(Bearer::License { license_id: l.id })
}

fn check_license_bearer<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow) -> Result<()> {
    if l.owner_banned_at.is_some() {
        return Err(Error::new(Code::LicenseBanned, "License is banned"));
    }
    if l.is_suspended() {
        return Err(Error::new(Code::LicenseSuspended, "License is suspended"));
    }
    if l.is_expired(app.now()) && l.config().expiration_strategy == ExpirationStrategy::RevokeAccess {
        return Err(Error::new(Code::LicenseExpired, "License is expired"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn parses_every_scheme() {
        assert_eq!(parse_credentials(Some("Bearer admin-abc"), None).unwrap(), Credentials::Token("admin-abc".into()));
        assert_eq!(parse_credentials(Some("License KEY-1"), None).unwrap(), Credentials::LicenseKey("KEY-1".into()));
        assert_eq!(parse_credentials(Some(&format!("Basic {}", b64("license:K"))), None).unwrap(), Credentials::LicenseKey("K".into()));
        assert_eq!(parse_credentials(Some(&format!("Basic {}", b64("tok:"))), None).unwrap(), Credentials::Token("tok".into()));
        assert_eq!(
            parse_credentials(Some(&format!("Basic {}", b64("A@b.c:pw"))), None).unwrap(),
            Credentials::Password { email: "a@b.c".into(), password: "pw".into() }
        );
        assert_eq!(parse_credentials(None, Some("t")).unwrap(), Credentials::Token("t".into()));
        assert_eq!(parse_credentials(Some("Digest x"), None).unwrap_err().code, "TOKEN_FORMAT_INVALID");
    }
}

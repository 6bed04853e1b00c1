//! Password flows, as Keygen serves them: a reset request by email (`POST /passwords`), a reset
//! with the emailed token (`POST /users/{id}/actions/reset-password`) and a change that proves
//! the old password (`POST /users/{id}/actions/update-password`).
//!
//! A reset request always answers the same, whether or not the email exists. For an existing
//! user it issues a fresh reset token, stores only its HMAC digest (like API tokens) with the
//! time it was issued, and records `user.password-reset` with the raw token in the event's
//! `meta.passwordResetToken`: the vendor's webhook mails it (Keygen's manual fulfilment; we never
//! mail). A reset consumes the token in one guarded UPDATE, so it works once, for 24 hours.
//! As Keygen, a reset revokes all of the user's tokens and a change all but the request's own.

use serde_json::{json, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{parse_meta, Field, Members};
use crate::clock::Millis;
use crate::crypto::{password, token};
use crate::domain::states::BearerType;
use crate::error::{AttrFault, Code, Error};
use crate::service::identity::{second_factors, users};
use crate::service::{events, readable, App, Bearer, Caller};
use crate::store::rows::UserRow;
use crate::store::{sql, Db, Kv, Stmt};
use crate::Result;

/// How long a reset token stays valid (Keygen: 24 hours after it was sent).
pub const RESET_TOKEN_TTL_MS: Millis = 24 * 60 * 60 * 1000;

/// The prefix of reset tokens (`reset-<64 hex>v3`).
const RESET_PREFIX: &str = "reset";

/// Longest accepted password or token, bytes (bounds the PBKDF2 input).
const MAX_SECRET: usize = 4096;

/// A required, bounded string member of `meta`.
fn required(m: &mut Members, k: &str) -> Result<String> {
    match m.string(k)? {
        Field::Set(s) if !s.is_empty() => {
            if s.len() > MAX_SECRET {
                return Err(Error::new(Code::ParameterInvalid, "is too long").pointer(m.ptr(k)));
            }
            Ok(s)
        }
        _ => Err(Error::new(Code::ParameterMissing, "is required").pointer(m.ptr(k))),
    }
}

/// `POST /passwords`: `meta.email` (required) and `meta.deliver` (optional boolean; we never
/// mail, so it changes nothing). Strict: any other member is refused.
///
/// # Errors
/// 400 for a missing or mistyped member or an unpermitted one.
pub fn parse_request(body: &[u8]) -> Result<String> {
    let mut m = parse_meta(body)?;
    let email = required(&mut m, "email")?;
    m.bool("deliver")?;
    m.finish()?;
    Ok(email.trim().to_lowercase())
}

/// `reset-password`: `meta.passwordResetToken` and `meta.newPassword`, both required.
///
/// # Errors
/// 400 for a missing or mistyped member or an unpermitted one.
pub fn parse_reset(body: &[u8]) -> Result<(String, String)> {
    let mut m = parse_meta(body)?;
    let t = required(&mut m, "passwordResetToken")?;
    let p = required(&mut m, "newPassword")?;
    m.finish()?;
    Ok((t, p))
}

/// `update-password`: `meta.oldPassword` and `meta.newPassword`, both required, and `meta.otp`
/// (required once the user has an enabled second factor).
///
/// # Errors
/// 400 for a missing or mistyped member or an unpermitted one.
pub fn parse_update(body: &[u8]) -> Result<(String, String, Option<String>)> {
    let mut m = parse_meta(body)?;
    let old = required(&mut m, "oldPassword")?;
    let new = required(&mut m, "newPassword")?;
    let otp = match m.string("otp")? {
        Field::Set(s) if s.len() > MAX_SECRET => return Err(Error::new(Code::ParameterInvalid, "is too long").pointer(m.ptr("otp"))),
        Field::Set(s) => Some(s),
        _ => None,
    };
    m.finish()?;
    Ok((old, new, otp))
}

/// The new password's rules (as `POST /users`).
fn check_new(p: &str) -> Result<()> {
    if p.chars().count() < 8 {
        return Err(Error::attribute("password", AttrFault::Invalid, "is too short (minimum is 8 characters)"));
    }
    Ok(())
}

/// Requests a reset for `email`. Answers `Ok(())` whether or not a user has that email.
///
/// # Errors
/// Only store failures.
pub async fn request_reset<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, email: &str) -> Result<()> {
    access::require(caller, Action::PasswordResetRequest)?;
    // Emails only: an id in `meta.email` must not match a user.
    if !email.contains('@') {
        return Ok(());
    }
    let Some(u) = users::find(app, caller.account_id(), email).await?.filter(|u| u.email == email) else {
        return Ok(());
    };
    let raw = token::generate(RESET_PREFIX, app.rng);
    let digest = token::digest(app.secret, caller.account_id(), &raw);
    app.db
        .batch(vec![
            Stmt::new(sql::users::SET_PASSWORD_RESET, vec![caller.account_id().into(), u.id.clone().into(), digest.into(), app.now().into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event {
                    name: "user.password-reset",
                    resource_type: "users",
                    resource_id: &u.id,
                    changes: None,
                    meta: Some(json!({ "passwordResetToken": raw })),
                },
            ),
        ])
        .await?;
    Ok(())
}

fn expired() -> Error {
    Error::new(Code::TokenExpired, "is expired").pointer("/meta/passwordResetToken")
}

/// The user relative to the bearer for the password actions: only a user (or admin) acting on
/// itself owns it (Keygen's `Users::PasswordPolicy`: `user == bearer`).
fn own_self(caller: &Caller, u: &UserRow) -> Ownership {
    match &caller.bearer {
        Bearer::Admin { user_id, .. } | Bearer::User { user_id } => Ownership::of(*user_id == u.id),
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => Ownership::of(*user_id == u.id),
        // Resellers (issue 10 §7): itself only.
        Bearer::ResellerAdmin { user_id, .. } => Ownership::of(*user_id == u.id),
        _ => Ownership::Foreign,
    }
}

/// The user `id` (id or email) if the access table lets the caller do `action` on it.
async fn target<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<UserRow> {
    readable(caller, action, "user", id, users::find(app, caller.account_id(), id), async |u| Ok(own_self(caller, u))).await
}

/// Sets the password (`set`, a guarded UPDATE whose params start with account and user) and, only
/// if it took effect, revokes the user's tokens except `keep`, in one batch.
async fn set_and_revoke<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, u: &UserRow, set: Stmt, keep: Option<&str>) -> Result<bool> {
    let revoke = Stmt::new(
        sql::tokens::DELETE_FOR_BEARER_IF_CHANGED,
        vec![caller.account_id().into(), BearerType::User.as_str().into(), u.id.clone().into(), keep.map_or(Value::Null, Value::from)],
    );
    let res = app.db.batch(vec![set, revoke]).await?;
    Ok(res.first().is_some_and(|r| r.changes == 1))
}

/// Resets the password of user `id` (id or email) with a reset token, once, and revokes all of
/// the user's tokens (as Keygen). Anonymous callers and the user itself may (Keygen's
/// `Users::PasswordPolicy#reset?`).
///
/// # Errors
/// 404 `NOT_FOUND` for an unknown user and for a wrong, used or superseded token alike (Keygen:
/// so the route tells nothing about users); 401 `TOKEN_EXPIRED` "is expired" at
/// `/meta/passwordResetToken` 24 h after it was issued; 403/404 from the access table for other
/// bearers; 422 for a password that breaks the rules.
pub async fn reset<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, raw: &str, new_password: &str) -> Result<UserRow> {
    let u = target(app, caller, id, Action::PasswordReset).await?;
    let invalid = || Error::not_found("user", id);
    let digest = token::digest(app.secret, caller.account_id(), raw);
    let (Some(stored), Some(sent)) = (&u.password_reset_digest, u.password_reset_sent_at) else {
        return Err(invalid());
    };
    if *stored != digest {
        return Err(invalid());
    }
    let cutoff = app.now() - RESET_TOKEN_TTL_MS;
    if sent <= cutoff {
        return Err(expired());
    }
    check_new(new_password)?;
    let hash = password::hash(app.kdf, app.rng, new_password).await?;
    let params = vec![caller.account_id().into(), u.id.clone().into(), digest.into(), hash.into(), cutoff.into(), app.now().into()];
    // The guard repeats every check: a concurrent reset that consumed the token first wins.
    if !set_and_revoke(app, caller, &u, Stmt::new(sql::users::RESET_PASSWORD, params), None).await? {
        return Err(invalid());
    }
    users::find(app, caller.account_id(), &u.id).await?.ok_or_else(|| Error::internal("user vanished after a password reset"))
}

/// Changes the caller's own password, proving the old one, and revokes its other tokens (the
/// token of this request stays valid), as Keygen; `body` is read ([`parse_update`]) once the
/// access table let the caller in.
///
/// # Errors
/// 401/403/404 from the access table (only the user itself may, admins included); 400 from
/// [`parse_update`]; 401 `PASSWORD_INVALID` at `/meta/oldPassword` for a wrong old password (or
/// a user without one, or a concurrent change); 422 at `/data/attributes/password` for a new
/// password that breaks the rules.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<UserRow> {
    let u = target(app, caller, id, Action::PasswordUpdate).await?;
    let (old, new_password, otp) = parse_update(body)?;
    let wrong = || Error::new(Code::PasswordInvalid, "is not valid").pointer("/meta/oldPassword");
    let Some(current) = u.password_hash.clone() else {
        password::burn(app.kdf, &old).await?;
        return Err(wrong());
    };
    if !password::verify(app.kdf, &old, &current).await? {
        return Err(wrong());
    }
    second_factors::require_otp(app, caller.account_id(), &u.id, otp.as_deref()).await?;
    check_new(&new_password)?;
    let hash = password::hash(app.kdf, app.rng, &new_password).await?;
    let params = vec![caller.account_id().into(), u.id.clone().into(), current.into(), hash.into(), app.now().into()];
    if !set_and_revoke(app, caller, &u, Stmt::new(sql::users::UPDATE_PASSWORD, params), caller.token_id.as_deref()).await? {
        return Err(wrong());
    }
    users::show(app, caller, &u.id).await
}

//! Second factors (TOTP), as Keygen's `users/relationships/second_factors_controller.rb`:
//! `GET|POST /users/{id}/second-factors`, `GET|PATCH|DELETE /users/{id}/second-factors/{id}`.
//!
//! Creating a factor proves the user's password (`meta.password`), or, while one is enabled,
//! a code of it (`meta.otp`); enabling or disabling proves a code of **this** factor; deleting an
//! enabled one proves a code. The secret is sealed at rest and shown only in the create
//! response's `uri`. Every accepted code spends its 30-second step in one guarded UPDATE
//! ([`sql::second_factors::SPEND_STEP`]), so a code works once. Once a factor is enabled,
//! [`require_otp`] guards password login and password changes. Latchkey keeps one factor per
//! user (a second create is 409 until the first is deleted).

use serde_json::Value;

use crate::access::{Action, Ownership};
use crate::api::input::{parse_body, parse_meta, Field, Members, ResourceInput};
use crate::crypto::{
    password,
    totp::{self, TotpSecret},
};
use crate::error::{Code, Error};
use crate::service::identity::users;
use crate::service::{events, readable, App, Bearer, Caller};
use crate::store::rows::{SecondFactorRow, UserRow};
use crate::store::{fetch_all, fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// Issuer shown by authenticator apps.
pub const ISSUER: &str = "Latchkey";

/// Longest accepted `meta.password` / `meta.otp`, bytes.
const MAX_SECRET: usize = 4096;

fn otp_invalid() -> Error {
    Error::new(Code::OtpInvalid, "second factor must be valid").pointer("/meta/otp")
}

/// A bounded optional string member of `meta`.
fn optional(m: &mut Members, k: &str) -> Result<Option<String>> {
    match m.string(k)? {
        Field::Set(s) if s.len() > MAX_SECRET => Err(Error::new(Code::ParameterInvalid, "is too long").pointer(m.ptr(k))),
        Field::Set(s) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// `meta.otp` of any request body (empty body or no `meta` → `None`), without judging the rest
/// of the body: for `POST /tokens` and the password changes, whose own parsers read the rest.
///
/// # Errors
/// 400 at `/meta/otp` when it is not a string (or too long), 400 for a body that is not JSON.
pub fn otp_of(body: &[u8]) -> Result<Option<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let top = parse_body(body)?;
    match top.get("meta") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => {
            let mut m = Members::new(m.clone(), "/meta");
            optional(&mut m, "otp")
        }
        Some(v) => Err(crate::api::input::type_mismatch("/meta", v, "object")),
    }
}

/// `POST`: `meta.password` or `meta.otp` (optional `data.type`). Strict.
///
/// # Errors
/// 400 for mistyped or unpermitted members.
pub fn parse_create(body: &[u8]) -> Result<(Option<String>, Option<String>)> {
    let mut m = parse_meta(body)?;
    let pw = optional(&mut m, "password")?;
    let otp = optional(&mut m, "otp")?;
    m.finish()?;
    Ok((pw, otp))
}

/// `PATCH`: `data.attributes.enabled` (required boolean) and `meta.otp` (required).
///
/// # Errors
/// 400 for a missing, mistyped or unpermitted member.
pub fn parse_update(body: &[u8]) -> Result<(bool, String)> {
    let mut r = ResourceInput::parse(body, "second-factors")?;
    let enabled = match r.attrs.bool("enabled")? {
        Field::Set(b) => b,
        _ => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data/attributes/enabled")),
    };
    r.finish()?;
    let otp = otp_of(body)?.ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer("/meta/otp"))?;
    Ok((enabled, otp))
}

/// The user `id` (id or email) if the caller may do `action` on its factors (admins any user,
/// a user itself; Keygen's `Users::SecondFactorPolicy`).
async fn target<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<UserRow> {
    readable(caller, action, "user", id, users::find(app, caller.account_id(), id), async |u| {
        Ok(match &caller.bearer {
            Bearer::Admin { role: crate::domain::states::UserRole::Admin, .. } => Ownership::Own,
            Bearer::Admin { user_id, .. } | Bearer::User { user_id } => Ownership::of(*user_id == u.id),
            // organization admins (issue 10 §7)
            Bearer::OrganizationAdmin { user_id, .. } => Ownership::of(*user_id == u.id),
            // Resellers (issue 10 §7): itself only.
            Bearer::ResellerAdmin { user_id, .. } => Ownership::of(*user_id == u.id),
            _ => Ownership::Foreign,
        })
    })
    .await
}

async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, u: &UserRow, id: &str) -> Result<SecondFactorRow> {
    fetch_one(app.db, sql::second_factors::FIND, &[u.account_id.clone().into(), u.id.clone().into(), id.into()])
        .await?
        .ok_or_else(|| Error::not_found("second factor", id))
}

async fn enabled_factor<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, user_id: &str) -> Result<Option<SecondFactorRow>> {
    Ok(fetch_one(app.db, sql::second_factors::FIND_ENABLED_FOR_USER, &[account_id.into(), user_id.into()]).await?)
}

/// The step `otp` matches on factor `f` now, not yet spent; `None` when it matches nothing.
fn matching_step<D: Db, K: Kv>(app: &App<'_, D, K>, f: &SecondFactorRow, otp: &str) -> Result<Option<u64>> {
    let secret = TotpSecret::unseal(app.secret, &f.sealed_secret)?;
    let now = u64::try_from(app.now() / 1000).unwrap_or(0);
    let last = f.last_step.and_then(|s| u64::try_from(s).ok());
    Ok(totp::verify(&secret, otp, now, last))
}

fn spend(f: &SecondFactorRow, step: u64, enable: Option<bool>, now: i64) -> Stmt {
    Stmt::new(
        sql::second_factors::SPEND_STEP,
        vec![
            f.account_id.clone().into(),
            f.user_id.clone().into(),
            f.id.clone().into(),
            i64::try_from(step).unwrap_or(i64::MAX).into(),
            enable.map_or(Value::Null, |e| i64::from(e).into()),
            now.into(),
        ],
    )
}

/// Checks and spends `otp` on factor `f` (with `enable` applied in the same guarded UPDATE).
async fn spend_code<D: Db, K: Kv>(app: &App<'_, D, K>, f: &SecondFactorRow, otp: &str, enable: Option<bool>) -> Result<()> {
    let step = matching_step(app, f, otp)?.ok_or_else(otp_invalid)?;
    let res = app.db.batch(vec![spend(f, step, enable, app.now())]).await?;
    // 0 rows: a concurrent request spent this step (or a later one) first.
    if res.first().is_some_and(|r| r.changes == 1) {
        Ok(())
    } else {
        Err(otp_invalid())
    }
}

/// The gate of password login and password changes: when user `user_id` has an enabled factor,
/// `otp` must be one of its current codes, not used before (it is spent here).
///
/// # Errors
/// 401 `OTP_REQUIRED` without `otp`, 401 `OTP_INVALID` for a wrong, stale or replayed one, both
/// at `/meta/otp`.
pub async fn require_otp<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, user_id: &str, otp: Option<&str>) -> Result<()> {
    let Some(f) = enabled_factor(app, account_id, user_id).await? else {
        return Ok(());
    };
    let Some(otp) = otp else {
        return Err(Error::new(Code::OtpRequired, "second factor is required").pointer("/meta/otp"));
    };
    spend_code(app, &f, otp, None).await
}

/// User `user`'s factors.
///
/// # Errors
/// 401/403/404 from the access table.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user: &str) -> Result<Vec<SecondFactorRow>> {
    let u = target(app, caller, user, Action::SecondFactorRead).await?;
    Ok(fetch_all(app.db, sql::second_factors::LIST_FOR_USER, &[u.account_id.clone().into(), u.id.clone().into()]).await?)
}

/// One factor of user `user`.
///
/// # Errors
/// 401/403/404 from the access table; 404 for an unknown factor.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user: &str, id: &str) -> Result<SecondFactorRow> {
    let u = target(app, caller, user, Action::SecondFactorRead).await?;
    find(app, &u, id).await
}

/// Creates a (disabled) factor for user `user`; returns it with the provisioning URI, the only
/// time the secret leaves the server.
///
/// # Errors
/// 401/403/404 from the access table; 401 `PASSWORD_INVALID` at `/meta/password` (no factor
/// enabled) or `OTP_INVALID` at `/meta/otp` (one enabled); 409 `CONFLICT` when the user already
/// has a factor.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user: &str, pw: Option<&str>, otp: Option<&str>) -> Result<(SecondFactorRow, String)> {
    let u = target(app, caller, user, Action::SecondFactorManage).await?;
    if let Some(f) = enabled_factor(app, &u.account_id, &u.id).await? {
        spend_code(app, &f, otp.unwrap_or_default(), None).await?;
    } else {
        let wrong = || Error::new(Code::PasswordInvalid, "password must be valid").pointer("/meta/password");
        let pw = pw.unwrap_or_default();
        match &u.password_hash {
            Some(hash) if !pw.is_empty() => {
                if !password::verify(app.kdf, pw, hash).await? {
                    return Err(wrong());
                }
            }
            _ => {
                password::burn(app.kdf, pw).await?;
                return Err(wrong());
            }
        }
    }
    let secret = TotpSecret::generate(app.rng);
    let id = app.uuid();
    let params = vec![id.clone().into(), u.account_id.clone().into(), u.id.clone().into(), secret.seal(app.secret, app.rng).into(), app.now().into()];
    let ev = events::Event { name: "second-factor.created", resource_type: "second-factors", resource_id: &id, changes: None, meta: None };
    let res =
        app.db.batch(vec![Stmt::new(sql::second_factors::INSERT, params), events::record_if_changed(app, caller.account_id(), &caller.bearer, ev)]).await?;
    if res.first().is_none_or(|r| r.changes != 1) {
        return Err(Error::new(Code::ConcurrentUpdate, "the user already has a second factor (delete it first)").pointer("/data"));
    }
    let row = find(app, &u, &id).await?;
    Ok((row, secret.provisioning_uri(ISSUER, &u.email)))
}

/// Enables or disables factor `id` with a code of this factor.
///
/// # Errors
/// 401/403/404 from the access table; 404 for an unknown factor; 401 `OTP_INVALID` at `/meta/otp`.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user: &str, id: &str, enabled: bool, otp: &str) -> Result<SecondFactorRow> {
    let u = target(app, caller, user, Action::SecondFactorManage).await?;
    let f = find(app, &u, id).await?;
    spend_code(app, &f, otp, Some(enabled)).await?;
    find(app, &u, id).await
}

/// Deletes factor `id`; while it is enabled, `otp` must be one of its codes (spent by the
/// guarded DELETE itself).
///
/// # Errors
/// 401/403/404 from the access table; 404 for an unknown factor; 401 `OTP_INVALID` at `/meta/otp`.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user: &str, id: &str, otp: Option<&str>) -> Result<()> {
    let u = target(app, caller, user, Action::SecondFactorManage).await?;
    let f = find(app, &u, id).await?;
    let step = if f.enabled == 1 { matching_step(app, &f, otp.unwrap_or_default())?.ok_or_else(otp_invalid)? } else { 0 };
    let guard = if f.enabled == 1 { i64::try_from(step).unwrap_or(i64::MAX) } else { i64::MAX };
    let params = vec![f.account_id.clone().into(), f.user_id.clone().into(), f.id.clone().into(), guard.into()];
    let ev = events::Event { name: "second-factor.deleted", resource_type: "second-factors", resource_id: &f.id, changes: None, meta: None };
    let res = app
        .db
        .batch(vec![Stmt::new(sql::second_factors::DELETE_SPENDING_STEP, params), events::record_if_changed(app, caller.account_id(), &caller.bearer, ev)])
        .await?;
    if res.first().is_some_and(|r| r.changes == 1) {
        Ok(())
    } else {
        Err(otp_invalid())
    }
}

//! Users: admins manage them (products may create and read licensees of their licenses); a user
//! reads and updates itself. Ban/unban by admins. Lookup by id or email.

use serde_json::{json, Map, Value};

use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::crypto::password;
use crate::error::{AttrFault, Code, Error};
use crate::rng::is_uuid;
use crate::service::{events, metadata_text, App, Bearer, Caller};
use crate::store::rows::UserRow;
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// Attributes of a create or update.
#[derive(Debug, Default)]
pub struct UserInput {
    id: Option<String>,
    email: Field<String>,
    first_name: Field<String>,
    last_name: Field<String>,
    password: Field<String>,
    role: Field<String>,
    metadata: Field<Map<String, Value>>,
}

/// Parses a user document.
pub fn parse(body: &[u8], creating: bool) -> Result<UserInput> {
    let mut r = ResourceInput::parse(body, "users")?;
    let u = UserInput {
        id: r.id.take(),
        email: r.attrs.string("email")?,
        first_name: r.attrs.string("firstName")?,
        last_name: r.attrs.string("lastName")?,
        password: r.attrs.string("password")?,
        role: r.attrs.string("role")?,
        metadata: r.attrs.object("metadata")?,
    };
    r.attrs.raw("permissions");
    r.finish()?;
    match &u.email {
        Field::Set(e) if !valid_email(e) => return Err(Error::attribute("email", AttrFault::Invalid, "must be a valid email")),
        Field::Absent | Field::Null if creating => return Err(Error::attribute("email", AttrFault::Missing, "must not be blank")),
        Field::Null => return Err(Error::attribute("email", AttrFault::Missing, "must not be blank")),
        _ => {}
    }
    if let Field::Set(p) = &u.password {
        if p.len() < 8 {
            return Err(Error::attribute("password", AttrFault::Invalid, "is too short (minimum is 8 characters)"));
        }
    }
    if let Field::Set(role) = &u.role {
        if role != "user" && role != "admin" {
            return Err(Error::attribute("role", AttrFault::NotAllowed, "must be one of: user, admin"));
        }
    }
    if let Some(id) = &u.id {
        if !is_uuid(id) {
            return Err(Error::new(Code::ParameterInvalid, "must be a valid UUID").pointer("/data/id"));
        }
    }
    Ok(u)
}

fn valid_email(e: &str) -> bool {
    let e = e.trim();
    e.len() <= 255 && e.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.') && !e.contains(char::is_whitespace))
}

/// A user by id or email, without access checks.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<UserRow>> {
    Ok(fetch_one(app.db, sql::users::FIND, &[account_id.into(), id.into()]).await?)
}

/// A user the caller may see.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<UserRow> {
    let u = find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("user", id))?;
    match &caller.bearer {
        Bearer::Admin { .. } => Ok(u),
        Bearer::User { user_id } if *user_id == u.id => Ok(u),
        Bearer::Product { product_id } => {
            let related =
                fetch_one::<Value>(app.db, sql::users::RELATED_TO_PRODUCT, &[caller.account_id().into(), u.id.clone().into(), product_id.clone().into()])
                    .await?;
            if related.is_some() {
                Ok(u)
            } else {
                Err(Error::not_found("user", id))
            }
        }
        Bearer::Anonymous => Err(caller.denied()),
        _ => Err(Error::not_found("user", id)),
    }
}

/// Lists users the caller may see; filters `roles[]`/`role`, `status` (`ACTIVE`/`BANNED`).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<UserRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let (only, product) = match &caller.bearer {
        Bearer::Admin { .. } => (Value::Null, Value::Null),
        Bearer::User { user_id } => (user_id.clone().into(), Value::Null),
        Bearer::Product { product_id } => (Value::Null, product_id.clone().into()),
        Bearer::Anonymous => return Err(caller.denied()),
        Bearer::License { .. } => return Err(Error::forbidden()),
    };
    let role = q.get("roles[]").or(q.get("role")).map(str::to_owned);
    let banned = match q.get("status") {
        None => Value::Null,
        Some("BANNED") => 1.into(),
        Some("ACTIVE") => 0.into(),
        Some(_) => return Err(Error::new(Code::ParameterInvalid, "must be ACTIVE or BANNED").parameter("status")),
    };
    let f = vec![caller.account_id().into(), only, product, opt(role), banned];
    crate::service::fetch_page(app.db, sql::users::LIST, sql::users::COUNT, f, page).await
}

/// Creates a user (admins and products; only admins may create admins).
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: UserInput) -> Result<UserRow> {
    let role = input.role.set().unwrap_or_else(|| "user".into());
    match (&caller.bearer, role.as_str()) {
        (Bearer::Admin { .. }, _) | (Bearer::Product { .. }, "user") => {}
        (Bearer::Anonymous, _) => return Err(caller.denied()),
        _ => return Err(Error::forbidden()),
    }
    let now = app.now();
    let id = input.id.unwrap_or_else(|| app.uuid());
    let email = input.email.set().unwrap_or_default().trim().to_lowercase();
    if find(app, caller.account_id(), &email).await?.is_some() {
        return Err(Error::attribute("email", AttrFault::Taken, "has already been taken"));
    }
    let hash = input.password.set().map(|p| password::hash(&p, app.rng));
    let email_taken = email.clone();
    let res = app
        .db
        .batch(vec![
            Stmt::new(
                sql::users::INSERT,
                vec![
                    id.clone().into(),
                    caller.account_id().into(),
                    email.into(),
                    opt(input.first_name.set()),
                    opt(input.last_name.set()),
                    role.into(),
                    opt(hash),
                    metadata_text(&input.metadata.set().unwrap_or_default()).into(),
                    now.into(),
                ],
            ),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "user.created", resource_type: "users", resource_id: &id, changes: None, meta: None },
            ),
        ])
        .await;
    // `ON CONFLICT DO NOTHING` on every unique key: no row is a conflict, told apart positively
    // (the email, else the id); any store error is a 500, never a client error.
    if res?.first().map_or(0, |s| s.changes) != 1 {
        return Err(if fetch_one::<Value>(app.db, sql::users::EMAIL_EXISTS, &[caller.account_id().into(), email_taken.into()]).await?.is_some() {
            Error::attribute("email", AttrFault::Taken, "has already been taken")
        } else {
            Error::new(Code::IdConflict, "must not conflict with another user").pointer("/data/id")
        });
    }
    find(app, caller.account_id(), &id).await?.ok_or_else(|| Error::internal("user vanished after insert"))
}

/// Updates a user (admins; a user may update its own names, email, password and metadata).
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: UserInput) -> Result<UserRow> {
    let u = show(app, caller, id).await?;
    if !caller.bearer.is_admin() && !matches!(&caller.bearer, Bearer::User { user_id } if *user_id == u.id) {
        return Err(Error::forbidden());
    }
    if input.role.is_present() && !caller.bearer.is_admin() {
        return Err(Error::new(Code::Forbidden, "only admins may change a role").pointer("/data/attributes/role"));
    }
    let email = input.email.set().map_or(u.email.clone(), |e| e.trim().to_lowercase());
    if email != u.email && find(app, caller.account_id(), &email).await?.is_some() {
        return Err(Error::attribute("email", AttrFault::Taken, "has already been taken"));
    }
    let first = input.first_name.into_update().unwrap_or(u.first_name.clone());
    let last = input.last_name.into_update().unwrap_or(u.last_name.clone());
    let role = input.role.set().unwrap_or(u.role.clone());
    let hash = match input.password {
        Field::Set(p) => Some(password::hash(&p, app.rng)),
        Field::Null => None,
        Field::Absent => u.password_hash.clone(),
    };
    let metadata = input.metadata.into_update().map_or(u.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let changes = json!({"email": email, "firstName": first, "lastName": last, "role": role});
    app.db
        .batch(vec![
            Stmt::new(
                sql::users::UPDATE,
                vec![
                    caller.account_id().into(),
                    u.id.clone().into(),
                    email.into(),
                    opt(first),
                    opt(last),
                    role.into(),
                    opt(hash),
                    metadata.into(),
                    app.now().into(),
                ],
            ),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "user.updated", resource_type: "users", resource_id: &u.id, changes: Some(changes), meta: None },
            ),
        ])
        .await?;
    show(app, caller, &u.id).await
}

/// Bans (`true`) or unbans a user (admins).
pub async fn set_banned<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, banned: bool) -> Result<UserRow> {
    caller.require_admin()?;
    let u = show(app, caller, id).await?;
    if u.role == "admin" {
        return Err(Error::new(Code::StateInvalid, "admins cannot be banned"));
    }
    if banned == u.banned_at.is_some() {
        return Err(Error::new(Code::StateInvalid, if banned { "user is already banned" } else { "user is not banned" }));
    }
    let now = app.now();
    app.db
        .batch(vec![
            Stmt::new(sql::users::SET_BANNED, vec![caller.account_id().into(), u.id.clone().into(), if banned { now.into() } else { Value::Null }, now.into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event {
                    name: if banned { "user.banned" } else { "user.unbanned" },
                    resource_type: "users",
                    resource_id: &u.id,
                    changes: None,
                    meta: None,
                },
            ),
        ])
        .await?;
    show(app, caller, &u.id).await
}

/// Deletes a user (admins) and its tokens.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    caller.require_admin()?;
    let u = show(app, caller, id).await?;
    if matches!(&caller.bearer, Bearer::Admin { user_id } if *user_id == u.id) {
        return Err(Error::new(Code::StateInvalid, "an admin cannot delete itself"));
    }
    app.db
        .batch(vec![
            Stmt::new(sql::tokens::DELETE_FOR_BEARER, vec![caller.account_id().into(), "user".into(), u.id.clone().into()]),
            Stmt::new(sql::users::DELETE, vec![caller.account_id().into(), u.id.clone().into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "user.deleted", resource_type: "users", resource_id: &u.id, changes: None, meta: None },
            ),
        ])
        .await?;
    Ok(())
}

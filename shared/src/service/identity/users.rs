//! Users: admins manage them (products may create and read licensees of their licenses); a user
//! reads and updates itself. Ban/unban by admins. Lookup by id or email.

use serde_json::{json, Map, Value};

use crate::access::organization_admins;
use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::crypto::password;
use crate::domain::states::{BearerType, UserRole};
use crate::error::{AttrFault, Code, Error};
use crate::service::identity::organizations;
use crate::service::identity::second_factors;
use crate::service::identity::tokens::{self, Issued, TokenInput};
use crate::service::identity::{reseller_members, resellers};
use crate::service::{events, metadata_text, readable, App, Bearer, Caller};
use crate::store::rows::UserRow;
// The lists (`GET /users`, a product's users) and their filters (issue 8 list scopes).
pub use super::user_lists::{list, list_filters, list_of_product};
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
    role: Field<UserRole>,
    metadata: Field<Map<String, Value>>,
    /// `meta.oldPassword`: the current password, which a non-admin must send to change its own.
    old_password: Option<String>,
    /// `meta.otp`: a code of the user's enabled second factor, required to change one's own password.
    otp: Option<String>,
    /// `permissions` (admins only; checked by [`access::roles::user_permissions`]).
    permissions: Option<Value>,
    /// Organization on create (issue 10 §7): `relationships.organization`.
    organization: Field<String>,
    /// Route diff (issue 8): `relationships.group` on create (Keygen's `POST /users`).
    group: Field<String>,
}

/// A `role` attribute as a [`UserRole`].
///
/// # Errors
/// 422 (`/data/attributes/role`) for a role that is not one of Keygen's user roles.
fn role_field(f: Field<String>) -> Result<Field<UserRole>> {
    Ok(match f {
        Field::Set(s) => {
            Field::Set(s.parse::<UserRole>().ok().ok_or_else(|| {
                Error::attribute("role", AttrFault::NotAllowed, "must be one of: user, admin, developer, sales-agent, support-agent, read-only")
            })?)
        }
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    })
}

/// Parses a user document.
pub fn parse(body: &[u8], creating: bool) -> Result<UserInput> {
    let mut r = ResourceInput::parse(body, "users")?;
    let u = UserInput {
        id: r.client_id()?,
        email: r.attrs.string("email")?,
        first_name: r.attrs.string("firstName")?,
        last_name: r.attrs.string("lastName")?,
        password: r.attrs.string("password")?,
        role: role_field(r.attrs.string("role")?)?,
        metadata: r.attrs.object("metadata")?,
        old_password: old_password(body)?,
        otp: second_factors::otp_of(body)?,
        permissions: r.attrs.raw("permissions"),
        organization: r.rels.one("organization", "organizations")?,
        group: if creating { r.rels.one("group", "groups")? } else { Field::Absent },
    };
    r.finish()?;
    if !creating && u.organization.is_present() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter (use PUT /users/{id}/organization)").pointer(organizations::ON_CREATE));
    }
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
    Ok(u)
}

/// `meta.oldPassword`, if sent (the body is already known to be a JSON object).
fn old_password(body: &[u8]) -> Result<Option<String>> {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    match v.get("meta").and_then(|m| m.get("oldPassword")) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::new(Code::ParameterInvalid, "must be a string").pointer("/meta/oldPassword")),
    }
}

/// A non-admin changing (or removing) its own password proves the current one first, so a stolen
/// token cannot take the account over. Admins manage passwords without it.
///
/// # Errors
/// 400 `PARAMETER_MISSING` without `meta.oldPassword`; 401 `PASSWORD_INVALID` for a wrong one (or
/// a user without a password), both at `/meta/oldPassword`.
async fn check_old_password<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, u: &UserRow, old: Option<&str>) -> Result<()> {
    if crate::access::permits(caller, crate::access::Action::PasswordChangeWithoutOld) {
        return Ok(());
    }
    let Some(old) = old.filter(|o| !o.is_empty()) else {
        return Err(Error::new(Code::ParameterMissing, "is required to change the password (the current password)").pointer("/meta/oldPassword"));
    };
    let ok = match &u.password_hash {
        Some(h) => password::verify(app.kdf, old, h).await?,
        None => {
            password::burn(app.kdf, old).await?;
            false
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::new(Code::PasswordInvalid, "is not valid").pointer("/meta/oldPassword"))
    }
}

/// Whether `e` is an email Latchkey accepts.
pub(crate) fn valid_email(e: &str) -> bool {
    let e = e.trim();
    e.len() <= 255 && e.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.') && !e.contains(char::is_whitespace))
}

/// A user by id or email, without access checks.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<UserRow>> {
    Ok(fetch_one(app.db, sql::users::FIND, &[account_id.into(), id.into()]).await?)
}

/// The ids of the users named in an attach/detach body (by id or email), each at most once.
///
/// # Errors
/// 422 `USER_NOT_FOUND` / `USER_TAKEN` (named twice) at `/data/<i>`.
pub async fn resolve_distinct<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, requested: &[String]) -> Result<Vec<String>> {
    let mut ids: Vec<String> = Vec::with_capacity(requested.len());
    for (i, r) in requested.iter().enumerate() {
        let u = find(app, account_id, r).await?.ok_or_else(|| Error::attribute("user", AttrFault::NotFound, "must exist").pointer(format!("/data/{i}")))?;
        if ids.contains(&u.id) {
            return Err(Error::attribute("user", AttrFault::Taken, "already exists").pointer(format!("/data/{i}")));
        }
        ids.push(u.id);
    }
    Ok(ids)
}

/// The user relative to the bearer: itself for a user; for a product, a user (never an admin)
/// who owns or is licensed to one of its licenses.
async fn ownership<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, u: &UserRow) -> Result<Ownership> {
    Ok(match &caller.bearer {
        Bearer::Admin { .. } | Bearer::Environment { .. } => Ownership::Own,
        Bearer::User { user_id } => Ownership::of(*user_id == u.id),
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, organization_id } => organization_admins::user_ownership(user_id, organization_id, u),
        // Resellers (issue 10 §7): itself, and its reseller's customers (never its other admins).
        Bearer::ResellerAdmin { user_id, reseller_id } => {
            Ownership::of(*user_id == u.id || (u.role == UserRole::User && u.reseller_id.as_deref() == Some(reseller_id.as_str())))
        }
        Bearer::Product { product_id } if u.role == UserRole::User => {
            let params = [caller.account_id().into(), u.id.clone().into(), product_id.clone().into()];
            Ownership::of(fetch_one::<Value>(app.db, sql::users::RELATED_TO_PRODUCT, &params).await?.is_some())
        }
        _ => Ownership::Foreign,
    })
}

/// A user the caller may see.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<UserRow> {
    authorize(app, caller, id, Action::UserRead).await
}

/// The user `id` (or email) if the access table lets the caller do `action` on it; anonymous
/// callers get 401 before the lookup, so they never learn which emails exist.
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<UserRow> {
    readable(caller, action, "user", id, find(app, caller.account_id(), id), async |u| {
        crate::service::compatible(caller, action, &u.account_id)?;
        ownership(app, caller, u).await
    })
    .await
}

/// Creates a user (admins and products; only admins may create admins).
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: UserInput) -> Result<UserRow> {
    let role = input.role.set().unwrap_or(UserRole::User);
    access::require(caller, if role.is_staff() { Action::AdminCreate } else { Action::UserCreate })?;
    access::roles::check_assign(caller, None, role)?;
    organization_admins::check_role(caller, None, role)?;
    let permissions = access::roles::user_permissions(caller, role, input.permissions, None, false)?.flatten();
    // Organization on create (issue 10 §7): an organization admin's users join its own; others
    // name one as `PUT /users/{id}/organization` allows them. Staff never join one.
    let organization = match organization_admins::organization_of(caller) {
        Some(mine) => match input.organization.clone() {
            Field::Set(o) if o != mine => return Err(Error::attribute("organization", AttrFault::NotFound, "must exist")),
            _ => Some(mine.to_owned()),
        },
        None => organizations::on_create(app, caller, input.organization.clone(), Action::UserOrganizationChange).await?.map(|o| o.id),
    };
    organization_admins::staff_refused(role, organization.is_some(), organizations::ON_CREATE)?;
    let now = app.now();
    let id = input.id.unwrap_or_else(|| app.uuid());
    let email = input.email.set().unwrap_or_default().trim().to_lowercase();
    if find(app, caller.account_id(), &email).await?.is_some() {
        return Err(Error::attribute("email", AttrFault::Taken, "has already been taken"));
    }
    // Route diff (issue 8): a group on create, for whoever may set a user's group (Keygen lets
    // admins, staff, products and environments name it).
    let group = input.group.set();
    if group.is_some() && !access::permits(caller, Action::UserGroupChange) {
        return Err(Error::forbidden().pointer("/data/relationships/group"));
    }
    // Organization groups (issue 10 §7): an organization admin's new member joins only one of
    // its organization's groups (a vendor group is one it cannot name).
    if let (Some(g), Some(_)) = (&group, organization_admins::organization_of(caller)) {
        let of = crate::store::groups::find(app.db, caller.account_id(), g).await?.map(|g| g.organization_id);
        if !of.is_some_and(|o| organization_admins::may_name_group(caller, o.as_deref())) {
            return Err(Error::attribute("group", AttrFault::NotFound, "must exist").pointer("/data/relationships/group"));
        }
    }
    let hash = match input.password.set() {
        Some(p) => Some(password::hash(app.kdf, app.rng, &p).await?),
        None => None,
    };
    let email_taken = email.clone();
    let org_event = events::Event { name: "organization.user.created", resource_type: "users", resource_id: &id, changes: None, meta: None };
    // Resellers (issue 10 §7): a reseller admin's customer is its reseller's, inserted only within
    // `allowedUsers` (`reseller.user.created` too).
    let reseller = resellers::of_bearer(caller);
    let customer = |s: Stmt| match reseller {
        Some(r) => reseller_members::customer_insert(s, r),
        None => s,
    };
    let mut stmts = vec![
        customer(sql::users::insert(sql::users::NewUser {
            id: &id,
            account_id: caller.account_id(),
            email: &email,
            first_name: input.first_name.set(),
            last_name: input.last_name.set(),
            role,
            password_hash: hash,
            metadata: metadata_text(&input.metadata.set().unwrap_or_default()),
            now,
            permissions,
            organization_id: organization.clone(),
            group_id: group.clone(),
        })),
        events::record_if_changed(
            app,
            caller.account_id(),
            &caller.bearer,
            events::Event { name: "user.created", resource_type: "users", resource_id: &id, changes: None, meta: None },
        ),
    ];
    if organization.is_some() {
        // Cryptlex's `organization.user.created` (issue 10 §7), behind the same guard.
        stmts.push(events::record_if_changed(app, caller.account_id(), &caller.bearer, org_event));
    }
    if let Some(r) = reseller {
        stmts.push(events::record_if_changed(app, caller.account_id(), &caller.bearer, reseller_members::customer_created(&id, r)));
    }
    let res = app.db.batch(stmts).await;
    // `ON CONFLICT DO NOTHING` on every unique key: no row is a conflict, told apart positively
    // (the email, else the id); any store error is a 500, never a client error.
    if res?.first().map_or(0, |s| s.changes) != 1 {
        if let Some(r) = reseller {
            let free = fetch_one::<Value>(app.db, sql::users::EMAIL_EXISTS, &[caller.account_id().into(), email_taken.clone().into()]).await?.is_none();
            if free && find(app, caller.account_id(), &id).await?.is_none() {
                let allowed = resellers::find(app, caller.account_id(), r).await?.map_or(0, |r| r.allowed_users);
                return Err(resellers::user_limit(allowed).pointer("/data"));
            }
        }
        if fetch_one::<Value>(app.db, sql::users::EMAIL_EXISTS, &[caller.account_id().into(), email_taken.into()]).await?.is_some() {
            return Err(Error::attribute("email", AttrFault::Taken, "has already been taken"));
        }
        if find(app, caller.account_id(), &id).await?.is_some() {
            return Err(Error::new(Code::IdConflict, "must not conflict with another user").pointer("/data/id"));
        }
        // The guards of the insert: the group (route diff, issue 8) or the organization (issue
        // 10 §7) is full, or was deleted meanwhile.
        if let Some(g) = &group {
            #[derive(serde::Deserialize)]
            struct Room {
                n: Option<i64>,
                used: i64,
            }
            match fetch_one::<Room>(app.db, sql::users::GROUP_MAX_USERS, &[caller.account_id().into(), g.clone().into()]).await? {
                None => return Err(Error::attribute("group", AttrFault::NotFound, "must exist")),
                Some(Room { n: Some(n), used }) if used >= n => {
                    return Err(Error::new(Code::GroupUserLimitExceeded, format!("user count has exceeded maximum allowed by current group ({n})"))
                        .pointer("/data/relationships/group"));
                }
                Some(_) => {}
            }
        }
        return Err(if organization.is_some() {
            Error::new(Code::OrganizationUserLimitExceeded, "user count has exceeded maximum allowed by the organization").pointer(organizations::ON_CREATE)
        } else {
            Error::new(Code::IdConflict, "must not conflict with another user").pointer("/data/id")
        });
    }
    find(app, caller.account_id(), &id).await?.ok_or_else(|| Error::internal("user vanished after insert"))
}

/// Updates a user (admins; a user may update its own names, email, password and metadata, and
/// must send its current password as `meta.oldPassword` to change the password).
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: UserInput) -> Result<UserRow> {
    if input.role.is_present() {
        access::gate(caller, Action::UserRoleChange).map_err(|e| e.pointer("/data/attributes/role"))?;
    }
    let u = authorize(app, caller, id, Action::UserUpdate).await?;
    if input.role.is_present() {
        access::check(caller, Action::UserRoleChange, Ownership::None, "user", id).map_err(|e| e.pointer("/data/attributes/role"))?;
    }
    let email = input.email.set().map_or(u.email.clone(), |e| e.trim().to_lowercase());
    if email != u.email && find(app, caller.account_id(), &email).await?.is_some() {
        return Err(Error::attribute("email", AttrFault::Taken, "has already been taken"));
    }
    let first = input.first_name.into_update().unwrap_or(u.first_name.clone());
    let last = input.last_name.into_update().unwrap_or(u.last_name.clone());
    let role = input.role.set().unwrap_or(u.role);
    access::roles::check_assign(caller, Some(u.role), role)?;
    // organization admins (issue 10 §7): who may give the role; staff never in an organization.
    organization_admins::check_role(caller, Some(u.role), role)?;
    organization_admins::staff_refused(role, u.organization_id.is_some() && role != u.role, "/data/attributes/role")?;
    let permissions =
        access::roles::user_permissions(caller, role, input.permissions, u.permissions.as_deref(), role != u.role)?.unwrap_or(u.permissions.clone());
    if input.password.is_present() {
        check_old_password(app, caller, &u, input.old_password.as_deref()).await?;
        // One's own password: a stolen session must not lock the owner out past its second factor.
        if matches!(&caller.bearer, Bearer::Admin { user_id, .. } | Bearer::User { user_id } | Bearer::ResellerAdmin { user_id, .. } if *user_id == u.id) {
            second_factors::require_otp(app, caller.account_id(), &u.id, input.otp.as_deref()).await?;
        }
    }
    let hash = match input.password {
        Field::Set(p) => Some(password::hash(app.kdf, app.rng, &p).await?),
        Field::Null => None,
        Field::Absent => u.password_hash.clone(),
    };
    let metadata = input.metadata.into_update().map_or(u.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let changes = json!({"email": email, "firstName": first, "lastName": last, "role": role.as_str()});
    let res = app
        .db
        .batch(vec![
            Stmt::new(
                sql::users::UPDATE,
                vec![
                    caller.account_id().into(),
                    u.id.clone().into(),
                    email.into(),
                    opt(first),
                    opt(last),
                    role.as_str().into(),
                    opt(hash),
                    metadata.into(),
                    app.now().into(),
                    opt(permissions),
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
    if res.first().map_or(0, |s| s.changes) != 1 {
        // The guards of `UPDATE` (demoting the last admin; a staff role for a member moved into
        // an organization meanwhile), or the user was deleted meanwhile.
        if role != u.role {
            if let Some(now) = find(app, caller.account_id(), &u.id).await? {
                organization_admins::staff_refused(role, now.organization_id.is_some(), "/data/attributes/role")?;
            }
        }
        return Err(if u.role == UserRole::Admin && role != UserRole::Admin {
            Error::new(Code::AccountAdminsRequired, "account must have at least 1 admin user").pointer("/data/attributes/role")
        } else {
            Error::not_found("user", id)
        });
    }
    show(app, caller, &u.id).await
}

/// Bans (`true`) or unbans a user (admins).
pub async fn set_banned<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, banned: bool) -> Result<UserRow> {
    let u = authorize(app, caller, id, Action::UserBan).await?;
    if u.role.is_staff() {
        return Err(Error::new(Code::StateInvalid, "must have a user role (staff cannot be banned)"));
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
    let u = authorize(app, caller, id, Action::UserDelete).await?;
    access::roles::check_assign(caller, Some(u.role), u.role)?;
    if matches!(&caller.bearer, Bearer::Admin { user_id, .. } if *user_id == u.id) {
        return Err(Error::new(Code::StateInvalid, "an admin cannot delete itself"));
    }
    // organization admins (issue 10 §7): nor an organization admin.
    if matches!(&caller.bearer, Bearer::OrganizationAdmin { user_id, .. } if *user_id == u.id) {
        return Err(Error::new(Code::StateInvalid, "an organization admin cannot delete itself"));
    }
    app.db
        .batch(vec![
            Stmt::new(sql::tokens::DELETE_FOR_BEARER, vec![caller.account_id().into(), BearerType::User.as_str().into(), u.id.clone().into()]),
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

/// `POST /users/{id}/tokens`: a token for a user whose role is `user` (admins, and products for
/// the users of their licenses). No bearer gets an admin's token this way (as Keygen), so a
/// product can never escalate to an admin by making one a license owner.
///
/// # Errors
/// 401 for anonymous callers, 403 for an admin target or a bearer that may not, 404 for a
/// user the bearer may not see.
pub async fn create_token<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: TokenInput) -> Result<Issued> {
    access::gate(caller, Action::UserTokenCreate)?;
    let u = find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("user", id))?;
    let action = if u.role.is_staff() { Action::AdminTokenCreate } else { Action::UserTokenCreate };
    access::check(caller, action, ownership(app, caller, &u).await?, "user", id)?;
    tokens::issue(app, caller, BearerType::User, &u.id, access::permissions::kind_of(u.role), input).await
}

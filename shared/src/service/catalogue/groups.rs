//! Groups: CRUD, their licenses, users and machines, and moving a license or user into a group
//! (`PUT /licenses/{id}/group`, `PUT /users/{id}/group`) within the group's limits, enforced by
//! guarded updates.

use serde_json::{json, Map, Value};

use crate::access::{self, organization_admins, Action, Ownership};
use crate::api::input::{to_one_body, Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::policy::INT4_MAX;
use crate::domain::states::UserRole;
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, identity::users, metadata_text, readable, App, Bearer, Caller};
use crate::store::rows::{CountRow, GroupRow, UserRow};
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt};
use crate::Result;

const LIMITS: [&str; 3] = ["maxUsers", "maxLicenses", "maxMachines"];

/// A parsed group document.
#[derive(Debug, Default)]
pub struct GroupInput {
    id: Option<String>,
    name: Field<String>,
    limits: [Field<i64>; 3],
    metadata: Field<Map<String, Value>>,
}

/// Parses a group document (`name` required on create; limits ≥ 1 or null).
pub fn parse(body: &[u8], creating: bool) -> Result<GroupInput> {
    let mut r = ResourceInput::parse(body, "groups")?;
    let mut g = GroupInput { id: r.client_id()?, name: r.attrs.string("name")?, ..Default::default() };
    for (i, k) in LIMITS.iter().enumerate() {
        g.limits[i] = r.attrs.int_in(k, 1, INT4_MAX)?;
    }
    g.metadata = r.attrs.object("metadata")?;
    r.finish()?;
    let blank = match &g.name {
        Field::Set(n) => n.trim().is_empty(),
        Field::Null => true,
        Field::Absent => creating,
    };
    if blank {
        return Err(Error::attribute("name", AttrFault::Missing, "must not be blank"));
    }
    Ok(g)
}

/// A group by id (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<GroupRow>> {
    Ok(crate::store::groups::find(app.db, account_id, id).await?)
}

/// A group (admins, products; users the group they are in or own; licenses their group).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<GroupRow> {
    authorize(app, caller, id, Action::GroupRead).await
}

/// The group `id` if the access table lets the caller do `action` on it. No bearer but an
/// admin owns a group; a user's own are the group it is in and those it owns (for the group's
/// licenses, machines and users: only those it owns), a license's its group.
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<GroupRow> {
    let owners_only = matches!(action, Action::GroupLicenseRead | Action::GroupMachineRead | Action::GroupUserRead);
    readable(caller, action, "group", id, find(app, caller.account_id(), id), async |g: &GroupRow| {
        crate::service::compatible(caller, action, &g.account_id)?;
        // Organization groups (issue 10 §7): its organization's groups are an organization
        // admin's own; any other group it sees as a user, read-only (`OwnLocked`: never changed).
        if let Some(org) = organization_admins::organization_of(caller) {
            if g.organization_id.as_deref() == Some(org) {
                return Ok(Ownership::Own);
            }
            if matches!(action, Action::GroupUpdate | Action::GroupDelete) {
                let seen = ownership(app, caller, &g.id, false).await?;
                return Ok(Ownership::locked_if(seen != Ownership::Foreign, true));
            }
        }
        ownership(app, caller, &g.id, owners_only).await
    })
    .await
}

/// The caller's relation to group `group_id` ([`Ownership::None`] for admins and products,
/// whose rows do not depend on it).
async fn ownership<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, group_id: &str, owners_only: bool) -> Result<Ownership> {
    let (stmt, who) = match &caller.bearer {
        Bearer::User { user_id } if owners_only => (sql::group_owners::IS_OWNER, user_id),
        Bearer::User { user_id } => (sql::group_owners::IS_MEMBER_OR_OWNER, user_id),
        Bearer::License { license_id } => (sql::group_owners::LICENSE_IN_GROUP, license_id),
        Bearer::Admin { .. } | Bearer::Environment { .. } | Bearer::Product { .. } | Bearer::Anonymous => return Ok(Ownership::None),
        // organization admins (issue 10 §7): groups as a user.
        Bearer::OrganizationAdmin { user_id, .. } if owners_only => (sql::group_owners::IS_OWNER, user_id),
        Bearer::OrganizationAdmin { user_id, .. } => (sql::group_owners::IS_MEMBER_OR_OWNER, user_id),
        // Resellers (issue 10 §7): groups are account-wide; its rows refuse them.
        Bearer::ResellerAdmin { .. } => return Ok(Ownership::Foreign),
    };
    let count = async |stmt: &str| -> Result<i64> {
        Ok(fetch_one::<CountRow>(app.db, stmt, &[caller.account_id().into(), group_id.into(), who.as_str().into()]).await?.map_or(0, |c| c.n))
    };
    if count(stmt).await? > 0 {
        return Ok(Ownership::Own);
    }
    // Route diff (issue 8): for the owners-only reads, a member that is not an owner is
    // refused (403, as Keygen), not told the group is unknown: it may read the group itself.
    if owners_only && count(sql::group_owners::IS_MEMBER_OR_OWNER).await? > 0 {
        return Ok(Ownership::OwnLocked);
    }
    Ok(Ownership::Foreign)
}

/// The group `id` whose licenses, machines or users (`action`) the caller may read, and the
/// caller to list them as: a group owner sees all of the group's (Keygen's
/// `for_group_owner` scopes), so it lists them as a read-only staff member would, still bound
/// by its own and its token's permissions; everyone else as itself.
pub async fn members_view<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<(GroupRow, Caller)> {
    let g = authorize(app, caller, id, action).await?;
    let view = match &caller.bearer {
        Bearer::User { user_id } => Caller { bearer: Bearer::Admin { user_id: user_id.clone(), role: UserRole::ReadOnly }, ..caller.clone() },
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => Caller { bearer: Bearer::Admin { user_id: user_id.clone(), role: UserRole::ReadOnly }, ..caller.clone() },
        _ => caller.clone(),
    };
    Ok((g, view))
}

/// Whether group `g` holds its `maxLicenses` already (why a guarded license insert into it
/// wrote nothing).
pub async fn licenses_full<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, g: &GroupRow) -> Result<bool> {
    let n = fetch_one::<CountRow>(app.db, sql::groups::COUNT_LICENSES, &[account_id.into(), g.id.clone().into()]).await?.map_or(0, |c| c.n);
    Ok(g.max_licenses.is_some_and(|m| n >= m))
}

/// Lists groups (users: the group they are in and those they own; licenses: their group).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<GroupRow>, u64, Page)> {
    access::require(caller, Action::GroupRead)?;
    let page = Page::from_query(q)?;
    let (user, license) = match &caller.bearer {
        Bearer::User { user_id } => (Value::from(user_id.clone()), Value::Null),
        Bearer::License { license_id } => (Value::Null, Value::from(license_id.clone())),
        Bearer::Admin { .. } | Bearer::Environment { .. } | Bearer::Product { .. } | Bearer::Anonymous => (Value::Null, Value::Null),
        // organization admins (issue 10 §7): also its organization's groups (?4).
        Bearer::OrganizationAdmin { user_id, .. } => (Value::from(user_id.clone()), Value::Null),
        // Resellers (issue 10 §7): `GroupRead` refuses it before this.
        Bearer::ResellerAdmin { .. } => return Err(crate::Error::forbidden()),
    };
    let organization = organization_admins::organization_of(caller).map_or(Value::Null, Value::from);
    let f = vec![caller.account_id().into(), user, license, organization];
    crate::service::fetch_page(app.db, sql::groups::LIST, sql::groups::COUNT, f, page).await
}

/// A group-related event.
pub fn event<'a>(name: &'a str, ty: &'a str, id: &'a str, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: ty, resource_id: id, changes, meta: None }
}

/// Creates a group.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: GroupInput) -> Result<GroupRow> {
    access::require(caller, Action::GroupCreate)?;
    let acc = caller.account_id();
    let id = input.id.clone().unwrap_or_else(|| app.uuid());
    let [u, l, m] = input.limits;
    let params = vec![
        id.clone().into(),
        acc.into(),
        input.name.set().unwrap_or_default().into(),
        opt(u.set()),
        opt(l.set()),
        opt(m.set()),
        metadata_text(&input.metadata.set().unwrap_or_default()).into(),
        app.now().into(),
        // Organization groups (issue 10 §7): an organization admin's group is its organization's.
        organization_admins::organization_of(caller).map_or(Value::Null, Value::from),
    ];
    let res = app
        .db
        .batch(vec![Stmt::new(sql::groups::INSERT, params), events::record_if_changed(app, acc, &caller.bearer, event("group.created", "groups", &id, None))])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::IdConflict, "must not conflict with another group").pointer("/data/id"));
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("group vanished after insert"))
}

/// Updates a group.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: GroupInput) -> Result<GroupRow> {
    let g = authorize(app, caller, id, Action::GroupUpdate).await?;
    let acc = caller.account_id();
    let name = input.name.set().unwrap_or(g.name.clone());
    let current = [g.max_users, g.max_licenses, g.max_machines];
    let limits: Vec<Value> = input.limits.into_iter().zip(current).map(|(f, c)| opt(f.into_update().unwrap_or(c))).collect();
    let metadata = input.metadata.into_update().map_or(g.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let mut params: Vec<Value> = vec![acc.into(), g.id.clone().into(), name.into()];
    params.extend(limits);
    params.extend([metadata.into(), app.now().into()]);
    app.db
        .batch(vec![Stmt::new(sql::groups::UPDATE, params), events::record_if_changed(app, acc, &caller.bearer, event("group.updated", "groups", &g.id, None))])
        .await?;
    find(app, acc, &g.id).await?.ok_or_else(|| Error::not_found("group", id))
}

/// Deletes a group; its licenses, users and machines leave it.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let g = authorize(app, caller, id, Action::GroupDelete).await?;
    let acc = caller.account_id();
    let p = || vec![Value::from(acc), g.id.clone().into()];
    app.db
        .batch(vec![
            Stmt::new(sql::groups::UNGROUP_LICENSES, p()),
            Stmt::new(sql::groups::UNGROUP_USERS, p()),
            Stmt::new(sql::groups::UNGROUP_MACHINES, p()),
            Stmt::new(sql::groups::DELETE, p()),
            events::record_if_changed(app, acc, &caller.bearer, event("group.deleted", "groups", &g.id, None)),
        ])
        .await?;
    Ok(())
}

/// `GET /groups/{id}/users`: for a product, only the users (never admins) of its licenses; for
/// a group owner, all of them.
pub async fn users<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<UserRow>, u64, Page)> {
    let (g, view) = members_view(app, caller, id, Action::GroupUserRead).await?;
    let scope = view.list_scope(Action::UserRead, &Query::default())?;
    let page = Page::from_query(q)?;
    let f: Vec<Value> = vec![caller.account_id().into(), g.id.into(), scope.product];
    crate::service::fetch_page(app.db, sql::groups::LIST_USERS, sql::groups::COUNT_USERS, f, page).await
}

/// The group a to-one `groups` body names (`None` for `data: null`).
///
/// # Errors
/// 422 `GROUP_NOT_FOUND` pointing at `/data`.
pub async fn target_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, body: &[u8]) -> Result<Option<GroupRow>> {
    match to_one_body(body, "groups")? {
        Some(g) => {
            Ok(Some(find(app, caller.account_id(), &g).await?.ok_or_else(|| Error::attribute("group", AttrFault::NotFound, "must exist").pointer("/data"))?))
        }
        None => Ok(None),
    }
}

/// `PUT /users/{id}/group` (admins, and products for the users of their licenses).
///
/// # Errors
/// 422 `GROUP_NOT_FOUND`; 422 `GROUP_USER_LIMIT_EXCEEDED` when the group is full.
pub async fn set_user_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user_id: &str, body: &[u8]) -> Result<UserRow> {
    let u = users::authorize(app, caller, user_id, Action::UserGroupChange).await?;
    let acc = caller.account_id();
    let g = target_group(app, caller, body).await?;
    // Organization groups (issue 10 §7): an organization admin moves its members between its
    // organization's groups only (a vendor group it may not name; one it may not leave).
    if g.as_ref().is_some_and(|g| !organization_admins::may_name_group(caller, g.organization_id.as_deref())) {
        return Err(Error::attribute("group", AttrFault::NotFound, "must exist").pointer("/data"));
    }
    if let (Some(current), Some(_)) = (&u.group_id, organization_admins::organization_of(caller)) {
        if find(app, acc, current).await?.is_some_and(|c| !organization_admins::may_name_group(caller, c.organization_id.as_deref())) {
            return Err(Error::forbidden());
        }
    }
    let gid = g.as_ref().map(|g| g.id.clone());
    let changes = json!({"group": [u.group_id, gid]});
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::groups::SET_USER_GROUP, vec![acc.into(), u.id.clone().into(), opt(gid.clone()), now.into(), opt(u.group_id.clone())]),
            events::record_if_changed(app, acc, &caller.bearer, event("user.group.updated", "users", &u.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        // Nothing was written: a concurrent regroup, or the group is full.
        let current = users::find(app, acc, &u.id).await?.ok_or_else(|| Error::not_found("user", user_id))?;
        if current.group_id != u.group_id {
            return Err(Error::new(Code::StateInvalid, "the user's group changed concurrently; retry").pointer("/data"));
        }
        let max = g.and_then(|g| g.max_users).unwrap_or_default();
        return Err(Error::new(Code::GroupUserLimitExceeded, format!("user count has exceeded maximum allowed by current group ({max})")).pointer("/data"));
    }
    // The answer is what this write set (a re-read could show a later request's change).
    Ok(UserRow { group_id: gid, updated_at: now, ..u })
}

//! Environments (Keygen EE, issue 8): CRUD of `/environments[/{id|code}]`, environment tokens,
//! and [`select`], which the router calls once per request for `Keygen-Environment` /
//! `?environment=`.
//!
//! An environment is a sub-tenant ([`crate::domain::environments`]): creating one writes its
//! row and its tenant account row in one batch, deleting one removes both (and, through the
//! foreign keys, every record in it) in one batch. Environments themselves belong to the real
//! account. From inside an environment (Keygen's `EnvironmentPolicy` and
//! `Environments::TokenPolicy`, whose writes are strict): staff read every environment and its
//! tokens, an environment token reads only itself and its own tokens (never the list), and
//! nobody creates, changes, deletes or mints.

use serde_json::json;

use crate::access::{self, Action, Kind, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::environments::{self as rules, split, tenant_id};
use crate::domain::states::{BearerType, IsolationStrategy};
use crate::error::{AttrFault, Code, Error};
use crate::service::identity::environment_admins::{self, NewAdmin};
use crate::service::identity::tokens::{self, Issued, TokenInput};
use crate::service::{events, fetch_page, readable, App, Bearer, Caller};
use crate::store::rows::{EnvironmentRow, TokenRow};
use crate::store::{fetch_one, sql, Db, Kv};
use crate::Result;

/// A parsed environment document.
#[derive(Debug, Default)]
pub struct EnvironmentInput {
    name: Field<String>,
    code: Field<String>,
    isolation: Option<IsolationStrategy>,
    /// `relationships.admins` (create only): the environment's founding admins.
    admins: Vec<NewAdmin>,
}

/// Parses `{"data":{"type":"environments","attributes":{name, code, isolationStrategy}}}`
/// (`name` and `code` required on create; `isolationStrategy` create-only, `ISOLATED` by
/// default; `SHARED`: reads see the global records too, `sql::visible!`), and on create
/// `relationships.admins` ([`environment_admins::parse`]).
///
/// # Errors
/// 400 for a malformed document or an unpermitted member; 422 `NAME_MISSING`, `CODE_MISSING`,
/// `CODE_INVALID`, `ISOLATION_STRATEGY_INVALID`.
pub fn parse(body: &[u8], creating: bool) -> Result<EnvironmentInput> {
    let mut r = ResourceInput::parse(body, "environments")?;
    let name = r.attrs.string("name")?;
    let code = r.attrs.string("code")?;
    let isolation = if creating {
        match r.attrs.string("isolationStrategy")? {
            Field::Absent => None,
            Field::Null => return Err(Error::attribute("isolationStrategy", AttrFault::Invalid, "must be ISOLATED or SHARED")),
            Field::Set(s) => {
                Some(s.parse::<IsolationStrategy>().map_err(|_| Error::attribute("isolationStrategy", AttrFault::Invalid, "must be ISOLATED or SHARED"))?)
            }
        }
    } else {
        None
    };
    let admins = match creating {
        true => r.rels.many("admins")?.map(environment_admins::parse).transpose()?.unwrap_or_default(),
        false => Vec::new(),
    };
    r.finish()?;
    for (field, check, attr) in [(&name, rules::check_name as fn(&str) -> Result<()>, "name"), (&code, rules::check_code, "code")] {
        match field {
            Field::Set(v) => check(v)?,
            Field::Null => return Err(Error::attribute(attr, AttrFault::Missing, "can't be blank")),
            Field::Absent if creating => return Err(Error::attribute(attr, AttrFault::Missing, "can't be blank")),
            Field::Absent => {}
        }
    }
    Ok(EnvironmentInput { name, code, isolation, admins })
}

/// The environment named by `value` (an id, or an exact case-sensitive code) in account
/// `account_id`, for the request's `Keygen-Environment` header or `environment` parameter.
///
/// # Errors
/// 400 `ENVIRONMENT_INVALID` (the caller sets the `source`).
pub async fn select<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, value: &str) -> Result<EnvironmentRow> {
    let found: Option<EnvironmentRow> = fetch_one(app.db, sql::environments::FIND, &[account_id.into(), value.into()]).await?;
    found.ok_or_else(|| Error::new(Code::EnvironmentInvalid, "environment is invalid"))
}

/// The environment `id` (id or code) of the caller's account (from inside an environment
/// too, as Keygen), if the access table lets the caller do `action` on it: an environment
/// token owns only itself (Keygen's `record == bearer`; another one is 404 here, where Keygen
/// answers 403).
async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<EnvironmentRow> {
    let account = split(caller.account_id()).0;
    let found = async { Ok(fetch_one::<EnvironmentRow>(app.db, sql::environments::FIND, &[account.into(), id.into()]).await?) };
    readable(caller, action, "environment", id, found, async |e: &EnvironmentRow| {
        Ok(Ownership::of(matches!(&caller.bearer, Bearer::Environment { environment_id } if *environment_id == e.id)))
    })
    .await
}

/// Refuses environment writes from inside an environment.
fn from_global(caller: &Caller) -> Result<()> {
    match split(caller.account_id()).1 {
        None => Ok(()),
        Some(_) => Err(Error::new(Code::Forbidden, "environments are managed from the global environment (without Keygen-Environment)")),
    }
}

/// `GET /environments/{id|code}`.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<EnvironmentRow> {
    authorize(app, caller, id, Action::EnvironmentRead).await
}

/// `GET /environments`: the account's environments, from inside one too (Keygen's
/// `EnvironmentPolicy#index?`: staff roles; an environment token never).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<EnvironmentRow>, u64, Page)> {
    access::require(caller, Action::EnvironmentList)?;
    let page = Page::from_query(q)?;
    fetch_page(app.db, sql::environments::LIST, sql::environments::COUNT, vec![split(caller.account_id()).0.into()], page).await
}

/// `GET /environments/{id|code}/tokens`: the environment's own tokens (Keygen's
/// `environment.tokens.owned`), for staff and for that environment's token.
pub async fn list_tokens<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<TokenRow>, u64, Page)> {
    let e = authorize(app, caller, id, Action::EnvironmentTokenRead).await?;
    let page = Page::from_query(q)?;
    let f = vec![tenant_id(&e.account_id, &e.id).into(), BearerType::Environment.as_str().into(), e.id.clone().into()];
    fetch_page(app.db, sql::tokens::LIST, sql::tokens::COUNT, f, page).await
}

/// `GET /environments/{id|code}/tokens/{token}`: one of the environment's own tokens.
///
/// # Errors
/// 404 for a token that is not the environment's.
pub async fn show_token<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, token_id: &str) -> Result<TokenRow> {
    let e = authorize(app, caller, id, Action::EnvironmentTokenRead).await?;
    let t: Option<TokenRow> = fetch_one(app.db, sql::tokens::FIND, &[tenant_id(&e.account_id, &e.id).into(), token_id.into()]).await?;
    t.filter(|t| t.bearer_type == BearerType::Environment && t.bearer_id == e.id).ok_or_else(|| Error::not_found("token", token_id))
}

/// `POST /environments`: the environment, its tenant row and its founding admins (Keygen's
/// `relationships.admins`, admins of the new environment) in one batch, with
/// `environment.created` (and `user.created` inside it).
///
/// # Errors
/// 403 from inside an environment, or founding admins without `admin.create` (Keygen asks
/// only `environment.create`; the roles holding it by default hold both); 422 `CODE_TAKEN`
/// (case-insensitive, per account).
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: EnvironmentInput) -> Result<EnvironmentRow> {
    access::require(caller, Action::EnvironmentCreate)?;
    from_global(caller)?;
    if !input.admins.is_empty() {
        access::require(caller, Action::AdminCreate).map_err(|e| e.pointer("/data/relationships/admins"))?;
    }
    let (Field::Set(name), Field::Set(code)) = (input.name, input.code) else {
        return Err(Error::attribute("name", AttrFault::Missing, "can't be blank"));
    };
    let account = caller.account_id();
    let (id, now) = (app.uuid(), app.now());
    let isolation = input.isolation.unwrap_or(IsolationStrategy::Isolated);
    let admins = environment_admins::inserts(app, &tenant_id(account, &id), &caller.bearer, input.admins).await?;
    let mut stmts = vec![
        crate::store::Stmt::new(
            sql::environments::INSERT,
            vec![id.clone().into(), account.into(), name.into(), code.into(), isolation.as_str().into(), now.into()],
        ),
        crate::store::Stmt::new(sql::environments::INSERT_TENANT, vec![tenant_id(account, &id).into(), account.into(), id.clone().into(), now.into()]),
        events::record_if_changed(
            app,
            account,
            &caller.bearer,
            events::Event { name: "environment.created", resource_type: "environments", resource_id: &id, changes: None, meta: None },
        ),
    ];
    stmts.extend(admins);
    let res = app.db.batch(stmts).await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::attribute("code", AttrFault::Taken, "has already been taken"));
    }
    find_own(app, account, &id).await
}

/// The environment a caller inside one is in (`GET /me` of an environment token).
pub async fn current<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<EnvironmentRow> {
    match split(caller.account_id()) {
        (account, Some(env)) => find_own(app, account, env).await,
        (_, None) => Err(Error::forbidden()),
    }
}

async fn find_own<D: Db, K: Kv>(app: &App<'_, D, K>, account: &str, id: &str) -> Result<EnvironmentRow> {
    fetch_one(app.db, sql::environments::FIND, &[account.into(), id.into()]).await?.ok_or_else(|| Error::not_found("environment", id))
}

/// `PATCH /environments/{id|code}`: name and code (the isolation strategy is create-only).
///
/// # Errors
/// 403 from inside an environment; 422 `CODE_TAKEN`.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: EnvironmentInput) -> Result<EnvironmentRow> {
    let e = authorize(app, caller, id, Action::EnvironmentUpdate).await?;
    from_global(caller)?;
    let name = match input.name {
        Field::Set(n) => n,
        _ => e.name.clone(),
    };
    let code = match input.code {
        Field::Set(c) => c,
        _ => e.code.clone(),
    };
    let changes = json!({"name": [e.name, name], "code": [e.code, code]});
    let stmts = vec![
        crate::store::Stmt::new(sql::environments::UPDATE, vec![e.account_id.clone().into(), e.id.clone().into(), name.into(), code.into(), app.now().into()]),
        events::record_if_changed(
            app,
            &e.account_id,
            &caller.bearer,
            events::Event { name: "environment.updated", resource_type: "environments", resource_id: &e.id, changes: Some(changes), meta: None },
        ),
    ];
    let res = app.db.batch(stmts).await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::attribute("code", AttrFault::Taken, "has already been taken"));
    }
    find_own(app, &e.account_id, &e.id).await
}

/// What a deleted environment leaves outside D1: its machines' KV leases and its artifacts'
/// R2 objects (at most [`MAX_LEFTOVERS`] of each; leases expire with their TTL anyway), read
/// before the rows go, for `service::identity::environment_leftovers` to remove.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Leftovers {
    /// The environment's tenant id (the leases' account).
    pub tenant: String,
    /// Its machines' ids.
    pub machines: Vec<String>,
    /// Its artifacts' R2 keys.
    pub objects: Vec<String>,
}

/// The most leases and objects one deletion removes (a Worker request's KV and R2 operations
/// are bounded).
pub const MAX_LEFTOVERS: i64 = 450;

/// `DELETE /environments/{id|code}`: the environment, its tenant row and so every record in
/// it (one batch), with `environment.deleted`; returns what it leaves in KV and R2.
///
/// # Errors
/// 403 from inside an environment.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Leftovers> {
    let e = authorize(app, caller, id, Action::EnvironmentDelete).await?;
    from_global(caller)?;
    let tenant = tenant_id(&e.account_id, &e.id);
    let column = |rows: Vec<crate::store::Row>, name: &str| -> Vec<String> {
        rows.iter().filter_map(|r| r.get(name).and_then(serde_json::Value::as_str).map(str::to_owned)).collect()
    };
    let machines = column(app.db.query(sql::environments::LEFTOVER_MACHINES, &[tenant.clone().into(), MAX_LEFTOVERS.into()]).await?, "id");
    let objects = column(app.db.query(sql::environments::LEFTOVER_OBJECTS, &[tenant.clone().into(), MAX_LEFTOVERS.into()]).await?, "r2_key");
    let stmts = vec![
        crate::store::Stmt::new(sql::environments::DELETE, vec![e.account_id.clone().into(), e.id.clone().into()]),
        events::record_if_changed(
            app,
            &e.account_id,
            &caller.bearer,
            events::Event { name: "environment.deleted", resource_type: "environments", resource_id: &e.id, changes: None, meta: None },
        ),
        crate::store::Stmt::new(sql::environments::DELETE_TENANT, vec![e.account_id.clone().into(), tenant.clone().into()]),
    ];
    app.db.batch(stmts).await?;
    Ok(Leftovers { tenant, machines, objects })
}

/// `POST /environments/{id|code}/tokens`: a token whose bearer is the environment (prefix
/// `env`, no expiry unless asked), stored in the environment, so it authenticates only with
/// `Keygen-Environment` naming it. Admins and developers only (Keygen's `EnvironmentPolicy`).
///
/// # Errors
/// 403 from inside an environment; as [`tokens::issue`].
pub async fn create_token<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: TokenInput) -> Result<Issued> {
    let e = authorize(app, caller, id, Action::EnvironmentTokenCreate).await?;
    from_global(caller)?;
    let mut inside = caller.clone();
    inside.account.id = tenant_id(&e.account_id, &e.id);
    tokens::issue(app, &inside, BearerType::Environment, &e.id, Kind::Environment, input).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_requires_name_and_code_and_takes_either_strategy() {
        let code = |b: &str| parse(b.as_bytes(), true).err().map(|e| e.code.to_string());
        assert_eq!(code(r#"{"data":{"type":"environments","attributes":{"name":"Sandbox","code":"sandbox"}}}"#), None);
        assert_eq!(code(r#"{"data":{"type":"environments","attributes":{"code":"sandbox"}}}"#).as_deref(), Some("NAME_MISSING"));
        assert_eq!(code(r#"{"data":{"type":"environments","attributes":{"name":"S"}}}"#).as_deref(), Some("CODE_MISSING"));
        assert_eq!(code(r#"{"data":{"type":"environments","attributes":{"name":"S","code":"s","isolationStrategy":"SHARED"}}}"#).as_deref(), None);
        assert_eq!(
            code(r#"{"data":{"type":"environments","attributes":{"name":"S","code":"s","isolationStrategy":"isolated"}}}"#).as_deref(),
            Some("ISOLATION_STRATEGY_INVALID")
        );
        assert_eq!(code(r#"{"data":{"type":"environments","attributes":{"name":"S","code":"actions"}}}"#).as_deref(), Some("CODE_INVALID"));
    }

    #[test]
    fn the_isolation_strategy_is_create_only() {
        let e = parse(br#"{"data":{"type":"environments","attributes":{"isolationStrategy":"ISOLATED"}}}"#, false).err();
        assert_eq!(e.map(|e| e.code.to_string()).as_deref(), Some("PARAMETER_UNPERMITTED"));
        assert!(parse(br#"{"data":{"type":"environments","attributes":{"name":"New"}}}"#, false).is_ok());
    }
}

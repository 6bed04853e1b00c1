//! Key pools (issue 8): Keygen's `/keys`, the keys a `usePool` policy hands out to the licenses
//! created for it (`licensing::licenses::create` takes one atomically). A key belongs to a
//! policy that uses a pool, is 8 to 1,024 bytes, unique in the account, and never an existing
//! license's key or id (`KEY_CONFLICT`), as Keygen's `Key` model validates.

use serde_json::{json, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::{catalogue::policies, events, fetch_page, readable, App, Bearer, Caller};
use crate::store::rows::KeyRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// A parsed key document.
#[derive(Debug, Default)]
pub struct KeyInput {
    key: Field<String>,
    policy: Field<String>,
}

/// Parses a key document: `key` and the `policy` relationship on create, only `key` on update.
///
/// # Errors
/// 400 for a bad shape or an unpermitted member; 422 `KEY_MISSING` / `KEY_INVALID`.
pub fn parse(body: &[u8], creating: bool) -> Result<KeyInput> {
    let mut r = ResourceInput::parse(body, "keys")?;
    // Keygen: a create names no id; an update's id is accepted and ignored.
    if r.id.take().is_some() && creating {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer("/data/id"));
    }
    let key = r.attrs.string("key")?;
    let policy = if creating { r.rels.one("policy", "policies")? } else { Field::Absent };
    r.finish()?;
    match &key {
        Field::Set(k) if k.trim().is_empty() => return Err(Error::attribute("key", AttrFault::Missing, "can't be blank")),
        Field::Set(k) if k.len() < 8 || k.len() > 1024 => return Err(Error::attribute("key", AttrFault::Invalid, "must be between 8 and 1024 bytes")),
        Field::Null => return Err(Error::attribute("key", AttrFault::Missing, "can't be blank")),
        Field::Absent if creating => return Err(Error::attribute("key", AttrFault::Missing, "can't be blank")),
        _ => {}
    }
    if creating && !matches!(policy, Field::Set(_)) {
        return Err(Error::new(Code::ParameterMissing, "policy relationship is required").pointer("/data/relationships/policy"));
    }
    Ok(KeyInput { key, policy })
}

/// A key by id (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<KeyRow>> {
    Ok(fetch_one(app.db, sql::keys::FIND, &[account_id.into(), id.into()]).await?)
}

fn ownership(caller: &Caller, product_id: &str) -> Ownership {
    match &caller.bearer {
        Bearer::Admin { .. } | Bearer::Environment { .. } => Ownership::Own,
        Bearer::Product { product_id: own } => Ownership::of(own == product_id),
        _ => Ownership::Foreign,
    }
}

/// The key `id` if the access table lets the caller do `action` on it.
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<KeyRow> {
    readable(caller, action, "key", id, find(app, caller.account_id(), id), async |k| Ok(ownership(caller, &k.product_id))).await
}

/// Lists keys (filters `product`, `policy`); a product sees its own.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<KeyRow>, u64, Page)> {
    let scope = caller.list_scope(Action::KeyRead, q)?;
    let page = Page::from_query(q)?;
    let policy = q.get("policy").map_or(Value::Null, |v| Value::from(v.to_owned()));
    fetch_page(app.db, sql::keys::LIST, sql::keys::COUNT, vec![caller.account_id().into(), scope.product, policy], page).await
}

fn conflict(detail: &str) -> Error {
    Error::new(Code::KeyConflict, detail.to_owned()).pointer("/data/attributes/key")
}

/// Why `key` cannot be written (other than key `except`): a license has it, or another key.
async fn refusal<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, key: &str, except: &str) -> Result<Option<Error>> {
    if fetch_one::<Value>(app.db, sql::keys::LICENSE_CONFLICT, &[acc.into(), key.into()]).await?.is_some() {
        return Ok(Some(conflict("is already being used as a license's key or identifier")));
    }
    if fetch_one::<Value>(app.db, sql::keys::KEY_TAKEN, &[acc.into(), key.into(), except.into()]).await?.is_some() {
        return Ok(Some(Error::attribute("key", AttrFault::Taken, "has already been taken")));
    }
    Ok(None)
}

fn event<'a>(name: &'a str, id: &'a str, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: "keys", resource_id: id, changes, meta: None }
}

/// Adds a key to a pooled policy's pool.
///
/// # Errors
/// 422 `POLICY_NOT_FOUND`, `POLICY_NOT_SUPPORTED` (the policy does not use a pool),
/// `KEY_TAKEN`, `KEY_CONFLICT`.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: KeyInput) -> Result<KeyRow> {
    access::gate(caller, Action::KeyCreate)?;
    let acc = caller.account_id();
    let policy_id = input.policy.set().unwrap_or_default();
    let policy = policies::find(app, acc, &policy_id).await?.ok_or_else(|| Error::attribute("policy", AttrFault::NotFound, "must exist"))?;
    access::check(caller, Action::KeyCreate, ownership(caller, &policy.product_id), "policy", &policy_id).map_err(|e| {
        if e.is(Code::NotFound) {
            Error::attribute("policy", AttrFault::NotFound, "must exist")
        } else {
            e
        }
    })?;
    if !policy.config().use_pool {
        return Err(Error::new(Code::PolicyNotSupported, "cannot be added to an unpooled policy").pointer("/data/relationships/policy"));
    }
    let key = input.key.set().unwrap_or_default();
    if let Some(e) = refusal(app, acc, &key, "").await? {
        return Err(e);
    }
    let (id, now) = (app.uuid(), app.now());
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::keys::INSERT, vec![id.clone().into(), acc.into(), policy.id.clone().into(), key.clone().into(), now.into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("key.created", &id, None)),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        // A concurrent write took the key (as a key or a license's key) first.
        return Err(refusal(app, acc, &key, &id).await?.unwrap_or_else(|| conflict("is already being used")));
    }
    Ok(KeyRow { id, account_id: acc.to_owned(), policy_id: policy.id, product_id: policy.product_id, key, created_at: now, updated_at: now })
}

/// Changes a key's value.
///
/// # Errors
/// 422 `KEY_TAKEN`, `KEY_CONFLICT`.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: KeyInput) -> Result<KeyRow> {
    let k = authorize(app, caller, id, Action::KeyUpdate).await?;
    let Some(key) = input.key.set() else { return Ok(k) };
    let acc = caller.account_id();
    if let Some(e) = refusal(app, acc, &key, &k.id).await? {
        return Err(e);
    }
    let now = app.now();
    let changes = json!({"key": [k.key, key]});
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::keys::UPDATE, vec![acc.into(), k.id.clone().into(), key.clone().into(), now.into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("key.updated", &k.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(match refusal(app, acc, &key, &k.id).await? {
            Some(e) => e,
            // Gone in between (taken by a license, or deleted).
            None => Error::not_found("key", id),
        });
    }
    Ok(KeyRow { key, updated_at: now, ..k })
}

/// Deletes a key from its pool.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let k = authorize(app, caller, id, Action::KeyDelete).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::keys::DELETE, vec![acc.into(), k.id.clone().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("key.deleted", &k.id, None)),
        ])
        .await?;
    Ok(())
}

/// `GET /keys/{id}/policy`: the key's policy.
pub async fn policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<crate::store::rows::PolicyRow> {
    let k = authorize(app, caller, id, Action::KeyRead).await?;
    policies::find(app, caller.account_id(), &k.policy_id).await?.ok_or_else(|| Error::not_found("policy", &k.policy_id))
}

/// `GET /keys/{id}/product`: the key's product.
pub async fn product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<crate::store::rows::ProductRow> {
    let k = authorize(app, caller, id, Action::KeyRead).await?;
    crate::service::catalogue::products::find(app, caller.account_id(), &k.product_id).await?.ok_or_else(|| Error::not_found("product", &k.product_id))
}

/// Whether policy `policy_id`'s pool has a key left (the answer to a pooled create that wrote
/// nothing).
pub async fn pool_has_key<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, policy_id: &str) -> Result<bool> {
    Ok(fetch_one::<Value>(app.db, sql::keys::POOL_HAS_KEY, &[account_id.into(), policy_id.into()]).await?.is_some())
}

/// The error of a license create on a pooled policy whose pool is empty (Keygen's
/// `errors.add :policy, :pool_empty`).
pub fn pool_empty() -> Error {
    Error::new(Code::PolicyPoolEmpty, "pool is empty").pointer("/data/relationships/policy")
}

/// keygen-rs SDK measure (issue 8): `DELETE /policies/{id}/pool`, Keygen's `pool#pop`: takes
/// the policy's oldest pooled key out of the pool and answers it (`policy.pool.popped`), for
/// whoever may delete the policy's keys. A pop that lost its key to a concurrent pop or license
/// takes the next one, so no key is handed out twice.
///
/// # Errors
/// 404 for an unknown or foreign policy; 422 `POLICY_NOT_SUPPORTED` (no pool) or
/// `POLICY_POOL_EMPTY`, pointing at `/data/relationships/pool`.
pub async fn pop<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str) -> Result<KeyRow> {
    let acc = caller.account_id();
    let p = readable(caller, Action::KeyDelete, "policy", policy_id, policies::find(app, acc, policy_id), async |p: &crate::store::rows::PolicyRow| {
        Ok(ownership(caller, &p.product_id))
    })
    .await?;
    if !p.config().use_pool {
        return Err(Error::new(Code::PolicyNotSupported, "pool is not supported").pointer("/data/relationships/pool"));
    }
    for _ in 0..8 {
        let Some(k) = fetch_one::<KeyRow>(app.db, sql::keys::POOL_OLDEST, &[acc.into(), p.id.clone().into()]).await? else { break };
        let res = app
            .db
            .batch(vec![
                Stmt::new(sql::keys::DELETE, vec![acc.into(), k.id.clone().into()]),
                events::record_if_changed(app, acc, &caller.bearer, event("policy.pool.popped", &k.id, None)),
            ])
            .await?;
        if res.first().map_or(0, |r| r.changes) == 1 {
            return Ok(k);
        }
    }
    Err(Error::new(Code::PolicyPoolEmpty, "pool is empty").pointer("/data/relationships/pool"))
}

/// Route diff (issue 8): the policy `policy_id` if the caller may read its pool (Keygen's
/// `Policies::PoolPolicy#index?`/`show?`: `key.read`, admins and staff, and the policy's own
/// product; another product's policy is 404).
async fn pool_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str) -> Result<crate::store::rows::PolicyRow> {
    let acc = caller.account_id();
    readable(caller, Action::KeyRead, "policy", policy_id, policies::find(app, acc, policy_id), async |p: &crate::store::rows::PolicyRow| {
        Ok(ownership(caller, &p.product_id))
    })
    .await
}

/// Route diff (issue 8): `GET /policies/{id}/pool`, Keygen's `pool#index`: the keys left in
/// the policy's pool, newest first (an unpooled policy's pool is empty).
pub async fn pool<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str, q: &Query) -> Result<(Vec<KeyRow>, u64, Page)> {
    let p = pool_policy(app, caller, policy_id).await?;
    let page = Page::from_query(q)?;
    fetch_page(app.db, sql::keys::LIST, sql::keys::COUNT, vec![caller.account_id().into(), Value::Null, p.id.into()], page).await
}

/// Route diff (issue 8): `GET /policies/{id}/pool/{key}`, Keygen's `pool#show`: one key of
/// the policy's pool by id (a key of another policy is 404).
pub async fn pool_key<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str, key_id: &str) -> Result<KeyRow> {
    let p = pool_policy(app, caller, policy_id).await?;
    find(app, caller.account_id(), key_id).await?.filter(|k| k.policy_id == p.id).ok_or_else(|| Error::not_found("key", key_id))
}

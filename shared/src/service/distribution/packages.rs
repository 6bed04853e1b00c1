//! Packages: a product's releases grouped for an engine. CRUD by id or key; reads scoped to
//! the products the caller may see releases of (Keygen's `ReleasePackagePolicy`).

use serde_json::{json, Map, Value};

use super::viewer::Viewer;
use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::release::Engine;
use crate::error::{AttrFault, Code, Error};
use crate::rng::is_uuid;
use crate::service::{events, metadata_text, App, Bearer, Caller};
use crate::store::distribution::PackageRow;
use crate::store::{fetch_one, products, sql, Db, Kv, Stmt};
use crate::Result;

/// A parsed package document.
#[derive(Debug, Default)]
pub struct PackageInput {
    name: Field<String>,
    key: Field<String>,
    engine: Field<Engine>,
    metadata: Field<Map<String, Value>>,
    product: Option<String>,
}

/// Keygen's PyPI rule: runs of `-_.` become `-` (not lowercased).
fn normalize_key(key: &str, engine: Option<Engine>) -> String {
    if engine != Some(Engine::Pypi) {
        return key.to_owned();
    }
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses a package document (`name`, `key` and the `product` relationship required on create).
///
/// # Errors
/// 400 for a malformed document; 422 `NAME_MISSING`, `KEY_MISSING`, `KEY_INVALID`, `ENGINE_INVALID`.
pub fn parse(body: &[u8], creating: bool) -> Result<PackageInput> {
    let mut r = ResourceInput::parse(body, "packages")?;
    let mut p = PackageInput { name: r.attrs.string("name")?, key: r.attrs.string("key")?, metadata: r.attrs.object("metadata")?, ..Default::default() };
    p.engine = match r.attrs.string("engine")? {
        Field::Set(e) => Field::Set(e.parse().map_err(|_| Error::attribute("engine", AttrFault::Invalid, "unsupported engine"))?),
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    };
    if creating {
        p.product = match r.rels.one("product", "products")? {
            Field::Set(id) => Some(id),
            _ => return Err(Error::attribute("product", AttrFault::Missing, "must exist").pointer("/data/relationships/product")),
        };
    }
    r.finish()?;
    for (attr, f) in [("name", &p.name), ("key", &p.key)] {
        let blank = match f {
            Field::Set(s) => s.trim().is_empty(),
            Field::Null => true,
            Field::Absent => creating,
        };
        if blank {
            return Err(Error::attribute(attr, AttrFault::Missing, "must not be blank"));
        }
    }
    if let Field::Set(k) = &p.key {
        // A `/` only as npm's scope separator (`@scope/name`, issue 9 package engines).
        let slash_ok = k.starts_with('@') && k.matches('/').count() == 1;
        if k.len() > 255 || is_uuid(k) || k == "action" || k == "actions" || (k.contains('/') && !slash_ok) {
            return Err(Error::attribute("key", AttrFault::Invalid, "must be 1 to 255 characters, not a UUID, not reserved"));
        }
    }
    Ok(p)
}

/// A package by id or key (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<PackageRow>> {
    Ok(fetch_one(app.db, sql::packages::FIND, &[account_id.into(), id.into()]).await?)
}

/// A package the caller may see (its product is one the caller may see releases of).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<PackageRow> {
    access::gate(caller, Action::PackageRead)?;
    let acc = caller.account_id();
    let p = find(app, acc, id).await?.ok_or_else(|| Error::not_found("package", id))?;
    let mut v = Viewer::load(app, caller).await?;
    match v.visible_products(app, acc).await? {
        Some(ids) if !ids.contains(&p.product_id) => Err(Error::not_found("package", id)),
        _ => Ok(p),
    }
}

/// Lists packages the caller may see (filters `product`, `engine`).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<PackageRow>, u64, Page)> {
    access::require(caller, Action::PackageRead)?;
    let acc = caller.account_id();
    let page = Page::from_query(q)?;
    let product = match q.get("product") {
        Some(p) => Some(products::find(app.db, acc, p).await?.map_or_else(|| format!("unknown:{p}"), |p| p.id)),
        None => None,
    };
    let engine = match q.get("engine") {
        Some(e) => Some(e.parse::<Engine>().map_err(|_| Error::new(Code::ParameterInvalid, "unsupported engine").parameter("engine"))?.as_str()),
        None => None,
    };
    let mut v = Viewer::load(app, caller).await?;
    let visible = v.visible_products(app, acc).await?.map(|ids| Value::from(ids).to_string());
    let filters = vec![acc.into(), product.into(), engine.into(), visible.into()];
    crate::service::fetch_page(app.db, sql::packages::LIST, sql::packages::COUNT, filters, page).await
}

async fn writable<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<PackageRow> {
    access::gate(caller, action)?;
    let p = find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("package", id))?;
    let own = matches!(&caller.bearer, Bearer::Product { product_id } if *product_id == p.product_id);
    access::check(caller, action, Ownership::of(own), "package", id)?;
    crate::service::compatible(caller, action, &p.account_id)?;
    Ok(p)
}

fn event<'a>(name: &'a str, id: &'a str, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: "packages", resource_id: id, changes, meta: None }
}

fn key_taken() -> Error {
    Error::attribute("key", AttrFault::Taken, "has already been taken")
}

/// Creates a package for a product.
///
/// # Errors
/// 422 `KEY_TAKEN`, `PRODUCT_NOT_FOUND`; 404 for another product's bearer.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, i: PackageInput) -> Result<PackageRow> {
    access::gate(caller, Action::PackageCreate)?;
    let acc = caller.account_id();
    let pid = i.product.clone().unwrap_or_default();
    let product = products::find(app.db, acc, &pid).await?.ok_or_else(|| Error::attribute("product", AttrFault::NotFound, "must exist"))?;
    let own = matches!(&caller.bearer, Bearer::Product { product_id } if *product_id == product.id);
    access::check(caller, Action::PackageCreate, Ownership::of(own), "product", &pid)?;
    let engine = i.engine.set();
    let key = normalize_key(&i.key.set().unwrap_or_default(), engine);
    let id = app.uuid();
    let params = vec![
        id.clone().into(),
        acc.into(),
        product.id.into(),
        i.name.set().unwrap_or_default().into(),
        key.into(),
        engine.map(Engine::as_str).into(),
        metadata_text(&i.metadata.set().unwrap_or_default()).into(),
        app.now().into(),
    ];
    let res = app
        .db
        .batch(vec![Stmt::new(sql::packages::INSERT, params), events::record_if_changed(app, acc, &caller.bearer, event("package.created", &id, None))])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(key_taken());
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("package vanished after insert"))
}

/// Updates name, key, engine and metadata.
///
/// # Errors
/// 422 `KEY_TAKEN`.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, i: PackageInput) -> Result<PackageRow> {
    let p = writable(app, caller, id, Action::PackageUpdate).await?;
    let acc = caller.account_id();
    let engine = i.engine.into_update().unwrap_or(p.engine);
    let key = normalize_key(&i.key.set().unwrap_or(p.key.clone()), engine);
    let name = i.name.set().unwrap_or(p.name.clone());
    let metadata = i.metadata.set().map_or(p.metadata.clone(), |m| metadata_text(&m));
    let changes = json!({"name": name, "key": key, "engine": engine.map(Engine::as_str)});
    let params = vec![acc.into(), p.id.clone().into(), name.into(), key.into(), engine.map(Engine::as_str).into(), metadata.into(), app.now().into()];
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::packages::UPDATE, params),
            events::record_if_changed(app, acc, &caller.bearer, event("package.updated", &p.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(key_taken());
    }
    find(app, acc, &p.id).await?.ok_or_else(|| Error::not_found("package", id))
}

/// Deletes a package (its releases become package-less).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let p = writable(app, caller, id, Action::PackageDelete).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            events::record(app, acc, &caller.bearer, event("package.deleted", &p.id, None)),
            Stmt::new(sql::packages::DELETE, vec![acc.into(), p.id.clone().into()]),
        ])
        .await?;
    Ok(())
}

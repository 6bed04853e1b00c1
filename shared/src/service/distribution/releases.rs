//! Releases: CRUD, lookup by id, version or tag, `publish` and `yank`, lists scoped by the
//! release access rule. Writes are the admin's or the owning product's (the access table);
//! reads go through [`Viewer`].

use serde_json::{json, Map, Value};

use super::viewer::Viewer;
use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::clock::parse_iso8601;
use crate::domain::release::{Access, ReleaseStatus};
use crate::domain::semver::{Channel, Version};
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, metadata_text, App, Caller};
use crate::store::distribution::{ConstraintRow, PackageRow, ReleaseRow};
use crate::store::rows::CountRow;
use crate::store::{fetch_all, fetch_one, products, sql, Db, Kv, Stmt};
use crate::Result;

/// The most releases a non-privileged list scans to fill a page (the rule runs per release).
const MAX_SCAN: i64 = 1000;

/// A parsed release document.
#[derive(Debug, Default)]
pub struct ReleaseInput {
    version: Option<Version>,
    channel: Option<Channel>,
    name: Field<String>,
    description: Field<String>,
    status: Option<ReleaseStatus>,
    tag: Field<String>,
    backdated: Field<i64>,
    metadata: Field<Map<String, Value>>,
    product: Option<String>,
    package: Field<String>,
}

fn enum_attr<T: std::str::FromStr>(f: Field<String>, attr: &str) -> Result<Option<T>> {
    match f {
        Field::Set(s) => s.parse().map(Some).map_err(|_| Error::attribute(attr, AttrFault::Invalid, format!("unsupported {attr}"))),
        Field::Null => Err(Error::attribute(attr, AttrFault::Invalid, "must not be null")),
        Field::Absent => Ok(None),
    }
}

/// Parses a release document: on create `version`, `channel` and the `product` relationship are
/// required; on update only `name`, `description`, `tag`, `backdated` and `metadata` (Keygen).
///
/// # Errors
/// 400 for a malformed document or unknown members; 422 `VERSION_INVALID`,
/// `VERSION_CHANNEL_INVALID`, `CHANNEL_INVALID`, `STATUS_INVALID`, `BACKDATED_INVALID`,
/// `TAG_INVALID`.
pub fn parse(body: &[u8], creating: bool, now: i64) -> Result<ReleaseInput> {
    let mut r = ResourceInput::parse(body, "releases")?;
    let mut i = ReleaseInput {
        name: r.attrs.string("name")?,
        description: r.attrs.string("description")?,
        tag: r.attrs.string("tag")?,
        metadata: r.attrs.object("metadata")?,
        ..Default::default()
    };
    let backdated = r.attrs.string("backdated")?;
    i.backdated = match backdated {
        Field::Set(s) => match parse_iso8601(&s) {
            Some(t) if t <= now => Field::Set(t),
            _ => return Err(Error::attribute("backdated", AttrFault::Invalid, "must be a time in the past")),
        },
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    };
    if creating {
        i.version = match r.attrs.string("version")? {
            Field::Set(s) => Some(s.parse().map_err(|e: crate::domain::semver::VersionError| Error::attribute("version", AttrFault::Invalid, e.0))?),
            _ => return Err(Error::attribute("version", AttrFault::Missing, "must not be blank")),
        };
        i.channel = enum_attr(r.attrs.string("channel")?, "channel")?;
        if i.channel.is_none() {
            return Err(Error::attribute("channel", AttrFault::Missing, "must not be blank"));
        }
        i.status = enum_attr(r.attrs.string("status")?, "status")?;
        if i.status == Some(ReleaseStatus::Yanked) {
            return Err(Error::attribute("status", AttrFault::Invalid, "must be DRAFT or PUBLISHED"));
        }
        i.product = match r.rels.one("product", "products")? {
            Field::Set(p) => Some(p),
            _ => return Err(Error::attribute("product", AttrFault::Missing, "must exist").pointer("/data/relationships/product")),
        };
        i.package = r.rels.one("package", "packages")?;
    }
    r.finish()?;
    if let (Some(v), Some(c)) = (&i.version, i.channel) {
        if v.channel() != Some(c) {
            let expected = if c == Channel::Stable { "x.y.z".to_owned() } else { format!("x.y.z-{c}.n") };
            let detail = format!("version does not match prerelease channel (expected {expected} got {v})");
            return Err(Error::attribute("versionChannel", AttrFault::Invalid, detail).pointer("/data/attributes/version"));
        }
    }
    if let Field::Set(t) = &i.tag {
        if t.is_empty() || t.len() > 255 || t == "action" || t == "actions" {
            return Err(Error::attribute("tag", AttrFault::Invalid, "must be 1 to 255 characters and not reserved"));
        }
    }
    Ok(i)
}

/// A release by id, version or tag (no access check), optionally within a product and a
/// package (`Some("")`: package-less).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str, product: Option<&str>, package: Option<&str>) -> Result<Option<ReleaseRow>> {
    Ok(fetch_one(app.db, sql::releases::FIND, &[account_id.into(), id.into(), product.into(), package.into()]).await?)
}

/// The entitlement ids constraining each of `ids`.
pub async fn constraints_of<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, ids: &[&str]) -> Result<Vec<ConstraintRow>> {
    let list = Value::from(ids.iter().map(|s| Value::from(*s)).collect::<Vec<_>>()).to_string();
    Ok(fetch_all(app.db, sql::releases::CONSTRAINTS_OF, &[account_id.into(), list.into()]).await?)
}

/// The entitlement ids constraining release `id`.
pub async fn constraint_ids<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Vec<String>> {
    Ok(constraints_of(app, account_id, &[id]).await?.into_iter().map(|c| c.entitlement_id).collect())
}

/// Resolves `?product=` / `?package=` (id or code / id or key; an empty package means
/// package-less) to ids; unknown ones yield ids that match nothing.
async fn scope_filters<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, q: &Query) -> Result<(Option<String>, Option<String>)> {
    let product = match q.get("product") {
        Some(p) => Some(products::find(app.db, acc, p).await?.map_or_else(|| format!("unknown:{p}"), |p| p.id)),
        None => None,
    };
    let package = match q.get("package") {
        Some("") => Some(String::new()),
        Some(k) => Some(super::packages::find(app, acc, k).await?.map_or_else(|| format!("unknown:{k}"), |p| p.id)),
        None => None,
    };
    Ok((product, package))
}

/// A release the caller may see, by id, version or tag (`?product=` and `?package=` narrow
/// the lookup as in Keygen).
///
/// # Errors
/// 404 outside the caller's scope; 403 when the rule refuses a license in scope.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<ReleaseRow> {
    access::gate(caller, Action::ReleaseRead)?;
    let acc = caller.account_id();
    let (product, package) = scope_filters(app, acc, q).await?;
    let r = find(app, acc, id, product.as_deref(), package.as_deref()).await?.ok_or_else(|| Error::not_found("release", id))?;
    let mut v = Viewer::load(app, caller).await?;
    v.require(app, &r, &constraint_ids(app, acc, &r.id).await?, "release", id).await?;
    Ok(r)
}

/// A release the caller may write: admins, or the product that owns it (404 otherwise).
pub async fn writable<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<ReleaseRow> {
    access::gate(caller, action)?;
    let r = find(app, caller.account_id(), id, None, None).await?.ok_or_else(|| Error::not_found("release", id))?;
    let own = matches!(&caller.bearer, crate::service::Bearer::Product { product_id } if *product_id == r.product_id);
    access::check(caller, action, Ownership::of(own), "release", id)?;
    // A SHARED environment reads the global releases; it never writes them (403).
    crate::service::compatible(caller, action, &r.account_id)?;
    Ok(r)
}

/// Lists releases the caller may see, newest first (filters `product`, `package`, `channel`,
/// `status`, `engine`, `yanked`).
///
/// # Errors
/// 400 `PARAMETER_INVALID` for an unknown channel or status.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<ReleaseRow>, u64, Page)> {
    access::require(caller, Action::ReleaseRead)?;
    let acc = caller.account_id();
    let page = Page::from_query(q)?;
    let (product, package) = scope_filters(app, acc, q).await?;
    let channel = match q.get("channel") {
        Some(c) => {
            let c: Channel = c.parse().map_err(|_| Error::new(Code::ParameterInvalid, "unsupported channel").parameter("channel"))?;
            Some(Value::from(c.visible().iter().map(|c| Value::from(c.as_str())).collect::<Vec<_>>()).to_string())
        }
        None => None,
    };
    let status = match (q.get("status"), q.get("yanked")) {
        (Some(s), _) => Some(s.parse::<ReleaseStatus>().map_err(|_| Error::new(Code::ParameterInvalid, "unsupported status").parameter("status"))?),
        (None, Some("true")) => Some(ReleaseStatus::Yanked),
        _ => None,
    };
    let mut v = Viewer::load(app, caller).await?;
    let visible = v.visible_products(app, acc).await?.map(|ids| Value::from(ids).to_string());
    let mut filters: Vec<Value> =
        vec![acc.into(), product.into(), package.into(), channel.into(), status.map(|s| s.as_str()).into(), q.get("engine").into(), visible.into()];
    if v.is_admin() {
        return crate::service::fetch_page(app.db, sql::releases::LIST, sql::releases::COUNT, filters, page).await;
    }
    // Non-privileged: the rule decides per release, so scan a bounded window and page in Rust.
    filters.extend([MAX_SCAN.into(), 0.into()]);
    let rows: Vec<ReleaseRow> = fetch_all(app.db, sql::releases::LIST, &filters).await?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let cons = constraints_of(app, acc, &ids).await?;
    let mut seen = Vec::new();
    for r in rows {
        let c: Vec<String> = cons.iter().filter(|c| c.release_id == r.id).map(|c| c.entitlement_id.clone()).collect();
        if v.access(app, &r, &c).await? == Access::Allow {
            seen.push(r);
        }
    }
    let total = seen.len() as u64;
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let rows = seen.into_iter().skip(start).take(usize::try_from(page.size).unwrap_or(0)).collect();
    Ok((rows, total, page))
}

fn event<'a>(name: &'a str, id: &'a str, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: "releases", resource_id: id, changes, meta: None }
}

async fn clash<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    acc: &str,
    product: &str,
    package: &str,
    version: &str,
    tag: Option<&str>,
    except: Option<&str>,
) -> Result<Error> {
    let other: Option<ReleaseRow> =
        fetch_one(app.db, sql::releases::FIND_CLASH, &[acc.into(), product.into(), package.into(), version.into(), tag.into(), except.into()]).await?;
    Ok(match other {
        Some(o) if o.version == version => Error::attribute("version", AttrFault::Taken, "has already been taken"),
        _ => Error::attribute("tag", AttrFault::Taken, "has already been taken"),
    })
}

/// Creates a release of a product (and package).
///
/// # Errors
/// 422 `VERSION_TAKEN`, `TAG_TAKEN`, `PRODUCT_NOT_FOUND`, `PACKAGE_NOT_FOUND`,
/// `PACKAGE_NOT_ALLOWED` (a package of another product); 404 for another product's bearer.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, i: ReleaseInput) -> Result<ReleaseRow> {
    access::gate(caller, Action::ReleaseCreate)?;
    let acc = caller.account_id();
    let pid = i.product.clone().unwrap_or_default();
    let product = products::find(app.db, acc, &pid).await?.ok_or_else(|| Error::attribute("product", AttrFault::NotFound, "must exist"))?;
    let own = matches!(&caller.bearer, crate::service::Bearer::Product { product_id } if *product_id == product.id);
    access::check(caller, Action::ReleaseCreate, Ownership::of(own), "product", &pid)?;
    let package: Option<PackageRow> = match i.package.set() {
        Some(k) => {
            let p = super::packages::find(app, acc, &k).await?.ok_or_else(|| Error::attribute("package", AttrFault::NotFound, "must exist"))?;
            if p.product_id != product.id {
                return Err(Error::attribute("package", AttrFault::NotAllowed, "package product must match release product"));
            }
            Some(p)
        }
        None => None,
    };
    let version = i.version.ok_or_else(|| Error::internal("parsed release without version"))?;
    let status = i.status.unwrap_or_default();
    let now = app.now();
    let id = app.uuid();
    let tag = i.tag.set();
    let package_id = package.as_ref().map(|p| p.id.clone());
    let params = vec![
        id.clone().into(),
        acc.into(),
        product.id.clone().into(),
        package_id.clone().into(),
        i.name.set().into(),
        i.description.set().into(),
        version.to_string().into(),
        version.sort_key().into(),
        i.channel.unwrap_or(Channel::Stable).as_str().into(),
        status.as_str().into(),
        tag.clone().into(),
        metadata_text(&i.metadata.set().unwrap_or_default()).into(),
        i.backdated.set().into(),
        (status == ReleaseStatus::Published).then_some(now).into(),
        now.into(),
    ];
    let res = app
        .db
        .batch(vec![Stmt::new(sql::releases::INSERT, params), events::record_if_changed(app, acc, &caller.bearer, event("release.created", &id, None))])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(clash(app, acc, &product.id, package_id.as_deref().unwrap_or(""), &version.to_string(), tag.as_deref(), None).await?);
    }
    find(app, acc, &id, None, None).await?.ok_or_else(|| Error::internal("release vanished after insert"))
}

/// Updates name, description, tag, backdated and metadata.
///
/// # Errors
/// 422 `TAG_TAKEN`.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, i: ReleaseInput) -> Result<ReleaseRow> {
    let r = writable(app, caller, id, Action::ReleaseUpdate).await?;
    let acc = caller.account_id();
    let name = i.name.into_update().unwrap_or(r.name.clone());
    let description = i.description.into_update().unwrap_or(r.description.clone());
    let tag = i.tag.into_update().unwrap_or(r.tag.clone());
    let backdated = i.backdated.into_update().unwrap_or(r.backdated_at);
    let metadata = i.metadata.set().map_or(r.metadata.clone(), |m| metadata_text(&m));
    let changes = json!({"name": name, "description": description, "tag": tag});
    let params =
        vec![acc.into(), r.id.clone().into(), name.into(), description.into(), tag.clone().into(), metadata.into(), backdated.into(), app.now().into()];
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::releases::UPDATE, params),
            events::record_if_changed(app, acc, &caller.bearer, event("release.updated", &r.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |x| x.changes) == 0 {
        return Err(Error::attribute("tag", AttrFault::Taken, "has already been taken"));
    }
    find(app, acc, &r.id, None, None).await?.ok_or_else(|| Error::not_found("release", id))
}

/// `publish` or `yank` (idempotent; a yanked release can be published again).
pub async fn set_status<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, to: ReleaseStatus) -> Result<ReleaseRow> {
    let r = writable(app, caller, id, Action::ReleasePublish).await?;
    let acc = caller.account_id();
    let (stmt, name) = match to {
        ReleaseStatus::Yanked => (sql::releases::YANK, "release.yanked"),
        _ => (sql::releases::PUBLISH, "release.published"),
    };
    app.db
        .batch(vec![
            Stmt::new(stmt, vec![acc.into(), r.id.clone().into(), app.now().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event(name, &r.id, None)),
        ])
        .await?;
    find(app, acc, &r.id, None, None).await?.ok_or_else(|| Error::not_found("release", id))
}

/// Deletes a release, its artifacts' objects first (then the rows cascade).
pub async fn delete<D: Db, K: Kv, B: crate::store::distribution::Blobs>(app: &App<'_, D, K>, blobs: &B, caller: &Caller, id: &str) -> Result<()> {
    let r = writable(app, caller, id, Action::ReleaseDelete).await?;
    let acc = caller.account_id();
    let keys: Vec<crate::store::distribution::ObjectKeyRow> = fetch_all(app.db, sql::artifacts::KEYS_OF_RELEASE, &[acc.into(), r.id.clone().into()]).await?;
    for k in keys {
        blobs.delete(&k.r2_key).await?;
    }
    app.db
        .batch(vec![
            events::record(app, acc, &caller.bearer, event("release.deleted", &r.id, None)),
            Stmt::new(sql::releases::DELETE, vec![acc.into(), r.id.clone().into()]),
        ])
        .await?;
    Ok(())
}

/// Counts rows of `sql` with `params` (a count statement).
pub async fn count<D: Db, K: Kv>(app: &App<'_, D, K>, sql: &str, params: &[Value]) -> Result<u64> {
    Ok(fetch_one::<CountRow>(app.db, sql, params).await?.map_or(0, |c| c.n as u64))
}

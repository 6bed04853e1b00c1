//! Artifacts: files of releases. `create` answers with a signed upload link (the handler sends
//! it as a 307 `Location`); `show` decides a download (a signed download link, 303) under the
//! release access rule; update, delete (objects first) and yank.

use serde_json::{Map, Value};

use super::releases;
use super::transfer::{self, Op};
use super::viewer::Viewer;
use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::release::{Access, ArtifactStatus, ReleaseStatus};
use crate::error::{AttrFault, Code, Error};
use crate::rng::is_uuid;
use crate::service::{events, metadata_text, App, Bearer, Caller};
use crate::store::distribution::{ArtifactRow, Blobs, ReleaseRow};
use crate::store::{fetch_all, fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// Largest artifact accepted (Keygen's 5 GiB).
pub const MAX_FILESIZE: i64 = 5 * 1024 * 1024 * 1024;

/// A parsed artifact document.
#[derive(Debug, Default)]
pub struct ArtifactInput {
    filename: Option<String>,
    filetype: Option<String>,
    filesize: Field<i64>,
    platform: Option<String>,
    arch: Option<String>,
    signature: Field<String>,
    checksum: Field<String>,
    metadata: Field<Map<String, Value>>,
    release: Option<String>,
}

fn key_attr(f: Field<String>) -> Option<String> {
    f.set().map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty())
}

/// Parses an artifact document: on create `filename` and the `release` relationship are
/// required; on update only `filesize`, `signature`, `checksum` and `metadata` (Keygen).
///
/// # Errors
/// 400 for a malformed document; 422 `FILENAME_MISSING`, `FILENAME_INVALID`,
/// `FILENAME_EXTENSION_INVALID`, `FILESIZE_INVALID`, `CHECKSUM_INVALID`, `SIGNATURE_INVALID`.
pub fn parse(body: &[u8], creating: bool) -> Result<ArtifactInput> {
    let mut r = ResourceInput::parse(body, "artifacts")?;
    let mut a = ArtifactInput {
        filesize: r.attrs.int_in("filesize", 0, MAX_FILESIZE)?,
        signature: r.attrs.string("signature")?,
        checksum: r.attrs.string("checksum")?,
        metadata: r.attrs.object("metadata")?,
        ..Default::default()
    };
    if creating {
        a.filename = match r.attrs.string("filename")? {
            Field::Set(f) if !f.trim().is_empty() => Some(f),
            _ => return Err(Error::attribute("filename", AttrFault::Missing, "must not be blank")),
        };
        a.filetype = key_attr(r.attrs.string("filetype")?).map(|t| t.trim_start_matches('.').to_owned());
        a.platform = key_attr(r.attrs.string("platform")?);
        a.arch = key_attr(r.attrs.string("arch")?);
        a.release = match r.rels.one("release", "releases")? {
            Field::Set(id) => Some(id),
            _ => return Err(Error::attribute("release", AttrFault::Missing, "must exist").pointer("/data/relationships/release")),
        };
    }
    r.finish()?;
    if let Some(f) = &a.filename {
        if f.len() > 255 || f.chars().any(char::is_control) {
            return Err(Error::attribute("filename", AttrFault::Invalid, "must be at most 255 printable characters"));
        }
        if let (Some(t), Some((_, ext))) = (&a.filetype, f.rsplit_once('.')) {
            if !f.to_ascii_lowercase().ends_with(&format!(".{t}")) && !ext.is_empty() {
                return Err(Error::attribute("filenameExtension", AttrFault::Invalid, format!("filename extension does not match filetype (expected .{t})"))
                    .pointer("/data/attributes/filename"));
            }
        }
    }
    for (attr, f) in [("checksum", &a.checksum), ("signature", &a.signature)] {
        if let Field::Set(s) = f {
            if s.len() > 4096 {
                return Err(Error::attribute(attr, AttrFault::Invalid, "must be at most 4096 characters"));
            }
        }
    }
    Ok(a)
}

/// The release an artifact belongs to, and its constraints.
async fn release_of<D: Db, K: Kv>(app: &App<'_, D, K>, a: &ArtifactRow) -> Result<(ReleaseRow, Vec<String>)> {
    let r = releases::find(app, &a.account_id, &a.release_id, None, None).await?.ok_or_else(|| Error::internal("artifact without its release"))?;
    let c = releases::constraint_ids(app, &a.account_id, &r.id).await?;
    Ok((r, c))
}

/// Whether `viewer` may see artifact `a`: its release by the rule, and (unless privileged)
/// only once uploaded.
async fn visible<D: Db, K: Kv>(app: &App<'_, D, K>, v: &mut Viewer, a: &ArtifactRow) -> Result<Access> {
    let (r, c) = release_of(app, a).await?;
    let access = v.access(app, &r, &c).await?;
    if access == Access::Allow && !v.privileged_for(&r.product_id) && a.status != ArtifactStatus::Uploaded {
        return Ok(Access::Hidden);
    }
    Ok(access)
}

/// An artifact the caller may see, by id or filename (a filename picks the newest release's
/// among those the caller may see; `?release=` narrows, and `product` keeps only that
/// product's: `GET /products/{id}/artifacts/{artifact}`).
///
/// # Errors
/// 404 outside the caller's scope; 403 with Keygen's reason.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, release: Option<&str>, product: Option<&str>) -> Result<ArtifactRow> {
    access::gate(caller, Action::ArtifactRead)?;
    let acc = caller.account_id();
    let mut v = Viewer::load(app, caller).await?;
    let release_id = match release {
        Some(r) => Some(releases::find(app, acc, r, None, None).await?.ok_or_else(|| Error::not_found("artifact", id))?.id),
        None => None,
    };
    let mut candidates: Vec<ArtifactRow> = Vec::new();
    if is_uuid(id) {
        candidates.extend(fetch_one::<ArtifactRow>(app.db, sql::artifacts::FIND, &[acc.into(), id.into()]).await?);
    }
    if candidates.is_empty() {
        candidates = fetch_all(app.db, sql::artifacts::FIND_BY_FILENAME, &[acc.into(), id.into(), release_id.clone().into(), 20.into()]).await?;
    }
    let mut first_denial = None;
    for a in candidates {
        if release_id.as_ref().is_some_and(|r| *r != a.release_id) {
            continue;
        }
        if let Some(p) = product {
            if release_of(app, &a).await?.0.product_id != p {
                continue;
            }
        }
        match visible(app, &mut v, &a).await? {
            Access::Allow => return Ok(a),
            Access::Denied(d) => {
                first_denial.get_or_insert(d);
            }
            Access::Hidden => {}
        }
    }
    match first_denial {
        Some(d) => Err(Error::new(Code::Forbidden, format!("You do not have permission to complete the request ({})", d.reason()))),
        None => Err(Error::not_found("artifact", id)),
    }
}

/// What a download answer carries.
#[derive(Debug, Clone)]
pub struct Download {
    /// The artifact.
    pub artifact: ArtifactRow,
    /// The signed link (path and query), when the artifact is downloadable.
    pub link: Option<String>,
}

/// Decides a download of artifact `id`: a signed link valid for `ttl` seconds (bounded; only
/// admins and products choose it, as in Keygen) when the artifact is UPLOADED and its release
/// not yanked, and records `artifact.downloaded` and `release.downloaded`.
///
/// `release` and `product` narrow the lookup as in [`show`].
///
/// # Errors
/// As [`show`]; 400 `PARAMETER_INVALID` for a `ttl` out of bounds.
pub async fn download<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    id: &str,
    release: Option<&str>,
    product: Option<&str>,
    ttl: Option<&str>,
) -> Result<Download> {
    let a = show(app, caller, id, release, product).await?;
    let (r, _) = release_of(app, &a).await?;
    let privileged = matches!(caller.bearer, Bearer::Admin { .. } | Bearer::Environment { .. } | Bearer::Product { .. });
    let ttl = match ttl.filter(|_| privileged) {
        Some(t) => {
            let t: i64 = t.parse().map_err(|_| Error::new(Code::ParameterInvalid, "must be an integer").parameter("ttl"))?;
            if !(transfer::TTL_BOUNDS.0..=transfer::TTL_BOUNDS.1).contains(&t) {
                return Err(Error::new(Code::ParameterInvalid, "must be between 60 (1 minute) and 604800 (1 week)").parameter("ttl"));
            }
            t
        }
        None => transfer::DOWNLOAD_TTL_SECS,
    };
    if a.status != ArtifactStatus::Uploaded || r.status == ReleaseStatus::Yanked {
        return Ok(Download { artifact: a, link: None });
    }
    let expires = app.now().div_euclid(1000) + ttl;
    let link = transfer::link(app.secret, Op::Download, &a.account_id, &a.id, expires);
    let ev = |name| events::Event { name, resource_type: "artifacts", resource_id: &a.id, changes: None, meta: None };
    app.db
        .batch(vec![
            events::record(app, &a.account_id, &caller.bearer, ev("artifact.downloaded")),
            events::record(app, &a.account_id, &caller.bearer, ev("release.downloaded")),
        ])
        .await?;
    Ok(Download { artifact: a, link: Some(link) })
}

/// Lists artifacts the caller may see (filters `release`, `product`, `platform`, `arch`,
/// `filetype`, `status`); `release` (`/releases/{id}/artifacts`) overrides `?release=`.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query, release: Option<&str>) -> Result<(Vec<ArtifactRow>, u64, Page)> {
    access::require(caller, Action::ArtifactRead)?;
    let acc = caller.account_id();
    let page = Page::from_query(q)?;
    if let Some(r) = release {
        // `/releases/{id}/artifacts`: the release itself must be visible (404 / 403 otherwise).
        releases::show(app, caller, r, &Query::default()).await?;
    }
    let release = match release.or(q.get("release")) {
        Some(r) => Some(releases::find(app, acc, r, None, None).await?.map_or_else(|| format!("unknown:{r}"), |r| r.id)),
        None => None,
    };
    let product = match q.get("product") {
        Some(p) => Some(crate::store::products::find(app.db, acc, p).await?.map_or_else(|| format!("unknown:{p}"), |p| p.id)),
        None => None,
    };
    let status = match q.get("status") {
        Some(s) => Some(s.parse::<ArtifactStatus>().map_err(|_| Error::new(Code::ParameterInvalid, "unsupported status").parameter("status"))?.as_str()),
        None => None,
    };
    let low = |k: &str| q.get(k).map(str::to_ascii_lowercase);
    let mut v = Viewer::load(app, caller).await?;
    let visible_products = v.visible_products(app, acc).await?.map(|ids| Value::from(ids).to_string());
    let mut filters: Vec<Value> = vec![
        acc.into(),
        release.into(),
        product.into(),
        low("platform").into(),
        low("arch").into(),
        low("filetype").into(),
        status.into(),
        visible_products.into(),
    ];
    if v.is_admin() {
        return crate::service::fetch_page(app.db, sql::artifacts::LIST, sql::artifacts::COUNT, filters, page).await;
    }
    filters.extend([1000.into(), 0.into()]);
    let rows: Vec<ArtifactRow> = fetch_all(app.db, sql::artifacts::LIST, &filters).await?;
    let mut seen = Vec::new();
    for a in rows {
        if visible(app, &mut v, &a).await? == Access::Allow {
            seen.push(a);
        }
    }
    let total = seen.len() as u64;
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    Ok((seen.into_iter().skip(start).take(usize::try_from(page.size).unwrap_or(0)).collect(), total, page))
}

async fn writable<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<ArtifactRow> {
    access::gate(caller, action)?;
    let acc = caller.account_id();
    let a: ArtifactRow = fetch_one(app.db, sql::artifacts::FIND, &[acc.into(), id.into()]).await?.ok_or_else(|| Error::not_found("artifact", id))?;
    let (r, _) = release_of(app, &a).await?;
    let own = matches!(&caller.bearer, Bearer::Product { product_id } if *product_id == r.product_id);
    access::check(caller, action, Ownership::of(own), "artifact", id)?;
    crate::service::compatible(caller, action, &a.account_id)?;
    Ok(a)
}

fn event<'a>(name: &'a str, id: &'a str) -> events::Event<'a> {
    events::Event { name, resource_type: "artifacts", resource_id: id, changes: None, meta: None }
}

/// Creates an artifact (WAITING) and returns it with its signed upload link.
///
/// # Errors
/// 422 `FILENAME_TAKEN`, `RELEASE_NOT_FOUND`; 404 for another product's bearer.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, i: ArtifactInput) -> Result<(ArtifactRow, String)> {
    access::gate(caller, Action::ArtifactCreate)?;
    let acc = caller.account_id();
    let rid = i.release.clone().unwrap_or_default();
    let r = releases::find(app, acc, &rid, None, None).await?.ok_or_else(|| Error::attribute("release", AttrFault::NotFound, "must exist"))?;
    let own = matches!(&caller.bearer, Bearer::Product { product_id } if *product_id == r.product_id);
    access::check(caller, Action::ArtifactCreate, Ownership::of(own), "release", &rid)?;
    let id = app.uuid();
    let key = format!("artifacts/{acc}/{}/{id}", r.id);
    let params = vec![
        id.clone().into(),
        acc.into(),
        r.id.clone().into(),
        i.filename.unwrap_or_default().into(),
        i.filetype.into(),
        i.filesize.set().into(),
        i.platform.into(),
        i.arch.into(),
        i.signature.set().into(),
        i.checksum.set().into(),
        key.into(),
        metadata_text(&i.metadata.set().unwrap_or_default()).into(),
        app.now().into(),
    ];
    let res = app
        .db
        .batch(vec![Stmt::new(sql::artifacts::INSERT, params), events::record_if_changed(app, acc, &caller.bearer, event("artifact.created", &id))])
        .await?;
    if res.first().map_or(0, |x| x.changes) == 0 {
        return Err(Error::attribute("filename", AttrFault::Taken, "has already been taken"));
    }
    let a: ArtifactRow =
        fetch_one(app.db, sql::artifacts::FIND, &[acc.into(), id.clone().into()]).await?.ok_or_else(|| Error::internal("artifact vanished"))?;
    let link = transfer::link(app.secret, Op::Upload, acc, &id, app.now().div_euclid(1000) + transfer::UPLOAD_TTL_SECS);
    Ok((a, link))
}

/// Updates filesize, signature, checksum and metadata.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, i: ArtifactInput) -> Result<ArtifactRow> {
    let a = writable(app, caller, id, Action::ArtifactUpdate).await?;
    let acc = caller.account_id();
    let params = vec![
        acc.into(),
        a.id.clone().into(),
        i.filesize.into_update().unwrap_or(a.filesize).into(),
        i.signature.into_update().unwrap_or(a.signature.clone()).into(),
        i.checksum.into_update().unwrap_or(a.checksum.clone()).into(),
        i.metadata.set().map_or(a.metadata.clone(), |m| metadata_text(&m)).into(),
        app.now().into(),
    ];
    app.db
        .batch(vec![Stmt::new(sql::artifacts::UPDATE, params), events::record_if_changed(app, acc, &caller.bearer, event("artifact.updated", &a.id))])
        .await?;
    fetch_one(app.db, sql::artifacts::FIND, &[acc.into(), a.id.clone().into()]).await?.ok_or_else(|| Error::not_found("artifact", id))
}

/// Yanks an artifact (it stays, no longer downloadable).
pub async fn yank<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ArtifactRow> {
    let a = writable(app, caller, id, Action::ArtifactDelete).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::artifacts::YANK, vec![acc.into(), a.id.clone().into(), app.now().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("artifact.updated", &a.id)),
        ])
        .await?;
    fetch_one(app.db, sql::artifacts::FIND, &[acc.into(), a.id.clone().into()]).await?.ok_or_else(|| Error::not_found("artifact", id))
}

/// Deletes an artifact: its object, then its row.
pub async fn delete<D: Db, K: Kv, B: Blobs>(app: &App<'_, D, K>, blobs: &B, caller: &Caller, id: &str) -> Result<()> {
    let a = writable(app, caller, id, Action::ArtifactDelete).await?;
    let acc = caller.account_id();
    blobs.delete(&a.r2_key).await?;
    app.db
        .batch(vec![
            events::record(app, acc, &caller.bearer, event("artifact.deleted", &a.id)),
            Stmt::new(sql::artifacts::DELETE, vec![acc.into(), a.id.clone().into()]),
        ])
        .await?;
    Ok(())
}

//! The package engines (PyPI, npm, OCI read side): each lists one package's files the caller
//! may download — uploaded artifacts of published releases that the release access rule
//! ([`super::viewer::Viewer`], the same rule as `GET /artifacts/{id}`) allows — and renders
//! them with the pure formats of [`crate::domain::engines`].
//!
//! Refusals follow Keygen's engines, stricter where it leaks: a package the caller may not see
//! is 404 for a bearer and 401 (`TOKEN_MISSING`, which the handlers answer with a `Basic`
//! challenge so pip, npm and skopeo send credentials) for an anonymous caller, whether or not
//! it exists; an unknown package is never redirected to the public registry.

pub mod npm;
pub mod oci;
pub mod pypi;
pub mod rubygems;

use serde_json::{Map, Value};

use super::{packages, releases, viewer::Viewer};
use crate::access::{self, Action};
use crate::domain::engines::EngineFile;
use crate::domain::release::{Access, Engine};
use crate::error::{Code, Error};
use crate::service::{App, Bearer, Caller};
use crate::store::distribution::{ArtifactRow, PackageRow, ReleaseRow};
use crate::store::{fetch_all, sql, Db, Kv};
use crate::Result;

/// The most releases of one package an engine lists (newest first).
pub const MAX_RELEASES: i64 = 500;

/// A package with the files the caller may download from it, newest release first.
#[derive(Debug)]
pub struct Listing {
    /// The package.
    pub package: PackageRow,
    /// Each visible release with its uploaded artifacts.
    pub releases: Vec<(ReleaseRow, Vec<ArtifactRow>)>,
}

impl Listing {
    /// The files as engines render them, with links below `base`
    /// (`{scheme}://{host}/v1/accounts/{account}`).
    pub fn files(&self, base: &str) -> Vec<EngineFile> {
        let mut out = Vec::new();
        for (r, artifacts) in &self.releases {
            for a in artifacts {
                out.push(EngineFile {
                    filename: a.filename.clone(),
                    url: artifact_url(base, &a.id, &a.filename),
                    version: r.version.clone(),
                    channel: r.channel.as_str().to_owned(),
                    tag: r.tag.clone(),
                    checksum: a.checksum.clone(),
                    metadata: serde_json::from_str::<Map<String, Value>>(&a.metadata).ok(),
                    created_ms: r.published_at.unwrap_or(r.created_at),
                });
            }
        }
        out
    }
}

/// The vanity download URL of an artifact (`/artifacts/{id}/{filename}`), which answers with a
/// redirect to the Worker's signed, short-lived download URL.
pub fn artifact_url(base: &str, id: &str, filename: &str) -> String {
    format!("{base}/artifacts/{id}/{}", encode_segment(filename))
}

/// Percent-encodes one path segment (unreserved characters stay).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 401 for anonymous callers (so clients send credentials), else the error as is.
fn challenge(caller: &Caller, e: Error) -> Error {
    if matches!(caller.bearer, Bearer::Anonymous) && (e.is(Code::NotFound) || e.is(Code::Forbidden)) {
        Error::new(Code::TokenMissing, "credentials are required to access this package").header("Authorization")
    } else {
        e
    }
}

/// The package `key` of `engine` the caller may see, with its downloadable files.
///
/// # Errors
/// 404 `NOT_FOUND` (unknown, another engine, or invisible to a bearer); 401 `TOKEN_MISSING` for
/// anonymous callers instead; 403 `FORBIDDEN` when the rule refuses the caller's license for
/// every release (suspended, expired under `REVOKE_ACCESS`, …), with Keygen's reason.
pub async fn listing<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, engine: Engine, key: &str) -> Result<Listing> {
    access::gate(caller, Action::ArtifactRead)?;
    let acc = caller.account_id();
    let package = packages::show(app, caller, key).await.map_err(|e| challenge(caller, e))?;
    if package.engine != Some(engine) {
        return Err(challenge(caller, Error::not_found("package", key)));
    }
    let rows: Vec<ReleaseRow> = fetch_all(app.db, sql::engines::PUBLISHED_OF_PACKAGE, &[acc.into(), package.id.clone().into(), MAX_RELEASES.into()]).await?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let constraints = releases::constraints_of(app, acc, &ids).await?;
    let mut viewer = Viewer::load(app, caller).await?;
    let mut visible = Vec::new();
    let mut denied = None;
    for r in rows {
        let of: Vec<String> = constraints.iter().filter(|c| c.release_id == r.id).map(|c| c.entitlement_id.clone()).collect();
        match viewer.access(app, &r, &of).await? {
            Access::Allow => visible.push(r),
            Access::Denied(d) => {
                denied.get_or_insert(d);
            }
            Access::Hidden => {}
        }
    }
    if let (true, Some(d)) = (visible.is_empty(), denied) {
        let e = Error::new(Code::Forbidden, format!("You do not have permission to complete the request ({})", d.reason()));
        return Err(challenge(caller, e));
    }
    let ids = Value::from(visible.iter().map(|r| Value::from(r.id.as_str())).collect::<Vec<_>>()).to_string();
    let artifacts: Vec<ArtifactRow> = fetch_all(app.db, sql::engines::UPLOADED_OF_RELEASES, &[acc.into(), ids.into()]).await?;
    let releases = visible
        .into_iter()
        .map(|r| {
            let of: Vec<ArtifactRow> = artifacts.iter().filter(|a| a.release_id == r.id).cloned().collect();
            (r, of)
        })
        .collect();
    Ok(Listing { package, releases })
}

/// The most packages an engine index lists.
pub const MAX_PACKAGES: i64 = 1000;

/// The caller's packages of `engine` (those whose product it may see), by key.
pub async fn packages_of<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, engine: Engine) -> Result<Vec<PackageRow>> {
    access::require(caller, Action::PackageRead)?;
    let acc = caller.account_id();
    let visible = Viewer::load(app, caller).await?.visible_products(app, acc).await?.map(|ids| Value::from(ids).to_string());
    Ok(fetch_all(app.db, sql::engines::PACKAGES_OF_ENGINE, &[acc.into(), engine.as_str().into(), visible.into(), MAX_PACKAGES.into()]).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("pkg-1.0.0-py3-none-any.whl"), "pkg-1.0.0-py3-none-any.whl");
        assert_eq!(encode_segment("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
        assert_eq!(artifact_url("https://h/v1/accounts/a", "id", "x y"), "https://h/v1/accounts/a/artifacts/id/x%20y");
    }
}

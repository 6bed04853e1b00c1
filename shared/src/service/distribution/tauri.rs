//! The Tauri engine: `GET /engines/tauri/{package}?platform=&arch=&version=[&channel=&constraint=]`
//! answers the Tauri updater's dynamic-server JSON (`version`, `notes`, `pub_date`, `url`,
//! `signature`) or nothing (204) when up to date (Keygen's `tauri/upgrades#show`): the current
//! release is the package's release with exactly `version`; the upgrade as
//! [`super::upgrades::next_release`]; the artifact one of its uploaded artifacts with that
//! platform and arch and a filetype other than `sig`, preferring `.zip`/`.gz`, then
//! `.nsis.zip`, then `.exe`, then the newest.

use serde_json::{json, Value};

use super::upgrades::{self, Options};
use super::{packages, releases};
use crate::api::query::Query;
use crate::clock::iso8601;
use crate::domain::release::{ArtifactStatus, Engine};
use crate::domain::semver::{Channel, Constraint, Version};
use crate::error::{Code, Error};
use crate::service::{App, Caller};
use crate::store::distribution::{ArtifactRow, ReleaseRow};
use crate::store::{fetch_all, sql, Db, Kv};
use crate::Result;

/// An update for the Tauri updater.
#[derive(Debug, Clone)]
pub struct Update {
    /// The release offered.
    pub release: ReleaseRow,
    /// The artifact to download.
    pub artifact: ArtifactRow,
}

impl Update {
    /// The updater's JSON, with `url` the artifact's absolute vanity URL.
    pub fn to_json(&self, url: &str) -> Value {
        json!({
            "version": self.release.version,
            "notes": self.release.description.clone().unwrap_or_default(),
            "pub_date": iso8601(self.release.published_at.unwrap_or(self.release.created_at)),
            "url": url,
            "signature": self.artifact.signature.clone().unwrap_or_default(),
        })
    }
}

fn required<'a>(q: &'a Query, k: &str) -> Result<&'a str> {
    q.get(k).filter(|v| !v.is_empty()).ok_or_else(|| Error::new(Code::ParameterMissing, format!("{k} is required")).parameter(k))
}

fn rank(filename: &str) -> u8 {
    let f = filename.to_ascii_lowercase();
    if f.ends_with(".nsis.zip") {
        1
    } else if f.ends_with(".zip") || f.ends_with(".gz") {
        0
    } else if f.ends_with(".exe") {
        2
    } else {
        3
    }
}

/// The update for a Tauri client, or `None` (up to date, unknown current version, or no
/// matching artifact).
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID`; 404 for a package that is unknown, not a
/// Tauri package or not visible; 403 when the rule refuses the caller's license.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, package: &str, q: &Query) -> Result<Option<Update>> {
    let (platform, arch, version) = (required(q, "platform")?.to_ascii_lowercase(), required(q, "arch")?.to_ascii_lowercase(), required(q, "version")?);
    let version: Version = version.parse().map_err(|_| Error::new(Code::ParameterInvalid, "version must be a semantic version").parameter("version"))?;
    let pkg = packages::show(app, caller, package).await?;
    if pkg.engine != Some(Engine::Tauri) {
        return Err(Error::not_found("package", package));
    }
    let acc = caller.account_id();
    let Some(current) = releases::find(app, acc, &version.to_string(), Some(&pkg.product_id), Some(&pkg.id)).await? else { return Ok(None) };
    let opts = Options {
        constraint: match q.get("constraint") {
            Some(c) => Some(c.parse::<Constraint>().map_err(|_| Error::new(Code::ConstraintInvalid, "invalid constraint format").parameter("constraint"))?),
            None => None,
        },
        channel: match q.get("channel") {
            Some(c) => Some(c.parse::<Channel>().map_err(|_| Error::new(Code::ParameterInvalid, "unsupported channel").parameter("channel"))?),
            None => None,
        },
        package: Some(pkg.id.clone()),
        platform: Some(platform.clone()),
        arch: Some(arch.clone()),
        filetype: None,
    };
    let Some(next) = upgrades::next_release(app, caller, &current, &opts).await? else { return Ok(None) };
    let filters: Vec<Value> = vec![
        acc.into(),
        next.id.clone().into(),
        Value::Null,
        platform.into(),
        arch.into(),
        Value::Null,
        ArtifactStatus::Uploaded.as_str().into(),
        Value::Null,
        100.into(),
        0.into(),
    ];
    let mut files: Vec<ArtifactRow> = fetch_all(app.db, sql::artifacts::LIST, &filters).await?;
    files.retain(|a| a.filetype.as_deref() != Some("sig") && !a.filename.to_ascii_lowercase().ends_with(".sig"));
    // LIST is newest first; a stable sort keeps that order within a rank.
    files.sort_by_key(|a| rank(&a.filename));
    Ok(files.into_iter().next().map(|artifact| Update { release: next, artifact }))
}

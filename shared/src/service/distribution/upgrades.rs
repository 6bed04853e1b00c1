//! Upgrades: `GET /releases/{id}/upgrade` → the newest published release above the current
//! one, in the channels the client sees, within `constraint`, that the caller may access
//! (Keygen's `Release#upgrade!`; 404 `NOT_FOUND` when there is none). Optional `platform`,
//! `arch` and `filetype` require an uploaded artifact that matches (Keygen ≤1.0's filters).

use serde_json::Value;

use super::releases;
use super::viewer::Viewer;
use crate::access::{self, Action};
use crate::api::query::Query;
use crate::domain::release::Access;
use crate::domain::semver::{Channel, Constraint, Version};
use crate::error::{Code, Error};
use crate::service::{events, App, Caller};
use crate::store::distribution::ReleaseRow;
use crate::store::{fetch_all, sql, Db, Kv};
use crate::Result;

/// Candidates examined per upgrade check.
const MAX_CANDIDATES: i64 = 100;

/// The current release and the upgrade.
#[derive(Debug, Clone)]
pub struct Upgrade {
    /// The release asked about.
    pub current: ReleaseRow,
    /// The newest accessible release above it.
    pub next: ReleaseRow,
}

/// What narrows an upgrade beyond the current release.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Pins the version parts given.
    pub constraint: Option<Constraint>,
    /// The client's channel (default: the current release's).
    pub channel: Option<Channel>,
    /// Package id (`""`: package-less; default: the current release's).
    pub package: Option<String>,
    /// Lowercase platform an uploaded artifact must have.
    pub platform: Option<String>,
    /// Lowercase arch an uploaded artifact must have.
    pub arch: Option<String>,
    /// Lowercase filetype an uploaded artifact must have.
    pub filetype: Option<String>,
}

impl Options {
    /// From `?constraint=&channel=&package=&platform=&arch=&filetype=`.
    ///
    /// # Errors
    /// 400 `CONSTRAINT_INVALID`, `PARAMETER_INVALID` (channel).
    pub async fn from_query<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, q: &Query) -> Result<Options> {
        let constraint = match q.get("constraint") {
            Some(c) => Some(c.parse::<Constraint>().map_err(|_| Error::new(Code::ConstraintInvalid, "invalid constraint format").parameter("constraint"))?),
            None => None,
        };
        let channel = match q.get("channel") {
            Some(c) => Some(c.parse::<Channel>().map_err(|_| Error::new(Code::ParameterInvalid, "unsupported channel").parameter("channel"))?),
            None => None,
        };
        let package = match q.get("package") {
            Some("") => Some(String::new()),
            Some(k) => Some(super::packages::find(app, account_id, k).await?.map_or_else(|| format!("unknown:{k}"), |p| p.id)),
            None => None,
        };
        let low = |k: &str| q.get(k).map(str::to_ascii_lowercase);
        Ok(Options { constraint, channel, package, platform: low("platform"), arch: low("arch"), filetype: low("filetype") })
    }
}

/// Finds the upgrade of release `id` (id, version or tag) with the query's options.
///
/// # Errors
/// 400 `CONSTRAINT_INVALID`, `PARAMETER_INVALID` (channel); 404 `NOT_FOUND` when none.
pub async fn upgrade<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Upgrade> {
    access::gate(caller, Action::ReleaseRead)?;
    let current = releases::show(app, caller, id, q).await?;
    let opts = Options::from_query(app, caller.account_id(), q).await?;
    let next = next_release(app, caller, &current, &opts).await?.ok_or_else(|| Error::new(Code::NotFound, "The requested release was not found"))?;
    Ok(Upgrade { current, next })
}

/// The newest published release above `current` that the caller may access under `opts`
/// (records `release.upgraded`), or `None`.
pub async fn next_release<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, current: &ReleaseRow, opts: &Options) -> Result<Option<ReleaseRow>> {
    let acc = caller.account_id();
    let channel = opts.channel.unwrap_or(current.channel);
    let package = opts.package.clone().unwrap_or_else(|| current.package_id.clone().unwrap_or_default());
    let channels = Value::from(channel.visible().iter().map(|c| Value::from(c.as_str())).collect::<Vec<_>>()).to_string();
    let params: Vec<Value> = vec![
        acc.into(),
        current.product_id.clone().into(),
        package.into(),
        channels.into(),
        current.semver_key.clone().into(),
        opts.platform.clone().into(),
        opts.arch.clone().into(),
        opts.filetype.clone().into(),
        MAX_CANDIDATES.into(),
    ];
    let candidates: Vec<ReleaseRow> = fetch_all(app.db, sql::releases::UPGRADE_CANDIDATES, &params).await?;
    let mut v = Viewer::load(app, caller).await?;
    for r in candidates {
        if r.id == current.id || r.version == current.version {
            continue;
        }
        let ok = match (&opts.constraint, r.version.parse::<Version>()) {
            (Some(c), Ok(ver)) => c.allows(&ver),
            (None, Ok(_)) => true,
            (_, Err(_)) => false,
        };
        if !ok {
            continue;
        }
        let cons = releases::constraint_ids(app, acc, &r.id).await?;
        if v.access(app, &r, &cons).await? == Access::Allow {
            let meta = serde_json::json!({"current": current.version, "next": r.version});
            let ev = events::Event { name: "release.upgraded", resource_type: "releases", resource_id: &r.id, changes: None, meta: Some(meta) };
            app.db.batch(vec![events::record(app, acc, &caller.bearer, ev)]).await?;
            return Ok(Some(r));
        }
    }
    Ok(None)
}

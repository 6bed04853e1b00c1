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

/// Finds the upgrade of release `id` (id, version or tag).
///
/// # Errors
/// 400 `CONSTRAINT_INVALID`, `PARAMETER_INVALID` (channel); 404 `NOT_FOUND` when none.
pub async fn upgrade<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Upgrade> {
    access::gate(caller, Action::ReleaseRead)?;
    let current = releases::show(app, caller, id, q).await?;
    let acc = caller.account_id();
    let constraint = match q.get("constraint") {
        Some(c) => Some(c.parse::<Constraint>().map_err(|_| Error::new(Code::ConstraintInvalid, "invalid constraint format").parameter("constraint"))?),
        None => None,
    };
    let channel = match q.get("channel") {
        Some(c) => c.parse::<Channel>().map_err(|_| Error::new(Code::ParameterInvalid, "unsupported channel").parameter("channel"))?,
        None => current.channel,
    };
    let package = match q.get("package") {
        Some("") => String::new(),
        Some(k) => super::packages::find(app, acc, k).await?.map_or_else(|| format!("unknown:{k}"), |p| p.id),
        None => current.package_id.clone().unwrap_or_default(),
    };
    let channels = Value::from(channel.visible().iter().map(|c| Value::from(c.as_str())).collect::<Vec<_>>()).to_string();
    let low = |k: &str| q.get(k).map(str::to_ascii_lowercase);
    let params: Vec<Value> = vec![
        acc.into(),
        current.product_id.clone().into(),
        package.into(),
        channels.into(),
        current.semver_key.clone().into(),
        low("platform").into(),
        low("arch").into(),
        low("filetype").into(),
        MAX_CANDIDATES.into(),
    ];
    let candidates: Vec<ReleaseRow> = fetch_all(app.db, sql::releases::UPGRADE_CANDIDATES, &params).await?;
    let mut v = Viewer::load(app, caller).await?;
    for r in candidates {
        if r.id == current.id || r.version == current.version {
            continue;
        }
        let ok = match (&constraint, r.version.parse::<Version>()) {
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
            return Ok(Upgrade { current, next: r });
        }
    }
    Err(Error::new(Code::NotFound, "The requested release was not found"))
}

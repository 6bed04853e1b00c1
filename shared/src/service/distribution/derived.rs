//! Platforms, arches, channels and engines: read-only resources derived from what the
//! caller's visible releases, artifacts and packages use (Keygen: "index only those in use").
//! Ids are derived from the account, type and key ([`crate::api::distribution::keyed_id`]);
//! `show` takes the id or the key.

use serde_json::Value;

use super::viewer::Viewer;
use crate::access::{self, Action};
use crate::api::distribution::keyed_id;
use crate::error::Error;
use crate::service::{App, Caller};
use crate::store::distribution::KeyRow;
use crate::store::{fetch_all, sql, Db, Kv};
use crate::Result;

/// A derived resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `platforms` (artifact platforms).
    Platforms,
    /// `arches` (artifact arches).
    Arches,
    /// `channels` (release channels).
    Channels,
    /// `engines` (package engines).
    Engines,
}

impl Kind {
    /// The JSON:API type.
    pub fn ty(self) -> &'static str {
        match self {
            Kind::Platforms => "platforms",
            Kind::Arches => "arches",
            Kind::Channels => "channels",
            Kind::Engines => "engines",
        }
    }
    fn sql(self) -> &'static str {
        match self {
            Kind::Platforms => sql::artifacts::PLATFORMS,
            Kind::Arches => sql::artifacts::ARCHES,
            Kind::Channels => sql::releases::CHANNELS,
            Kind::Engines => sql::packages::ENGINES,
        }
    }
}

/// Every `kind` in use among what the caller may see; with `product`, only among that
/// product's (`GET /products/{id}/platforms` & co., the product already shown to the caller).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, kind: Kind, product: Option<&str>) -> Result<Vec<KeyRow>> {
    access::require(caller, Action::ReleaseRead)?;
    let acc = caller.account_id();
    let mut v = Viewer::load(app, caller).await?;
    let visible = match (v.visible_products(app, acc).await?, product) {
        (Some(ids), Some(p)) => Some(ids.into_iter().filter(|id| id == p).collect()),
        (None, Some(p)) => Some(vec![p.to_owned()]),
        (ids, None) => ids,
    };
    let visible = visible.map(|ids: Vec<String>| Value::from(ids).to_string());
    Ok(fetch_all(app.db, kind.sql(), &[acc.into(), visible.into()]).await?)
}

/// One `kind` by derived id or key (`product` as in [`list`]).
///
/// # Errors
/// 404 when not in use among what the caller may see.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, kind: Kind, id: &str, product: Option<&str>) -> Result<KeyRow> {
    let acc = caller.account_id().to_owned();
    let all = list(app, caller, kind, product).await?;
    all.into_iter().find(|k| k.key == id || keyed_id(&acc, kind.ty(), &k.key) == id).ok_or_else(|| Error::not_found(kind.ty().trim_end_matches('s'), id))
}

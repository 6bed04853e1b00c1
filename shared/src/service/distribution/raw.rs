//! The raw engine: `GET /engines/raw/{product}[/@{package}]/{release}/{artifact}` resolves a
//! product (id or code), package (id or key; omitted: package-less releases), release (id,
//! version or tag, e.g. `latest`) and artifact (id or filename) to the artifact the caller may
//! download; the handler redirects to its vanity URL with the original query string (Keygen's
//! `raw/release_artifacts#show`; no events at this hop).

use super::{artifacts, packages, releases};
use crate::access::{self, Action};
use crate::error::Error;
use crate::service::{App, Caller};
use crate::store::distribution::ArtifactRow;
use crate::store::{products, Db, Kv};
use crate::Result;

/// Resolves the raw path to an artifact.
///
/// # Errors
/// 404 for anything unknown or outside the caller's scope; 403 with Keygen's reason.
pub async fn resolve<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    product: &str,
    package: Option<&str>,
    release: &str,
    artifact: &str,
) -> Result<ArtifactRow> {
    access::gate(caller, Action::ArtifactRead)?;
    let acc = caller.account_id();
    let p = products::find(app.db, acc, product).await?.ok_or_else(|| Error::not_found("product", product))?;
    let pkg = match package {
        Some(k) => {
            let pk = packages::find(app, acc, k).await?.filter(|pk| pk.product_id == p.id).ok_or_else(|| Error::not_found("package", k))?;
            pk.id
        }
        None => String::new(),
    };
    let r = releases::find(app, acc, release, Some(&p.id), Some(&pkg)).await?.ok_or_else(|| Error::not_found("release", release))?;
    artifacts::show(app, caller, artifact, Some(&r.id), None).await
}

//! What Keygen's older API versions render from the database
//! ([`crate::api::versions::Lookups`]): the owner of each license a machine in the answer
//! belongs to (one read, only for clients at 1.5 or older whose answer holds machines), and
//! each release's product and latest artifact (one read, only for 1.0 clients whose answer
//! holds releases or artifacts).

use serde::Deserialize;
use serde_json::Value;

use crate::api::versions::{Lookups, Needs, ReleaseLookup};
use crate::service::App;
use crate::store::{fetch_all, sql, Db, Kv};
use crate::Result;

#[derive(Deserialize)]
struct Owner {
    id: String,
    owner_id: Option<String>,
}

#[derive(Deserialize)]
struct Latest {
    release_id: String,
    product_id: String,
    artifact_id: Option<String>,
    platform: Option<String>,
    filetype: Option<String>,
    filename: Option<String>,
    filesize: Option<i64>,
    signature: Option<String>,
    checksum: Option<String>,
}

/// The lookups `needs` asks for in account `account_id` (nothing read when it asks for none).
///
/// # Errors
/// A store failure.
pub async fn lookups<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, needs: &Needs) -> Result<Lookups> {
    let mut found = Lookups::default();
    if !needs.licenses.is_empty() {
        let ids = Value::from(needs.licenses.clone()).to_string();
        let rows: Vec<Owner> = fetch_all(app.db, sql::licenses::OWNERS_IN, &[account_id.into(), ids.into()]).await?;
        found.license_owners = rows.into_iter().map(|r| (r.id, r.owner_id)).collect();
    }
    if !needs.releases.is_empty() {
        let ids = Value::from(needs.releases.clone()).to_string();
        let rows: Vec<Latest> = fetch_all(app.db, sql::releases::LATEST_ARTIFACTS_IN, &[account_id.into(), ids.into()]).await?;
        found.releases = rows
            .into_iter()
            .map(|r| {
                let artifact = r.artifact_id.map(|id| {
                    let v = serde_json::json!({"id": id, "platform": r.platform, "filetype": r.filetype, "filename": r.filename,
                        "filesize": r.filesize, "signature": r.signature, "checksum": r.checksum});
                    v.as_object().cloned().unwrap_or_default()
                });
                (r.release_id, ReleaseLookup { product_id: r.product_id, artifact })
            })
            .collect();
    }
    Ok(found)
}

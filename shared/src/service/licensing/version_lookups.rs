//! What Keygen's older API versions render from the database
//! ([`crate::api::versions::Lookups`]): the owner of each license a machine in the answer
//! belongs to. One read, only for clients at 1.5 or older whose answer holds machines.

use serde::Deserialize;
use serde_json::Value;

use crate::api::versions::Lookups;
use crate::service::App;
use crate::store::{fetch_all, sql, Db, Kv};
use crate::Result;

#[derive(Deserialize)]
struct Owner {
    id: String,
    owner_id: Option<String>,
}

/// The lookups for `license_ids` of account `account_id` (nothing read when there are none).
///
/// # Errors
/// A store failure.
pub async fn lookups<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, license_ids: &[String]) -> Result<Lookups> {
    if license_ids.is_empty() {
        return Ok(Lookups::default());
    }
    let ids = Value::from(license_ids.to_vec()).to_string();
    let rows: Vec<Owner> = fetch_all(app.db, sql::licenses::OWNERS_IN, &[account_id.into(), ids.into()]).await?;
    Ok(Lookups { license_owners: rows.into_iter().map(|r| (r.id, r.owner_id)).collect() })
}

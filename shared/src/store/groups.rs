//! Typed group lookups, for capabilities that check a group exists without the catalogue use cases.

use super::rows::GroupRow;
use super::{fetch_one, sql, Db, StoreError};

/// A group by id.
pub async fn find(db: &impl Db, account_id: &str, id: &str) -> Result<Option<GroupRow>, StoreError> {
    fetch_one(db, sql::groups::FIND, &[account_id.into(), id.into()]).await
}

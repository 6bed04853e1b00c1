//! Typed product lookups, for identity (a product bearer's profile) without the catalogue use cases.

use super::rows::ProductRow;
use super::{fetch_one, sql, Db, StoreError};

/// A product by id.
pub async fn find(db: &impl Db, account_id: &str, id: &str) -> Result<Option<ProductRow>, StoreError> {
    fetch_one(db, sql::products::FIND, &[account_id.into(), id.into()]).await
}

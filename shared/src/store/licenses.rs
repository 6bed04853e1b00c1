//! Typed license lookups, for the capabilities below licensing (identity authenticates license
//! keys, fleet checks a machine's license) so they need not import the licensing use cases.

use super::rows::LicenseRow;
use super::{fetch_one, sql, Db, StoreError};

/// A license by id or key.
pub async fn find(db: &impl Db, account_id: &str, id_or_key: &str) -> Result<Option<LicenseRow>, StoreError> {
    fetch_one(db, sql::licenses::FIND, &[account_id.into(), id_or_key.into()]).await
}

/// A license by key only.
pub async fn find_by_key(db: &impl Db, account_id: &str, key: &str) -> Result<Option<LicenseRow>, StoreError> {
    fetch_one(db, sql::licenses::FIND_BY_KEY, &[account_id.into(), key.into()]).await
}

/// Whether `user_id` owns license `l` or is one of its licensees.
pub async fn is_user_of(db: &impl Db, l: &LicenseRow, user_id: &str) -> Result<bool, StoreError> {
    Ok(l.owner_id.as_deref() == Some(user_id)
        || fetch_one::<serde_json::Value>(db, sql::licenses::IS_LICENSEE, &[l.id.clone().into(), user_id.into()]).await?.is_some())
}

//! Workers KV executor of [`shared::store::Kv`] (leases). KV's minimum TTL is 60 s.

use shared::store::{Kv, StoreError};
use worker::kv::KvStore;

/// The `LEASES` namespace.
pub struct WorkersKv(pub KvStore);

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Kv(e.to_string())
}

impl Kv for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0.get(key).text().await.map_err(err)
    }

    async fn put(&self, key: &str, value: &str, ttl_secs: u64) -> Result<(), StoreError> {
        self.0.put(key, value).map_err(err)?.expiration_ttl(ttl_secs.max(60)).execute().await.map_err(err)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(err)
    }
}

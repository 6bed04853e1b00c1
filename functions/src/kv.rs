//! Workers KV executor of [`shared::store::Kv`] (leases). KV's minimum TTL is 60 s.
//! Counts its operations (one [`crate::env::AppEnv`] per invocation, so per request) for
//! `Server-Timing` (`kv-read`, `kv-write`).

use std::cell::Cell;

use shared::store::{Kv, StoreError};
use worker::kv::KvStore;

/// The `LEASES` namespace, with this invocation's operation counts.
pub struct WorkersKv(KvStore, Cell<KvCounts>);

/// KV operations of one invocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KvCounts {
    /// `get`s.
    pub reads: u32,
    /// `put`s and `delete`s.
    pub writes: u32,
}

impl WorkersKv {
    /// The namespace, with zero counts.
    pub fn new(store: KvStore) -> Self {
        Self(store, Cell::new(KvCounts::default()))
    }

    /// Operations so far.
    pub fn counts(&self) -> KvCounts {
        self.1.get()
    }

    fn count(&self, write: bool) {
        let mut c = self.1.get();
        if write {
            c.writes = c.writes.saturating_add(1);
        } else {
            c.reads = c.reads.saturating_add(1);
        }
        self.1.set(c);
    }
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Kv(e.to_string())
}

impl Kv for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.count(false);
        self.0.get(key).text().await.map_err(err)
    }

    async fn put(&self, key: &str, value: &str, ttl_secs: u64) -> Result<(), StoreError> {
        self.count(true);
        self.0.put(key, value).map_err(err)?.expiration_ttl(ttl_secs.max(60)).execute().await.map_err(err)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.count(true);
        self.0.delete(key).await.map_err(err)
    }
}

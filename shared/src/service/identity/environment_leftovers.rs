//! Environments (issue 8): what a deleted environment leaves outside D1 — its machines' KV
//! leases and its artifacts' R2 objects — removed right after the rows went (nothing links
//! them any more, so a failure only leaves garbage: leases expire with their TTL).

use crate::service::identity::environments::Leftovers;
use crate::service::App;
use crate::store::distribution::Blobs;
use crate::store::{Db, Kv};

/// Removes `l`'s machine leases.
pub async fn remove_leases<D: Db, K: Kv>(app: &App<'_, D, K>, l: &Leftovers) {
    for m in &l.machines {
        // Best-effort, as every lease removal: it expires with its TTL anyway.
        let _removed = app.kv.delete(&crate::domain::lease::kv_key(&l.tenant, m)).await.is_ok();
    }
}

/// Removes `l`'s artifact objects; returns how many R2 confirmed removed.
pub async fn remove_objects<B: Blobs>(blobs: &B, l: &Leftovers) -> usize {
    let mut removed = 0;
    for key in &l.objects {
        if blobs.delete(key).await.is_ok() {
            removed += 1;
        }
    }
    removed
}

//! Environments (issue 8): what a deleted environment leaves outside D1 — its machines' KV
//! leases and its artifacts' R2 objects — removed right after the rows went (nothing links
//! them any more, so a failure only leaves garbage: leases expire with their TTL).

use crate::service::fleet::leases;
use crate::service::identity::environments::Leftovers;
use crate::service::App;
use crate::store::distribution::Blobs;
use crate::store::{Db, Kv};

/// Removes `l`'s machine leases (best-effort, as every lease removal).
pub async fn remove_leases<D: Db, K: Kv>(app: &App<'_, D, K>, l: &Leftovers) {
    for m in &l.machines {
        leases::remove(app, &l.tenant, m).await;
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

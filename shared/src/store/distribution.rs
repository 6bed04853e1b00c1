//! Distribution storage: rows of `packages`, `releases`, `release_entitlement_constraints` and
//! `artifacts` (SQL in [`super::sql::releases`], [`super::sql::packages`],
//! [`super::sql::artifacts`]), and the artifact object store port ([`Blobs`]): R2 in the Worker
//! (`functions/src/r2.rs`), [`MemoryBlobs`] natively. Nothing in the bucket is public: bytes
//! move only through the Worker's own signed upload and download URLs.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::StoreError;
use crate::clock::Millis;
use crate::domain::release::{ArtifactStatus, Engine, ReleaseStatus};
use crate::domain::semver::Channel;

/// `packages`.
#[derive(Debug, Clone, Deserialize)]
pub struct PackageRow {
    pub id: String,
    pub account_id: String,
    pub product_id: String,
    pub name: String,
    pub key: String,
    pub engine: Option<Engine>,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `releases`.
#[derive(Debug, Clone, Deserialize)]
pub struct ReleaseRow {
    pub id: String,
    pub account_id: String,
    pub product_id: String,
    pub package_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub version: String,
    pub semver_key: String,
    pub channel: Channel,
    pub status: ReleaseStatus,
    pub tag: Option<String>,
    pub metadata: String,
    pub backdated_at: Option<Millis>,
    pub published_at: Option<Millis>,
    pub yanked_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl ReleaseRow {
    /// `backdated` if set, else `created` (Keygen's expiry window).
    pub fn dated_at(&self) -> Millis {
        self.backdated_at.unwrap_or(self.created_at)
    }
    /// `backdated` if set, else published, else created (the maintenance window).
    pub fn released_at(&self) -> Millis {
        self.backdated_at.or(self.published_at).unwrap_or(self.created_at)
    }
}

/// `release_entitlement_constraints`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConstraintRow {
    pub id: String,
    pub account_id: String,
    pub release_id: String,
    pub entitlement_id: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `artifacts`.
#[derive(Debug, Clone, Deserialize)]
pub struct ArtifactRow {
    pub id: String,
    pub account_id: String,
    pub release_id: String,
    pub filename: String,
    pub filetype: Option<String>,
    pub filesize: Option<i64>,
    pub platform: Option<String>,
    pub arch: Option<String>,
    pub signature: Option<String>,
    pub checksum: Option<String>,
    pub status: ArtifactStatus,
    pub r2_key: String,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// An object key with its artifact (deletes, the stale-upload cron).
#[derive(Debug, Clone, Deserialize)]
pub struct ObjectKeyRow {
    pub id: String,
    #[serde(default)]
    pub account_id: Option<String>,
    pub r2_key: String,
}

/// A derived resource (platform, arch, channel, engine): its key and first/last use.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyRow {
    pub key: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// An object's size (HEAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectHead {
    /// Bytes.
    pub size: u64,
}

/// One uploaded part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// 1-based part number.
    pub number: u16,
    /// The store's tag for it.
    pub etag: String,
}

/// The artifact object store (R2's ARTIFACTS bucket). Keys are `artifacts/{account}/{release}/{artifact}`.
/// Parts of a multipart upload must be at least [`MIN_PART_BYTES`] and of one size, except the
/// last (R2's rule).
#[expect(async_fn_in_trait, reason = "Workers are single-threaded; futures need not be Send")]
pub trait Blobs {
    /// Writes an object in one request.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError>;
    /// Starts a multipart upload; returns its upload id.
    async fn create_multipart(&self, key: &str) -> Result<String, StoreError>;
    /// Uploads one part.
    async fn upload_part(&self, key: &str, upload_id: &str, number: u16, bytes: Vec<u8>) -> Result<Part, StoreError>;
    /// Completes a multipart upload from its parts, in order.
    async fn complete_multipart(&self, key: &str, upload_id: &str, parts: Vec<Part>) -> Result<(), StoreError>;
    /// Abandons a multipart upload.
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StoreError>;
    /// The object's size, if it exists.
    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, StoreError>;
    /// Bytes `range` (start, end inclusive) of the object, or all of it; `None` if missing.
    async fn get(&self, key: &str, range: Option<(u64, u64)>) -> Result<Option<Vec<u8>>, StoreError>;
    /// Deletes the object (absent is fine).
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
}

/// R2's smallest part but the last (5 MiB).
pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;

/// In-memory [`Blobs`] for native tests; enforces R2's part-size rules.
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    objects: RefCell<BTreeMap<String, Vec<u8>>>,
    uploads: RefCell<BTreeMap<String, BTreeMap<u16, Vec<u8>>>>,
}

impl MemoryBlobs {
    /// The keys stored, in order.
    pub fn keys(&self) -> Vec<String> {
        self.objects.borrow().keys().cloned().collect()
    }
}

impl Blobs for MemoryBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.objects.borrow_mut().insert(key.to_owned(), bytes);
        Ok(())
    }
    async fn create_multipart(&self, key: &str) -> Result<String, StoreError> {
        let id = format!("{key}#{}", self.uploads.borrow().len());
        self.uploads.borrow_mut().insert(id.clone(), BTreeMap::new());
        Ok(id)
    }
    async fn upload_part(&self, _key: &str, upload_id: &str, number: u16, bytes: Vec<u8>) -> Result<Part, StoreError> {
        let mut u = self.uploads.borrow_mut();
        let parts = u.get_mut(upload_id).ok_or_else(|| StoreError::Db("no such upload".into()))?;
        parts.insert(number, bytes);
        Ok(Part { number, etag: format!("etag-{number}") })
    }
    async fn complete_multipart(&self, key: &str, upload_id: &str, parts: Vec<Part>) -> Result<(), StoreError> {
        let stored = self.uploads.borrow_mut().remove(upload_id).ok_or_else(|| StoreError::Db("no such upload".into()))?;
        let mut out = Vec::new();
        let last = parts.len().saturating_sub(1);
        for (i, p) in parts.iter().enumerate() {
            let bytes = stored.get(&p.number).ok_or_else(|| StoreError::Db("missing part".into()))?;
            if i < last && bytes.len() < MIN_PART_BYTES {
                return Err(StoreError::Db("part below the minimum size".into()));
            }
            if i < last && i > 0 && parts.first().and_then(|f| stored.get(&f.number)).map(Vec::len) != Some(bytes.len()) {
                return Err(StoreError::Db("parts but the last must be of one size".into()));
            }
            out.extend_from_slice(bytes);
        }
        self.objects.borrow_mut().insert(key.to_owned(), out);
        Ok(())
    }
    async fn abort_multipart(&self, _key: &str, upload_id: &str) -> Result<(), StoreError> {
        self.uploads.borrow_mut().remove(upload_id);
        Ok(())
    }
    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, StoreError> {
        Ok(self.objects.borrow().get(key).map(|b| ObjectHead { size: b.len() as u64 }))
    }
    async fn get(&self, key: &str, range: Option<(u64, u64)>) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.objects.borrow().get(key).map(|b| match range {
            None => b.clone(),
            Some((s, e)) => {
                let (s, e) = (usize::try_from(s).unwrap_or(usize::MAX), usize::try_from(e).unwrap_or(usize::MAX));
                b.get(s..=e.min(b.len().saturating_sub(1))).map(<[u8]>::to_vec).unwrap_or_default()
            }
        }))
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.objects.borrow_mut().remove(key);
        Ok(())
    }
}

//! The R2 port ([`shared::store::distribution::Blobs`]) over the ARTIFACTS bucket binding, and
//! the streaming reads downloads use (bytes flow from R2 to the client without buffering).
//! The bucket is private: nothing reaches it but this Worker.

use shared::store::distribution::{Blobs, ObjectHead, Part};
use shared::store::StoreError;
use worker::{Bucket, Range};

/// The ARTIFACTS bucket.
pub struct R2Blobs(pub Bucket);

fn err(e: worker::Error) -> StoreError {
    StoreError::Db(format!("r2: {e}"))
}

impl R2Blobs {
    /// The object (with its body) or the `range` of it, streamed.
    pub async fn get_object(&self, key: &str, range: Option<(u64, u64)>) -> Result<Option<worker::Object>, StoreError> {
        let mut g = self.0.get(key);
        if let Some((start, end)) = range {
            g = g.range(Range::OffsetWithLength { offset: start, length: end.saturating_sub(start).saturating_add(1) });
        }
        g.execute().await.map_err(err)
    }
}

impl Blobs for R2Blobs {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.0.put(key, bytes).execute().await.map_err(err)?;
        Ok(())
    }
    async fn create_multipart(&self, key: &str) -> Result<String, StoreError> {
        let u = self.0.create_multipart_upload(key).execute().await.map_err(err)?;
        Ok(u.upload_id().await)
    }
    async fn upload_part(&self, key: &str, upload_id: &str, number: u16, bytes: Vec<u8>) -> Result<Part, StoreError> {
        let u = self.0.resume_multipart_upload(key, upload_id).map_err(err)?;
        let p = u.upload_part(number, bytes).await.map_err(err)?;
        Ok(Part { number: p.part_number(), etag: p.etag() })
    }
    async fn complete_multipart(&self, key: &str, upload_id: &str, parts: Vec<Part>) -> Result<(), StoreError> {
        let u = self.0.resume_multipart_upload(key, upload_id).map_err(err)?;
        u.complete(parts.into_iter().map(|p| worker::UploadedPart::new(p.number, p.etag))).await.map_err(err)?;
        Ok(())
    }
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StoreError> {
        let u = self.0.resume_multipart_upload(key, upload_id).map_err(err)?;
        u.abort().await.map_err(err)
    }
    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, StoreError> {
        Ok(self.0.head(key).await.map_err(err)?.map(|o| ObjectHead { size: o.size() }))
    }
    async fn get(&self, key: &str, range: Option<(u64, u64)>) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(o) = self.get_object(key, range).await? else { return Ok(None) };
        match o.body() {
            Some(b) => Ok(Some(b.bytes().await.map_err(err)?)),
            None => Ok(Some(Vec::new())),
        }
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(err)
    }
}

//! The OCI distribution spec's read side for one `oci` package: an image is a release, its
//! blobs (config, layers) and manifest are artifacts of it, found by content digest (the
//! artifact's SHA-256 checksum). The release's manifest is its artifact named `index.json`,
//! else `manifest.json`; manifests are answered with their exact stored bytes (read from R2)
//! and their declared media type; blobs through the artifact download URL.

use super::{listing, Listing};
use crate::domain::engines::checksum;
use crate::domain::engines::oci::{self, OciDigest, Reference};
use crate::domain::release::Engine;
use crate::error::{Code, Error};
use crate::service::distribution::artifacts;
use crate::service::{App, Caller};
use crate::store::distribution::{ArtifactRow, Blobs};
use crate::store::{Db, Kv};
use crate::Result;

/// The largest manifest served (the spec's registries commonly cap at 4 MiB).
pub const MAX_MANIFEST_BYTES: i64 = 4 * 1024 * 1024;

/// Manifest filenames of a release, in preference order.
const MANIFEST_FILES: &[&str] = &["index.json", "manifest.json"];

/// A manifest as served.
#[derive(Debug)]
pub struct Manifest {
    /// Its media type.
    pub media_type: &'static str,
    /// `sha256:…` of the bytes.
    pub digest: String,
    /// The stored bytes.
    pub bytes: Vec<u8>,
}

fn unknown(what: &str, reference: &str) -> Error {
    Error::not_found(what, reference)
}

fn by_digest<'a>(l: &'a Listing, d: &OciDigest) -> Option<&'a ArtifactRow> {
    if d.algorithm != "sha256" {
        return None;
    }
    l.releases.iter().flat_map(|(_, a)| a.iter()).find(|a| checksum::sha256_hex(a.checksum.as_deref()).as_deref() == Some(d.hex.as_str()))
}

/// `HEAD|GET …/{package}/manifests/{reference}`: by tag (a release's tag or version) or digest.
///
/// # Errors
/// 404 for an unknown reference or one that is not a manifest; 406 `NOT_ACCEPTABLE` when
/// `Accept` admits none of the manifest's type; otherwise as [`super::listing`].
pub async fn manifest<D: Db, K: Kv, B: Blobs>(
    app: &App<'_, D, K>,
    blobs: &B,
    caller: &Caller,
    key: &str,
    reference: &str,
    accept: Option<&str>,
) -> Result<Manifest> {
    let l = listing(app, caller, Engine::Oci, key).await?;
    let artifact = match Reference::parse(reference).ok_or_else(|| unknown("manifest", reference))? {
        Reference::Digest(d) => by_digest(&l, &d),
        Reference::Tag(t) => l
            .releases
            .iter()
            .find(|(r, _)| r.tag.as_deref() == Some(t.as_str()) || r.version == t)
            .and_then(|(_, a)| MANIFEST_FILES.iter().find_map(|f| a.iter().find(|x| x.filename == *f))),
    }
    .ok_or_else(|| unknown("manifest", reference))?;
    if artifact.filesize.is_some_and(|s| s > MAX_MANIFEST_BYTES) {
        return Err(unknown("manifest", reference));
    }
    let bytes = blobs.get(&artifact.r2_key, None).await?.ok_or_else(|| unknown("manifest", reference))?;
    let media_type = oci::manifest_media_type(&bytes).ok_or_else(|| unknown("manifest", reference))?;
    if !oci::accepts(accept, media_type) {
        return Err(Error::new(Code::NotAcceptable, format!("the manifest is {media_type}, which Accept does not admit")).header("Accept"));
    }
    Ok(Manifest { media_type, digest: OciDigest::sha256_of(&bytes).to_string(), bytes })
}

/// `HEAD|GET …/{package}/blobs/{digest}`: the artifact holding the blob.
///
/// # Errors
/// 404 for a malformed or unknown digest; otherwise as [`super::listing`].
pub async fn blob<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, key: &str, digest: &str) -> Result<ArtifactRow> {
    let l = listing(app, caller, Engine::Oci, key).await?;
    let d = OciDigest::parse(digest).ok_or_else(|| unknown("blob", digest))?;
    by_digest(&l, &d).cloned().ok_or_else(|| unknown("blob", digest))
}

/// `GET …/{package}/blobs/{digest}`: the blob's artifact and its signed download link (path
/// and query), recording the download as `GET /artifacts/{id}` does.
///
/// # Errors
/// As [`blob`].
pub async fn blob_link<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, key: &str, digest: &str) -> Result<(ArtifactRow, String)> {
    let a = blob(app, caller, key, digest).await?;
    let link = artifacts::download(app, caller, &a.id, None, None, None).await?.link.ok_or_else(|| unknown("blob", digest))?;
    Ok((a, link))
}

/// `GET …/{package}/tags/list`: the tags of the visible releases (Keygen's: tags, not versions).
pub async fn tags<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, key: &str) -> Result<serde_json::Value> {
    let l = listing(app, caller, Engine::Oci, key).await?;
    let tags: Vec<String> = l.releases.iter().filter_map(|(r, _)| r.tag.clone()).collect();
    Ok(oci::render_tags(&l.package.key, &tags))
}

//! The Worker's own upload and download links for artifact bytes (the bucket is private):
//! `/v1/transfers/{account}/{artifact}/{upload|download}?expires={unix s}&signature={hex}`,
//! authorised by an HMAC-SHA256 over the operation, account, artifact and expiry under a key
//! derived from the deployment secret. Also the upload's `filesize`/`checksum` check and the
//! `Range` header.

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use crate::domain::release::ArtifactStatus;
use crate::error::{Code, Error};
use crate::service::{events, App, Bearer};
use crate::store::distribution::ArtifactRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// Default link lifetime (Keygen's presigner default, 15 min for downloads; 1 h for uploads).
pub const DOWNLOAD_TTL_SECS: i64 = 900;
/// Upload link lifetime.
pub const UPLOAD_TTL_SECS: i64 = 3600;
/// Bounds of `?ttl=` (Keygen ≤1.0's: 1 minute to 1 week).
pub const TTL_BOUNDS: (i64, i64) = (60, 604_800);
/// The path prefix the Worker serves transfers under.
pub const PREFIX: &str = "/v1/transfers/";

/// What a link allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// PUT the bytes.
    Upload,
    /// GET the bytes.
    Download,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Upload => "upload",
            Op::Download => "download",
        }
    }
}

fn mac(secret: &str, op: Op, account: &str, artifact: &str, expires: i64) -> String {
    let key = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map(|m| m.chain_update(b"latchkey:transfers").finalize().into_bytes());
    let Ok(key) = key else { return String::new() };
    match Hmac::<Sha256>::new_from_slice(&key) {
        Ok(m) => hex::encode(m.chain_update(format!("{}\n{account}\n{artifact}\n{expires}", op.as_str()).as_bytes()).finalize().into_bytes()),
        Err(_) => String::new(),
    }
}

/// The path and query of a link valid until `expires` (unix seconds).
pub fn link(secret: &str, op: Op, account: &str, artifact: &str, expires: i64) -> String {
    format!("{PREFIX}{account}/{artifact}/{}?expires={expires}&signature={}", op.as_str(), mac(secret, op, account, artifact, expires))
}

/// A parsed transfer request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The account id.
    pub account: String,
    /// The artifact id.
    pub artifact: String,
    /// The operation.
    pub op: Op,
}

/// Parses and verifies a transfer path and its query at `now_s` (unix seconds).
///
/// # Errors
/// 404 for a path that is not a transfer; 403 `LINK_INVALID` for a bad or expired signature.
pub fn verify(secret: &str, path: &str, query: &crate::api::query::Query, now_s: i64) -> Result<Target> {
    let rest = path.strip_prefix(PREFIX).ok_or_else(|| Error::new(Code::NotFound, "not a transfer link"))?;
    let mut it = rest.split('/');
    let (Some(account), Some(artifact), Some(op), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(Error::new(Code::NotFound, "not a transfer link"));
    };
    let op = match op {
        "upload" => Op::Upload,
        "download" => Op::Download,
        _ => return Err(Error::new(Code::NotFound, "not a transfer link")),
    };
    let invalid = || Error::new(Code::LinkInvalid, "the link is invalid or has expired").parameter("signature");
    let expires: i64 = query.get("expires").and_then(|e| e.parse().ok()).ok_or_else(invalid)?;
    let sig = query.get("signature").ok_or_else(invalid)?;
    let want = mac(secret, op, account, artifact, expires);
    let same = want.len() == sig.len() && want.bytes().zip(sig.bytes()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0;
    if !same || expires < now_s || want.is_empty() {
        return Err(invalid());
    }
    Ok(Target { account: account.to_owned(), artifact: artifact.to_owned(), op })
}

/// An incremental digest matching an artifact's `checksum` (hex or base64, padded or not; the
/// algorithm from the digest length: SHA-1, -256, -384, -512). `None`: no checksum, or one
/// whose algorithm cannot be told (MD5/SHA-224 lengths), which is stored but not checked.
pub struct Verifier {
    want: Vec<u8>,
    hasher: Hasher,
}

enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

fn decode_checksum(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let t = s.trim();
    let h = t.strip_prefix("0x").unwrap_or(t);
    if h.len().is_multiple_of(2) && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(b) = hex::decode(h) {
            return Some(b);
        }
    }
    let e = base64::engine::general_purpose::GeneralPurposeConfig::new().with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    let std = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, e);
    let url = base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, e);
    std.decode(t).or_else(|_| url.decode(t)).ok()
}

impl Verifier {
    /// A verifier for `checksum`, if it can be checked.
    pub fn new(checksum: Option<&str>) -> Option<Verifier> {
        let want = decode_checksum(checksum?)?;
        let hasher = match want.len() {
            20 => Hasher::Sha1(sha1::Sha1::new()),
            32 => Hasher::Sha256(Sha256::new()),
            48 => Hasher::Sha384(Sha384::new()),
            64 => Hasher::Sha512(Sha512::new()),
            _ => return None,
        };
        Some(Verifier { want, hasher })
    }
    /// Feeds bytes.
    pub fn update(&mut self, b: &[u8]) {
        match &mut self.hasher {
            Hasher::Sha1(h) => h.update(b),
            Hasher::Sha256(h) => h.update(b),
            Hasher::Sha384(h) => h.update(b),
            Hasher::Sha512(h) => h.update(b),
        }
    }
    /// Whether the bytes fed match.
    pub fn matches(self) -> bool {
        let got = match self.hasher {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        };
        got == self.want
    }
}

/// The artifact a verified upload link targets, while it is WAITING.
///
/// # Errors
/// 404 unknown; 422 `STATE_INVALID` once uploaded, failed or yanked.
pub async fn upload_target<D: Db, K: Kv>(app: &App<'_, D, K>, t: &Target) -> Result<ArtifactRow> {
    let a: ArtifactRow = fetch_one(app.db, sql::artifacts::FIND, &[t.account.clone().into(), t.artifact.clone().into()])
        .await?
        .ok_or_else(|| Error::not_found("artifact", &t.artifact))?;
    if a.status != ArtifactStatus::Waiting {
        return Err(Error::new(Code::StateInvalid, format!("artifact is {} (only a WAITING artifact accepts an upload)", a.status)));
    }
    Ok(a)
}

/// Settles an upload of `size` bytes: UPLOADED when `size` equals `filesize` (if given) and the
/// checksum matched (`checksum_ok`), else FAILED; records `artifact.uploaded` or
/// `artifact.upload.failed`. Only a WAITING artifact settles (once, under concurrency).
///
/// # Errors
/// 422 `FILESIZE_INVALID` / `CHECKSUM_INVALID` after marking the artifact FAILED; 409 when a
/// concurrent upload settled it first.
pub async fn settle<D: Db, K: Kv>(app: &App<'_, D, K>, a: &ArtifactRow, size: u64, checksum_ok: bool) -> Result<ArtifactRow> {
    let size_ok = a.filesize.is_none_or(|f| u64::try_from(f).ok() == Some(size));
    let status = if size_ok && checksum_ok { ArtifactStatus::Uploaded } else { ArtifactStatus::Failed };
    let name = if status == ArtifactStatus::Uploaded { "artifact.uploaded" } else { "artifact.upload.failed" };
    let params = vec![a.account_id.clone().into(), a.id.clone().into(), status.as_str().into(), i64::try_from(size).ok().into(), app.now().into()];
    let ev = events::Event { name, resource_type: "artifacts", resource_id: &a.id, changes: None, meta: Some(serde_json::json!({"size": size})) };
    let res =
        app.db.batch(vec![Stmt::new(sql::artifacts::SETTLE_UPLOAD, params), events::record_if_changed(app, &a.account_id, &Bearer::Anonymous, ev)]).await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::ConcurrentUpdate, "the artifact was settled by another upload"));
    }
    if !size_ok {
        return Err(crate::error::Error::attribute("filesize", crate::error::AttrFault::Invalid, format!("upload of {size} bytes does not match filesize")));
    }
    if !checksum_ok {
        return Err(crate::error::Error::attribute("checksum", crate::error::AttrFault::Invalid, "upload does not match checksum"));
    }
    fetch_one(app.db, sql::artifacts::FIND, &[a.account_id.clone().into(), a.id.clone().into()]).await?.ok_or_else(|| Error::not_found("artifact", &a.id))
}

/// The artifact a verified download link targets, while it is UPLOADED.
pub async fn download_target<D: Db, K: Kv>(app: &App<'_, D, K>, t: &Target) -> Result<ArtifactRow> {
    let a: Option<ArtifactRow> = fetch_one(app.db, sql::artifacts::FIND, &[t.account.clone().into(), t.artifact.clone().into()]).await?;
    a.filter(|a| a.status == ArtifactStatus::Uploaded).ok_or_else(|| Error::not_found("artifact", &t.artifact))
}

/// A `Range: bytes=…` header against an object of `size` bytes: `Ok(None)` for the whole
/// object (no header, or one we do not understand, as RFC 9110 allows), `Ok(Some((start, end)))`
/// inclusive.
///
/// # Errors
/// 416 `RANGE_NOT_SATISFIABLE` when the range starts past the end.
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return Ok(None) };
    let unsatisfiable = || Error::new(Code::RangeNotSatisfiable, format!("range not satisfiable for {size} bytes")).header("Range");
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(s), _) if s >= size => return Err(unsatisfiable()),
        (Some(s), Some(e)) if e >= s => (s, e.min(size.saturating_sub(1))),
        (Some(s), None) if b.is_empty() => (s, size.saturating_sub(1)),
        (None, Some(n)) if a.is_empty() && n > 0 => {
            if size == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(n), size.saturating_sub(1))
        }
        _ => return Ok(None),
    };
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_and_expire() {
        let q = |l: &str| crate::api::query::Query::parse(l.split_once('?').map_or("", |(_, q)| q));
        let l = link("s", Op::Upload, "acc", "art", 100);
        let path = l.split('?').next().unwrap();
        assert_eq!(verify("s", path, &q(&l), 99).unwrap().op, Op::Upload);
        assert_eq!(verify("s", path, &q(&l), 101).unwrap_err().code, "LINK_INVALID");
        assert_eq!(verify("other", path, &q(&l), 99).unwrap_err().code, "LINK_INVALID");
        let dl = path.replace("/upload", "/download");
        assert_eq!(verify("s", &dl, &q(&l), 99).unwrap_err().code, "LINK_INVALID");
    }

    #[test]
    fn checksums_in_every_encoding() {
        use base64::Engine as _;
        let d = Sha512::digest(b"hello");
        for c in [hex::encode(d), base64::engine::general_purpose::STANDARD.encode(d), base64::engine::general_purpose::STANDARD_NO_PAD.encode(d)] {
            let mut v = Verifier::new(Some(&c)).unwrap();
            v.update(b"hel");
            v.update(b"lo");
            assert!(v.matches(), "{c}");
            let mut v = Verifier::new(Some(&c)).unwrap();
            v.update(b"hellO");
            assert!(!v.matches());
        }
        assert!(Verifier::new(Some(&hex::encode(Sha256::digest(b"x")))).is_some());
        assert!(Verifier::new(Some("d41d8cd98f00b204e9800998ecf8427e")).is_none()); // MD5: unchecked
        assert!(Verifier::new(Some("not a checksum!")).is_none());
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10).unwrap(), None);
        assert_eq!(parse_range(Some("bytes=0-3"), 10).unwrap(), Some((0, 3)));
        assert_eq!(parse_range(Some("bytes=5-"), 10).unwrap(), Some((5, 9)));
        assert_eq!(parse_range(Some("bytes=-4"), 10).unwrap(), Some((6, 9)));
        assert_eq!(parse_range(Some("bytes=2-100"), 10).unwrap(), Some((2, 9)));
        assert_eq!(parse_range(Some("bytes=10-"), 10).unwrap_err().status, 416);
        assert_eq!(parse_range(Some("bytes=3-1"), 10).unwrap(), None);
        assert_eq!(parse_range(Some("items=0-1"), 10).unwrap(), None);
    }
}

//! The OCI distribution spec's read side (`distribution-spec/spec.md`): digests, references,
//! repository names, manifest media types and the tags list.

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::accept;

/// Manifest media types served, in the order ties are broken (Keygen's order).
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// A content digest `algorithm:hex` (sha256 or sha512, lowercase hex of the right length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciDigest {
    /// `sha256` or `sha512`.
    pub algorithm: &'static str,
    /// Lowercase hex.
    pub hex: String,
}

impl OciDigest {
    /// Parses `sha256:<64 hex>` / `sha512:<128 hex>`.
    pub fn parse(s: &str) -> Option<Self> {
        let (alg, hex) = s.split_once(':')?;
        let (algorithm, len) = match alg {
            "sha256" => ("sha256", 64),
            "sha512" => ("sha512", 128),
            _ => return None,
        };
        (hex.len() == len && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then(|| Self { algorithm, hex: hex.to_string() })
    }

    /// The SHA-256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Self {
        Self { algorithm: "sha256", hex: hex::encode(Sha256::digest(bytes)) }
    }
}

impl std::fmt::Display for OciDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

/// A manifest reference: a tag (a release's tag or version) or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
    Tag(String),
    /// A content digest.
    Digest(OciDigest),
}

impl Reference {
    /// Parses a reference; `None` when it is neither a valid tag nor a digest.
    pub fn parse(s: &str) -> Option<Self> {
        if s.contains(':') {
            return OciDigest::parse(s).map(Self::Digest);
        }
        let mut bytes = s.bytes();
        let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        (first_ok && s.len() <= 128 && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))).then(|| Self::Tag(s.to_string()))
    }
}

/// A repository name component as the spec allows (`[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`).
/// Latchkey's repositories are package keys, one component (no `/`).
pub fn repository_ok(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let b = name.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else { return false };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Separators: one `.`, one or two `_`, or any run of `-`, always between alphanumerics.
    let mut i = 0;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        if alnum(c) {
            i += 1;
            continue;
        }
        let start = i;
        while b.get(i).is_some_and(|c| !alnum(*c)) {
            i += 1;
        }
        let sep = name.get(start..i).unwrap_or("");
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-')) {
            return false;
        }
    }
    true
}

/// The media type a stored manifest declares (`mediaType`), or one inferred from its members
/// when absent (an index lists `manifests`, an image manifest lists `layers`); `None` when it
/// is not a manifest Latchkey serves.
pub fn manifest_media_type(bytes: &[u8]) -> Option<&'static str> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let o = v.as_object()?;
    match o.get("mediaType").and_then(Value::as_str) {
        Some(mt) => MANIFEST_TYPES.iter().copied().find(|t| *t == mt),
        None if o.contains_key("manifests") => MANIFEST_TYPES.first().copied(),
        None if o.contains_key("layers") => MANIFEST_TYPES.get(2).copied(),
        None => None,
    }
}

/// Whether the `Accept` header admits `media` (no header admits everything).
pub fn accepts(header: Option<&str>, media: &str) -> bool {
    match header.map(accept::parse) {
        None => true,
        Some(r) if r.is_empty() => true,
        Some(r) => accept::weight_of(&r, media).is_some(),
    }
}

/// `GET …/tags/list`: the tags in ascending order, deduplicated.
pub fn render_tags(name: &str, tags: &[String]) -> Value {
    let mut t: Vec<&String> = tags.iter().collect();
    t.sort();
    t.dedup();
    json!({ "name": name, "tags": t })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_strict() {
        let hex = "a".repeat(64);
        assert_eq!(OciDigest::parse(&format!("sha256:{hex}")).map(|d| d.to_string()), Some(format!("sha256:{hex}")));
        assert_eq!(OciDigest::parse(&format!("sha256:{}", "A".repeat(64))), None);
        assert_eq!(OciDigest::parse(&format!("sha256:{}", "a".repeat(63))), None);
        assert_eq!(OciDigest::parse(&format!("md5:{hex}")), None);
        assert!(OciDigest::parse(&format!("sha512:{}", "0".repeat(128))).is_some());
        assert_eq!(OciDigest::sha256_of(b"").hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn references_are_tags_or_digests() {
        assert_eq!(Reference::parse("v1.2.3"), Some(Reference::Tag("v1.2.3".into())));
        assert_eq!(Reference::parse("1.0.0-beta.1"), Some(Reference::Tag("1.0.0-beta.1".into())));
        assert_eq!(Reference::parse(".x"), None);
        assert_eq!(Reference::parse(""), None);
        assert_eq!(Reference::parse(&"a".repeat(129)), None);
        assert_eq!(Reference::parse("sha256:zz"), None);
        assert!(matches!(Reference::parse(&format!("sha256:{}", "b".repeat(64))), Some(Reference::Digest(_))));
    }

    #[test]
    fn repository_names_follow_the_grammar() {
        for ok in ["app", "my-app", "my__app", "a.b", "a---b", "x1"] {
            assert!(repository_ok(ok), "{ok}");
        }
        for bad in ["", "App", "-a", "a-", "a..b", "a___b", "a/b", "a_.b"] {
            assert!(!repository_ok(bad), "{bad}");
        }
    }

    #[test]
    fn manifest_types_are_read_or_inferred() {
        assert_eq!(manifest_media_type(br#"{"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#), MANIFEST_TYPES.get(2).copied());
        assert_eq!(manifest_media_type(br#"{"schemaVersion":2,"manifests":[]}"#), MANIFEST_TYPES.first().copied());
        assert_eq!(manifest_media_type(br#"{"schemaVersion":2,"layers":[]}"#), MANIFEST_TYPES.get(2).copied());
        assert_eq!(manifest_media_type(br#"{"mediaType":"text/plain"}"#), None);
        assert_eq!(manifest_media_type(b"not json"), None);
    }

    #[test]
    fn accept_filters_manifests() {
        let oci = "application/vnd.oci.image.manifest.v1+json";
        assert!(accepts(None, oci));
        assert!(accepts(Some("application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"), oci));
        assert!(!accepts(Some("application/vnd.docker.distribution.manifest.v2+json"), oci));
        assert!(accepts(Some("*/*"), oci));
    }

    #[test]
    fn tags_list_sorts_and_dedups() {
        assert_eq!(render_tags("app", &["b".into(), "a".into(), "b".into()]), json!({"name":"app","tags":["a","b"]}));
    }
}

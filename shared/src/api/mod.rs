//! JSON:API: strict request parsing with precise error pointers ([`input`]), response
//! documents ([`document`]), query strings and pagination ([`query`]), and one renderer per
//! resource type.

pub mod document;
pub mod input;
pub mod query;

pub mod accounts;
pub mod entitlements;
pub mod files;
pub mod groups;
pub mod licenses;
pub mod machines;
pub mod webhooks;
pub use document::{Document, Links, ResourceObject};
pub use input::{Attrs, Field, Rels, ResourceInput};

/// JSON:API media type, the default for requests and responses.
pub const MEDIA_TYPE: &str = "application/vnd.api+json";

/// The newest Keygen API version Latchkey speaks; 1.7 responses are identical for its surface.
pub const API_VERSION: &str = "1.8";

/// Largest request body accepted, in bytes (Keygen caps metadata at 16 KB; a document with
/// components and metadata stays well under this).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Resolves the request's API version from `Keygen-Version` (leading `v` stripped).
///
/// # Errors
/// 400 `INVALID_API_VERSION` for a version other than 1.0–1.8.
pub fn api_version(header: Option<&str>) -> crate::Result<&'static str> {
    const KNOWN: [&str; 9] = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"];
    match header.map(|h| h.trim().trim_start_matches('v')) {
        None | Some("") => Ok(API_VERSION),
        Some(v) => KNOWN.iter().find(|k| **k == v).copied().ok_or_else(|| {
            crate::Error::new(crate::error::Code::InvalidApiVersion, format!("unsupported API version requested: {v}")).header("Keygen-Version")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_accepts_known_and_rejects_unknown() {
        assert_eq!(api_version(None).unwrap(), "1.8");
        assert_eq!(api_version(Some("v1.7")).unwrap(), "1.7");
        let e = api_version(Some("2.0")).unwrap_err();
        assert_eq!(e.code, "INVALID_API_VERSION");
        assert_eq!(e.status, 400);
    }
}

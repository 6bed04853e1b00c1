//! JSON:API: strict request parsing with precise error pointers ([`input`]), response
//! documents ([`document`]), query strings and pagination ([`query`]), and one renderer per
//! resource type.

pub mod document;
pub mod headers;
pub mod input;
pub mod query;

pub mod accounts;
// Activation logs.
pub mod activation_logs;
pub mod distribution;
pub mod entitlements;
// Environments (issue 8).
pub mod environments;
// Query operators (activation logs, trials).
pub mod files;
pub mod filters;
pub mod groups;
// Key pools (issue 8).
pub mod keys;
pub mod licenses;
// Request logs (issue 8).
pub mod machines;
// Hidden meters (issue 10 §2 follow-up).
pub mod meters;
// Organizations (issue 10 §7).
pub mod organizations;
pub mod request_logs;
// Resellers (issue 10 §7).
pub mod resellers;
pub mod subscriptions;
pub mod trials;
pub mod versions;
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
    // A blank header is no header; otherwise one leading `v` is stripped (Keygen's
    // `delete_prefix('v')`) and the rest must be a known version exactly.
    match header.map(str::trim).filter(|h| !h.is_empty()).map(|h| h.strip_prefix('v').unwrap_or(h)) {
        None => Ok(API_VERSION),
        Some(v) => KNOWN.iter().find(|k| **k == v).copied().ok_or_else(|| {
            crate::Error::new(crate::error::Code::InvalidApiVersion, format!("unsupported API version requested: {v}")).header("Keygen-Version")
        }),
    }
}

/// What the request conventions look at, independent of the HTTP runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestHead<'a> {
    /// The resolved account's id (the only `keyid` a signature may be asked for).
    pub account_id: &'a str,
    /// `Keygen-Accept-Signature`.
    pub accept_signature: Option<&'a str>,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// Whether a body was sent.
    pub has_body: bool,
    /// Whether the body exceeded [`MAX_BODY_BYTES`].
    pub too_large: bool,
}

/// Checks the conventions every account-scoped request must meet before it is authenticated:
/// an acceptable `Keygen-Accept-Signature`, a body
/// within [`MAX_BODY_BYTES`], and a JSON media type for any body.
///
/// # Errors
/// 400 `SIGNATURE_INVALID`, 413 `PAYLOAD_TOO_LARGE`, 415
/// `CONTENT_TYPE_INVALID`, each pointing at its header.
pub fn check_request(h: &RequestHead<'_>) -> crate::Result<()> {
    use crate::error::Code;
    use crate::Error;
    crate::crypto::signature::check_accept_signature(h.accept_signature, h.account_id)
        .map(|_| ())
        .map_err(|e| Error::new(Code::SignatureInvalid, e.to_string()).header("Keygen-Accept-Signature"))?;
    if h.too_large {
        return Err(Error::new(Code::PayloadTooLarge, format!("request body must be at most {MAX_BODY_BYTES} bytes")));
    }
    if h.has_body {
        let ct = h.content_type.unwrap_or("application/json");
        if !["application/vnd.api+json", "application/json", "application/vnd.keygen+json"].iter().any(|t| ct.starts_with(t)) {
            return Err(Error::new(Code::ContentTypeInvalid, "the request body must be application/vnd.api+json or application/json").header("Content-Type"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_conventions_are_checked_in_order() {
        let ok = RequestHead { account_id: "a", has_body: true, content_type: Some("application/vnd.api+json; charset=utf-8"), ..Default::default() };
        assert!(check_request(&ok).is_ok());
        let code = |h: RequestHead<'_>| check_request(&h).unwrap_err().code.to_string();
        assert_eq!(code(RequestHead { content_type: Some("text/plain"), ..ok }), "CONTENT_TYPE_INVALID");
        assert_eq!(code(RequestHead { too_large: true, content_type: Some("text/plain"), ..ok }), "PAYLOAD_TOO_LARGE");
        assert_eq!(code(RequestHead { accept_signature: Some("keyid=\"b\", algorithm=\"ed25519\""), ..ok }), "SIGNATURE_INVALID");
        assert!(check_request(&RequestHead { has_body: false, content_type: Some("text/plain"), ..ok }).is_ok());
    }

    #[test]
    fn api_version_accepts_known_and_rejects_unknown() {
        assert_eq!(api_version(None).unwrap(), "1.8");
        assert_eq!(api_version(Some("v1.7")).unwrap(), "1.7");
        assert_eq!(api_version(Some(" ")).unwrap(), "1.8");
        for bad in ["v", "vv1.7", "1.7.0", "1.", ""] {
            assert!(bad.is_empty() || api_version(Some(bad)).is_err(), "{bad}");
        }
        let e = api_version(Some("2.0")).unwrap_err();
        assert_eq!(e.code, "INVALID_API_VERSION");
        assert_eq!(e.status, 400);
    }
}

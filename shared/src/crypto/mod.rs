//! Cryptography: response signatures, license keys, license/machine files, token digests,
//! password hashing and the sealing of account private keys.
//!
//! Everything here is pure: randomness comes from an injected [`crate::rng::Random`] (the Worker
//! fills it from `crypto.getRandomValues`, tests from a seed) and time from the caller, so the
//! crate builds for `wasm32-unknown-unknown` without `getrandom`. The wire formats follow
//! `reference/keygen-wire.md` §4 byte for byte, so Keygen's SDKs verify what we sign.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;

pub mod keys;
pub mod license_file;
pub mod license_key;
pub mod password;
// Machine proofs (issue 8).
pub mod proof;
pub mod scheme_keys;
pub mod signature;
pub mod signer;
// The response-signing port: WebCrypto or the crates (issue 11).
pub mod response_signer;
pub mod token;
pub mod totp;

/// A cryptographic failure. Converts into a 500 [`crate::error::Error`] whose cause is logged
/// and never rendered; callers that owe the client a specific code (400, 401) map it themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// A hex or base64 field is not valid for its encoding or length.
    Encoding(&'static str),
    /// A public or private key is not a valid Ed25519 key.
    KeyInvalid,
    /// A signature does not verify.
    SignatureInvalid,
    /// AES-GCM refused to open the ciphertext (wrong secret or tampered data).
    DecryptFailed,
    /// A document is not in the expected shape.
    Malformed(&'static str),
    /// The account's RSA or P-256 pair, which the algorithm needs, was not made yet.
    KeyUnavailable,
    /// A `Keygen-Accept-Signature` header that Latchkey must answer with 400.
    AcceptSignature(&'static str),
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encoding(what) => write!(f, "invalid encoding: {what}"),
            Self::KeyInvalid => f.write_str("invalid key"),
            Self::SignatureInvalid => f.write_str("signature does not verify"),
            Self::DecryptFailed => f.write_str("decryption failed"),
            Self::Malformed(what) => write!(f, "malformed: {what}"),
            Self::KeyUnavailable => f.write_str("the account's key pair for this algorithm is not available"),
            Self::AcceptSignature(why) => write!(f, "invalid accept-signature header ({why})"),
        }
    }
}

impl std::error::Error for CryptoError {}

impl From<CryptoError> for crate::error::Error {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::AcceptSignature(_) => crate::error::Error::new(crate::error::Code::SignatureInvalid, e.to_string()).header("Keygen-Accept-Signature"),
            other => crate::error::Error::internal(other),
        }
    }
}

/// A secret string (server secret, raw token, license key) whose `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `s`.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself; call only where it is used, never to log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// Equality that takes the same time whatever the contents, for digests and hashes.
/// Lengths are not secret (they are fixed by the format), so a length mismatch returns early.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Ruby's `Base64.strict_encode64`: standard alphabet, padded, no newlines.
pub(crate) fn b64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes strict standard base64.
pub(crate) fn unb64(s: &str) -> Result<Vec<u8>, CryptoError> {
    STANDARD.decode(s).map_err(|_| CryptoError::Encoding("base64"))
}

/// Ruby's `Base64.urlsafe_encode64`: URL-safe alphabet **with** `=` padding.
pub(crate) fn b64url_pad(data: &[u8]) -> String {
    URL_SAFE.encode(data)
}

/// Decodes padded URL-safe base64.
pub(crate) fn unb64url_pad(s: &str) -> Result<Vec<u8>, CryptoError> {
    URL_SAFE.decode(s).map_err(|_| CryptoError::Encoding("base64url"))
}

/// An Ed25519 verifying key from Keygen's 64-hex-character public key.
pub(crate) fn verifying_key(public_hex: &str) -> Result<ed25519_dalek::VerifyingKey, CryptoError> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(public_hex.trim(), &mut bytes).map_err(|_| CryptoError::Encoding("public key hex"))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| CryptoError::KeyInvalid)
}

/// Verifies a 64-byte Ed25519 signature over `msg`.
pub(crate) fn verify_ed25519(public_hex: &str, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let key = verifying_key(public_hex)?;
    let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| CryptoError::SignatureInvalid)?;
    key.verify_strict(msg, &sig).map_err(|_| CryptoError::SignatureInvalid)
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::rng::Random;

    /// Replays fixed bytes (cycling), to reproduce a known IV or nonce.
    pub struct FixedBytes(pub Vec<u8>);

    impl Random for FixedBytes {
        fn fill(&self, buf: &mut [u8]) {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = self.0[i % self.0.len()];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn base64_variants_match_ruby() {
        // Bytes that differ between the alphabets: 0xfb 0xff → "+/8=" vs "-_8=".
        assert_eq!(b64(&[0xfb, 0xff]), "+/8=");
        assert_eq!(b64url_pad(&[0xfb, 0xff]), "-_8=");
        assert_eq!(unb64url_pad("-_8=").unwrap(), vec![0xfb, 0xff]);
        assert!(unb64("-_8=").is_err());
    }

    #[test]
    fn accept_signature_errors_render_as_400() {
        let e: crate::error::Error = CryptoError::AcceptSignature("malformed").into();
        assert_eq!(e.status, 400);
        assert_eq!(e.code, "SIGNATURE_INVALID");
        let e: crate::error::Error = CryptoError::DecryptFailed.into();
        assert_eq!(e.status, 500);
    }
}

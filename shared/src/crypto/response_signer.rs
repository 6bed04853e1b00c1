//! The two primitives a signed response spends its CPU on — Ed25519 over the signing string and
//! SHA-256 over the body — behind a port, so the Worker can run them in workerd's native
//! `crypto.subtle` (BoringSSL) instead of the wasm crates (`functions/src/crypto.rs`), and the
//! bench can measure one against the other (`LATCHKEY_WEBCRYPTO`, docs/API.md "Read replicas").
//! [`NativeSigner`] is the crates' (ed25519-dalek, sha2): native tests, and the Worker for
//! whatever it does not hand to WebCrypto. Both give the same bytes (Ed25519 is deterministic).

use std::future::Future;
use std::pin::Pin;

use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest as _, Sha256};

use super::CryptoError;

/// A boxed future, so the port stays object-safe; not `Send` (isolates are single-threaded).
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, CryptoError>> + 'a>>;

/// Ed25519 signing and SHA-256 hashing for responses.
pub trait ResponseSigner {
    /// The 64-byte Ed25519 signature of `message` by `key`.
    fn sign<'a>(&'a self, key: &'a SigningKey, message: &'a [u8]) -> Pending<'a, [u8; 64]>;
    /// SHA-256 of `body`.
    fn digest<'a>(&'a self, body: &'a [u8]) -> Pending<'a, [u8; 32]>;
}

/// The Rust crates, in process.
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeSigner;

impl ResponseSigner for NativeSigner {
    fn sign<'a>(&'a self, key: &'a SigningKey, message: &'a [u8]) -> Pending<'a, [u8; 64]> {
        Box::pin(std::future::ready(Ok(key.sign(message).to_bytes())))
    }

    fn digest<'a>(&'a self, body: &'a [u8]) -> Pending<'a, [u8; 32]> {
        Box::pin(std::future::ready(Ok(Sha256::digest(body).into())))
    }
}

/// An Ed25519 private key as PKCS#8 (RFC 8410): the fixed 16-byte prefix, then the 32-byte seed;
/// the form WebCrypto imports private Ed25519 keys in.
pub fn pkcs8(key: &SigningKey) -> [u8; 48] {
    const PREFIX: [u8; 16] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    let mut out = [0u8; 48];
    let (head, tail) = out.split_at_mut(16);
    head.copy_from_slice(&PREFIX);
    tail.copy_from_slice(key.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_is_the_rfc_8410_form_of_the_seed() {
        // RFC 8410 §10.3's example private key.
        let seed = [
            0xd4, 0xee, 0x72, 0xdb, 0xf9, 0x13, 0x58, 0x4a, 0xd5, 0xb6, 0xd8, 0xf1, 0xf7, 0x69, 0xf8, 0xad, 0x3a, 0xfe, 0x7c, 0x28, 0xcb, 0xf1, 0xd4, 0xfb,
            0xe0, 0x97, 0xa8, 0x8f, 0x44, 0x75, 0x58, 0x42,
        ];
        let der = pkcs8(&SigningKey::from_bytes(&seed));
        let expected = "302e020100300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842";
        assert_eq!(der.iter().map(|b| format!("{b:02x}")).collect::<String>(), expected);
    }
}

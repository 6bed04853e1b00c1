//! Account signing keys: generation, Keygen's hex encodings, and sealing the private key at rest.
//!
//! Keygen stores an account's Ed25519 keys as hex of the 32-byte seed and the 32-byte public key
//! (§4.1); the public hex is what SDKs are configured with. Latchkey never stores the private key
//! in the clear: it is sealed with AES-256-GCM under a key derived from a deployment secret, so a
//! database dump alone signs nothing.

use aes_gcm::aead::Aead as _;
use aes_gcm::{Aes256Gcm, KeyInit as _, Nonce};
use ed25519_dalek::SigningKey;
use sha2::{Digest as _, Sha256};

use super::{b64, unb64, CryptoError};
use crate::rng::Random;

/// Domain separation for the sealing key, so the deployment secret can serve other purposes.
const SEAL_CONTEXT: &str = "latchkey:seal:";

/// Namespace for creating an account's Ed25519 key pair.
#[derive(Debug)]
pub struct AccountKeys;

impl AccountKeys {
    /// A fresh key pair from 32 random bytes: the signing key and its 64-hex-character public key.
    pub fn generate(rng: &dyn Random) -> (SigningKey, String) {
        let mut seed = [0u8; 32];
        rng.fill(&mut seed);
        let key = SigningKey::from_bytes(&seed);
        seed.fill(0);
        let public = public_hex(&key);
        (key, public)
    }
}

/// The public key as Keygen shows it: 64 lowercase hex characters.
pub fn public_hex(key: &SigningKey) -> String {
    hex::encode(key.verifying_key().as_bytes())
}

/// The private key as Keygen stores it (hex of the 32-byte seed), for exporting to Keygen.
pub fn private_hex(key: &SigningKey) -> String {
    hex::encode(key.to_bytes())
}

/// A signing key from Keygen's hex private key (64 hex characters), for importing accounts.
///
/// # Errors
/// [`CryptoError::Encoding`] when `hex` is not 32 bytes of hex.
pub fn from_private_hex(hex_str: &str) -> Result<SigningKey, CryptoError> {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(hex_str.trim(), &mut seed).map_err(|_| CryptoError::Encoding("private key hex"))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    Ok(key)
}

fn seal_cipher(secret: &str) -> Aes256Gcm {
    let mut h = Sha256::new();
    h.update(SEAL_CONTEXT.as_bytes());
    h.update(secret.as_bytes());
    Aes256Gcm::new(&h.finalize())
}

/// Seals `private` under `secret`: base64(nonce 12 bytes ‖ AES-256-GCM ciphertext and tag),
/// with key SHA-256(`"latchkey:seal:"` + secret) and a random nonce.
pub fn seal(secret: &str, private: &SigningKey, rng: &dyn Random) -> String {
    let mut nonce = [0u8; 12];
    rng.fill(&mut nonce);
    let mut seed = private.to_bytes();
    // Encrypting 32 bytes with a valid 32-byte key cannot fail; the fallback is unreachable and
    // would surface later as an unseal error rather than a panic.
    let ct = seal_cipher(secret).encrypt(&Nonce::from(nonce), seed.as_slice()).unwrap_or_default();
    seed.fill(0);
    let mut out = Vec::with_capacity(12 + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    b64(&out)
}

/// Seals arbitrary key material (an RSA PKCS#8 DER, a P-256 scalar) the same way as [`seal`]:
/// base64(nonce 12 bytes ‖ AES-256-GCM ciphertext and tag).
pub fn seal_bytes(secret: &str, plain: &[u8], rng: &dyn Random) -> String {
    let mut nonce = [0u8; 12];
    rng.fill(&mut nonce);
    // AES-GCM refuses only inputs beyond 64 GiB; the fallback is unreachable.
    let ct = seal_cipher(secret).encrypt(&Nonce::from(nonce), plain).unwrap_or_default();
    let mut out = Vec::with_capacity(12 + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    b64(&out)
}

/// Opens material sealed by [`seal_bytes`].
///
/// # Errors
/// [`CryptoError::Encoding`] when `sealed` is not base64 or too short, and
/// [`CryptoError::DecryptFailed`] when `secret` is wrong or the data was altered.
pub fn unseal_bytes(secret: &str, sealed: &str) -> Result<Vec<u8>, CryptoError> {
    let raw = unb64(sealed.trim())?;
    if raw.len() < 12 + 16 {
        return Err(CryptoError::Encoding("sealed key length"));
    }
    let (nonce, ct) = raw.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Encoding("sealed key nonce"))?;
    seal_cipher(secret).decrypt(&Nonce::from(nonce), ct).map_err(|_| CryptoError::DecryptFailed)
}

/// Opens a key sealed by [`seal`].
///
/// # Errors
/// [`CryptoError::Encoding`] when `sealed` is not base64 of the right length, and
/// [`CryptoError::DecryptFailed`] when `secret` is wrong or the data was altered.
pub fn unseal(secret: &str, sealed: &str) -> Result<SigningKey, CryptoError> {
    let raw = unb64(sealed.trim())?;
    if raw.len() != 12 + 32 + 16 {
        return Err(CryptoError::Encoding("sealed key length"));
    }
    let (nonce, ct) = raw.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Encoding("sealed key nonce"))?;
    let mut seed = seal_cipher(secret).decrypt(&Nonce::from(nonce), ct).map_err(|_| CryptoError::DecryptFailed)?;
    let bytes: [u8; 32] = seed.as_slice().try_into().map_err(|_| CryptoError::DecryptFailed)?;
    seed.fill(0);
    Ok(SigningKey::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRandom;

    #[test]
    fn generate_is_deterministic_under_a_seed_and_hex_encoded() {
        let (k1, p1) = AccountKeys::generate(&SeededRandom::new(1));
        let (k2, p2) = AccountKeys::generate(&SeededRandom::new(1));
        let (_, p3) = AccountKeys::generate(&SeededRandom::new(2));
        assert_eq!(p1, p2);
        assert_ne!(p1, p3);
        assert_eq!(k1.to_bytes(), k2.to_bytes());
        assert_eq!(p1.len(), 64);
        assert!(p1.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(public_hex(&k1), p1);
    }

    #[test]
    fn known_seed_gives_rfc8032_public_key() {
        // RFC 8032 §7.1, TEST 1.
        let k = from_private_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
        assert_eq!(public_hex(&k), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert_eq!(private_hex(&k), "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        assert!(from_private_hex("abcd").is_err());
    }

    #[test]
    fn seal_round_trips() {
        let rng = SeededRandom::new(9);
        let (k, _) = AccountKeys::generate(&rng);
        let sealed = seal("deploy-secret", &k, &rng);
        assert_eq!(unseal("deploy-secret", &sealed).unwrap().to_bytes(), k.to_bytes());
        // A fresh nonce each time.
        assert_ne!(seal("deploy-secret", &k, &rng), sealed);
    }

    #[test]
    fn sealed_bytes_round_trip_and_fail_cleanly() {
        let rng = SeededRandom::new(4);
        let sealed = seal_bytes("s", b"some key material", &rng);
        assert_eq!(unseal_bytes("s", &sealed).unwrap(), b"some key material");
        assert_eq!(unseal_bytes("t", &sealed).err(), Some(CryptoError::DecryptFailed));
        assert!(unseal_bytes("s", "").is_err());
        assert!(unseal_bytes("s", "%%").is_err());
    }

    #[test]
    fn unseal_fails_cleanly_on_wrong_secret_or_garbage() {
        let rng = SeededRandom::new(9);
        let (k, _) = AccountKeys::generate(&rng);
        let sealed = seal("deploy-secret", &k, &rng);
        assert_eq!(unseal("other-secret", &sealed).err(), Some(CryptoError::DecryptFailed));
        assert!(unseal("deploy-secret", "not base64!").is_err());
        assert!(unseal("deploy-secret", "").is_err());
        assert!(unseal("deploy-secret", &b64(&[0u8; 60])).is_err());
        let mut raw = unb64(&sealed).unwrap();
        raw[20] ^= 1;
        assert_eq!(unseal("deploy-secret", &b64(&raw)).err(), Some(CryptoError::DecryptFailed));
    }
}

//! The account's three signing keys (§4.1) and the algorithms Keygen signs with: Ed25519,
//! RSA-2048 (PKCS#1 v1.5 and PSS over SHA-256, and raw PKCS#1 "private encrypt") and ECDSA P-256
//! (SHA-256, DER signatures, as OpenSSL emits them).
//!
//! The RSA and P-256 pairs are made lazily, on the first use that needs them (RSA-2048 key
//! generation is the slow one); their private halves are sealed at rest like the Ed25519 seed
//! (`keys::seal_bytes`): the RSA key as PKCS#8 DER, the P-256 key as its 32-byte scalar. Public
//! keys are SPKI PEM with `\n` line endings, what Ruby's `public_key.to_pem` / `public_to_pem` print.

use ed25519_dalek::Signer as _;
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest as _, Sha256};

use super::CryptoError;
use crate::rng::Random;

/// RSA modulus size, as Keygen (`RSA_KEY_SIZE = 2048`).
pub const RSA_BITS: usize = 2048;

/// The largest seed `RSA_2048_PKCS1_ENCRYPT` can encrypt: modulus bytes − 11 of PKCS#1 padding.
pub const RSA_MAX_ENCRYPT_BYTES: usize = RSA_BITS / 8 - 11;

/// PSS salt length "max" (OpenSSL's `salt_length: :max`): modulus bytes − SHA-256 length − 2.
const PSS_MAX_SALT: usize = RSA_BITS / 8 - 32 - 2;

/// A signature algorithm of response, webhook and license-file signatures (§4.3, §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// `ed25519` (the default).
    #[default]
    Ed25519,
    /// `rsa-pss-sha256`: RSA-PSS, SHA-256, MGF1-SHA-256, maximum salt.
    RsaPssSha256,
    /// `rsa-sha256`: RSASSA-PKCS1-v1_5 with SHA-256.
    RsaSha256,
    /// `ecdsa-p256`: ECDSA over P-256 with SHA-256, DER-encoded.
    EcdsaP256,
}

impl Algorithm {
    /// Every algorithm, in Keygen's order.
    pub const ALL: &'static [Algorithm] = &[Algorithm::Ed25519, Algorithm::RsaPssSha256, Algorithm::RsaSha256, Algorithm::EcdsaP256];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::RsaPssSha256 => "rsa-pss-sha256",
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::EcdsaP256 => "ecdsa-p256",
        }
    }

    /// The algorithm named `s` (ASCII case-insensitive), if Keygen offers it.
    pub fn parse(s: &str) -> Option<Algorithm> {
        Self::ALL.iter().copied().find(|a| a.as_str().eq_ignore_ascii_case(s))
    }

    /// The key pair it signs with.
    pub fn pair(self) -> Pair {
        match self {
            Algorithm::Ed25519 => Pair::Ed25519,
            Algorithm::RsaPssSha256 | Algorithm::RsaSha256 => Pair::Rsa,
            Algorithm::EcdsaP256 => Pair::Ecdsa,
        }
    }
}

/// One of an account's key pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// Ed25519 (made with the account).
    Ed25519,
    /// RSA-2048 (made on first use).
    Rsa,
    /// ECDSA P-256 (made on first use).
    Ecdsa,
}

/// Adapts [`Random`] to the `rand_core` traits the RSA crate asks for.
struct Rng<'a>(&'a dyn Random);

impl rsa::rand_core::RngCore for Rng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

impl rsa::rand_core::CryptoRng for Rng<'_> {}

/// An account's private keys: Ed25519 always, RSA and P-256 once made.
#[derive(Clone)]
pub struct AccountSigner {
    /// The Ed25519 key.
    pub ed25519: ed25519_dalek::SigningKey,
    /// The RSA-2048 key, if made.
    pub rsa: Option<Box<RsaPrivateKey>>,
    /// The P-256 key, if made.
    pub ecdsa: Option<p256::ecdsa::SigningKey>,
}

impl std::fmt::Debug for AccountSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountSigner(<redacted>)")
    }
}

impl AccountSigner {
    /// A signer with only the Ed25519 key.
    pub fn ed25519(key: ed25519_dalek::SigningKey) -> Self {
        Self { ed25519: key, rsa: None, ecdsa: None }
    }

    /// Whether the pair is present.
    pub fn has(&self, pair: Pair) -> bool {
        match pair {
            Pair::Ed25519 => true,
            Pair::Rsa => self.rsa.is_some(),
            Pair::Ecdsa => self.ecdsa.is_some(),
        }
    }

    /// The RSA key.
    ///
    /// # Errors
    /// [`CryptoError::KeyUnavailable`] before the account's RSA pair was made.
    pub fn rsa(&self) -> Result<&RsaPrivateKey, CryptoError> {
        self.rsa.as_deref().ok_or(CryptoError::KeyUnavailable)
    }

    /// Signs `msg` with `alg` (PSS draws its salt from `rng`; RSA signing is blinded with it).
    ///
    /// # Errors
    /// [`CryptoError::KeyUnavailable`] when the pair `alg` needs was not made.
    pub fn sign(&self, alg: Algorithm, msg: &[u8], rng: &dyn Random) -> Result<Vec<u8>, CryptoError> {
        match alg {
            Algorithm::Ed25519 => Ok(self.ed25519.sign(msg).to_bytes().to_vec()),
            Algorithm::RsaPssSha256 => rsa_pss_sign(self.rsa()?, msg, rng),
            Algorithm::RsaSha256 => rsa_pkcs1_sign(self.rsa()?, msg, rng),
            Algorithm::EcdsaP256 => Ok(ecdsa_sign(self.ecdsa.as_ref().ok_or(CryptoError::KeyUnavailable)?, msg)),
        }
    }
}

/// A fresh RSA-2048 key from `rng`.
///
/// # Errors
/// [`CryptoError::KeyInvalid`] if generation fails (it does not with a working `rng`).
pub fn rsa_generate(rng: &dyn Random) -> Result<RsaPrivateKey, CryptoError> {
    RsaPrivateKey::new(&mut Rng(rng), RSA_BITS).map_err(|_| CryptoError::KeyInvalid)
}

/// The RSA public key as SPKI PEM.
pub fn rsa_public_pem(key: &RsaPrivateKey) -> String {
    key.to_public_key().to_public_key_pem(LineEnding::LF).unwrap_or_default()
}

/// The RSA private key as PKCS#8 DER (what is sealed), and back.
pub fn rsa_to_der(key: &RsaPrivateKey) -> Vec<u8> {
    key.to_pkcs8_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default()
}

/// An RSA private key from PKCS#8 DER.
///
/// # Errors
/// [`CryptoError::KeyInvalid`] when `der` is not one.
pub fn rsa_from_der(der: &[u8]) -> Result<RsaPrivateKey, CryptoError> {
    RsaPrivateKey::from_pkcs8_der(der).map_err(|_| CryptoError::KeyInvalid)
}

fn rsa_sign(key: &RsaPrivateKey, scheme: impl rsa::traits::SignatureScheme, digest: &[u8], rng: &dyn Random) -> Result<Vec<u8>, CryptoError> {
    key.sign_with_rng(&mut Rng(rng), scheme, digest).map_err(|_| CryptoError::Malformed("rsa signing input"))
}

/// RSASSA-PKCS1-v1_5 with SHA-256 over `msg` (OpenSSL's `sign(SHA256, msg)`).
///
/// # Errors
/// Never for a 2048-bit key; the variant is kept for a malformed key.
pub fn rsa_pkcs1_sign(key: &RsaPrivateKey, msg: &[u8], rng: &dyn Random) -> Result<Vec<u8>, CryptoError> {
    rsa_sign(key, Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), rng)
}

/// RSA-PSS with SHA-256, MGF1-SHA-256 and the maximum salt (`sign_pss(…, salt_length: :max)`).
///
/// # Errors
/// Never for a 2048-bit key.
pub fn rsa_pss_sign(key: &RsaPrivateKey, msg: &[u8], rng: &dyn Random) -> Result<Vec<u8>, CryptoError> {
    let mut r = Rng(rng);
    let scheme = rsa::Pss::new_blinded_with_salt::<Sha256>(PSS_MAX_SALT);
    key.sign_with_rng(&mut r, scheme, &Sha256::digest(msg)).map_err(|_| CryptoError::Malformed("rsa signing input"))
}

/// OpenSSL's `private_encrypt` with PKCS#1 padding (block type 1, no digest): what
/// `RSA_2048_PKCS1_ENCRYPT` keys are, recoverable with the public key.
///
/// # Errors
/// [`CryptoError::Malformed`] when `msg` exceeds [`RSA_MAX_ENCRYPT_BYTES`].
pub fn rsa_private_encrypt(key: &RsaPrivateKey, msg: &[u8], rng: &dyn Random) -> Result<Vec<u8>, CryptoError> {
    if msg.len() > RSA_MAX_ENCRYPT_BYTES {
        return Err(CryptoError::Malformed("rsa private-encrypt input too long"));
    }
    rsa_sign(key, Pkcs1v15Sign::new_unprefixed(), msg, rng)
}

/// A fresh P-256 key from `rng` (a scalar outside the group order, odds 2⁻³², is redrawn).
pub fn ecdsa_generate(rng: &dyn Random) -> p256::ecdsa::SigningKey {
    loop {
        let mut b = [0u8; 32];
        rng.fill(&mut b);
        let key = p256::ecdsa::SigningKey::from_slice(&b);
        b.fill(0);
        if let Ok(k) = key {
            return k;
        }
    }
}

/// The P-256 public key as SPKI PEM.
pub fn ecdsa_public_pem(key: &p256::ecdsa::SigningKey) -> String {
    key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap_or_default()
}

/// A P-256 key from its 32-byte scalar.
///
/// # Errors
/// [`CryptoError::KeyInvalid`] when `b` is not a valid scalar.
pub fn ecdsa_from_bytes(b: &[u8]) -> Result<p256::ecdsa::SigningKey, CryptoError> {
    p256::ecdsa::SigningKey::from_slice(b).map_err(|_| CryptoError::KeyInvalid)
}

/// ECDSA-SHA256 over `msg`, DER-encoded (RFC 6979 deterministic nonces).
pub fn ecdsa_sign(key: &p256::ecdsa::SigningKey, msg: &[u8]) -> Vec<u8> {
    let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(key, msg);
    sig.to_der().as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRandom;

    #[test]
    fn algorithms_parse_case_insensitively_and_name_their_pair() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.as_str()), Some(*a));
            assert_eq!(Algorithm::parse(&a.as_str().to_ascii_uppercase()), Some(*a));
        }
        assert_eq!(Algorithm::parse("rsa-sha512"), None);
        assert_eq!(Algorithm::RsaSha256.pair(), Pair::Rsa);
        assert_eq!(Algorithm::EcdsaP256.pair(), Pair::Ecdsa);
        assert_eq!(Algorithm::default(), Algorithm::Ed25519);
    }

    #[test]
    fn missing_pairs_are_reported_not_panicked() {
        let s = AccountSigner::ed25519(ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]));
        let rng = SeededRandom::new(1);
        assert_eq!(s.sign(Algorithm::RsaSha256, b"x", &rng).err(), Some(CryptoError::KeyUnavailable));
        assert_eq!(s.sign(Algorithm::EcdsaP256, b"x", &rng).err(), Some(CryptoError::KeyUnavailable));
        assert_eq!(s.sign(Algorithm::Ed25519, b"x", &rng).map(|v| v.len()), Ok(64));
        assert!(!s.has(Pair::Rsa) && s.has(Pair::Ed25519));
        assert_eq!(format!("{s:?}"), "AccountSigner(<redacted>)");
    }

    #[test]
    fn ecdsa_keys_round_trip_through_their_scalar_and_publish_spki_pem() {
        let k = ecdsa_generate(&SeededRandom::new(3));
        let back = ecdsa_from_bytes(&k.to_bytes()).unwrap();
        assert_eq!(back.to_bytes(), k.to_bytes());
        let pem = ecdsa_public_pem(&k);
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n") && pem.ends_with("-----END PUBLIC KEY-----\n"), "{pem}");
        assert!(ecdsa_from_bytes(&[0u8; 32]).is_err());
        assert!(ecdsa_from_bytes(&[1u8; 5]).is_err());
        // DER: SEQUENCE of two INTEGERs.
        assert_eq!(ecdsa_sign(&k, b"m").first(), Some(&0x30));
    }

    #[test]
    fn rsa_private_encrypt_refuses_oversized_input() {
        // A key from a DER fixture would need a file; generation is exercised by the it tests.
        assert!(rsa_from_der(b"not der").is_err());
        assert_eq!(RSA_MAX_ENCRYPT_BYTES, 245);
        assert_eq!(PSS_MAX_SALT, 222);
    }
}

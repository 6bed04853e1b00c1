//! License keys of the RSA and ECDSA schemes (§4.2, Keygen's `License#generate_*_key!`), beside
//! `ED25519_SIGN` in [`super::license_key`]:
//!
//! | scheme | key |
//! |---|---|
//! | `ECDSA_P256_SIGN`, `RSA_2048_PKCS1_SIGN_V2`, `RSA_2048_PKCS1_PSS_SIGN_V2` | `"key/" + b64url(seed) + "." + b64url(sig("key/" + b64url(seed)))` |
//! | `RSA_2048_PKCS1_SIGN`, `RSA_2048_PKCS1_PSS_SIGN` (v1) | `b64url(seed) + "." + b64url(sig(seed))` |
//! | `RSA_2048_PKCS1_ENCRYPT` | `b64url(private_encrypt(seed))`, seed ≤ 245 bytes |
//! | `RSA_2048_JWT_RS256` | a compact JWT, header `{"alg":"RS256"}`, the seed's claims |
//!
//! `b64url` is padded URL-safe base64 (Ruby's `urlsafe_encode64`); the JWT uses unpadded
//! base64url, as JWTs do.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::license_key::{self, KeyDatasetInput};
use super::signer::{self, AccountSigner, Algorithm, Pair};
use super::{b64url_pad, CryptoError};
use crate::clock::iso8601;
use crate::domain::strategy::Scheme;
use crate::rng::Random;

/// Why a scheme'd key could not be made from its seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeFault {
    /// `RSA_2048_PKCS1_ENCRYPT`: the seed is longer than 245 bytes.
    TooLong,
    /// `RSA_2048_JWT_RS256`: the seed is not a JSON object.
    ClaimsInvalid,
    /// `LEGACY_ENCRYPT`, which this module does not make.
    Unsupported,
    /// A key was missing or a signature failed.
    Crypto(CryptoError),
}

impl From<CryptoError> for SchemeFault {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

/// The account key pair a scheme signs with (`None` for `LEGACY_ENCRYPT`).
pub fn pair(scheme: Scheme) -> Option<Pair> {
    match scheme {
        Scheme::LegacyEncrypt => None,
        Scheme::Ed25519Sign => Some(Pair::Ed25519),
        Scheme::EcdsaP256Sign => Some(Pair::Ecdsa),
        Scheme::Rsa2048Pkcs1Encrypt
        | Scheme::Rsa2048Pkcs1Sign
        | Scheme::Rsa2048Pkcs1PssSign
        | Scheme::Rsa2048JwtRs256
        | Scheme::Rsa2048Pkcs1SignV2
        | Scheme::Rsa2048Pkcs1PssSignV2 => Some(Pair::Rsa),
    }
}

/// The signing half of a license or machine file's default `alg` for a license of `scheme`
/// (§4.4): PSS schemes → `rsa-pss-sha256`, the other RSA schemes → `rsa-sha256`,
/// `ECDSA_P256_SIGN` → `ecdsa-p256`, otherwise `ed25519`.
pub fn file_algorithm(scheme: Option<Scheme>) -> Algorithm {
    match scheme {
        Some(Scheme::Rsa2048Pkcs1PssSign | Scheme::Rsa2048Pkcs1PssSignV2) => Algorithm::RsaPssSha256,
        Some(Scheme::Rsa2048Pkcs1Sign | Scheme::Rsa2048Pkcs1SignV2 | Scheme::Rsa2048Pkcs1Encrypt | Scheme::Rsa2048JwtRs256) => Algorithm::RsaSha256,
        Some(Scheme::EcdsaP256Sign) => Algorithm::EcdsaP256,
        Some(Scheme::Ed25519Sign | Scheme::LegacyEncrypt) | None => Algorithm::Ed25519,
    }
}

/// Keygen's default seed for `scheme` (`License#default_seed_key`): `{id,created,duration,expiry}`
/// for `RSA_2048_PKCS1_ENCRYPT`, the claims `{jti,iss,aud,sub,iat,nbf[,exp]}` for
/// `RSA_2048_JWT_RS256` (`jti` a fresh UUID, times in whole seconds), the dataset of
/// [`license_key::default_dataset`] otherwise.
pub fn default_seed(scheme: Scheme, input: &KeyDatasetInput<'_>, jti: &str) -> String {
    let s = |v: &str| serde_json::Value::String(v.to_owned()).to_string();
    match scheme {
        Scheme::Rsa2048Pkcs1Encrypt => format!(
            r#"{{"id":{},"created":{},"duration":{},"expiry":{}}}"#,
            s(input.license_id),
            s(&iso8601(input.created_ms)),
            input.policy_duration.map_or_else(|| "null".to_owned(), |d| d.to_string()),
            input.expiry_ms.map_or_else(|| "null".to_owned(), |e| s(&iso8601(e))),
        ),
        Scheme::Rsa2048JwtRs256 => {
            let secs = input.created_ms.div_euclid(1000);
            let exp = input.expiry_ms.map(|e| format!(r#","exp":{}"#, e.div_euclid(1000))).unwrap_or_default();
            format!(
                r#"{{"jti":{},"iss":"https://keygen.sh","aud":{},"sub":{},"iat":{secs},"nbf":{secs}{exp}}}"#,
                s(jti),
                s(input.account_id),
                s(input.license_id)
            )
        }
        _ => license_key::default_dataset(input),
    }
}

/// Makes the key of `scheme` from `seed` with the account's keys.
///
/// # Errors
/// [`SchemeFault::TooLong`] / [`SchemeFault::ClaimsInvalid`] for seeds the scheme cannot carry,
/// [`SchemeFault::Crypto`] when the pair is missing, [`SchemeFault::Unsupported`] for
/// `LEGACY_ENCRYPT`.
pub fn make_key(signer: &AccountSigner, scheme: Scheme, seed: &str, rng: &dyn Random) -> Result<String, SchemeFault> {
    let v2 = |alg: Algorithm| -> Result<String, SchemeFault> {
        let signing_data = format!("key/{}", b64url_pad(seed.as_bytes()));
        let sig = signer.sign(alg, signing_data.as_bytes(), rng)?;
        Ok(format!("{signing_data}.{}", b64url_pad(&sig)))
    };
    let v1 = |alg: Algorithm| -> Result<String, SchemeFault> {
        let sig = signer.sign(alg, seed.as_bytes(), rng)?;
        Ok(format!("{}.{}", b64url_pad(seed.as_bytes()), b64url_pad(&sig)))
    };
    match scheme {
        Scheme::Ed25519Sign => v2(Algorithm::Ed25519),
        Scheme::EcdsaP256Sign => v2(Algorithm::EcdsaP256),
        Scheme::Rsa2048Pkcs1SignV2 => v2(Algorithm::RsaSha256),
        Scheme::Rsa2048Pkcs1PssSignV2 => v2(Algorithm::RsaPssSha256),
        Scheme::Rsa2048Pkcs1Sign => v1(Algorithm::RsaSha256),
        Scheme::Rsa2048Pkcs1PssSign => v1(Algorithm::RsaPssSha256),
        Scheme::Rsa2048Pkcs1Encrypt => {
            if seed.len() > signer::RSA_MAX_ENCRYPT_BYTES {
                return Err(SchemeFault::TooLong);
            }
            Ok(b64url_pad(&signer::rsa_private_encrypt(signer.rsa()?, seed.as_bytes(), rng)?))
        }
        Scheme::Rsa2048JwtRs256 => {
            let claims = compact_object(seed).ok_or(SchemeFault::ClaimsInvalid)?;
            let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#), URL_SAFE_NO_PAD.encode(claims.as_bytes()));
            let sig = signer::rsa_pkcs1_sign(signer.rsa()?, signing_input.as_bytes(), rng)?;
            Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
        }
        Scheme::LegacyEncrypt => Err(SchemeFault::Unsupported),
    }
}

/// `JSON.generate(JSON.parse(s))` for an object: `s` without insignificant whitespace, member
/// order kept (serde_json's maps would sort it); `None` unless `s` is one JSON object.
pub fn compact_object(s: &str) -> Option<String> {
    if !serde_json::from_str::<serde_json::Value>(s).ok()?.is_object() {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut escaped) = (false, false);
    for c in s.chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> KeyDatasetInput<'static> {
        KeyDatasetInput {
            account_id: "acct",
            product_id: "prod",
            policy_id: "pol",
            policy_duration: Some(86_400),
            user: None,
            license_id: "lic",
            created_ms: 1_700_000_000_999,
            expiry_ms: Some(1_700_086_400_000),
        }
    }

    #[test]
    fn default_seeds_follow_keygen_per_scheme() {
        assert_eq!(
            default_seed(Scheme::Rsa2048Pkcs1Encrypt, &input(), "j"),
            r#"{"id":"lic","created":"2023-11-14T22:13:20.999Z","duration":86400,"expiry":"2023-11-15T22:13:20.000Z"}"#
        );
        assert_eq!(
            default_seed(Scheme::Rsa2048JwtRs256, &input(), "j"),
            r#"{"jti":"j","iss":"https://keygen.sh","aud":"acct","sub":"lic","iat":1700000000,"nbf":1700000000,"exp":1700086400}"#
        );
        let open = KeyDatasetInput { expiry_ms: None, ..input() };
        assert!(!default_seed(Scheme::Rsa2048JwtRs256, &open, "j").contains("exp"));
        assert_eq!(default_seed(Scheme::EcdsaP256Sign, &input(), "j"), license_key::default_dataset(&input()));
    }

    #[test]
    fn compact_object_keeps_order_and_string_contents() {
        assert_eq!(compact_object("{ \"z\" : 1,\n \"a\": \"x y\\\" }\" }").as_deref(), Some(r#"{"z":1,"a":"x y\" }"}"#));
        assert_eq!(compact_object("[1]"), None);
        assert_eq!(compact_object("not json"), None);
        assert_eq!(compact_object("\"s\""), None);
    }

    #[test]
    fn file_algorithms_follow_the_scheme() {
        assert_eq!(file_algorithm(None), Algorithm::Ed25519);
        assert_eq!(file_algorithm(Some(Scheme::Rsa2048Pkcs1PssSign)), Algorithm::RsaPssSha256);
        assert_eq!(file_algorithm(Some(Scheme::Rsa2048JwtRs256)), Algorithm::RsaSha256);
        assert_eq!(file_algorithm(Some(Scheme::EcdsaP256Sign)), Algorithm::EcdsaP256);
        assert_eq!(pair(Scheme::Rsa2048Pkcs1Encrypt), Some(Pair::Rsa));
        assert_eq!(pair(Scheme::LegacyEncrypt), None);
    }

    #[test]
    fn schemes_without_their_pair_fail_cleanly() {
        let s = AccountSigner::ed25519(ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]));
        let rng = crate::rng::SeededRandom::new(1);
        assert_eq!(make_key(&s, Scheme::Rsa2048Pkcs1SignV2, "x", &rng), Err(SchemeFault::Crypto(CryptoError::KeyUnavailable)));
        assert_eq!(make_key(&s, Scheme::Rsa2048JwtRs256, "[]", &rng), Err(SchemeFault::ClaimsInvalid));
        assert_eq!(make_key(&s, Scheme::Rsa2048Pkcs1Encrypt, &"x".repeat(246), &rng), Err(SchemeFault::TooLong));
        assert_eq!(make_key(&s, Scheme::LegacyEncrypt, "x", &rng), Err(SchemeFault::Unsupported));
        assert_eq!(make_key(&s, Scheme::Ed25519Sign, "x", &rng).ok(), Some(license_key::sign_key(&s.ed25519, "x")));
    }
}

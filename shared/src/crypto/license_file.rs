//! License files and machine files (§4.4): the signed, optionally encrypted certificates that
//! `…/actions/check-out` returns and SDKs verify offline.
//!
//! ```text
//! enc  = aes-256-gcm: b64(ciphertext) "." b64(iv, 12 bytes) "." b64(tag, 16 bytes)
//!                     key = SHA-256(secret), random IV, no AAD
//!        base64:      b64(data)
//! sig  = b64(Ed25519("license/" + enc))            "machine/" for machine files
//! doc  = {"enc":…,"sig":…,"alg":"aes-256-gcm+ed25519"}   key order enc, sig, alg
//! cert = "-----BEGIN LICENSE FILE-----\n" + b64(doc) wrapped at 60 columns
//!        + "\n-----END LICENSE FILE-----\n"
//! ```
//! The secret is the license key for license files, and the license key followed by the
//! machine fingerprint for machine files ([`machine_secret`]). keygen-rs strips the header and
//! footer, removes newlines and decodes standard padded base64, which this layout satisfies.

use aes_gcm::aead::Aead as _;
use aes_gcm::{Aes256Gcm, KeyInit as _, Nonce};
use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest as _, Sha256};

use super::signer::{AccountSigner, Algorithm};
use super::{b64, unb64, verify_ed25519, CryptoError};
use crate::rng::Random;

/// Which certificate: it decides the header/footer and the signing prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `-----BEGIN LICENSE FILE-----`, signs `license/<enc>`.
    License,
    /// `-----BEGIN MACHINE FILE-----`, signs `machine/<enc>`.
    Machine,
    /// `-----BEGIN TRIAL FILE-----`, signs `trial/<enc>`: a trial certificate (its own prefix,
    /// so no trial certificate verifies as a license or machine file).
    Trial,
}

impl FileKind {
    /// `license` or `machine`: the signing prefix without the slash.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::License => "license",
            Self::Machine => "machine",
            Self::Trial => "trial",
        }
    }

    fn header(self) -> &'static str {
        match self {
            Self::License => "-----BEGIN LICENSE FILE-----",
            Self::Machine => "-----BEGIN MACHINE FILE-----",
            Self::Trial => "-----BEGIN TRIAL FILE-----",
        }
    }

    fn footer(self) -> &'static str {
        match self {
            Self::License => "-----END LICENSE FILE-----",
            Self::Machine => "-----END MACHINE FILE-----",
            Self::Trial => "-----END TRIAL FILE-----",
        }
    }
}

/// How `data` is carried in `enc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// AES-256-GCM under SHA-256(secret): `aes-256-gcm+ed25519`.
    Aes256Gcm,
    /// Plain base64: `base64+ed25519`.
    Base64,
}

impl Encoding {
    /// The `alg` value, also the `algorithm` attribute of the check-out response.
    pub fn alg(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "aes-256-gcm+ed25519",
            Self::Base64 => "base64+ed25519",
        }
    }

    /// Parses an `alg` / check-out `algorithm` value. Only the ed25519 variants are supported.
    pub fn from_alg(alg: &str) -> Option<Self> {
        match alg {
            "aes-256-gcm+ed25519" => Some(Self::Aes256Gcm),
            "base64+ed25519" => Some(Self::Base64),
            _ => None,
        }
    }
}

impl Encoding {
    /// The encoding half of an `alg` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "aes-256-gcm",
            Self::Base64 => "base64",
        }
    }
}

/// `<encoding>+<signing algorithm>`, e.g. `aes-256-gcm+rsa-pss-sha256`.
pub fn alg_name(encoding: Encoding, signing: Algorithm) -> String {
    format!("{}+{}", encoding.name(), signing.as_str())
}

/// Parses any `alg` Keygen allows: `{aes-256-gcm|base64}+{ed25519|rsa-pss-sha256|rsa-sha256|ecdsa-p256}`
/// (exact, lower case).
pub fn parse_alg(alg: &str) -> Option<(Encoding, Algorithm)> {
    let (enc, sig) = alg.split_once('+')?;
    let enc = [Encoding::Aes256Gcm, Encoding::Base64].into_iter().find(|e| e.name() == enc)?;
    let sig = Algorithm::ALL.iter().copied().find(|a| a.as_str() == sig)?;
    Some((enc, sig))
}

/// The encryption secret of a machine file: the license key followed by the fingerprint.
pub fn machine_secret(license_key: &str, fingerprint: &str) -> String {
    format!("{license_key}{fingerprint}")
}

fn cipher(secret: &str) -> Aes256Gcm {
    Aes256Gcm::new(&Sha256::digest(secret.as_bytes()))
}

/// Builds a certificate for the rendered JSON document `data`. `secret` is used only for
/// [`Encoding::Aes256Gcm`] (see [`machine_secret`] for machine files); `rng` supplies the IV.
pub fn encode(kind: FileKind, data: &str, encoding: Encoding, secret: &str, key: &SigningKey, rng: &dyn Random) -> String {
    build(kind, data, encoding, encoding.alg(), secret, rng, |msg| Ok(key.sign(msg).to_bytes().to_vec())).unwrap_or_default()
}

/// [`encode`] signed with any of the account's algorithms; `alg` names both halves.
///
/// # Errors
/// [`CryptoError::KeyUnavailable`] when the account's pair for `signing` was not made.
pub fn encode_signed(
    kind: FileKind,
    data: &str,
    (encoding, signing): (Encoding, Algorithm),
    secret: &str,
    signer: &AccountSigner,
    rng: &dyn Random,
) -> Result<String, CryptoError> {
    build(kind, data, encoding, &alg_name(encoding, signing), secret, rng, |msg| signer.sign(signing, msg, rng))
}

fn build(
    kind: FileKind,
    data: &str,
    encoding: Encoding,
    alg: &str,
    secret: &str,
    rng: &dyn Random,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, CryptoError>,
) -> Result<String, CryptoError> {
    let enc = match encoding {
        Encoding::Base64 => b64(data.as_bytes()),
        Encoding::Aes256Gcm => {
            let mut iv = [0u8; 12];
            rng.fill(&mut iv);
            // AES-GCM encryption only fails past 64 GiB of plaintext; an empty result would be
            // caught by every verifier rather than panic here.
            let sealed = cipher(secret).encrypt(&Nonce::from(iv), data.as_bytes()).unwrap_or_default();
            let (ct, tag) = sealed.split_at(sealed.len().saturating_sub(16));
            format!("{}.{}.{}", b64(ct), b64(&iv), b64(tag))
        }
    };
    let sig = b64(&sign(format!("{}/{enc}", kind.prefix()).as_bytes())?);
    // enc and sig are base64 and alg a constant, so no JSON escaping is needed; the fixed key
    // order enc, sig, alg matches Keygen's `to_json`.
    let doc = format!(r#"{{"enc":"{enc}","sig":"{sig}","alg":"{alg}"}}"#);
    let body = b64(doc.as_bytes());
    let mut cert = String::with_capacity(body.len() + body.len() / 60 + 64);
    cert.push_str(kind.header());
    cert.push('\n');
    for (i, line) in body.as_bytes().chunks(60).enumerate() {
        if i > 0 {
            cert.push('\n');
        }
        cert.push_str(std::str::from_utf8(line).unwrap_or_default());
    }
    cert.push('\n');
    cert.push_str(kind.footer());
    cert.push('\n');
    Ok(cert)
}

/// A certificate opened by [`decode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// License or machine file, from the header.
    pub kind: FileKind,
    /// The `alg` value.
    pub alg: String,
    /// The JSON document that was signed (decrypted when encrypted).
    pub data: String,
}

#[derive(serde::Deserialize)]
struct Doc {
    enc: String,
    sig: String,
    alg: String,
}

/// Verifies and opens a certificate, as an SDK would: strips header and footer, decodes the
/// document, checks the Ed25519 signature over `"<kind>/" + enc` with `public_hex`, then
/// decrypts with SHA-256(`secret`) or base64-decodes. For tests and diagnostics.
///
/// # Errors
/// [`CryptoError::Malformed`] / [`CryptoError::Encoding`] for a damaged certificate,
/// [`CryptoError::SignatureInvalid`] when it is not genuine, [`CryptoError::DecryptFailed`]
/// for a wrong secret.
pub fn decode(cert: &str, public_hex: &str, secret: &str) -> Result<Decoded, CryptoError> {
    let trimmed = cert.trim();
    let (kind, inner) = [FileKind::License, FileKind::Machine, FileKind::Trial]
        .into_iter()
        .find_map(|k| trimmed.strip_prefix(k.header()).and_then(|s| s.strip_suffix(k.footer())).map(|s| (k, s)))
        .ok_or(CryptoError::Malformed("certificate header"))?;
    let body: String = inner.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let doc: Doc = serde_json::from_slice(&unb64(&body)?).map_err(|_| CryptoError::Malformed("certificate document"))?;
    let encoding = Encoding::from_alg(&doc.alg).ok_or(CryptoError::Malformed("unsupported alg"))?;
    verify_ed25519(public_hex, format!("{}/{}", kind.prefix(), doc.enc).as_bytes(), &unb64(&doc.sig)?)?;
    let plain = match encoding {
        Encoding::Base64 => unb64(&doc.enc)?,
        Encoding::Aes256Gcm => {
            let mut parts = doc.enc.split('.');
            let (Some(ct), Some(iv), Some(tag), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
                return Err(CryptoError::Malformed("enc"));
            };
            let (mut ct, iv, tag) = (unb64(ct)?, unb64(iv)?, unb64(tag)?);
            let iv: [u8; 12] = iv.as_slice().try_into().map_err(|_| CryptoError::Malformed("iv length"))?;
            if tag.len() != 16 {
                return Err(CryptoError::Malformed("tag length"));
            }
            ct.extend_from_slice(&tag);
            cipher(secret).decrypt(&Nonce::from(iv), ct.as_slice()).map_err(|_| CryptoError::DecryptFailed)?
        }
    };
    let data = String::from_utf8(plain).map_err(|_| CryptoError::Malformed("data is not UTF-8"))?;
    Ok(Decoded { kind, alg: doc.alg, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::AccountKeys;
    use crate::crypto::test_support::FixedBytes;
    use crate::rng::SeededRandom;

    /// The license file from keygen-sh/example-rust-cryptographic-license-files (`src/main.rs`),
    /// issued by Keygen's production API.
    const KEYGEN_CERT: &str = include_str!("testdata/keygen_example_license.lic");
    const KEYGEN_KEY: &str = "33362C-D254BA-F54C3C-DAAE48-C71975-V3";
    const KEYGEN_PUBLIC: &str = "e8601e48b69383ba520245fd07971e983d06d22c4257cfd82304601479cee788";

    const DATA: &str =
        r#"{"data":{"id":"l1","type":"licenses","attributes":{"name":"caf\u00e9 ☕"}},"meta":{"issued":"2024-01-01T00:00:00.000Z","expiry":null,"ttl":null}}"#;

    #[test]
    fn decodes_a_real_keygen_license_file() {
        let d = decode(KEYGEN_CERT, KEYGEN_PUBLIC, KEYGEN_KEY).expect("real Keygen license file verifies and decrypts");
        assert_eq!(d.kind, FileKind::License);
        assert_eq!(d.alg, "aes-256-gcm+ed25519");
        assert!(d.data.starts_with(r#"{"data":{"id":"a4797354-b53a-4641-b14d-89c4e87f9412","type":"licenses","attributes":{"name":"Java Example","key":"33362C-D254BA-F54C3C-DAAE48-C71975-V3""#), "{}", d.data);
        assert!(d.data.ends_with(r#""meta":{"issued":"2022-04-01T13:18:09.930Z","expiry":"2022-05-01T13:18:09.930Z","ttl":2629746}}"#), "{}", d.data);
        assert!(serde_json::from_str::<serde_json::Value>(&d.data).is_ok());
        assert_eq!(decode(KEYGEN_CERT, KEYGEN_PUBLIC, "WRONG-KEY"), Err(CryptoError::DecryptFailed));
        let other = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        assert_eq!(decode(KEYGEN_CERT, other, KEYGEN_KEY), Err(CryptoError::SignatureInvalid));
    }

    #[test]
    fn our_encoding_of_the_real_file_is_byte_identical_except_the_signature() {
        // Re-encrypt Keygen's plaintext under Keygen's IV: `enc` must come out identical, and
        // wrapping a document with Keygen's own enc/sig must give Keygen's certificate text.
        let d = decode(KEYGEN_CERT, KEYGEN_PUBLIC, KEYGEN_KEY).unwrap();
        let body: String = KEYGEN_CERT.lines().filter(|l| !l.starts_with("-----")).collect();
        let doc: serde_json::Value = serde_json::from_slice(&unb64(&body).unwrap()).unwrap();
        let (their_enc, their_sig) = (doc["enc"].as_str().unwrap(), doc["sig"].as_str().unwrap());
        let iv = unb64(their_enc.split('.').nth(1).unwrap()).unwrap();
        let (key, pk) = AccountKeys::generate(&SeededRandom::new(1));
        let ours = encode(FileKind::License, &d.data, Encoding::Aes256Gcm, KEYGEN_KEY, &key, &FixedBytes(iv));
        let our_body: String = ours.lines().filter(|l| !l.starts_with("-----")).collect();
        let our_doc: serde_json::Value = serde_json::from_slice(&unb64(&our_body).unwrap()).unwrap();
        assert_eq!(our_doc["enc"].as_str().unwrap(), their_enc);
        assert_eq!(decode(&ours, &pk, KEYGEN_KEY).unwrap().data, d.data);

        let rebuilt = format!(r#"{{"enc":"{their_enc}","sig":"{their_sig}","alg":"aes-256-gcm+ed25519"}}"#);
        let wrapped = b64(rebuilt.as_bytes()).as_bytes().chunks(60).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\n");
        assert_eq!(format!("-----BEGIN LICENSE FILE-----\n{wrapped}\n-----END LICENSE FILE-----\n"), KEYGEN_CERT);
    }

    #[test]
    fn round_trips_every_kind_and_encoding() {
        let rng = SeededRandom::new(31);
        let (key, pk) = AccountKeys::generate(&rng);
        let lic = "ABCDEF-ABCDEF-ABCDEF-ABCDEF-ABCDEF-V3";
        for kind in [FileKind::License, FileKind::Machine, FileKind::Trial] {
            let secret = match kind {
                FileKind::License => lic.to_owned(),
                FileKind::Machine => machine_secret(lic, "fp-1"),
                FileKind::Trial => String::new(),
            };
            for encoding in [Encoding::Aes256Gcm, Encoding::Base64] {
                let cert = encode(kind, DATA, encoding, &secret, &key, &rng);
                let (head, foot) = match kind {
                    FileKind::License => ("-----BEGIN LICENSE FILE-----\n", "\n-----END LICENSE FILE-----\n"),
                    FileKind::Machine => ("-----BEGIN MACHINE FILE-----\n", "\n-----END MACHINE FILE-----\n"),
                    FileKind::Trial => ("-----BEGIN TRIAL FILE-----\n", "\n-----END TRIAL FILE-----\n"),
                };
                assert!(cert.starts_with(head) && cert.ends_with(foot), "{cert}");
                let lines: Vec<&str> = cert.lines().collect();
                let body = &lines[1..lines.len() - 1];
                assert!(body[..body.len() - 1].iter().all(|l| l.len() == 60));
                assert!((1..=60).contains(&body[body.len() - 1].len()));

                let d = decode(&cert, &pk, &secret).unwrap();
                assert_eq!((d.kind, d.alg.as_str(), d.data.as_str()), (kind, encoding.alg(), DATA));

                let doc: String = body.concat();
                let doc = String::from_utf8(unb64(&doc).unwrap()).unwrap();
                assert!(doc.starts_with(r#"{"enc":""#) && doc.ends_with(&format!(r#"","alg":"{}"}}"#, encoding.alg())), "{doc}");
                if encoding == Encoding::Aes256Gcm {
                    assert_eq!(decode(&cert, &pk, "wrong").err(), Some(CryptoError::DecryptFailed));
                    assert!(!doc.contains(&b64(DATA.as_bytes())[..20]));
                } else {
                    // Base64 files need no secret.
                    assert_eq!(decode(&cert, &pk, "").unwrap().data, DATA);
                }
            }
        }
    }

    #[test]
    fn signature_binds_the_kind_and_the_content() {
        let rng = SeededRandom::new(32);
        let (key, pk) = AccountKeys::generate(&rng);
        let cert = encode(FileKind::License, DATA, Encoding::Base64, "", &key, &rng);
        // Relabel a license file as a machine file: the "machine/" prefix no longer verifies.
        let relabeled = cert.replace("LICENSE FILE", "MACHINE FILE");
        assert_eq!(decode(&relabeled, &pk, "").err(), Some(CryptoError::SignatureInvalid));
        // Swap the enc for other data, keeping the signature.
        let body: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
        let mut doc: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&unb64(&body).unwrap()).unwrap();
        doc.insert("enc".into(), b64(b"{\"data\":null}").into());
        let forged = format!("-----BEGIN LICENSE FILE-----\n{}\n-----END LICENSE FILE-----\n", b64(serde_json::to_string(&doc).unwrap().as_bytes()));
        assert_eq!(decode(&forged, &pk, "").err(), Some(CryptoError::SignatureInvalid));
        assert!(decode("not a certificate", &pk, "").is_err());
        assert!(decode("-----BEGIN LICENSE FILE-----\n!!!\n-----END LICENSE FILE-----\n", &pk, "").is_err());
    }
}

//! Response and webhook signatures (`reference/keygen-wire.md` §4.3): the `Date`, `Digest` and
//! `Keygen-Signature` headers, and the `Keygen-Accept-Signature` request header.
//!
//! The signing string is Keygen's draft-cavage layout, joined by `\n` with no trailing newline:
//! ```text
//! (request-target): <lowercase method> <path[?query]>
//! host: <host without port>
//! date: <HTTP date>
//! digest: sha-256=<strict base64 SHA-256 of the body>
//! ```
//! keygen-rs rebuilds it from `Keygen-Date` / `Keygen-Digest`, keygen-go from `Date` / `Digest`;
//! the caller sets both pairs to the same values from [`SignedHeaders`].

use sha2::{Digest as _, Sha256};

use super::response_signer::ResponseSigner;
use super::signer::{AccountSigner, Algorithm};
use super::{b64, unb64, verify_ed25519, CryptoError};
use crate::clock::{http_date, Millis};
use crate::rng::Random;

/// The default algorithm, and the one [`verify`] checks.
pub const ALGORITHM: &str = "ed25519";

/// The `headers` parameter of `Keygen-Signature`: what the signing string covers, in order.
pub const SIGNED_HEADERS: &str = "(request-target) host date digest";

/// `Digest` header value: `sha-256=` + strict base64 of SHA-256(body). An empty body (204) hashes "".
pub fn digest_header(body: &[u8]) -> String {
    format!("sha-256={}", b64(&Sha256::digest(body)))
}

/// The string that is signed. `target` is the path and query exactly as received
/// (`request.original_fullpath`); an empty target signs as `/`. `host` has no port.
pub fn signing_string(method: &str, target: &str, host: &str, date: &str, digest: &str) -> String {
    let target = if target.is_empty() { "/" } else { target };
    format!("(request-target): {} {target}\nhost: {host}\ndate: {date}\ndigest: {digest}", method.to_ascii_lowercase())
}

/// Header values for one signed response. Set `Date` and `Keygen-Date` to `date`, `Digest` and
/// `Keygen-Digest` to `digest`, and `Keygen-Signature` to `signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// HTTP date (`Wed, 09 Jun 2021 16:08:15 GMT`).
    pub date: String,
    /// `sha-256=<base64>`.
    pub digest: String,
    /// The whole `Keygen-Signature` value:
    /// `keyid="<account>", algorithm="ed25519", signature="<b64>", headers="(request-target) host date digest"`.
    pub signature: String,
}

/// What one response or webhook delivery is signed for: the request `method target` on `host`.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The account (`keyid`).
    pub account_id: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Path and query as received.
    pub target: &'a str,
    /// Host without port.
    pub host: &'a str,
}

/// Signs `body` for `to` at `now_ms` with the account's key for `alg` (`ed25519` over the
/// string, or RSA-PSS-SHA256 max salt / RSA-PKCS1-SHA256 / ECDSA-P256-SHA256 DER).
///
/// # Errors
/// [`CryptoError::KeyUnavailable`] when the account's pair for `alg` was not made.
pub fn sign(signer: &AccountSigner, alg: Algorithm, to: Target<'_>, now_ms: Millis, body: &[u8], rng: &dyn Random) -> Result<SignedHeaders, CryptoError> {
    let date = http_date(now_ms);
    let digest = digest_header(body);
    let data = signing_string(to.method, to.target, to.host, &date, &digest);
    let sig = b64(&signer.sign(alg, data.as_bytes(), rng)?);
    let signature = format!(r#"keyid="{}", algorithm="{}", signature="{sig}", headers="{SIGNED_HEADERS}""#, to.account_id, alg.as_str());
    Ok(SignedHeaders { date, digest, signature })
}

/// [`sign`] with the Ed25519 key, which every account has: cannot fail.
pub fn sign_ed25519(key: &ed25519_dalek::SigningKey, to: Target<'_>, now_ms: Millis, body: &[u8]) -> SignedHeaders {
    use ed25519_dalek::Signer as _;
    let date = http_date(now_ms);
    let digest = digest_header(body);
    let data = signing_string(to.method, to.target, to.host, &date, &digest);
    let sig = b64(&key.sign(data.as_bytes()).to_bytes());
    let signature = format!(r#"keyid="{}", algorithm="{ALGORITHM}", signature="{sig}", headers="{SIGNED_HEADERS}""#, to.account_id);
    SignedHeaders { date, digest, signature }
}

/// [`sign_ed25519`] through a [`ResponseSigner`] (the Worker's WebCrypto or the crates, issue
/// 11): the same headers, since Ed25519 is deterministic.
///
/// # Errors
/// When the signer's platform refuses (a broken runtime); the caller falls back to [`sign_ed25519`].
pub async fn sign_ed25519_with(
    signer: &dyn ResponseSigner,
    key: &ed25519_dalek::SigningKey,
    to: Target<'_>,
    now_ms: Millis,
    body: &[u8],
) -> Result<SignedHeaders, CryptoError> {
    let date = http_date(now_ms);
    let digest = format!("sha-256={}", b64(&signer.digest(body).await?));
    let data = signing_string(to.method, to.target, to.host, &date, &digest);
    let sig = b64(&signer.sign(key, data.as_bytes()).await?);
    let signature = format!(r#"keyid="{}", algorithm="{ALGORITHM}", signature="{sig}", headers="{SIGNED_HEADERS}""#, to.account_id);
    Ok(SignedHeaders { date, digest, signature })
}

/// The `signature` parameter of a `Keygen-Signature` value, decoded, and its `algorithm`.
pub fn signature_param(header: &str) -> Option<(String, Vec<u8>)> {
    let params = parse_params(header)?;
    let get = |name: &str| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v);
    Some((get("algorithm")?.to_owned(), unb64(get("signature")?).ok()?))
}

/// Checks a signed response the way keygen-rs does: the digest must match `body`, the
/// `Keygen-Signature` must name `ed25519`, and its signature must verify over the rebuilt
/// signing string with `public_hex`. `headers` holds the received `Date`, `Digest` and
/// `Keygen-Signature` values. For tests and for verifying our own webhooks.
pub fn verify(public_hex: &str, method: &str, target: &str, host: &str, headers: &SignedHeaders, body: &[u8]) -> bool {
    verify_inner(public_hex, method, target, host, headers, body).is_ok()
}

fn verify_inner(public_hex: &str, method: &str, target: &str, host: &str, headers: &SignedHeaders, body: &[u8]) -> Result<(), CryptoError> {
    let SignedHeaders { date, digest, signature: signature_header } = headers;
    if !super::constant_time_eq(digest.as_bytes(), digest_header(body).as_bytes()) {
        return Err(CryptoError::Malformed("digest does not match body"));
    }
    let params = parse_params(signature_header).ok_or(CryptoError::Malformed("keygen-signature"))?;
    let get = |name: &str| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v);
    if !get("algorithm").is_some_and(|a| a.eq_ignore_ascii_case(ALGORITHM)) {
        return Err(CryptoError::Malformed("algorithm"));
    }
    let sig = unb64(get("signature").ok_or(CryptoError::Malformed("signature"))?)?;
    let data = signing_string(method, target, host, date, digest);
    verify_ed25519(public_hex, data.as_bytes(), &sig)
}

/// Splits `a="x", b="y"` into pairs. Values may not contain `"`; returns `None` when malformed.
fn parse_params(header: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let name = rest[..eq].trim();
        if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
            return None;
        }
        let after = rest[eq + 1..].strip_prefix('"')?;
        let close = after.find('"')?;
        let value = &after[..close];
        if value.is_empty() {
            return None;
        }
        out.push((name, value));
        rest = after[close + 1..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
            if rest.is_empty() {
                return None;
            }
        } else if let Some(r) = rest.strip_prefix(';') {
            // Keygen's regex tolerates one trailing `;`.
            if !r.trim().is_empty() {
                return None;
            }
            rest = "";
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// Validates a `Keygen-Accept-Signature` request header (`keyid="…", algorithm="…"`, both
/// optional, names case-insensitive) and returns the algorithm to sign with. A missing or blank
/// header, or one without `algorithm`, is the default, ed25519.
///
/// # Errors
/// [`CryptoError::AcceptSignature`] (render as 400 `SIGNATURE_INVALID`) when the header is
/// malformed, names an algorithm Keygen does not offer (`ed25519`, `rsa-pss-sha256`,
/// `rsa-sha256`, `ecdsa-p256`), or names a `keyid` other than `account_id`.
pub fn check_accept_signature(header: Option<&str>, account_id: &str) -> Result<Algorithm, CryptoError> {
    let Some(header) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(Algorithm::Ed25519);
    };
    let params = parse_params(header).ok_or(CryptoError::AcceptSignature("malformed"))?;
    let mut keyid = None;
    let mut algorithm = None;
    for (name, value) in params {
        let slot = if name.eq_ignore_ascii_case("keyid") {
            &mut keyid
        } else if name.eq_ignore_ascii_case("algorithm") {
            &mut algorithm
        } else {
            return Err(CryptoError::AcceptSignature("malformed"));
        };
        if slot.replace(value).is_some() {
            return Err(CryptoError::AcceptSignature("malformed"));
        }
    }
    let alg = match algorithm {
        None => Algorithm::Ed25519,
        Some(a) => Algorithm::parse(a).ok_or(CryptoError::AcceptSignature("unsupported algorithm"))?,
    };
    if keyid.is_some_and(|k| k != account_id) {
        return Err(CryptoError::AcceptSignature("keyid not found"));
    }
    Ok(alg)
}

/// The algorithm a response is signed with: the accepted one, or ed25519 when the header was
/// refused (the 400 that says so is itself signed with the default).
pub fn response_algorithm(header: Option<&str>, account_id: &str) -> Algorithm {
    check_accept_signature(header, account_id).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::public_hex;
    use ed25519_dalek::SigningKey;

    fn sign(key: &SigningKey, account_id: &str, method: &str, target: &str, host: &str, now_ms: Millis, body: &[u8]) -> SignedHeaders {
        let to = Target { account_id, method, target, host };
        let a = sign_ed25519(key, to, now_ms, body);
        let b = super::sign(&AccountSigner::ed25519(key.clone()), Algorithm::Ed25519, to, now_ms, body, &crate::rng::SeededRandom::new(1));
        assert_eq!(b.as_ref(), Ok(&a));
        a
    }

    const ACCOUNT: &str = "1fddcec8-8dd3-4d8d-9b16-215cac0f9b52";

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn sign_with_the_native_signer_gives_sign_s_headers() {
        use std::future::Future as _;
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let body = br#"{"data":null}"#;
        let k = key();
        let to = Target { account_id: ACCOUNT, method: "POST", target: "/v1/x?y=1", host: "h" };
        let fut = sign_ed25519_with(&crate::crypto::response_signer::NativeSigner, &k, to, 1_623_254_895_000, body);
        let std::task::Poll::Ready(Ok(got)) = std::pin::pin!(fut).as_mut().poll(&mut cx) else { panic!("the native signer is synchronous") };
        assert_eq!(got, sign(&key(), ACCOUNT, "POST", "/v1/x?y=1", "h", 1_623_254_895_000, body));
        assert!(verify(&public_hex(&key()), "POST", "/v1/x?y=1", "h", &got, body));
    }

    #[test]
    fn digest_of_empty_body_is_sha256_of_nothing() {
        assert_eq!(digest_header(b""), "sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn sign_produces_the_fixed_vector() {
        // Expected values computed independently with Python's `cryptography` (Ed25519, seed
        // [7; 32]) over the same signing string; Ed25519 signatures are deterministic.
        let body = br#"{"data":null}"#;
        let (m, t, host) = ("GET", "/v1/accounts/demo/me?x=1", "api.example.com");
        let h = sign(&key(), ACCOUNT, m, t, host, 1_623_254_895_000, body);
        assert_eq!(public_hex(&key()), "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c");
        assert_eq!(h.date, "Wed, 09 Jun 2021 16:08:15 GMT");
        assert_eq!(h.digest, "sha-256=ul8+pA6V9JvOEZQvN169OILrg3l27aXAy3i5uZyntIU=");
        assert_eq!(
            signing_string(m, t, host, &h.date, &h.digest),
            "(request-target): get /v1/accounts/demo/me?x=1\n\
             host: api.example.com\n\
             date: Wed, 09 Jun 2021 16:08:15 GMT\n\
             digest: sha-256=ul8+pA6V9JvOEZQvN169OILrg3l27aXAy3i5uZyntIU="
        );
        assert_eq!(
            h.signature,
            format!(
                r#"keyid="{ACCOUNT}", algorithm="ed25519", signature="aYZ/h5OVp8kB4RWQpqzFMOBu+BVy66PpSWrkzFSeUTb6fOy1h4xl6I/GFZ1ECFkzxaPH15cKsM2kUqKf1N3HDg==", headers="(request-target) host date digest""#
            )
        );
    }

    #[test]
    fn empty_target_signs_as_root() {
        assert!(signing_string("POST", "", "h", "d", "g").starts_with("(request-target): post /\n"));
    }

    #[test]
    fn verify_accepts_the_signature_and_rejects_tampering() {
        let pk = public_hex(&key());
        let body = br#"{"data":{"id":"1"}}"#;
        let (m, t, host) = ("POST", "/v1/accounts/a/licenses/actions/validate-key", "api.example.com");
        let h = sign(&key(), ACCOUNT, m, t, host, 1_700_000_000_000, body);
        assert!(verify(&pk, m, t, host, &h, body));
        assert!(!verify(&pk, m, t, host, &h, br#"{"data":{"id":"2"}}"#));
        assert!(!verify(&pk, "GET", t, host, &h, body));
        assert!(!verify(&pk, m, "/other", host, &h, body));
        assert!(!verify(&pk, m, t, "evil.example.com", &h, body));
        let with = |f: fn(&mut SignedHeaders)| {
            let mut h2 = h.clone();
            f(&mut h2);
            h2
        };
        assert!(!verify(&pk, m, t, host, &with(|h| h.date = "Thu, 01 Jan 1970 00:00:00 GMT".into()), body));
        assert!(!verify(&pk, m, t, host, &with(|h| h.signature = h.signature.replace("ed25519", "rsa-sha256")), body));
        assert!(!verify(&pk, m, t, host, &with(|h| h.signature = "garbage".into()), body));
        let other = public_hex(&SigningKey::from_bytes(&[8u8; 32]));
        assert!(!verify(&other, m, t, host, &h, body));
    }

    #[test]
    fn accept_signature_defaults_and_accepts_ed25519() {
        assert!(check_accept_signature(None, ACCOUNT).is_ok());
        assert!(check_accept_signature(Some("  "), ACCOUNT).is_ok());
        assert!(check_accept_signature(Some(r#"algorithm="ed25519""#), ACCOUNT).is_ok());
        assert!(check_accept_signature(Some(r#"algorithm="ED25519""#), ACCOUNT).is_ok());
        assert!(check_accept_signature(Some(&format!(r#"keyid="{ACCOUNT}", algorithm="ed25519""#)), ACCOUNT).is_ok());
        assert!(check_accept_signature(Some(&format!(r#"KEYID="{ACCOUNT}",algorithm="ed25519";"#)), ACCOUNT).is_ok());
        assert!(check_accept_signature(Some(&format!(r#"keyid="{ACCOUNT}""#)), ACCOUNT).is_ok());
        assert_eq!(check_accept_signature(Some(r#"algorithm="rsa-pss-sha256""#), ACCOUNT), Ok(Algorithm::RsaPssSha256));
        assert_eq!(check_accept_signature(Some(r#"algorithm="RSA-SHA256""#), ACCOUNT), Ok(Algorithm::RsaSha256));
        assert_eq!(check_accept_signature(Some(r#"algorithm="ecdsa-p256""#), ACCOUNT), Ok(Algorithm::EcdsaP256));
        assert_eq!(response_algorithm(Some(r#"algorithm="ecdsa-p256""#), ACCOUNT), Algorithm::EcdsaP256);
        assert_eq!(response_algorithm(Some(r#"algorithm="rsa-sha512""#), ACCOUNT), Algorithm::Ed25519);
    }

    #[test]
    fn accept_signature_rejects_bad_headers() {
        for bad in [
            r#"algorithm="rsa-sha512""#,
            r#"algorithm="hmac-sha256""#,
            r#"keyid="00000000-0000-0000-0000-000000000000", algorithm="ed25519""#,
            "algorithm=ed25519",
            r#"algorithm="ed25519", algorithm="ed25519""#,
            r#"foo="bar""#,
            r#"algorithm="ed25519","#,
            r#"algorithm="""#,
            "nonsense",
        ] {
            let e = check_accept_signature(Some(bad), ACCOUNT);
            assert!(matches!(e, Err(CryptoError::AcceptSignature(_))), "{bad}: {e:?}");
        }
    }
}

//! Response-signature verification, written from the wire contract (ed25519-dalek, sha2,
//! base64) and deliberately not through `shared::crypto`, so a bug there cannot hide itself.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::Resp;

/// Verifies a Keygen response signature, independently of `shared::crypto`:
/// `Date`, `Digest`, `Keygen-Date` (= `Date`), `Keygen-Digest` (= `Digest` = `sha-256=` + base64
/// SHA-256 of the body as received) and `Keygen-Signature` (`algorithm="ed25519"`,
/// `headers="(request-target) host date digest"`, an Ed25519 signature by `public_key_hex` over
/// `(request-target): <method> <target>\nhost: <host>\ndate: <date>\ndigest: <digest>`).
///
/// The host is the `Host` the request carried, port included (`127.0.0.1:PORT`): the Worker signs
/// the Host header as received.
///
/// # Errors
/// A description of the first check that fails.
pub fn verify_signature(resp: &Resp, public_key_hex: &str) -> Result<(), String> {
    let get = |name: &str| resp.header(name).ok_or_else(|| format!("no {name} header"));
    let date = get("date")?;
    let digest = get("digest")?;
    if get("keygen-date")? != date {
        return Err(format!("Keygen-Date {:?} != Date {date:?}", resp.header("keygen-date")));
    }
    if get("keygen-digest")? != digest {
        return Err(format!("Keygen-Digest {:?} != Digest {digest:?}", resp.header("keygen-digest")));
    }
    let expected_digest = format!("sha-256={}", B64.encode(Sha256::digest(&resp.body)));
    if digest != expected_digest {
        return Err(format!("Digest {digest:?} != digest of the body {expected_digest:?}"));
    }
    let params = parse_signature_header(get("keygen-signature")?)?;
    let param = |k: &str| params.get(k).map(String::as_str).ok_or_else(|| format!("Keygen-Signature lacks {k}"));
    if param("algorithm")? != "ed25519" {
        return Err(format!("algorithm {:?}, expected \"ed25519\"", param("algorithm")?));
    }
    if param("headers")? != "(request-target) host date digest" {
        return Err(format!("headers {:?}", param("headers")?));
    }
    let signature = B64.decode(param("signature")?).map_err(|e| format!("signature is not base64: {e}"))?;
    let signature = Signature::from_slice(&signature).map_err(|e| format!("signature: {e}"))?;
    let key: [u8; 32] =
        hex::decode(public_key_hex).ok().and_then(|k| k.try_into().ok()).ok_or_else(|| format!("public key {public_key_hex:?} is not 64 hex chars"))?;
    let key = VerifyingKey::from_bytes(&key).map_err(|e| format!("public key: {e}"))?;
    let signing_string = format!("(request-target): {} {}\nhost: {}\ndate: {date}\ndigest: {digest}", resp.method.to_ascii_lowercase(), resp.target, resp.host);
    key.verify_strict(signing_string.as_bytes(), &signature).map_err(|e| format!("signature does not verify over {signing_string:?}: {e}"))
}

/// Panics unless [`verify_signature`] accepts `resp`.
pub fn assert_signed(resp: &Resp, public_key_hex: &str) {
    if let Err(why) = verify_signature(resp, public_key_hex) {
        panic!("{} {} ({}): bad response signature: {why}\nheaders: {:?}\nbody: {}", resp.method, resp.target, resp.status, resp.headers, resp.text());
    }
}

/// Panics unless `Keygen-Signature`'s `keyid` is `account_id`.
pub fn assert_key_id(resp: &Resp, account_id: &str) {
    let params = resp.header("keygen-signature").map(parse_signature_header).and_then(Result::ok).unwrap_or_default();
    assert_eq!(params.get("keyid").map(String::as_str), Some(account_id), "{} {}: Keygen-Signature keyid is not the account id", resp.method, resp.target);
}

/// Parses `k1="v1", k2="v2"` (values may contain `,`, `=` and spaces but not `"`).
fn parse_signature_header(header: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").ok_or_else(|| format!("malformed Keygen-Signature {header:?}"))?;
        let (value, after) = after.split_once('"').ok_or_else(|| format!("unterminated value in Keygen-Signature {header:?}"))?;
        out.insert(key.trim().to_string(), value.to_string());
        rest = after.trim_start().trim_start_matches(',').trim_start();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use serde_json::Value;

    fn signed_resp(sign_host: &str) -> (Resp, String) {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let body = br#"{"data":null}"#.to_vec();
        let date = "Mon, 23 Nov 2026 10:00:00 GMT";
        let digest = format!("sha-256={}", B64.encode(Sha256::digest(&body)));
        let signing = format!("(request-target): get /v1/x?a=1\nhost: {sign_host}\ndate: {date}\ndigest: {digest}");
        let sig = B64.encode(key.sign(signing.as_bytes()).to_bytes());
        let headers = BTreeMap::from([
            ("date".to_string(), date.to_string()),
            ("keygen-date".to_string(), date.to_string()),
            ("digest".to_string(), digest.clone()),
            ("keygen-digest".to_string(), digest),
            ("keygen-signature".to_string(), format!(r#"keyid="acct", algorithm="ed25519", signature="{sig}", headers="(request-target) host date digest""#)),
        ]);
        let resp = Resp { status: 200, headers, json: Value::Null, body, method: "GET".into(), target: "/v1/x?a=1".into(), host: "127.0.0.1:9".into() };
        (resp, hex::encode(key.verifying_key().to_bytes()))
    }

    #[test]
    fn accepts_a_signature_over_the_host_as_sent() {
        let (resp, key) = signed_resp("127.0.0.1:9");
        assert_eq!(verify_signature(&resp, &key), Ok(()));
        assert_key_id(&resp, "acct");
    }

    #[test]
    fn rejects_a_signature_over_another_host() {
        let (resp, key) = signed_resp("127.0.0.1");
        assert!(verify_signature(&resp, &key).is_err());
    }

    #[test]
    fn rejects_a_tampered_body() {
        let (mut resp, key) = signed_resp("127.0.0.1:9");
        resp.body = br#"{"data":1}"#.to_vec();
        let err = verify_signature(&resp, &key).unwrap_err();
        assert!(err.contains("digest of the body"), "{err}");
    }

    #[test]
    fn parses_signature_parameters() {
        let p = parse_signature_header(r#"keyid="a", algorithm="ed25519", signature="x+/=", headers="(request-target) host""#).unwrap();
        assert_eq!(p["signature"], "x+/=");
        assert_eq!(p["headers"], "(request-target) host");
    }
}

//! API tokens in Keygen's v3 format (§4.6) and their stored digests.
//!
//! A token is `<prefix>-<hex>v3`: 64 hex characters (32 random bytes) for admin, user, product
//! and environment tokens, 32 (16 bytes) for license ("activation") tokens. Only a digest is
//! stored: HMAC-SHA256 keyed per account, with the key derived from the deployment secret as
//! HMAC-SHA256(secret, `"latchkey:tokens:"` + account id), so one leaked account key opens no
//! other account and the secret itself never keys a digest directly.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::rng::Random;

type HmacSha256 = Hmac<Sha256>;

/// Token prefixes Keygen issues (`app/models/token.rb`).
pub const PREFIXES: &[&str] = &["env", "prod", "admin", "user", "activ", "dev", "sales", "spprt", "read", "token"];

/// Prefix of license (activation) tokens, which carry 16 random bytes instead of 32.
pub const LICENSE_PREFIX: &str = "activ";

/// Keygen's token algorithm version, appended to every token.
pub const VERSION: &str = "v3";

/// A new raw token `<prefix>-<hex>v3`: 32 random bytes (64 hex) for every prefix except
/// [`LICENSE_PREFIX`], which gets 16 bytes (32 hex). Show it once; store only [`digest`].
pub fn generate(prefix: &str, rng: &dyn Random) -> String {
    let mut bytes = [0u8; 32];
    let n = if prefix == LICENSE_PREFIX { 16 } else { 32 };
    rng.fill(&mut bytes[..n]);
    format!("{prefix}-{}{VERSION}", hex::encode(&bytes[..n]))
}

/// The stored form of `token` for `account_id`: lowercase hex of
/// HMAC-SHA256(key = HMAC-SHA256(secret, `"latchkey:tokens:"` + account_id), token).
pub fn digest(secret: &str, account_id: &str, token: &str) -> String {
    let mut kdf = HmacSha256::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    kdf.update(b"latchkey:tokens:");
    kdf.update(account_id.as_bytes());
    let key = kdf.finalize().into_bytes();
    let mut mac = HmacSha256::new_from_slice(&key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// True when `s` has the shape of a v3 token Latchkey issues: a known prefix, `-`, 64 or 32
/// lowercase hex characters, `v3`. Anything else (a UUID, a license key) answers
/// `TOKEN_FORMAT_INVALID` without a lookup.
pub fn looks_like_token(s: &str) -> bool {
    let Some((prefix, rest)) = s.split_once('-') else {
        return false;
    };
    let Some(hex_part) = rest.strip_suffix(VERSION) else {
        return false;
    };
    PREFIXES.contains(&prefix) && matches!(hex_part.len(), 32 | 64) && hex_part.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRandom;

    #[test]
    fn generated_tokens_have_keygen_v3_shape() {
        let rng = SeededRandom::new(3);
        for prefix in ["admin", "user", "prod", "env"] {
            let t = generate(prefix, &rng);
            assert_eq!(t.len(), prefix.len() + 1 + 64 + 2, "{t}");
            assert!(t.starts_with(&format!("{prefix}-")) && t.ends_with("v3"));
            assert!(looks_like_token(&t), "{t}");
        }
        let t = generate("activ", &rng);
        assert_eq!(t.len(), "activ-".len() + 32 + 2, "{t}");
        assert!(looks_like_token(&t));
        assert_ne!(generate("admin", &rng), generate("admin", &rng));
    }

    #[test]
    fn uuids_and_keys_are_not_tokens() {
        assert!(!looks_like_token("a4797354-b53a-4641-b14d-89c4e87f9412"));
        assert!(!looks_like_token("33362C-D254BA-F54C3C-DAAE48-C71975-V3"));
        assert!(!looks_like_token(""));
        assert!(!looks_like_token(&format!("admin-{}v3", "A".repeat(64))));
        assert!(!looks_like_token(&format!("nope-{}v3", "a".repeat(64))));
        assert!(!looks_like_token(&format!("admin-{}v2", "a".repeat(64))));
        assert!(!looks_like_token(&format!("admin-{}v3", "a".repeat(40))));
        assert!(looks_like_token(&format!("admin-{}v3", "a".repeat(64))));
    }

    #[test]
    fn digest_is_keyed_by_secret_and_account() {
        let t = "admin-0000000000000000000000000000000000000000000000000000000000000000v3";
        let d = digest("s", "acct-1", t);
        assert_eq!(d.len(), 64);
        assert_eq!(d, digest("s", "acct-1", t));
        assert_ne!(d, digest("s", "acct-2", t));
        assert_ne!(d, digest("t", "acct-1", t));
        assert_ne!(d, digest("s", "acct-1", &t.replace("v3", "v4")));
    }

    #[test]
    fn digest_matches_an_independent_hmac_computation() {
        // Python: k = hmac.new(b"secret", b"latchkey:tokens:acct", sha256).digest();
        //         hmac.new(k, b"tok", sha256).hexdigest()
        assert_eq!(digest("secret", "acct", "tok"), "e0ecdd5f7dc631e75bc92f5124737cadb54b69bc6e4952da46ee3c1ac4f54803");
    }
}

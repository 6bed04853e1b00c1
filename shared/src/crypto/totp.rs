//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1), the second factor
//! Keygen's users enable with `POST /users/{id}/second-factors`.
//!
//! Pure: time is the caller's Unix seconds, randomness an injected [`Random`]. A code is checked
//! against the current 30-second step and one step either side (clock drift), and [`verify`]
//! refuses any step at or before the last one accepted, so a code is never accepted twice (the
//! store records the returned step with a guarded UPDATE). The 20-byte secret is sealed at rest
//! with AES-256-GCM under the deployment secret, as account signing keys are ([`super::keys`]),
//! and is shown to the user once, in the `otpauth://` provisioning URI.

use aes_gcm::aead::Aead as _;
use aes_gcm::{Aes256Gcm, KeyInit as _, Nonce};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

use super::{b64, unb64, CryptoError};
use crate::rng::Random;

/// Length of a generated secret in bytes (160 bits, RFC 4226 §4's recommendation for SHA-1).
pub const SECRET_LEN: usize = 20;
/// Seconds per step (RFC 6238 `X`).
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one.
pub const DRIFT_STEPS: u64 = 1;

/// Domain separation for the sealing key, distinct from the account-key seal.
const SEAL_CONTEXT: &str = "latchkey:totp:";

/// A TOTP secret; `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; SECRET_LEN]);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate(rng: &dyn Random) -> Self {
        let mut s = [0u8; SECRET_LEN];
        rng.fill(&mut s);
        Self(s)
    }

    /// The secret from its raw bytes.
    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret in unpadded RFC 4648 base32, as authenticator apps take it.
    pub fn base32(&self) -> String {
        base32_encode(&self.0)
    }

    /// The code for Unix time `unix_seconds` with [`DIGITS`] digits, zero-padded.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        format_code(hotp(&self.0, unix_seconds / STEP_SECONDS, DIGITS), DIGITS)
    }

    /// The `otpauth://totp/` provisioning URI (Google Authenticator key-URI format) for an
    /// account named `label` under `issuer`.
    pub fn provisioning_uri(&self, issuer: &str, label: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            percent_encode(label),
            self.base32()
        )
    }

    /// Seals the secret under `secret`: base64(nonce 12 bytes ‖ AES-256-GCM ciphertext and tag).
    pub fn seal(&self, secret: &str, rng: &dyn Random) -> String {
        let mut nonce = [0u8; 12];
        rng.fill(&mut nonce);
        // Encrypting 20 bytes with a valid 32-byte key cannot fail; the fallback would surface
        // as an unseal error rather than a panic.
        let ct = cipher(secret).encrypt(&Nonce::from(nonce), self.0.as_slice()).unwrap_or_default();
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        b64(&out)
    }

    /// Opens a secret sealed by [`TotpSecret::seal`].
    ///
    /// # Errors
    /// [`CryptoError::Encoding`] when `sealed` is not base64 of the right length, and
    /// [`CryptoError::DecryptFailed`] when `secret` is wrong or the data was altered.
    pub fn unseal(secret: &str, sealed: &str) -> Result<Self, CryptoError> {
        let raw = unb64(sealed.trim())?;
        if raw.len() != 12 + SECRET_LEN + 16 {
            return Err(CryptoError::Encoding("sealed totp secret length"));
        }
        let (nonce, ct) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Encoding("sealed totp nonce"))?;
        let mut plain = cipher(secret).decrypt(&Nonce::from(nonce), ct).map_err(|_| CryptoError::DecryptFailed)?;
        let bytes: [u8; SECRET_LEN] = plain.as_slice().try_into().map_err(|_| CryptoError::DecryptFailed)?;
        plain.fill(0);
        Ok(Self(bytes))
    }
}

fn cipher(secret: &str) -> Aes256Gcm {
    let mut h = Sha256::new();
    h.update(SEAL_CONTEXT.as_bytes());
    h.update(secret.as_bytes());
    Aes256Gcm::new(&h.finalize())
}

/// RFC 4226 HOTP: HMAC-SHA1 over the big-endian counter, dynamic truncation, modulo 10^digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC accepts keys of any length, so this never fails; a failure would give code 0, which
    // `verify` still compares in constant time like any other.
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(key) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h.get(19).copied().unwrap_or(0) & 0x0f);
    let word = h.get(offset..offset + 4).and_then(|w| <[u8; 4]>::try_from(w).ok()).unwrap_or([0; 4]);
    let bin = u32::from_be_bytes(word) & 0x7fff_ffff;
    bin % 10u32.saturating_pow(digits.min(9))
}

fn format_code(code: u32, digits: u32) -> String {
    format!("{code:0width$}", width = digits as usize)
}

/// Checks `code` against `secret` at Unix time `now` (±[`DRIFT_STEPS`] steps), refusing steps
/// at or before `last_step` (the last one accepted for this factor). Returns the matching step,
/// which the caller must record with a guarded UPDATE (`… WHERE last_step IS NULL OR last_step < ?`)
/// so two concurrent requests cannot both spend it.
pub fn verify(secret: &TotpSecret, code: &str, now: u64, last_step: Option<u64>) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP_SECONDS;
    let mut found = None;
    // Every candidate is computed and compared, so timing does not reveal which step matched.
    for step in current.saturating_sub(DRIFT_STEPS)..=current.saturating_add(DRIFT_STEPS) {
        let candidate = format_code(hotp(&secret.0, step, DIGITS), DIGITS);
        let fresh = last_step.is_none_or(|last| step > last);
        if super::constant_time_eq(candidate.as_bytes(), code.as_bytes()) && fresh && found.is_none() {
            found = Some(step);
        }
    }
    found
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Unpadded RFC 4648 base32.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buf >> bits) & 31) as usize]));
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes RFC 4648 base32 (case-insensitive, `=` padding ignored); `None` on any other byte.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())?;
        buf = (buf << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
        buf &= (1 << bits) - 1;
    }
    Some(out)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRandom;

    const RFC_SECRET: &[u8; 20] = b"12345678901234567890";

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let cases = [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (t, want) in cases {
            assert_eq!(format_code(hotp(RFC_SECRET, t / STEP_SECONDS, 8), 8), want, "t={t}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_of_the_rfc_vectors() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        assert_eq!(s.code_at(59), "287082");
        assert_eq!(s.code_at(1_111_111_109), "081804");
        assert_eq!(s.code_at(20_000_000_000), "353130");
    }

    #[test]
    fn rfc4226_appendix_d_hotp_vectors() {
        let want = [755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871, 520_489];
        for (c, w) in want.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, c as u64, 6), *w);
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift_and_no_more() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        let now = 1_111_111_111; // step 37037037
        let step = now / STEP_SECONDS;
        assert_eq!(verify(&s, &s.code_at(now), now, None), Some(step));
        assert_eq!(verify(&s, &s.code_at(now - 30), now, None), Some(step - 1));
        assert_eq!(verify(&s, &s.code_at(now + 30), now, None), Some(step + 1));
        assert_eq!(verify(&s, &s.code_at(now - 60), now, None), None);
        assert_eq!(verify(&s, &s.code_at(now + 60), now, None), None);
    }

    #[test]
    fn verify_refuses_a_replayed_or_older_step() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        let now = 1_234_567_890;
        let step = verify(&s, &s.code_at(now), now, None).unwrap();
        assert_eq!(verify(&s, &s.code_at(now), now, Some(step)), None);
        assert_eq!(verify(&s, &s.code_at(now - 30), now, Some(step)), None);
        assert_eq!(verify(&s, &s.code_at(now + 30), now, Some(step)), Some(step + 1));
    }

    #[test]
    fn verify_rejects_malformed_codes() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        let now = 59;
        let good = s.code_at(now);
        for bad in ["", "12345", "1234567", "abcdef", "+28708", "２８７０８２", "28708\u{0}"] {
            assert_eq!(verify(&s, bad, now, None), None, "{bad:?}");
        }
        assert_eq!(verify(&s, &format!(" {good} "), now, None), Some(now / STEP_SECONDS));
        // Time zero: the drift window does not underflow.
        assert!(verify(&s, &s.code_at(0), 0, None).is_some());
        assert!(verify(&s, &s.code_at(u64::MAX), u64::MAX, None).is_some());
    }

    #[test]
    fn base32_round_trips_and_matches_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_encode(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        assert_eq!(base32_decode("MY").unwrap(), b"f");
        assert!(base32_decode("MZ1W").is_none());
        let s = TotpSecret::generate(&SeededRandom::new(3));
        assert_eq!(base32_decode(&s.base32()).unwrap(), s.0.to_vec());
    }

    #[test]
    fn provisioning_uri_carries_the_secret_and_parameters() {
        let s = TotpSecret::from_bytes(*RFC_SECRET);
        let uri = s.provisioning_uri("Latchkey", "ada lovelace@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/Latchkey:ada%20lovelace@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Latchkey&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn seal_round_trips_and_fails_cleanly() {
        let rng = SeededRandom::new(5);
        let s = TotpSecret::generate(&rng);
        let sealed = s.seal("deploy-secret", &rng);
        assert_eq!(TotpSecret::unseal("deploy-secret", &sealed).unwrap(), s);
        assert_ne!(s.seal("deploy-secret", &rng), sealed);
        assert_eq!(TotpSecret::unseal("other", &sealed).err(), Some(CryptoError::DecryptFailed));
        assert!(TotpSecret::unseal("deploy-secret", "").is_err());
        assert!(TotpSecret::unseal("deploy-secret", "not base64!").is_err());
        let mut raw = unb64(&sealed).unwrap();
        raw[15] ^= 1;
        assert_eq!(TotpSecret::unseal("deploy-secret", &b64(&raw)).err(), Some(CryptoError::DecryptFailed));
        assert!(!sealed.contains(&s.base32()));
        assert_eq!(format!("{s:?}"), "TotpSecret(<redacted>)");
    }
}

//! User passwords: PBKDF2-HMAC-SHA256 through the injected [`Pbkdf2`] port (WebCrypto in the
//! Worker), stored as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (strict base64, 16-byte random
//! salt, 32-byte hash).
//!
//! The count is stored in each hash, so raising the deployment's count
//! (`LATCHKEY_PASSWORD_ITERATIONS`, [`crate::kdf`]) keeps old hashes verifying, including the
//! first ones written at 5,000 iterations in pure wasm; a successful login rehashes a hash whose
//! count is below the configured one ([`needs_rehash`]). The measured cost per count is in
//! `docs/API.md` ("Passwords, login and tokens"); re-measure natively with
//! `cargo test -p shared --release --lib crypto::password -- --ignored --nocapture`.

use super::{b64, constant_time_eq, unb64};
use crate::kdf::{Pbkdf2, MAX_ITERATIONS};
use crate::rng::Random;
use crate::Result;

/// Iterations of the first stored hashes (pure-wasm PBKDF2, before WebCrypto).
pub const LEGACY_ITERATIONS: u32 = 5_000;

/// Scheme tag, the first field of a stored hash.
pub const SCHEME: &str = "pbkdf2-sha256";

/// Salt length in bytes.
pub const SALT_LEN: usize = 16;

/// Hash length in bytes.
pub const HASH_LEN: usize = 32;

/// Salt of the stand-in derivation for logins that have no hash to check (unknown email,
/// passwordless user): any fixed value works, the output is discarded.
const DUMMY_SALT: [u8; SALT_LEN] = *b"latchkey-no-user";

/// Hashes `password` with a fresh random salt and the configured count.
///
/// # Errors
/// 500 if the platform's PBKDF2 fails.
pub async fn hash(kdf: &dyn Pbkdf2, rng: &dyn Random, password: &str) -> Result<String> {
    let mut salt = [0u8; SALT_LEN];
    rng.fill(&mut salt);
    hash_with(kdf, password, &salt, kdf.iterations()).await
}

async fn hash_with(kdf: &dyn Pbkdf2, password: &str, salt: &[u8], iterations: u32) -> Result<String> {
    let out = kdf.derive(password.as_bytes(), salt, iterations, HASH_LEN).await?;
    Ok(format!("{SCHEME}${iterations}${}${}", b64(salt), b64(&out)))
}

/// A stored hash, parsed.
struct Stored {
    iterations: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

fn parse(stored: &str) -> Option<Stored> {
    let mut parts = stored.split('$');
    let (Some(scheme), Some(iters), Some(salt), Some(expected), None) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let iterations = iters.parse::<u32>().ok().filter(|i| (1..=MAX_ITERATIONS).contains(i))?;
    let (salt, expected) = (unb64(salt).ok()?, unb64(expected).ok()?);
    (scheme == SCHEME && !expected.is_empty() && expected.len() <= 64).then_some(Stored { iterations, salt, expected })
}

/// True when `password` matches `stored`. The comparison is constant-time; a malformed or
/// unknown `stored` string (or a count above [`MAX_ITERATIONS`], which the runtime refuses) is
/// `false` — after a stand-in derivation at the configured count, so that it costs what a real
/// check costs. A mismatch under a hash cheaper than the configured count is padded up to it, so
/// a wrong password costs the same whichever count the user's hash was written with.
///
/// # Errors
/// 500 if the platform's PBKDF2 fails.
pub async fn verify(kdf: &dyn Pbkdf2, password: &str, stored: &str) -> Result<bool> {
    let Some(s) = parse(stored) else {
        burn(kdf, password).await?;
        return Ok(false);
    };
    let out = kdf.derive(password.as_bytes(), &s.salt, s.iterations, s.expected.len()).await?;
    let ok = constant_time_eq(&out, &s.expected);
    if !ok && s.iterations < kdf.iterations() {
        let pad = kdf.derive(password.as_bytes(), &DUMMY_SALT, kdf.iterations() - s.iterations, HASH_LEN).await?;
        std::hint::black_box(pad);
    }
    Ok(ok)
}

/// One derivation at the configured count whose result is discarded: a login without a hash to
/// check (unknown email, passwordless user) takes as long as one with a wrong password.
///
/// # Errors
/// 500 if the platform's PBKDF2 fails.
pub async fn burn(kdf: &dyn Pbkdf2, password: &str) -> Result<()> {
    let out = kdf.derive(password.as_bytes(), &DUMMY_SALT, kdf.iterations(), HASH_LEN).await?;
    std::hint::black_box(out);
    Ok(())
}

/// True when `stored` is one of ours with fewer iterations than the configured count, so the
/// caller rehashes it after a successful login.
pub fn needs_rehash(stored: &str, configured: u32) -> bool {
    parse(stored).is_some_and(|s| s.iterations < configured)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kdf::NativePbkdf2;
    use crate::rng::SeededRandom;
    use pollster::block_on;

    const KDF: NativePbkdf2 = NativePbkdf2 { iterations: 1_000 };

    #[test]
    fn hash_then_verify() {
        let rng = SeededRandom::new(5);
        let h = block_on(hash(&KDF, &rng, "correct horse")).unwrap();
        assert!(h.starts_with("pbkdf2-sha256$1000$"), "{h}");
        assert!(block_on(verify(&KDF, "correct horse", &h)).unwrap());
        assert!(!block_on(verify(&KDF, "correct horsf", &h)).unwrap());
        assert!(!block_on(verify(&KDF, "", &h)).unwrap());
        assert_ne!(block_on(hash(&KDF, &rng, "correct horse")).unwrap(), h, "fresh salt each time");
        assert!(!needs_rehash(&h, 1_000));
        assert!(needs_rehash(&h, 1_001));
    }

    #[test]
    fn matches_python_hashlib_at_the_default_count() {
        // python3 -c "import hashlib; print(hashlib.pbkdf2_hmac('sha256',
        //   b'correct horse battery staple', bytes(range(16)), 100000, 32).hex())"
        let salt: Vec<u8> = (0u8..16).collect();
        let stored =
            format!("pbkdf2-sha256$100000${}${}", b64(&salt), b64(&hex::decode("49d49c25f597846209f0d92e7770ab64e1c75e94b4ce6c509265ee67175d2a1e").unwrap()));
        let kdf = NativePbkdf2::default();
        assert!(block_on(verify(&kdf, "correct horse battery staple", &stored)).unwrap());
        assert_eq!(block_on(hash_with(&kdf, "correct horse battery staple", &salt, 100_000)).unwrap(), stored);
        assert!(!needs_rehash(&stored, 100_000));
    }

    #[test]
    fn legacy_5000_iteration_hashes_still_verify_and_ask_for_a_rehash() {
        // Written by the pure-wasm hasher this module replaced (same format, 5,000 iterations):
        // python3 -c "import hashlib; print(hashlib.pbkdf2_hmac('sha256', b'hunter22',
        //   b'0123456789abcdef', 5000, 32).hex())"
        let stored = format!("pbkdf2-sha256$5000${}${}", b64(b"0123456789abcdef"), b64(&hex::decode(LEGACY_HEX).unwrap()));
        let kdf = NativePbkdf2::default();
        assert!(block_on(verify(&kdf, "hunter22", &stored)).unwrap());
        assert!(!block_on(verify(&kdf, "hunter23", &stored)).unwrap());
        assert!(needs_rehash(&stored, kdf.iterations()));
        assert!(!needs_rehash(&stored, LEGACY_ITERATIONS));
    }

    const LEGACY_HEX: &str = "719ee7f761304a7c70ef8a420e488eebd198bd47de8f3516af7eb27cdac7ead7";

    #[test]
    fn matches_rfc7914_pbkdf2_sha256_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1, dkLen=64).
        let stored = format!(
            "pbkdf2-sha256$1${}${}",
            b64(b"salt"),
            b64(&hex::decode(
                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
            )
            .unwrap())
        );
        assert!(block_on(verify(&KDF, "passwd", &stored)).unwrap());
        assert!(!block_on(verify(&KDF, "passwd2", &stored)).unwrap());
        assert!(needs_rehash(&stored, KDF.iterations()));
    }

    #[test]
    fn malformed_stored_strings_are_false() {
        let good = block_on(hash_with(&KDF, "pw", b"0123456789abcdef", 10)).unwrap();
        assert!(block_on(verify(&KDF, "pw", &good)).unwrap());
        for bad in [
            "",
            "pw",
            "bcrypt$10$abc$def",
            &good.replacen("pbkdf2-sha256", "pbkdf2-sha512", 1),
            &good.replacen("$10$", "$0$", 1),
            &good.replacen("$10$", "$x$", 1),
            &good.replacen("$10$", "$100001$", 1),
            &good.replacen("$10$", "$99999999999$", 1),
            &format!("{good}$extra"),
            "pbkdf2-sha256$10$!!!$!!!",
            "pbkdf2-sha256$10$c2FsdA==$",
        ] {
            assert!(!block_on(verify(&KDF, "pw", bad)).unwrap(), "{bad}");
            assert!(!needs_rehash(bad, KDF.iterations()), "{bad}");
        }
    }

    #[test]
    #[ignore = "timing measurement; run with --release --ignored --nocapture"]
    fn timing() {
        let kdf = NativePbkdf2::default();
        let n = 10u32;
        let start = std::time::Instant::now();
        for i in 0..n {
            let _ = block_on(hash_with(&kdf, "correct horse battery staple", &[i as u8; SALT_LEN], kdf.iterations()));
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
        println!("pbkdf2-sha256 x {}: {ms:.3} ms per hash (native)", kdf.iterations());
    }
}

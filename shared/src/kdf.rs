//! PBKDF2-HMAC-SHA256, injected: the Worker derives with WebCrypto (`crypto.subtle.deriveBits`,
//! native BoringSSL in workerd, `functions/src/crypto.rs`), native tests with the `pbkdf2` crate
//! ([`NativePbkdf2`]). Both give the same bytes for the same input (RFC 8018), so a hash written
//! by one verifies under the other; `crate::crypto::password` builds the stored format on top.
//!
//! The port also carries the deployment's iteration count for new hashes
//! (`LATCHKEY_PASSWORD_ITERATIONS`), so that a service asks one object both "derive" and "how hard".

use std::future::Future;
use std::pin::Pin;

use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;

/// What [`Pbkdf2::derive`] returns: a boxed future, so the trait stays object-safe (`&dyn`, like
/// [`crate::Clock`] and [`crate::Random`]). Not `Send`: Workers isolates are single-threaded.
pub type Derived<'a> = Pin<Box<dyn Future<Output = crate::Result<Vec<u8>>> + 'a>>;

/// Iterations new hashes use when the deployment does not configure a count. Measured (see
/// `docs/API.md`, "Passwords, login and tokens"): ≈12 ms per hash in workerd on the development
/// machine, so over the Free plan's 10 ms CPU per request; Free deployments lower it.
pub const DEFAULT_ITERATIONS: u32 = 100_000;

/// The most iterations Latchkey derives. Cloudflare's runtime refuses PBKDF2 above 100,000
/// iterations (workerd `crypto-impl-pbkdf2`, a DoS guard), so a count above it could never
/// verify in production; stored hashes above it are rejected without deriving.
pub const MAX_ITERATIONS: u32 = 100_000;

/// The fewest iterations a deployment may configure: the count of the first stored hashes, which
/// must keep verifying (and are rehashed upward on login).
pub const MIN_ITERATIONS: u32 = 5_000;

/// PBKDF2-HMAC-SHA256.
pub trait Pbkdf2 {
    /// Iterations for new hashes, from configuration (within [`MIN_ITERATIONS`]..=[`MAX_ITERATIONS`]).
    fn iterations(&self) -> u32;

    /// Derives `len` bytes from `password` and `salt` with `iterations` rounds.
    ///
    /// # Errors
    /// 500 if the platform refuses (a broken runtime; callers validate counts first).
    fn derive<'a>(&'a self, password: &'a [u8], salt: &'a [u8], iterations: u32, len: usize) -> Derived<'a>;
}

/// Parses the configured iteration count: unset (or empty) is [`DEFAULT_ITERATIONS`]; anything
/// else must be an integer within [`MIN_ITERATIONS`]..=[`MAX_ITERATIONS`].
///
/// # Errors
/// The reason, for a configuration error naming the variable.
pub fn parse_iterations(raw: Option<&str>) -> Result<u32, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_ITERATIONS);
    };
    match raw.replace('_', "").parse::<u32>() {
        Ok(n) if (MIN_ITERATIONS..=MAX_ITERATIONS).contains(&n) => Ok(n),
        _ => Err(format!("must be an integer from {MIN_ITERATIONS} to {MAX_ITERATIONS} (got {raw:?})")),
    }
}

/// The `pbkdf2` crate, for native builds and tests.
#[derive(Debug, Clone, Copy)]
pub struct NativePbkdf2 {
    /// Iterations for new hashes.
    pub iterations: u32,
}

impl Default for NativePbkdf2 {
    fn default() -> Self {
        Self { iterations: DEFAULT_ITERATIONS }
    }
}

impl Pbkdf2 for NativePbkdf2 {
    fn iterations(&self) -> u32 {
        self.iterations
    }

    fn derive<'a>(&'a self, password: &'a [u8], salt: &'a [u8], iterations: u32, len: usize) -> Derived<'a> {
        Box::pin(async move {
            if iterations == 0 {
                return Err(crate::Error::internal("pbkdf2 with zero iterations"));
            }
            let mut out = vec![0u8; len];
            pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(k: &NativePbkdf2, p: &[u8], s: &[u8], c: u32, len: usize) -> Vec<u8> {
        pollster::block_on(k.derive(p, s, c, len)).unwrap()
    }

    #[test]
    fn matches_known_vectors() {
        let k = NativePbkdf2::default();
        // RFC 7914 §11 (c = 1), the published RFC 6070-style SHA-256 value for c = 4096, and
        // Python's `hashlib.pbkdf2_hmac('sha256', b'password', b'salt', 100000, 32)`: the same
        // bytes workerd's `crypto.subtle.deriveBits` returned for both on this machine.
        assert_eq!(
            hex::encode(derive(&k, b"passwd", b"salt", 1, 64)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
        assert_eq!(hex::encode(derive(&k, b"password", b"salt", 4096, 32)), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
        assert_eq!(hex::encode(derive(&k, b"password", b"salt", 100_000, 32)), "0394a2ede332c9a13eb82e9b24631604c31df978b4e2f0fbd2c549944f9d79a5");
    }

    #[test]
    fn zero_iterations_fail_instead_of_panicking() {
        assert!(pollster::block_on(NativePbkdf2::default().derive(b"p", b"s", 0, 32)).is_err());
    }

    #[test]
    fn configured_counts_are_bounded() {
        assert_eq!(parse_iterations(None), Ok(DEFAULT_ITERATIONS));
        assert_eq!(parse_iterations(Some(" ")), Ok(DEFAULT_ITERATIONS));
        assert_eq!(parse_iterations(Some("60000")), Ok(60_000));
        assert_eq!(parse_iterations(Some("100_000")), Ok(100_000));
        for bad in ["4999", "100001", "0", "-1", "1e5", "lots"] {
            assert!(parse_iterations(Some(bad)).is_err(), "{bad}");
        }
    }
}

//! The platform's crypto, WebCrypto (`crypto.subtle`, native BoringSSL in workerd):
//! - PBKDF2 (`importKey` + `deriveBits`), ~20x faster than SHA-256 compiled to wasm; implements
//!   [`shared::kdf::Pbkdf2`]; native tests use `shared::kdf::NativePbkdf2`, which gives the same bytes.
//! - Response signing ([`WebCryptoSigner`], `sign("Ed25519")` and `digest("SHA-256")`):
//!   implements [`shared::crypto::response_signer::ResponseSigner`], each primitive on WebCrypto or on the
//!   wasm crates as `LATCHKEY_WEBCRYPTO` says (measured in the bench, docs/API.md).

use std::cell::RefCell;
use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use shared::crypto::response_signer::{self as signer, NativeSigner, Pending, ResponseSigner};
use shared::crypto::CryptoError;
use shared::kdf::{Derived, Pbkdf2};
use shared::Error;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global `SubtleCrypto`.
    type SubtleCrypto;

    #[wasm_bindgen(thread_local_v2, js_namespace = crypto, js_name = subtle)]
    static SUBTLE: SubtleCrypto;

    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_key(this: &SubtleCrypto, format: &str, key_data: &Uint8Array, algorithm: &str, extractable: bool, usages: &Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = sign)]
    fn sign(this: &SubtleCrypto, algorithm: &str, key: &JsValue, data: &Uint8Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = digest)]
    fn digest(this: &SubtleCrypto, algorithm: &str, data: &Uint8Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = deriveBits)]
    fn derive_bits(this: &SubtleCrypto, algorithm: &Object, base_key: &JsValue, length: u32) -> Result<Promise, JsValue>;

    // Key schemes (issue 8): the account's RSA-2048 pair, generated natively.
    #[wasm_bindgen(method, catch, js_name = generateKey)]
    fn generate_key(this: &SubtleCrypto, algorithm: &Object, extractable: bool, usages: &Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = exportKey)]
    fn export_key(this: &SubtleCrypto, format: &str, key: &JsValue) -> Result<Promise, JsValue>;
}

/// A fresh RSA-2048 private key (e = 65537) as PKCS#8 DER, from WebCrypto's `generateKey`
/// (BoringSSL in workerd): generating it in wasm takes seconds of CPU, this a fraction of it.
/// `shared::service::identity::account_keys::adopt_rsa` seals and stores it.
///
/// # Errors
/// 500 if the runtime refuses.
pub async fn rsa_2048_pkcs8() -> Result<Vec<u8>, Error> {
    let algorithm = Object::new();
    for (k, v) in [
        ("name", JsValue::from_str("RSASSA-PKCS1-v1_5")),
        ("modulusLength", JsValue::from(2048u32)),
        ("publicExponent", Uint8Array::from(&[1u8, 0, 1][..]).into()),
        ("hash", JsValue::from_str("SHA-256")),
    ] {
        Reflect::set(&algorithm, &JsValue::from_str(k), &v).map_err(|e| js_error("generateKey", &e))?;
    }
    let usages = Array::of2(&JsValue::from_str("sign"), &JsValue::from_str("verify"));
    let made = SUBTLE.with(|s| s.generate_key(&algorithm, true, &usages)).map_err(|e| js_error("generateKey", &e))?;
    let pair = JsFuture::from(made).await.map_err(|e| js_error("generateKey", &e))?;
    let private = Reflect::get(&pair, &JsValue::from_str("privateKey")).map_err(|e| js_error("generateKey", &e))?;
    let exported = SUBTLE.with(|s| s.export_key("pkcs8", &private)).map_err(|e| js_error("exportKey", &e))?;
    let der = JsFuture::from(exported).await.map_err(|e| js_error("exportKey", &e))?;
    Ok(Uint8Array::new(&der).to_vec())
}

/// PBKDF2-HMAC-SHA256 through WebCrypto, with the deployment's iteration count for new hashes.
#[derive(Debug, Clone, Copy)]
pub struct WebCryptoPbkdf2 {
    /// Iterations for new hashes (`LATCHKEY_PASSWORD_ITERATIONS`).
    pub iterations: u32,
}

fn js_error(what: &str, e: &JsValue) -> Error {
    Error::internal(format!("webcrypto {what}: {}", e.as_string().unwrap_or_else(|| format!("{e:?}"))))
}

async fn derive(password: &[u8], salt: &[u8], iterations: u32, len: usize) -> Result<Vec<u8>, Error> {
    let bits = u32::try_from(len.saturating_mul(8)).map_err(|_| Error::internal("pbkdf2 output too long"))?;
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let import = SUBTLE.with(|s| s.import_key("raw", &Uint8Array::from(password), "PBKDF2", false, &usages)).map_err(|e| js_error("importKey", &e))?;
    let key = JsFuture::from(import).await.map_err(|e| js_error("importKey", &e))?;
    let algorithm = Object::new();
    for (k, v) in [
        ("name", JsValue::from_str("PBKDF2")),
        ("hash", JsValue::from_str("SHA-256")),
        ("salt", Uint8Array::from(salt).into()),
        ("iterations", JsValue::from(iterations)),
    ] {
        Reflect::set(&algorithm, &JsValue::from_str(k), &v).map_err(|e| js_error("deriveBits", &e))?;
    }
    let derived = SUBTLE.with(|s| s.derive_bits(&algorithm, &key, bits)).map_err(|e| js_error("deriveBits", &e))?;
    let buf = JsFuture::from(derived).await.map_err(|e| js_error("deriveBits", &e))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

impl Pbkdf2 for WebCryptoPbkdf2 {
    fn iterations(&self) -> u32 {
        self.iterations
    }

    fn derive<'a>(&'a self, password: &'a [u8], salt: &'a [u8], iterations: u32, len: usize) -> Derived<'a> {
        Box::pin(derive(password, salt, iterations, len))
    }
}

/// Which response-signing primitives run on WebCrypto (the rest on the wasm crates), from
/// `LATCHKEY_WEBCRYPTO`: a comma-separated subset of `sign`, `digest`; unset is [`Self::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebCryptoSigner {
    /// Ed25519 on WebCrypto.
    pub sign: bool,
    /// SHA-256 on WebCrypto.
    pub digest: bool,
}

impl WebCryptoSigner {
    /// The faster choice in the bench (docs/API.md, "Read replicas": the measured figures):
    /// since ed25519-dalek's precomputed tables, both primitives on the wasm crates.
    pub const DEFAULT: Self = Self { sign: false, digest: false };

    /// Parses `LATCHKEY_WEBCRYPTO` (`none`: both on the wasm crates).
    ///
    /// # Errors
    /// The reason, for a configuration error naming the variable.
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Self::DEFAULT);
        };
        let mut out = Self { sign: false, digest: false };
        for part in raw.split(',').map(str::trim) {
            match part {
                "sign" => out.sign = true,
                "digest" => out.digest = true,
                "none" => {}
                _ => return Err(format!("must list sign, digest or none (got {raw:?})")),
            }
        }
        Ok(out)
    }
}

thread_local! {
    // Imported CryptoKeys by public key: an import per response would cost more than it saves.
    static KEYS: RefCell<HashMap<[u8; 32], JsValue>> = RefCell::new(HashMap::new());
}

fn refused(_: JsValue) -> CryptoError {
    CryptoError::KeyInvalid
}

async fn crypto_key(key: &SigningKey) -> Result<JsValue, CryptoError> {
    let public = key.verifying_key().to_bytes();
    if let Some(k) = KEYS.with(|c| c.borrow().get(&public).cloned()) {
        return Ok(k);
    }
    let usages = Array::of1(&JsValue::from_str("sign"));
    let der = signer::pkcs8(key);
    let import = SUBTLE.with(|s| s.import_key("pkcs8", &Uint8Array::from(&der[..]), "Ed25519", false, &usages)).map_err(refused)?;
    let k = JsFuture::from(import).await.map_err(refused)?;
    KEYS.with(|c| c.borrow_mut().insert(public, k.clone()));
    Ok(k)
}

async fn webcrypto_sign(key: &SigningKey, message: &[u8]) -> Result<[u8; 64], CryptoError> {
    let k = crypto_key(key).await?;
    let signed = SUBTLE.with(|s| s.sign("Ed25519", &k, &Uint8Array::from(message))).map_err(|_| CryptoError::SignatureInvalid)?;
    let buf = JsFuture::from(signed).await.map_err(|_| CryptoError::SignatureInvalid)?;
    let mut out = [0u8; 64];
    let bytes = Uint8Array::new(&buf);
    if bytes.length() != 64 {
        return Err(CryptoError::SignatureInvalid);
    }
    bytes.copy_to(&mut out);
    Ok(out)
}

async fn webcrypto_digest(body: &[u8]) -> Result<[u8; 32], CryptoError> {
    let hashed = SUBTLE.with(|s| s.digest("SHA-256", &Uint8Array::from(body))).map_err(|_| CryptoError::Malformed("digest"))?;
    let buf = JsFuture::from(hashed).await.map_err(|_| CryptoError::Malformed("digest"))?;
    let bytes = Uint8Array::new(&buf);
    if bytes.length() != 32 {
        return Err(CryptoError::Malformed("digest"));
    }
    let mut out = [0u8; 32];
    bytes.copy_to(&mut out);
    Ok(out)
}

impl ResponseSigner for WebCryptoSigner {
    fn sign<'a>(&'a self, key: &'a SigningKey, message: &'a [u8]) -> Pending<'a, [u8; 64]> {
        if self.sign {
            Box::pin(webcrypto_sign(key, message))
        } else {
            NativeSigner.sign(key, message)
        }
    }

    fn digest<'a>(&'a self, body: &'a [u8]) -> Pending<'a, [u8; 32]> {
        if self.digest {
            Box::pin(webcrypto_digest(body))
        } else {
            NativeSigner.digest(body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WebCryptoSigner;

    #[test]
    fn latchkey_webcrypto_names_the_primitives() {
        assert_eq!(WebCryptoSigner::parse(None), Ok(WebCryptoSigner::DEFAULT));
        assert_eq!(WebCryptoSigner::parse(Some(" ")), Ok(WebCryptoSigner::DEFAULT));
        assert_eq!(WebCryptoSigner::parse(Some("none")), Ok(WebCryptoSigner { sign: false, digest: false }));
        assert_eq!(WebCryptoSigner::parse(Some("sign,digest")), Ok(WebCryptoSigner { sign: true, digest: true }));
        assert_eq!(WebCryptoSigner::parse(Some("digest")), Ok(WebCryptoSigner { sign: false, digest: true }));
        assert!(WebCryptoSigner::parse(Some("rsa")).is_err());
    }
}

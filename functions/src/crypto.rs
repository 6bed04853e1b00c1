//! The platform's PBKDF2: WebCrypto (`crypto.subtle.importKey` + `deriveBits`), which workerd
//! runs natively in BoringSSL, ~20x faster than SHA-256 compiled to wasm. Implements
//! [`shared::kdf::Pbkdf2`]; native tests use `shared::kdf::NativePbkdf2`, which gives the same bytes.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
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

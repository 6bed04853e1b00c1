//! Key schemes (issue 8): every scheme's license key, every response/webhook signature
//! algorithm and every license-file `alg`, made by `shared` (RustCrypto `rsa` / `p256`) and
//! verified independently by the `openssl` command-line tool (Debian's OpenSSL 3) with the
//! public key the account publishes.

use std::path::PathBuf;
use std::process::Command;

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};
use shared::crypto::license_file::{self, Encoding, FileKind};
use shared::crypto::signature::{self, Target};
use shared::crypto::signer::{Algorithm, Pair};
use shared::service::identity::account_keys;
use shared::service::lifecycle::jobs;
use shared::service::lifecycle::webhook_delivery::{deliver_pending, RecordingHttp};
use shared::service::{lifecycle::webhooks, Caller};

use crate::support::{block, Env, SECRET};

/// A scratch directory for one openssl call.
fn scratch(files: &[(&str, &[u8])]) -> PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("latchkey-schemes-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

/// Runs `openssl args…` in a scratch directory holding `files`; its success and stdout.
fn openssl(args: &[&str], files: &[(&str, &[u8])]) -> (bool, Vec<u8>) {
    let dir = scratch(files);
    let out = Command::new("openssl").args(args).current_dir(&dir).output().expect("openssl is installed (scripts/setup)");
    let _ = std::fs::remove_dir_all(&dir);
    (out.status.success(), out.stdout)
}

/// Verifies `sig` over `msg` with `alg` and the PEM public key, with openssl.
fn openssl_verify(alg: Algorithm, pem: &str, msg: &[u8], sig: &[u8]) -> bool {
    let mut args = vec!["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin"];
    if alg == Algorithm::RsaPssSha256 {
        args.extend(["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max", "-sigopt", "rsa_mgf1_md:sha256"]);
    }
    args.push("msg.bin");
    openssl(&args, &[("pub.pem", pem.as_bytes()), ("sig.bin", sig), ("msg.bin", msg)]).0
}

/// The account's published public keys (`meta.keys`), decoded: (rsa PEM, ecdsa PEM).
fn published(admin: &Caller, env: &Env) -> (String, String) {
    let a = block(account_keys::ensure_all(&env.app(), &admin.account)).unwrap();
    let meta = shared::api::accounts::account(&a).into_value()["meta"].clone();
    let dec = |k: &str| String::from_utf8(STANDARD.decode(meta["keys"][k].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(STANDARD.decode(meta["keys"]["ed25519"].as_str().unwrap()).unwrap(), a.public_key.as_bytes());
    (dec("rsa2048"), dec("ecdsa"))
}

fn pem_for(alg: Algorithm, rsa: &str, ec: &str) -> String {
    match alg.pair() {
        Pair::Rsa => rsa.to_owned(),
        Pair::Ecdsa => ec.to_owned(),
        Pair::Ed25519 => unreachable!("ed25519 is verified with ed25519-dalek elsewhere"),
    }
}

fn pad(s: &str) -> Vec<u8> {
    URL_SAFE.decode(s).unwrap()
}

#[test]
fn every_scheme_makes_keys_that_openssl_verifies_with_the_published_keys() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    // Nothing published before first use.
    let meta = shared::api::accounts::account(&admin.account).into_value()["meta"].clone();
    assert_eq!((meta["keys"]["rsa2048"].clone(), meta["keys"]["ecdsa"].clone()), (Value::Null, Value::Null));
    let policy = |scheme: &str| env.policy(&admin, &product, json!({"scheme": scheme, "name": scheme}));

    for (scheme, alg, prefixed) in [
        ("ECDSA_P256_SIGN", Algorithm::EcdsaP256, true),
        ("RSA_2048_PKCS1_SIGN_V2", Algorithm::RsaSha256, true),
        ("RSA_2048_PKCS1_PSS_SIGN_V2", Algorithm::RsaPssSha256, true),
        ("RSA_2048_PKCS1_SIGN", Algorithm::RsaSha256, false),
        ("RSA_2048_PKCS1_PSS_SIGN", Algorithm::RsaPssSha256, false),
    ] {
        let p = policy(scheme);
        let l = env.license(&admin, &p, json!({}));
        let (rsa, ec) = published(&admin, &env);
        let pem = pem_for(alg, &rsa, &ec);
        let (signing_data, enc_sig) = l.key.rsplit_once('.').unwrap();
        let enc_data = if prefixed { signing_data.strip_prefix("key/").expect("v2 keys carry key/") } else { signing_data };
        assert!(prefixed || !l.key.starts_with("key/"), "{scheme}: v1 keys have no prefix");
        let data: Value = serde_json::from_slice(&pad(enc_data)).unwrap();
        assert_eq!((data["license"]["id"].as_str(), data["policy"]["id"].as_str()), (Some(l.id.as_str()), Some(p.id.as_str())), "{scheme}");
        let signed = if prefixed { signing_data.as_bytes().to_vec() } else { pad(enc_data) };
        assert!(openssl_verify(alg, &pem, &signed, &pad(enc_sig)), "{scheme}: openssl verifies");
        assert!(!openssl_verify(alg, &pem, b"other data", &pad(enc_sig)), "{scheme}: and refuses other data");
        // A template seed is signed as given.
        let t = env.license(&admin, &p, json!({"key": "{{id}}-pro"}));
        let (sd, _) = t.key.rsplit_once('.').unwrap();
        assert_eq!(pad(if prefixed { &sd[4..] } else { sd }), format!("{}-pro", t.id).into_bytes(), "{scheme}");
    }

    // RSA_2048_PKCS1_ENCRYPT: the key is private_encrypt(seed); openssl recovers the seed.
    let (rsa, _) = published(&admin, &env);
    let p = policy("RSA_2048_PKCS1_ENCRYPT");
    let l = env.license(&admin, &p, json!({}));
    let (ok, seed) = openssl(
        &["pkeyutl", "-verifyrecover", "-pubin", "-inkey", "pub.pem", "-in", "key.bin", "-pkeyopt", "rsa_padding_mode:pkcs1"],
        &[("pub.pem", rsa.as_bytes()), ("key.bin", &pad(&l.key))],
    );
    assert!(ok);
    let seed: Value = serde_json::from_slice(&seed).unwrap();
    assert_eq!(seed, json!({"id": l.id, "created": "2024-01-01T00:00:00.000Z", "duration": null, "expiry": null}));
    let too_long = json!({"data":{"type":"licenses","attributes":{"key": "x".repeat(246)},"relationships":{"policy":{"data":{"type":"policies","id":p.id}}}}});
    let e = block(shared::service::licensing::licenses::create(
        &env.app(),
        &admin,
        shared::service::licensing::licenses::parse(too_long.to_string().as_bytes(), true).unwrap(),
    ))
    .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("KEY_BYTE_SIZE_EXCEEDED", 422));
    assert_eq!(e.source, Some(shared::error::Source::Pointer("/data/attributes/key".into())));

    // RSA_2048_JWT_RS256: header {"alg":"RS256"}, Keygen's default claims, RS256 over header.payload.
    let p = policy("RSA_2048_JWT_RS256");
    let l = env.license(&admin, &p, json!({}));
    let parts: Vec<&str> = l.key.split('.').collect();
    assert_eq!(parts.len(), 3, "{}", l.key);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[0]).unwrap(), br#"{"alg":"RS256"}"#);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(
        (claims["iss"].as_str(), claims["aud"].as_str(), claims["sub"].as_str()),
        (Some("https://keygen.sh"), Some(admin.account_id()), Some(l.id.as_str()))
    );
    assert_eq!((claims["iat"].as_i64(), claims["nbf"].as_i64(), claims.get("exp")), (Some(1_704_067_200), Some(1_704_067_200), None));
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    assert!(openssl_verify(Algorithm::RsaSha256, &rsa, format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig));
    let custom = env.license(&admin, &p, json!({"key": "{ \"sub\": \"{{id}}\",\n \"tier\": \"pro\" }"}));
    let payload = custom.key.split('.').nth(1).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(payload).unwrap(), format!(r#"{{"sub":"{}","tier":"pro"}}"#, custom.id).into_bytes());
    let bad = json!({"data":{"type":"licenses","attributes":{"key": "[1, 2, 3, 4]"},"relationships":{"policy":{"data":{"type":"policies","id":p.id}}}}});
    let e = block(shared::service::licensing::licenses::create(
        &env.app(),
        &admin,
        shared::service::licensing::licenses::parse(bad.to_string().as_bytes(), true).unwrap(),
    ))
    .unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("KEY_JWT_CLAIMS_INVALID", 422));

    // The signed keys validate like any key (Keygen looks scheme'd keys up as given).
    let body = json!({"meta": {"key": l.key}}).to_string();
    let req = shared::service::licensing::validation::parse_validate_key(body.as_bytes()).unwrap();
    let v = block(shared::service::licensing::validation::validate_license(&env.app(), &admin, req)).unwrap();
    assert!(v.outcome.valid, "{:?}", v.outcome);
}

#[test]
fn response_signatures_and_license_files_verify_in_every_algorithm() {
    let env = Env::new();
    let admin = env.admin();
    let (rsa, ec) = published(&admin, &env);
    let account = block(shared::service::identity::accounts::find(&env.app(), admin.account_id())).unwrap();
    let signer = account_keys::signer(SECRET, &account).unwrap();
    let to = Target { account_id: admin.account_id(), method: "GET", target: "/v1/accounts/a/me?x=1", host: "api.example.com" };
    let body = br#"{"data":null}"#;
    for alg in [Algorithm::RsaPssSha256, Algorithm::RsaSha256, Algorithm::EcdsaP256] {
        let h = signature::sign(&signer, alg, to, 1_700_000_000_000, body, &env.rng).unwrap();
        let (name, sig) = signature::signature_param(&h.signature).unwrap();
        assert_eq!(name, alg.as_str());
        let string = signature::signing_string("GET", to.target, to.host, &h.date, &h.digest);
        let pem = pem_for(alg, &rsa, &ec);
        assert!(openssl_verify(alg, &pem, string.as_bytes(), &sig), "{alg:?}");
        assert!(!openssl_verify(alg, &pem, signature::signing_string("GET", "/other", to.host, &h.date, &h.digest).as_bytes(), &sig));

        for encoding in [Encoding::Base64, Encoding::Aes256Gcm] {
            let cert = license_file::encode_signed(FileKind::License, r#"{"data":{}}"#, (encoding, alg), "KEY", &signer, &env.rng).unwrap();
            let inner: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
            let doc: Value = serde_json::from_slice(&STANDARD.decode(inner).unwrap()).unwrap();
            assert_eq!(doc["alg"], license_file::alg_name(encoding, alg));
            let sig = STANDARD.decode(doc["sig"].as_str().unwrap()).unwrap();
            assert!(openssl_verify(alg, &pem, format!("license/{}", doc["enc"].as_str().unwrap()).as_bytes(), &sig), "{alg:?} {encoding:?}");
        }
    }
}

#[test]
fn racing_first_uses_keep_one_pair() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    // Two requests that both saw the account without a pair: both generate, one stores.
    let first = block(account_keys::ensure(&app, &admin.account, Pair::Rsa)).unwrap();
    let second = block(account_keys::ensure(&app, &admin.account, Pair::Rsa)).unwrap();
    assert!(first.rsa_public_key.is_some());
    assert_eq!(first.rsa_public_key, second.rsa_public_key);
    assert_eq!(first.rsa_private_key_sealed, second.rsa_private_key_sealed);
    let e1 = block(account_keys::ensure(&app, &admin.account, Pair::Ecdsa)).unwrap();
    let e2 = block(account_keys::ensure(&app, &first, Pair::Ecdsa)).unwrap();
    assert_eq!(e1.ecdsa_public_key, e2.ecdsa_public_key);
    // Sealed at rest: the stored column is not the key, and a wrong secret opens nothing.
    assert!(!first.rsa_private_key_sealed.as_deref().unwrap_or_default().contains("PRIVATE"));
    assert!(account_keys::signer("another secret", &e2).is_err());
    let s = account_keys::signer(SECRET, &e2).unwrap();
    assert!(s.has(Pair::Rsa) && s.has(Pair::Ecdsa));
}

#[test]
fn webhooks_are_signed_with_the_endpoints_algorithm() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    env.clock.advance(1000);
    let body = json!({"data": {"type": "webhook-endpoints", "attributes": {"url": "https://hooks.example.com/k", "signatureAlgorithm": "rsa-pss-sha256"}}});
    block(webhooks::create(&env.app(), &admin, webhooks::parse(body.to_string().as_bytes(), true, false).unwrap())).unwrap();
    env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::default();
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let reqs = http.requests.borrow().clone();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    let (name, sig) = signature::signature_param(r.header("Keygen-Signature").unwrap()).unwrap();
    assert_eq!(name, "rsa-pss-sha256");
    let string = signature::signing_string("post", "/k", "hooks.example.com", r.header("Date").unwrap(), r.header("Digest").unwrap());
    assert_eq!(r.header("Digest").map(str::to_owned), Some(signature::digest_header(&r.body)));
    let (rsa, _) = published(&admin, &env);
    assert!(openssl_verify(Algorithm::RsaPssSha256, &rsa, string.as_bytes(), &sig));
}

#[test]
fn a_platform_made_rsa_key_is_adopted_once_and_signs() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    // The Worker hands over WebCrypto's PKCS#8 export; here openssl makes one the same shape.
    let pkcs8 = |bits: &str| {
        let (ok, pem) = openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", &format!("rsa_keygen_bits:{bits}")], &[]);
        assert!(ok);
        let (ok, der) = openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER"], &[("k.pem", &pem)]);
        assert!(ok);
        der
    };
    let (der, small) = (pkcs8("2048"), pkcs8("1024"));
    assert_eq!(block(account_keys::adopt_rsa(&app, &admin.account, &small)).unwrap_err().status, 500);
    assert_eq!(block(account_keys::adopt_rsa(&app, &admin.account, b"garbage")).unwrap_err().status, 500);
    let a = block(account_keys::adopt_rsa(&app, &admin.account, &der)).unwrap();
    let (ok, pem) = openssl(&["pkey", "-inform", "DER", "-in", "k.der", "-pubout"], &[("k.der", &der)]);
    assert!(ok);
    assert_eq!(a.rsa_public_key.as_deref().map(str::as_bytes), Some(pem.as_slice()), "the published key is the adopted one");
    // A second adoption (a racing first request) keeps the first pair.
    let other = pkcs8("2048");
    let b = block(account_keys::adopt_rsa(&app, &admin.account, &other)).unwrap();
    assert_eq!(b.rsa_public_key, a.rsa_public_key);
    let s = account_keys::signer(SECRET, &b).unwrap();
    let sig = s.sign(Algorithm::RsaPssSha256, b"m", &env.rng).unwrap();
    assert!(openssl_verify(Algorithm::RsaPssSha256, a.rsa_public_key.as_deref().unwrap(), b"m", &sig));
}

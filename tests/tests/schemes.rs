//! Key schemes on the real runtime (issue 8): a policy per scheme, a license of each, its key
//! verified offline here with the public key the account publishes (`meta.keys`), by the
//! `openssl` command-line tool (not by the crates that signed); the key validated over HTTP;
//! response signatures in every `Keygen-Accept-Signature` algorithm; a license file in an RSA
//! `alg`; and concurrent first uses of the RSA pair keeping one pair.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

fn openssl(args: &[&str], files: &[(&str, &[u8])]) -> (bool, Vec<u8>) {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir: PathBuf = std::env::temp_dir().join(format!("latchkey-e2e-schemes-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let out = Command::new("openssl").args(args).current_dir(&dir).output().expect("openssl is installed (scripts/setup)");
    let _ = std::fs::remove_dir_all(&dir);
    (out.status.success(), out.stdout)
}

/// `openssl dgst -sha256 -verify` for `rsa-sha256`, `rsa-pss-sha256` (max salt) and `ecdsa-p256` (DER).
fn verify(alg: &str, pem: &str, msg: &[u8], sig: &[u8]) -> bool {
    let mut args = vec!["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin"];
    if alg == "rsa-pss-sha256" {
        args.extend(["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max", "-sigopt", "rsa_mgf1_md:sha256"]);
    }
    args.push("msg.bin");
    openssl(&args, &[("pub.pem", pem.as_bytes()), ("sig.bin", sig), ("msg.bin", msg)]).0
}

/// The account's published RSA and ECDSA PEMs (`GET /accounts/{id}` makes them on first read).
fn published(acct: &TestAccount) -> (String, String) {
    let r = acct.client().get(&format!("/v1/accounts/{}", acct.id), acct.admin(), None);
    r.assert_status(200);
    let dec = |k: &str| {
        String::from_utf8(STANDARD.decode(r.json["data"]["meta"]["keys"][k].as_str().unwrap_or_else(|| panic!("keys.{k}: {}", r.json))).unwrap()).unwrap()
    };
    (dec("rsa2048"), dec("ecdsa"))
}

fn product(acct: &TestAccount) -> String {
    let r = acct.client().post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"Schemes"}}})));
    r.assert_status(201);
    r.json["data"]["id"].as_str().unwrap().to_owned()
}

fn license(acct: &TestAccount, product: &str, scheme: &str) -> (String, String) {
    let c = acct.client();
    let p = c.post(
        &acct.path("/policies"),
        acct.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"name":scheme,"scheme":scheme},"relationships":{"product":{"data":{"type":"products","id":product}}}}})),
    );
    p.assert_status(201);
    assert_eq!(p.json["data"]["attributes"]["scheme"], scheme);
    let l = c.post(
        &acct.path("/licenses"),
        acct.admin(),
        Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":p.json["data"]["id"]}}}}})),
    );
    l.assert_status(201);
    assert_eq!(l.json["data"]["attributes"]["scheme"], scheme);
    (l.json["data"]["id"].as_str().unwrap().to_owned(), l.json["data"]["attributes"]["key"].as_str().unwrap().to_owned())
}

#[test]
fn every_scheme_key_verifies_offline_with_the_published_keys_and_validates() {
    let acct = server().bootstrap_account();
    let prod = product(&acct);
    let started = Instant::now();
    let (rsa, ec) = published(&acct);
    let first_read = started.elapsed();
    let started = Instant::now();
    assert_eq!(published(&acct), (rsa.clone(), ec.clone()), "the pairs are made once");
    eprintln!("GET /accounts/{{id}}: first read (makes RSA-2048 + P-256) {first_read:?}, second {:?}", started.elapsed());
    assert!(rsa.starts_with("-----BEGIN PUBLIC KEY-----\n") && ec.starts_with("-----BEGIN PUBLIC KEY-----\n"));

    for (scheme, alg, pem, v2) in [
        ("ECDSA_P256_SIGN", "ecdsa-p256", &ec, true),
        ("RSA_2048_PKCS1_SIGN_V2", "rsa-sha256", &rsa, true),
        ("RSA_2048_PKCS1_PSS_SIGN_V2", "rsa-pss-sha256", &rsa, true),
        ("RSA_2048_PKCS1_SIGN", "rsa-sha256", &rsa, false),
        ("RSA_2048_PKCS1_PSS_SIGN", "rsa-pss-sha256", &rsa, false),
    ] {
        let (id, key) = license(&acct, &prod, scheme);
        let (signing_data, enc_sig) = key.rsplit_once('.').unwrap();
        let enc_data = if v2 { signing_data.strip_prefix("key/").unwrap_or_else(|| panic!("{scheme}: {key}")) } else { signing_data };
        let data = URL_SAFE.decode(enc_data).unwrap();
        let dataset: Value = serde_json::from_slice(&data).unwrap();
        assert_eq!(dataset["license"]["id"], id.as_str(), "{scheme}");
        assert_eq!(dataset["account"]["id"], acct.id.as_str(), "{scheme}");
        let signed = if v2 { signing_data.as_bytes().to_vec() } else { data };
        let sig = URL_SAFE.decode(enc_sig).unwrap();
        assert!(verify(alg, pem, &signed, &sig), "{scheme}: openssl verifies the key");
        assert!(!verify(alg, pem, b"forged", &sig), "{scheme}");
        validates(&acct, &key, &id);
    }

    let (id, key) = license(&acct, &prod, "RSA_2048_PKCS1_ENCRYPT");
    let (ok, seed) = openssl(
        &["pkeyutl", "-verifyrecover", "-pubin", "-inkey", "pub.pem", "-in", "key.bin", "-pkeyopt", "rsa_padding_mode:pkcs1"],
        &[("pub.pem", rsa.as_bytes()), ("key.bin", &URL_SAFE.decode(&key).unwrap())],
    );
    assert!(ok, "openssl recovers the seed");
    let seed: Value = serde_json::from_slice(&seed).unwrap();
    assert_eq!((seed["id"].as_str(), seed["duration"].clone(), seed["expiry"].clone()), (Some(id.as_str()), Value::Null, Value::Null));
    validates(&acct, &key, &id);

    let (id, key) = license(&acct, &prod, "RSA_2048_JWT_RS256");
    let parts: Vec<&str> = key.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[0]).unwrap(), br#"{"alg":"RS256"}"#);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(
        (claims["sub"].as_str(), claims["aud"].as_str(), claims["iss"].as_str()),
        (Some(id.as_str()), Some(acct.id.as_str()), Some("https://keygen.sh"))
    );
    assert!(verify("rsa-sha256", &rsa, format!("{}.{}", parts[0], parts[1]).as_bytes(), &URL_SAFE_NO_PAD.decode(parts[2]).unwrap()));
    validates(&acct, &key, &id);
}

fn validates(acct: &TestAccount, key: &str, id: &str) {
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta": {"key": key}})));
    r.assert_status(200);
    assert_eq!((r.json["meta"]["valid"].as_bool(), r.json["meta"]["code"].as_str()), (Some(true), Some("VALID")), "{key}: {}", r.json);
    assert_eq!(r.json["data"]["id"], id);
}

/// Checks a response signed in `alg` with openssl, from the wire contract.
fn check_signed(r: &Resp, alg: &str, pem: &str, account: &str) {
    let date = r.header("date").unwrap();
    let digest = r.header("digest").unwrap();
    assert_eq!(digest, format!("sha-256={}", STANDARD.encode(Sha256::digest(&r.body))));
    assert_eq!((r.header("keygen-date"), r.header("keygen-digest")), (Some(date), Some(digest)));
    let header = r.header("keygen-signature").unwrap();
    assert!(header.contains(&format!(r#"keyid="{account}""#)) && header.contains(&format!(r#"algorithm="{alg}""#)), "{header}");
    let sig = header.split("signature=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
    let string = format!("(request-target): {} {}\nhost: {}\ndate: {date}\ndigest: {digest}", r.method.to_ascii_lowercase(), r.target, r.host);
    assert!(verify(alg, pem, string.as_bytes(), &STANDARD.decode(sig).unwrap()), "{alg}: {string:?}");
    assert!(!verify(alg, pem, string.replace("get", "put").as_bytes(), &STANDARD.decode(sig).unwrap()));
}

#[test]
fn responses_are_signed_in_every_accepted_algorithm_and_first_uses_race_safely() {
    let acct = server().bootstrap_account();
    let c = acct.client().unverified();
    let auth = format!("Bearer {}", acct.admin_token);
    let path = acct.path("/licenses");
    // Four concurrent first uses of the RSA pair on a fresh account: one pair survives and
    // every response verifies with it.
    let started = Instant::now();
    let rs: Vec<Resp> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    acct.client().unverified().raw("GET", &path, &[("Authorization", &auth), ("Keygen-Accept-Signature", r#"algorithm="rsa-sha256""#)], None)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    eprintln!("4 concurrent first rsa-sha256 responses (RSA-2048 generation included): {:?}", started.elapsed());
    let (rsa, ec) = published(&acct);
    for r in &rs {
        r.assert_status(200);
        check_signed(r, "rsa-sha256", &rsa, &acct.id);
    }
    for (alg, pem) in [("rsa-pss-sha256", &rsa), ("rsa-sha256", &rsa), ("ecdsa-p256", &ec)] {
        let header = format!(r#"keyid="{}", algorithm="{alg}""#, acct.id);
        let r = c.raw("GET", &path, &[("Authorization", &auth), ("Keygen-Accept-Signature", &header)], None);
        r.assert_status(200);
        check_signed(&r, alg, pem, &acct.id);
        // Errors are signed too.
        let r = c.raw("GET", &acct.path("/licenses/nope"), &[("Authorization", &auth), ("Keygen-Accept-Signature", &header)], None);
        r.assert_status(404);
        check_signed(&r, alg, pem, &acct.id);
    }
    // Figures: mean wall time of 10 sequential signed reads per algorithm (loopback, workerd).
    for alg in ["ed25519", "rsa-pss-sha256", "rsa-sha256", "ecdsa-p256"] {
        let header = format!(r#"algorithm="{alg}""#);
        let started = Instant::now();
        for _ in 0..10 {
            c.raw("GET", &path, &[("Authorization", &auth), ("Keygen-Accept-Signature", &header)], None).assert_status(200);
        }
        eprintln!("GET /licenses signed with {alg}: {:?} per request (mean of 10)", started.elapsed() / 10);
    }
    // The default is ed25519, and an algorithm Keygen does not offer is a 400 on the header.
    let r = acct.client().get(&path, acct.admin(), None);
    assert!(r.header("keygen-signature").unwrap().contains(r#"algorithm="ed25519""#));
    let r = c.raw("GET", &path, &[("Authorization", &auth), ("Keygen-Accept-Signature", r#"algorithm="rsa-sha512""#)], None);
    assert_eq!((r.status, r.error_code()), (400, Some("SIGNATURE_INVALID")));
    assert_eq!(r.json["errors"][0]["source"], json!({"header": "Keygen-Accept-Signature"}));
}

#[test]
fn license_files_sign_with_the_schemes_algorithm_or_the_one_asked_for() {
    let acct = server().bootstrap_account();
    let prod = product(&acct);
    let (id, _) = license(&acct, &prod, "RSA_2048_PKCS1_PSS_SIGN_V2");
    let (rsa, ec) = published(&acct);
    let c = acct.client();
    for (query, alg, sig_alg, pem) in [
        ("", "base64+rsa-pss-sha256", "rsa-pss-sha256", &rsa),
        ("?algorithm=base64%2Brsa-sha256", "base64+rsa-sha256", "rsa-sha256", &rsa),
        ("?algorithm=aes-256-gcm%2Becdsa-p256", "aes-256-gcm+ecdsa-p256", "ecdsa-p256", &ec),
    ] {
        let r = c.post(&acct.path(&format!("/licenses/{id}/actions/check-out{query}")), acct.admin(), None);
        r.assert_status(200);
        assert_eq!(r.json["data"]["attributes"]["algorithm"], alg);
        let cert = r.json["data"]["attributes"]["certificate"].as_str().unwrap();
        let inner: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
        let doc: Value = serde_json::from_slice(&STANDARD.decode(inner).unwrap()).unwrap();
        assert_eq!(doc["alg"], alg);
        let msg = format!("license/{}", doc["enc"].as_str().unwrap());
        assert!(verify(sig_alg, pem, msg.as_bytes(), &STANDARD.decode(doc["sig"].as_str().unwrap()).unwrap()), "{alg}");
    }
    let r = c.post(&acct.path(&format!("/licenses/{id}/actions/check-out?algorithm=base64%2Brsa-sha512")), acct.admin(), None);
    assert_eq!((r.status, r.error_code()), (400, Some("CHECKOUT_ALGORITHM_INVALID")));
}

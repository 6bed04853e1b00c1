//! Fixtures of the package-engine rows (issue 9): one package of product A per engine, each
//! with a published release and uploaded artifacts (a wheel, a tarball, an OCI manifest and
//! blob, a gem), uploaded as Keygen clients do (`POST /artifacts` → 307 → `PUT`).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{uniq, World};

fn post(w: &World, path: &str, body: Value) -> Value {
    let r = w.c.post(&w.acct.path(path), w.acct.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "engine fixture {path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn upload(w: &World, release: &str, filename: &str, bytes: &[u8]) {
    let sum = hex::encode(Sha256::digest(bytes));
    let r = w.c.post(
        &w.acct.path("/artifacts"),
        w.acct.admin(),
        Some(json!({"data":{"type":"artifacts","attributes":{"filename":filename,"filesize":bytes.len(),"checksum":sum},
            "relationships":{"release":{"data":{"type":"releases","id":release}}}}})),
    );
    assert_eq!(r.status, 307, "engine fixture upload {filename}: {}", r.json);
    let location = r.header("location").unwrap_or_default();
    let path = location.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned())).unwrap_or_else(|| location.to_owned());
    let put = w.c.raw("PUT", &path, &[], Some(bytes));
    assert_eq!(put.status, 200, "engine fixture PUT {filename}: {}", put.text());
}

fn package(w: &World, pa: &str, engine: &str) -> (String, String) {
    let key = uniq();
    let p = post(
        w,
        "/packages",
        json!({"data":{"type":"packages","attributes":{"name":key,"key":key,"engine":engine},"relationships":{"product":{"data":{"type":"products","id":pa}}}}}),
    );
    let r = post(
        w,
        "/releases",
        json!({"data":{"type":"releases","attributes":{"version":"1.0.0","channel":"stable","status":"PUBLISHED","tag":"v1"},
            "relationships":{"product":{"data":{"type":"products","id":pa}},"package":{"data":{"type":"packages","id":p["id"]}}}}}),
    );
    (key, r["id"].as_str().unwrap_or_default().to_owned())
}

/// The placeholders: `ENG_PYPI`, `ENG_NPM`, `ENG_OCI`, `ENG_BLOB` (a digest), `ENG_GEM`, `ENG_GEMFILE`.
pub fn fixtures(w: &World, pa: &str) -> Vec<(&'static str, String)> {
    let (pypi, r) = package(w, pa, "pypi");
    upload(w, &r, &format!("{pypi}-1.0.0-py3-none-any.whl"), b"not really a wheel");
    let (npm, r) = package(w, pa, "npm");
    upload(w, &r, &format!("{npm}-1.0.0.tgz"), b"not really a tarball");
    let (oci, r) = package(w, pa, "oci");
    let layer = b"layer bytes".to_vec();
    let blob = format!("sha256:{}", hex::encode(Sha256::digest(&layer)));
    let manifest = json!({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":blob,"size":layer.len()},"layers":[]});
    upload(w, &r, "manifest.json", manifest.to_string().as_bytes());
    upload(w, &r, "layer.tar", &layer);
    let (gem, r) = package(w, pa, "rubygems");
    let gemfile = format!("{gem}-1.0.0.gem");
    upload(w, &r, &gemfile, b"not really a gem");
    vec![("ENG_PYPI", pypi), ("ENG_NPM", npm), ("ENG_OCI", oci), ("ENG_BLOB", blob), ("ENG_GEM", gem), ("ENG_GEMFILE", gemfile)]
}

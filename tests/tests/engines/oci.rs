//! OCI engine with the real skopeo: `/v2/` ping with a Basic challenge, manifests by tag and
//! digest (HEAD and GET, `Docker-Content-Digest`), blobs (HEAD, GET through the signed download
//! URL), tags list; `skopeo inspect` and `skopeo copy` of an image whose manifest, config and
//! layer the test uploaded as artifacts.

use serde_json::{json, Value};

use super::fixtures::{clients_dir, run, sha256_hex, show, temp_dir, uniq, Shop};

struct Image {
    manifest: Vec<u8>,
    config: Vec<u8>,
    layer: Vec<u8>,
}

fn image() -> Image {
    let dir = temp_dir("layer");
    std::fs::write(dir.join("hello.txt"), "hello from latchkey\n").unwrap_or_default();
    let o = run("tar", &["--owner=0", "--group=0", "--numeric-owner", "-cf", "layer.tar", "hello.txt"], &dir, &[]);
    assert!(o.status.success(), "tar: {}", show(&o));
    let layer = std::fs::read(dir.join("layer.tar")).unwrap_or_default();
    let config = json!({"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[format!("sha256:{}", sha256_hex(&layer))]}})
        .to_string()
        .into_bytes();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{}", sha256_hex(&config)), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": format!("sha256:{}", sha256_hex(&layer)), "size": layer.len()}]
    })
    .to_string()
    .into_bytes();
    Image { manifest, config, layer }
}

/// A package with release 1.0.0 (tag `v1`) holding the image: `(package key, image)`.
fn published(shop: &Shop) -> (String, Image) {
    let key = uniq("img");
    let pkg = shop.package(&key, "oci");
    let rel = shop.release(&pkg, "1.0.0", "stable", Some("v1"));
    let img = image();
    shop.upload(&rel, "manifest.json", "json", &img.manifest, &sha256_hex(&img.manifest), json!({}));
    shop.upload(&rel, "config.json", "json", &img.config, &sha256_hex(&img.config), json!({}));
    shop.upload(&rel, "layer.tar", "tar", &img.layer, &sha256_hex(&img.layer), json!({}));
    (key, img)
}

fn skopeo(args: &[&str]) -> std::process::Output {
    let dir = temp_dir("skopeo");
    let policy = clients_dir().join("policy.json");
    let mut all = vec!["--policy", policy.to_str().unwrap_or_default()];
    all.extend_from_slice(args);
    run("skopeo", &all, &dir, &[("REGISTRY_AUTH_FILE", &dir.join("auth.json").to_string_lossy()), ("HOME", &dir.to_string_lossy())])
}

#[test]
fn skopeo_inspects_and_copies_an_uploaded_image() {
    let shop = Shop::new();
    let (key, img) = published(&shop);
    let host = e2e::server().host();
    let image_ref = format!("docker://{host}/{}/{key}:1.0.0", shop.acct.id);
    let creds = format!("license:{}", shop.license_key);

    let o = skopeo(&["inspect", "--tls-verify=false", "--creds", &creds, &image_ref]);
    assert!(o.status.success(), "skopeo inspect: {}", show(&o));
    let info: Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    assert_eq!(info["Digest"], format!("sha256:{}", sha256_hex(&img.manifest)).as_str(), "{info}");
    assert_eq!(info["Layers"][0], format!("sha256:{}", sha256_hex(&img.layer)).as_str(), "{info}");
    assert_eq!(info["Architecture"], "amd64");

    let out = temp_dir("ocilayout");
    let dest = format!("oci:{}:copied", out.display());
    let by_tag = format!("docker://{host}/{}/{key}:v1", shop.acct.id);
    let o = skopeo(&["copy", "--src-tls-verify=false", "--src-creds", &creds, "--dest-oci-accept-uncompressed-layers", &by_tag, &dest]);
    assert!(o.status.success(), "skopeo copy: {}", show(&o));
    let copied = std::fs::read(out.join("blobs/sha256").join(sha256_hex(&img.layer))).unwrap_or_default();
    assert!(copied == img.layer, "the layer blob arrived intact ({} bytes, want {}); {}", copied.len(), img.layer.len(), show(&o));

    let o = skopeo(&["list-tags", "--tls-verify=false", "--creds", &creds, &format!("docker://{host}/{}/{key}", shop.acct.id)]);
    assert!(o.status.success(), "skopeo list-tags: {}", show(&o));
    let tags: Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    assert_eq!(tags["Tags"], json!(["v1"]), "{tags}");

    let o = skopeo(&["inspect", "--tls-verify=false", &image_ref]);
    assert!(!o.status.success(), "anonymous inspect must fail: {}", show(&o));
    let o = skopeo(&["inspect", "--tls-verify=false", "--creds", &format!("license:{}", shop.other_key), &image_ref]);
    assert!(!o.status.success(), "another product's license must fail: {}", show(&o));
}

#[test]
fn registry_endpoints_answer_the_distribution_spec() {
    let shop = Shop::new();
    let (key, img) = published(&shop);
    let c = e2e::server().client();
    let basic = {
        use base64::Engine as _;
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("license:{}", shop.license_key)))
    };
    let ping = c.raw("GET", "/v2/", &[], None);
    assert_eq!(ping.status, 401);
    assert!(ping.header("www-authenticate").is_some_and(|h| h.starts_with("Basic realm=")), "{:?}", ping.headers);
    assert_eq!(ping.header("docker-distribution-api-version"), Some("registry/2.0"));
    assert_eq!(c.raw("GET", "/v2/", &[("Authorization", &basic)], None).status, 200);

    let digest = format!("sha256:{}", sha256_hex(&img.manifest));
    let base = format!("/v2/{}/{key}", shop.acct.id);
    let accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
    let head = c.raw("HEAD", &format!("{base}/manifests/1.0.0"), &[("Authorization", &basic), ("Accept", accept)], None);
    assert_eq!(head.status, 200, "{:?}", head.headers);
    assert_eq!(head.header("docker-content-digest"), Some(digest.as_str()));
    assert_eq!(head.header("content-type"), Some("application/vnd.oci.image.manifest.v1+json"));
    let get = c.raw("GET", &format!("{base}/manifests/{digest}"), &[("Authorization", &basic), ("Accept", accept)], None);
    assert_eq!(get.status, 200, "{}", get.text());
    assert_eq!(get.body, img.manifest, "the exact stored bytes");
    // The same through the account's engine path.
    let same = c.raw("GET", &shop.acct.path(&format!("/engines/oci/{key}/manifests/v1")), &[("Authorization", &basic)], None);
    assert_eq!(same.body, img.manifest);

    let blob = format!("sha256:{}", sha256_hex(&img.config));
    let head = c.raw("HEAD", &format!("{base}/blobs/{blob}"), &[("Authorization", &basic)], None);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("docker-content-digest"), Some(blob.as_str()));
    let get = c.raw("GET", &format!("{base}/blobs/{blob}"), &[("Authorization", &basic)], None);
    assert!(matches!(get.status, 303 | 307), "{}", get.text());

    let tags = c.raw("GET", &format!("{base}/tags/list"), &[("Authorization", &basic)], None);
    assert_eq!(tags.json, json!({"name": key, "tags": ["v1"]}));

    let anon = c.raw("GET", &format!("{base}/manifests/1.0.0"), &[], None);
    assert_eq!(anon.status, 401);
    assert!(anon.header("www-authenticate").is_some());
    let unknown = c.raw("GET", &format!("{base}/manifests/9.9.9"), &[("Authorization", &basic)], None);
    assert_eq!(unknown.status, 404);
    let bad = c.raw("GET", &format!("{base}/manifests/sha256:zz"), &[("Authorization", &basic)], None);
    assert_eq!(bad.status, 404, "{}", bad.text());
    let put = c.raw("PUT", &format!("{base}/manifests/v2"), &[("Authorization", &basic)], Some(b"{}"));
    assert_eq!(put.status, 405, "pushes are refused");
}

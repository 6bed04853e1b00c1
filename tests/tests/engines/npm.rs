//! npm engine with the real npm: the packument (`GET /engines/npm/{package}`, scoped names as
//! `@scope%2fname`), `dist.tarball` + `dist.integrity`, dist-tags per channel, and `npm install`
//! of a tarball published as an artifact, authenticated through `.npmrc`.

use base64::Engine as _;
use serde_json::json;

use super::fixtures::{path_of, run, sha512_b64, show, temp_dir, uniq, Shop};

/// `npm pack` of a tiny package: `(filename, bytes)`.
fn tarball(name: &str, version: &str) -> (String, Vec<u8>) {
    let dir = temp_dir("npmpkg");
    let manifest = json!({"name": name, "version": version, "main": "index.js"});
    std::fs::write(dir.join("package.json"), manifest.to_string()).unwrap_or_default();
    std::fs::write(dir.join("index.js"), format!("module.exports = {version:?};\n")).unwrap_or_default();
    let o = run("npm", &["pack", "--silent", "--json"], &dir, &[("npm_config_cache", &dir.join(".cache").to_string_lossy())]);
    assert!(o.status.success(), "npm pack: {}", show(&o));
    let file = format!("{}-{version}.tgz", name.trim_start_matches('@').replace('/', "-"));
    let bytes = std::fs::read(dir.join(&file)).unwrap_or_else(|e| panic!("npm pack wrote no {file}: {e}; {}", show(&o)));
    (file, bytes)
}

fn license_token(shop: &Shop) -> String {
    let t = shop.admin_post(&format!("/licenses/{}/tokens", shop.license_id), json!({"data":{"type":"tokens","attributes":{}}}));
    t["attributes"]["token"].as_str().unwrap_or_default().to_owned()
}

/// `npm install name@version` into a fresh project whose `.npmrc` holds `auth` (a line).
fn npm_install(shop: &Shop, scope: Option<&str>, spec: &str, auth_line: &str) -> (std::process::Output, std::path::PathBuf) {
    let dir = temp_dir("npmuse");
    let host = e2e::server().host();
    let registry = format!("http://{host}{}", shop.acct.path("/engines/npm/"));
    let registry_line = match scope {
        Some(s) => format!("{s}:registry={registry}"),
        None => format!("registry={registry}"),
    };
    // Credentials for the account's prefix cover the registry and the artifact URLs below it.
    let npmrc = format!("{registry_line}\n//{host}{}:{auth_line}\n", shop.acct.path("/"));
    std::fs::write(dir.join(".npmrc"), npmrc).unwrap_or_default();
    std::fs::write(dir.join("package.json"), r#"{"name":"consumer","version":"1.0.0","private":true}"#).unwrap_or_default();
    let cache = dir.join(".cache");
    let o = run(
        "npm",
        &["install", "--no-audit", "--no-fund", "--no-update-notifier", "--prefer-online", spec],
        &dir,
        &[("npm_config_cache", &cache.to_string_lossy()), ("npm_config_userconfig", &dir.join(".npmrc").to_string_lossy())],
    );
    (o, dir)
}

#[test]
fn npm_installs_a_published_tarball_with_a_license_token_or_key() {
    let shop = Shop::new();
    let name = uniq("npmdemo");
    let pkg = shop.package(&name, "npm");
    let r1 = shop.release(&pkg, "1.0.0", "stable", None);
    let (f1, b1) = tarball(&name, "1.0.0");
    shop.upload(&r1, &f1, "tgz", &b1, &sha512_b64(&b1), json!({}));
    let r2 = shop.release(&pkg, "1.1.0-beta.1", "beta", None);
    let (f2, b2) = tarball(&name, "1.1.0-beta.1");
    shop.upload(&r2, &f2, "tgz", &b2, &sha512_b64(&b2), json!({}));

    let token = license_token(&shop);
    let (o, dir) = npm_install(&shop, None, &name, &format!("_authToken={token}"));
    assert!(o.status.success(), "npm install: {}", show(&o));
    let installed = std::fs::read_to_string(dir.join("node_modules").join(&name).join("index.js")).unwrap_or_default();
    assert!(installed.contains("\"1.0.0\""), "latest is the newest stable release: {installed:?}");

    // A license key as Basic `license:KEY` (`_auth`), and the beta dist-tag.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("license:{}", shop.license_key));
    let (o, dir) = npm_install(&shop, None, &format!("{name}@beta"), &format!("_auth={basic}"));
    assert!(o.status.success(), "npm install @beta: {}", show(&o));
    let installed = std::fs::read_to_string(dir.join("node_modules").join(&name).join("index.js")).unwrap_or_default();
    assert!(installed.contains("1.1.0-beta.1"), "{installed:?}");

    // Another product's license cannot install it.
    let other = base64::engine::general_purpose::STANDARD.encode(format!("license:{}", shop.other_key));
    let (o, _) = npm_install(&shop, None, &name, &format!("_auth={other}"));
    assert!(!o.status.success(), "{}", show(&o));
}

#[test]
fn packument_has_integrity_dist_tags_and_scoped_names() {
    let shop = Shop::new();
    let bare = uniq("scoped");
    let name = format!("@latchkey/{bare}");
    let pkg = shop.package(&name, "npm");
    let rel = shop.release(&pkg, "3.0.0", "stable", Some("lts"));
    let (file, bytes) = tarball(&name, "3.0.0");
    shop.upload(&rel, &file, "tgz", &bytes, &sha512_b64(&bytes), json!({"dependencies": {}}));
    let lic = format!("License {}", shop.license_key);
    let doc = shop.c.raw(
        "GET",
        &shop.acct.path(&format!("/engines/npm/@latchkey%2f{bare}")),
        &[("Authorization", &lic), ("Accept", "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*")],
        None,
    );
    assert_eq!(doc.status, 200, "{}", doc.text());
    assert_eq!(doc.json["name"], name.as_str());
    assert_eq!(doc.json["dist-tags"]["latest"], "3.0.0");
    assert_eq!(doc.json["dist-tags"]["lts"], "3.0.0");
    let dist = &doc.json["versions"]["3.0.0"]["dist"];
    assert_eq!(dist["integrity"], format!("sha512-{}", sha512_b64(&bytes)).as_str());
    let tarball_url = dist["tarball"].as_str().unwrap_or_default();
    let mut target = path_of(tarball_url);
    for _ in 0..3 {
        let r = shop.c.raw("GET", &target, &[("Authorization", &lic)], None);
        if matches!(r.status, 302 | 303 | 307) {
            target = path_of(r.header("location").unwrap_or_default());
            continue;
        }
        assert_eq!(r.status, 200, "{tarball_url}: {}", r.text());
        assert_eq!(r.body, bytes);
        break;
    }
    // The two-segment form answers the same document.
    let two = shop.c.raw("GET", &shop.acct.path(&format!("/engines/npm/@latchkey/{bare}")), &[("Authorization", &lic)], None);
    assert_eq!(two.status, 200, "{}", two.text());
    assert_eq!(two.json["versions"], doc.json["versions"]);

    let anon = shop.c.raw("GET", &shop.acct.path(&format!("/engines/npm/@latchkey%2f{bare}")), &[], None);
    assert_eq!(anon.status, 401, "{}", anon.text());
    let foreign =
        shop.c.raw("GET", &shop.acct.path(&format!("/engines/npm/@latchkey%2f{bare}")), &[("Authorization", &format!("License {}", shop.other_key))], None);
    assert_eq!(foreign.status, 404, "{}", foreign.text());
    let bad = shop.c.raw("GET", &shop.acct.path("/engines/npm/Not_Valid"), &[("Authorization", &lic)], None);
    assert_eq!(bad.status, 404, "{}", bad.text());
    let audit = shop.c.raw("POST", &shop.acct.path("/engines/npm/-/npm/v1/security/advisories/bulk"), &[("Authorization", &lic)], Some(b"{}"));
    assert_eq!(audit.status, 410, "{}", audit.text());
}

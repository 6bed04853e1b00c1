//! PyPI engine with the real pip (`scripts/engine-clients`): PEP 503 HTML and PEP 691 JSON,
//! license key as Basic credentials in the index URL, yanked releases not offered, 401 with a
//! challenge for anonymous callers.

use serde_json::{json, Value};

use super::fixtures::{clients_dir, path_of, run, sha256_hex, show, temp_dir, uniq, Shop};

/// A minimal valid wheel (pip reads its METADATA to check name and version).
fn wheel(name: &str, version: &str) -> (String, Vec<u8>) {
    let dir = temp_dir("wheel");
    let file = format!("{}-{version}-py3-none-any.whl", name.replace('-', "_"));
    let script = r#"
import sys, zipfile
name, version, out = sys.argv[1], sys.argv[2], sys.argv[3]
mod = name.replace('-', '_')
info = f"{mod}-{version}.dist-info"
with zipfile.ZipFile(out, 'w') as z:
    z.writestr(f"{mod}/__init__.py", "VALUE = 42\n")
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: >=3.8\n")
    z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: latchkey-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr(f"{info}/RECORD", "")
"#;
    let out = dir.join(&file);
    let python = clients_dir().join("venv/bin/python");
    let o = run(&python.to_string_lossy(), &["-c", script, name, version, &out.to_string_lossy()], &dir, &[]);
    assert!(o.status.success(), "building a wheel: {}", show(&o));
    (file, std::fs::read(&out).unwrap_or_default())
}

fn pip_download(shop: &Shop, key: Option<&str>, spec: &str) -> (std::process::Output, std::path::PathBuf) {
    let dest = temp_dir("pip");
    let authority = match key {
        Some(k) => shop.authority_with("license", k),
        None => format!("http://{}", e2e::server().host()),
    };
    let index = format!("{authority}{}", shop.acct.path("/engines/pypi/simple/"));
    let pip = clients_dir().join("venv/bin/pip");
    let o = run(
        &pip.to_string_lossy(),
        &["download", "--no-deps", "--no-input", "--disable-pip-version-check", "--no-cache-dir", "--index-url", &index, "-d", &dest.to_string_lossy(), spec],
        &dest,
        &[("PIP_CONFIG_FILE", "/dev/null")],
    );
    (o, dest)
}

#[test]
fn pip_downloads_the_uploaded_wheel_and_never_a_yanked_one() {
    let shop = Shop::new();
    let name = uniq("pydemo");
    let pkg = shop.package(&name, "pypi");
    let r1 = shop.release(&pkg, "1.0.0", "stable", None);
    let (file1, bytes1) = wheel(&name, "1.0.0");
    shop.upload(&r1, &file1, "whl", &bytes1, &sha256_hex(&bytes1), json!({"requiresPython": ">=3.8"}));
    let r2 = shop.release(&pkg, "1.1.0", "stable", None);
    let (file2, bytes2) = wheel(&name, "1.1.0");
    shop.upload(&r2, &file2, "whl", &bytes2, &sha256_hex(&bytes2), json!({}));
    shop.yank(&r2);

    let (o, dest) = pip_download(&shop, Some(&shop.license_key), &format!("{name}==1.0.0"));
    assert!(o.status.success(), "pip download: {}", show(&o));
    assert_eq!(std::fs::read(dest.join(&file1)).unwrap_or_default(), bytes1, "the downloaded wheel is the uploaded one");

    let (o, _) = pip_download(&shop, Some(&shop.license_key), &format!("{name}==1.1.0"));
    assert!(!o.status.success(), "a yanked release is not offered: {}", show(&o));

    // Unlicensed: anonymous pip fails (401 challenge, no prompt with --no-input), and so does a
    // license of another product.
    let (o, _) = pip_download(&shop, None, &format!("{name}==1.0.0"));
    assert!(!o.status.success(), "anonymous pip must fail: {}", show(&o));
    let (o, _) = pip_download(&shop, Some(&shop.other_key), &format!("{name}==1.0.0"));
    assert!(!o.status.success(), "another product's license must fail: {}", show(&o));
}

#[test]
fn the_index_negotiates_html_and_json_and_challenges_anonymous_callers() {
    let shop = Shop::new();
    let name = uniq("pyneg");
    let pkg = shop.package(&name, "pypi");
    let rel = shop.release(&pkg, "2.0.0", "stable", None);
    let (file, bytes) = wheel(&name, "2.0.0");
    shop.upload(&rel, &file, "whl", &bytes, &sha256_hex(&bytes), json!({"requiresPython": ">=3.8"}));
    let lic = format!("License {}", shop.license_key);
    let page = shop.acct.path(&format!("/engines/pypi/simple/{name}/"));

    let html = shop.c.raw("GET", &page, &[("Authorization", &lic), ("Accept", "text/html")], None);
    assert_eq!(html.status, 200, "{}", html.text());
    assert!(html.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    let body = html.text();
    assert!(body.contains(&format!("#sha256={}", sha256_hex(&bytes))), "{body}");
    assert!(body.contains("data-requires-python=\"&gt;=3.8\""), "{body}");
    // The link resolves to the Worker's signed download URL, and that to the bytes.
    let href = body.split("href=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().split('#').next().unwrap_or_default().to_owned();
    let mut target = path_of(&href);
    for _ in 0..3 {
        let r = shop.c.raw("GET", &target, &[("Authorization", &lic)], None);
        if matches!(r.status, 301 | 302 | 303 | 307) {
            target = path_of(r.header("location").unwrap_or_default());
            continue;
        }
        assert_eq!(r.status, 200, "following {href}: {}", r.text());
        assert_eq!(r.body, bytes);
        break;
    }

    let pip_accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
    let j = shop.c.raw("GET", &page, &[("Authorization", &lic), ("Accept", pip_accept)], None);
    assert_eq!(j.status, 200, "{}", j.text());
    assert_eq!(j.header("content-type"), Some("application/vnd.pypi.simple.v1+json"));
    assert_eq!(j.json["files"][0]["filename"], file.as_str());
    assert_eq!(j.json["files"][0]["hashes"]["sha256"], sha256_hex(&bytes).as_str());

    let index =
        shop.c.raw("GET", &shop.acct.path("/engines/pypi/simple/"), &[("Authorization", &lic), ("Accept", "application/vnd.pypi.simple.v1+json")], None);
    assert_eq!(index.status, 200, "{}", index.text());
    let names: Vec<&str> = index.json["projects"].as_array().map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect()).unwrap_or_default();
    assert_eq!(names, vec![name.as_str()]);

    let none = shop.c.raw("GET", &page, &[("Authorization", &lic), ("Accept", "application/json")], None);
    assert_eq!(none.status, 406, "{}", none.text());
    assert_eq!(none.json["errors"][0]["source"]["header"], "Accept");

    let anon = shop.c.raw("GET", &page, &[("Accept", "text/html")], None);
    assert_eq!(anon.status, 401, "{}", anon.text());
    assert!(anon.header("www-authenticate").is_some(), "a challenge so pip can prompt: {:?}", anon.headers);
    assert_eq!(anon.error_code(), Some("TOKEN_MISSING"));
    let foreign = shop.c.raw("GET", &page, &[("Authorization", &format!("License {}", shop.other_key)), ("Accept", "text/html")], None);
    assert_eq!(foreign.status, 404, "another product's license does not see the package: {}", foreign.text());
    let missing = shop.c.raw("GET", &shop.acct.path("/engines/pypi/simple/no-such-project/"), &[("Authorization", &lic)], None);
    assert_eq!(missing.status, 404, "{}", missing.text());
    let _: Value = missing.json;
}

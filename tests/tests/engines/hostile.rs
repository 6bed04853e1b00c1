//! Hostile names, references and digests on every engine route: always a client error (a
//! signed JSON:API error below `/v1`), never a 5xx, and the Worker keeps answering.

use e2e::assert_signed;

use super::fixtures::Shop;

const TEMPLATES: &[&str] = &[
    "/engines/pypi/simple/{x}",
    "/engines/npm/{x}",
    "/engines/npm/@{x}/{x}",
    "/engines/oci/{x}/manifests/{x}",
    "/engines/oci/{x}/blobs/{x}",
    "/engines/oci/{x}/tags/list",
    "/engines/rubygems/info/{x}",
    "/engines/rubygems/gems/{x}",
];

#[test]
fn hostile_engine_paths_are_client_errors() {
    let shop = Shop::new();
    let long = "a".repeat(4000);
    let values = [
        "%00",
        "a%2F..%2F..",
        "%E0%A4%A",
        "@",
        "@%2f",
        "sha256:",
        "sha256:%00",
        "%20",
        "-",
        "_x",
        "UPPER",
        "x.gem",
        "-1.0.0.gem",
        &long,
        "%C0%AF",
        "%27%22%3B--",
    ];
    let lic = format!("License {}", shop.license_key);
    for t in TEMPLATES {
        for v in values {
            for auth in [Some(lic.as_str()), None] {
                let path = shop.acct.path(&t.replace("{x}", v));
                let mut headers = vec![("Accept", "*/*")];
                if let Some(a) = auth {
                    headers.push(("Authorization", a));
                }
                for method in ["GET", "HEAD"] {
                    let r = shop.c.raw(method, &path, &headers, None);
                    assert!((400..500).contains(&r.status), "{method} {t} with {:?}: {} {}", &v[..v.len().min(20)], r.status, r.text());
                    if method == "GET" {
                        assert_signed(&r, &shop.acct.public_key_hex);
                    }
                }
                let v2 = format!("/v2/{}/{}", shop.acct.id, t.trim_start_matches("/engines/oci/").replace("{x}", v));
                if t.starts_with("/engines/oci/") {
                    let r = shop.c.raw("GET", &v2, &headers, None);
                    assert!((400..500).contains(&r.status), "GET {v2}: {} {}", r.status, r.text());
                }
            }
        }
    }
    let r = shop.c.get(&shop.acct.path("/licenses"), shop.acct.admin(), None);
    r.assert_status(200);
}

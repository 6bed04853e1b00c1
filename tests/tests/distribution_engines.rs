//! Distribution engines on the real runtime: the Tauri updater endpoint and the raw engine,
//! a release's relations and the derived platforms/arches/channels/engines, and hostile
//! requests to the transfer links.

#[path = "distribution/support.rs"]
#[expect(dead_code, reason = "these tests need no policies or licenses")]
mod support;

use e2e::server;
use serde_json::json;
use support::{id, Dist};

/// The Tauri updater's documented dynamic-server contract: 200 with `version`, `url` and
/// `signature` (required), `pub_date` (RFC 3339) and `notes`; 204 when there is no update.
#[test]
fn tauri_and_raw_engines() {
    let d = Dist::new();
    let p = d.product("OPEN");
    let pkg = id(&d.admin_post(
        "/packages",
        json!({"data":{"type":"packages","attributes":{"name":"Desk","key":"desk","engine":"tauri"},
        "relationships":{"product":{"data":{"type":"products","id":p}}}}}),
    ));
    let rel = |v: &str, notes: &str| {
        id(&d.admin_post(
            "/releases",
            json!({"data":{"type":"releases","attributes":{"version":v,"channel":"stable","status":"PUBLISHED","description":notes},
            "relationships":{"product":{"data":{"type":"products","id":p}},"package":{"data":{"type":"packages","id":pkg}}}}}),
        ))
    };
    rel("1.0.0", "first");
    let r11 = rel("1.1.0", "second");
    for (name, attrs) in [
        ("desk_1.1.0_amd64.AppImage.tar.gz.sig", json!({"filetype":"sig","platform":"linux","arch":"x86_64"})),
        ("desk_1.1.0_amd64.AppImage", json!({"platform":"linux","arch":"x86_64","signature":"untrusted comment: sig"})),
        ("desk_1.1.0_amd64.AppImage.tar.gz", json!({"filetype":"gz","platform":"linux","arch":"x86_64","signature":"untrusted comment: tgz"})),
    ] {
        let (_, url) = d.artifact(&r11, name, attrs);
        d.put(&url, b"bin").assert_status(200);
    }
    let tauri = |q: &str| d.get(&format!("/engines/tauri/desk?{q}"), None);
    let r = tauri("platform=linux&arch=x86_64&version=1.0.0");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json["version"], "1.1.0");
    assert_eq!(r.json["notes"], "second");
    assert_eq!(r.json["signature"], "untrusted comment: tgz", "the .tar.gz wins over the bare file and .sig files are skipped");
    let url = r.json["url"].as_str().unwrap_or_default().to_owned();
    assert!(url.ends_with("/desk_1.1.0_amd64.AppImage.tar.gz"), "{url}");
    assert!(r.json["pub_date"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 24), "{}", r.json);
    // The url downloads (303 to a signed link).
    let path = url.strip_prefix(server().url()).unwrap_or_default();
    assert_eq!(d.c.get(path, None, None).status, 303);
    assert_eq!(tauri("platform=linux&arch=x86_64&version=1.1.0").status, 204, "up to date");
    assert_eq!(tauri("platform=darwin&arch=aarch64&version=1.0.0").status, 204, "no artifact for that target");
    assert_eq!(tauri("platform=linux&arch=x86_64&version=0.9.0").status, 204, "unknown current version");
    let missing = tauri("platform=linux&version=1.0.0");
    assert_eq!((missing.status, missing.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("arch")));
    // Raw: product/@package/release/artifact, release by tag or version; the query survives.
    d.c.patch(&d.acct.path(&format!("/releases/{r11}")), d.acct.admin(), Some(json!({"data":{"type":"releases","attributes":{"tag":"latest"}}})))
        .assert_status(200);
    let raw = d.get(&format!("/engines/raw/{p}/@desk/latest/desk_1.1.0_amd64.AppImage?auth=x"), None);
    assert_eq!(raw.status, 303, "{}", raw.text());
    let loc = raw.header("location").unwrap_or_default();
    assert!(loc.ends_with("/desk_1.1.0_amd64.AppImage?auth=x"), "{loc}");
    assert_eq!(d.get(&format!("/engines/raw/{p}/latest/desk_1.1.0_amd64.AppImage"), None).status, 404, "without @package: package-less releases only");
    assert_eq!(d.get(&format!("/engines/raw/{p}/desk/latest/x"), None).status, 404, "a package segment needs its @");
    // Relations and derived resources.
    assert_eq!(d.get(&format!("/releases/{r11}/package"), None).json["data"]["attributes"]["key"], "desk");
    assert_eq!(d.get(&format!("/releases/{r11}/product"), None).json["data"]["id"], p.as_str());
    let plats = d.get("/platforms", None);
    assert_eq!(plats.json["data"][0]["attributes"]["key"], "linux");
    let pid = plats.json["data"][0]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(d.get(&format!("/platforms/{pid}"), None).json["data"]["attributes"]["key"], "linux");
    assert_eq!(d.get("/arches/x86_64", None).status, 200);
    assert_eq!(d.get("/engines/tauri", None).json["data"]["attributes"]["key"], "tauri");
    assert_eq!(d.get("/channels", None).json["data"].as_array().map(Vec::len), Some(1));
}

/// A transfer request: target, method, headers.
type Case<'a> = (String, &'a str, Vec<(&'a str, &'a str)>);

/// The transfer links take hostile paths, methods and ranges without a 5xx.
#[test]
fn hostile_transfer_requests_are_client_errors() {
    let d = Dist::new();
    let p = d.product("OPEN");
    let (_, a) = d.uploaded(&p, "1.0.0", json!({}), b"0123456789");
    let loc = d.get(&format!("/artifacts/{a}"), None).header("location").unwrap_or_default().to_owned();
    let path = loc.strip_prefix(server().url()).unwrap_or_default().to_owned();
    let (base, query) = path.split_once('?').unwrap_or_default();
    let cases: Vec<Case> = vec![
        ("/v1/transfers/".to_owned(), "GET", vec![]),
        ("/v1/transfers/a/b/c/d".to_owned(), "GET", vec![]),
        (format!("{base}?{}", query.replace("expires=", "expires=x")), "GET", vec![]),
        (format!("{base}?expires=99999999999999999999999&signature=%FF"), "GET", vec![]),
        (base.replace("/download", "/upload") + "?" + query, "PUT", vec![]),
        (path.clone(), "POST", vec![]),
        (path.clone(), "DELETE", vec![]),
        (path.clone(), "GET", vec![("Range", "bytes=999999999999999999999-")]),
        (path.clone(), "GET", vec![("Range", "bytes=--1")]),
        (path.clone(), "GET", vec![("Range", "bytes=5-2,0-1")]),
        (format!("{}%00?{query}", base), "GET", vec![]),
    ];
    for (target, method, headers) in &cases {
        let r = d.c.raw(method, target, headers, None);
        assert!(r.status < 500, "{method} {target} {headers:?}: {} {}", r.status, r.text());
    }
    assert_eq!(d.get_url(&loc, &[]).body, b"0123456789".to_vec(), "still serving");
}

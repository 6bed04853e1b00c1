//! `latchkey release publish` against the release Worker on workerd: the built CLI creates a
//! DRAFT release and an artifact, PUTs the file to the 307's upload link, checks it UPLOADED and
//! publishes; the artifact downloads (through the 303) with the same bytes and SHA-256. A taken
//! version exits 1 with the API's error and creates nothing; a refused artifact exits 1 and
//! deletes the draft release the run created.

#[expect(dead_code, reason = "the shared CLI helpers offer more than this file uses")]
mod cli_support;

use cli_support::{bootstrap, Account, Cli};
use e2e::server;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// `n` bytes that do not repeat with any short period (an LCG), so misordered parts show.
fn bytes(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

fn setup() -> (Account, Cli, String) {
    let acct = bootstrap(None);
    let cli = Cli::new();
    cli.login(&acct);
    let product = acct.create("products", json!({"name": "App", "distributionStrategy": "LICENSED"}), json!({}));
    (acct, cli, product)
}

fn write(cli: &Cli, name: &str, body: &[u8]) -> String {
    let path = cli.dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.to_str().unwrap().to_owned()
}

fn releases(acct: &Account, product: &str) -> Vec<Value> {
    let r = acct.get(&format!("/releases?product={product}&limit=100"));
    r.assert_status(200);
    r.json["data"].as_array().cloned().unwrap_or_default()
}

#[test]
fn publish_uploads_through_the_link_and_the_artifact_downloads_byte_for_byte() {
    let (acct, cli, product) = setup();
    // Above 5 MiB: the Worker stores it as a multipart upload.
    let body = bytes(5 * 1024 * 1024 + 12_345);
    let sum = hex::encode(Sha256::digest(&body));
    let file = write(&cli, "app-1.0.0.tar.gz", &body);
    let out = cli
        .run(&[
            "release",
            "publish",
            &file,
            "--product",
            &product,
            "--version",
            "1.0.0",
            "--channel",
            "stable",
            "--platform",
            "linux",
            "--arch",
            "x86_64",
            "--json",
        ])
        .ok();
    let j = out.json();
    let (rid, aid) = (j["release"]["id"].as_str().unwrap().to_owned(), j["artifact"]["id"].as_str().unwrap().to_owned());
    assert_eq!(j["release"]["attributes"]["status"], "PUBLISHED", "{j}");
    assert_eq!(j["release"]["attributes"]["version"], "1.0.0");
    let a = &j["artifact"]["attributes"];
    assert_eq!((a["status"].as_str(), a["filesize"].as_u64(), a["checksum"].as_str()), (Some("UPLOADED"), Some(body.len() as u64), Some(sum.as_str())), "{j}");
    assert_eq!(
        (a["filename"].as_str(), a["filetype"].as_str(), a["platform"].as_str(), a["arch"].as_str()),
        (Some("app-1.0.0.tar.gz"), Some("gz"), Some("linux"), Some("x86_64"))
    );

    // The API agrees: one release, PUBLISHED, with this artifact.
    let shown = acct.get(&format!("/releases/{rid}"));
    shown.assert_status(200);
    assert_eq!(shown.json["data"]["attributes"]["status"], "PUBLISHED");
    let listed = acct.get(&format!("/releases/{rid}/artifacts"));
    assert_eq!(listed.json["data"].as_array().map(|a| a.iter().map(|x| x["id"].clone()).collect::<Vec<_>>()), Some(vec![json!(aid)]));

    // Download through the API: follow the 303 to the signed link and compare the bytes.
    let dl = acct.get(&format!("/artifacts/{aid}"));
    assert_eq!(dl.status, 303, "{}", dl.text());
    let loc = dl.header("location").unwrap().to_owned();
    let path = loc.strip_prefix(server().url()).unwrap_or_else(|| panic!("{loc} is not on this server"));
    let got = e2e::Client::new(server().url()).raw("GET", path, &[], None);
    assert_eq!(got.status, 200);
    assert_eq!(got.body.len(), body.len());
    assert!(got.body == body, "the downloaded bytes differ");
    assert_eq!(hex::encode(Sha256::digest(&got.body)), sum);

    // Table output, a package-less prerelease on another channel with a tag.
    let small = write(&cli, "app-1.1.0-beta.1.zip", b"zip bytes");
    let out = cli.run(&["release", "publish", &small, "--product", &product, "--version", "1.1.0-beta.1", "--channel", "beta", "--tag", "next"]).ok();
    for want in [
        "status: PUBLISHED",
        "version: 1.1.0-beta.1",
        "channel: beta",
        "filename: app-1.1.0-beta.1.zip",
        "filesize: 9",
        &format!("checksum: {}", hex::encode(Sha256::digest(b"zip bytes"))),
    ] {
        assert!(out.stdout.contains(want), "{want}: {out:?}");
    }
    let tagged = acct.get(&format!("/releases/next?product={product}"));
    assert_eq!((tagged.status, tagged.json["data"]["attributes"]["status"].as_str()), (200, Some("PUBLISHED")), "{}", tagged.text());
    assert_eq!(releases(&acct, &product).len(), 2);
}

#[test]
fn a_taken_version_or_a_refused_artifact_exits_1_and_leaves_no_release() {
    let (acct, cli, product) = setup();
    let file = write(&cli, "tool-2.0.0.tar.gz", &bytes(4096));
    let args = |v: &'static str, extra: &'static [&'static str]| -> Vec<String> {
        let mut a: Vec<String> = ["release", "publish", &file, "--product", &product, "--version", v, "--channel", "stable"].map(String::from).to_vec();
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a
    };
    let run = |a: Vec<String>| cli.run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let first = run(args("2.0.0", &["--json"])).ok().json();
    let artifacts = || acct.get(&format!("/artifacts?product={product}")).json["data"].as_array().map_or(0, Vec::len);

    // Re-running for the same version: the API's 422 VERSION_TAKEN, no second release or artifact.
    let again = run(args("2.0.0", &[]));
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("code: VERSION_TAKEN") && again.stderr.contains("source: pointer /data/attributes/version"), "{again:?}");
    let rs = releases(&acct, &product);
    assert_eq!((rs.len(), &rs[0]["id"], rs[0]["attributes"]["status"].as_str()), (1, &first["release"]["id"], Some("PUBLISHED")));
    assert_eq!(artifacts(), 1);

    // The artifact is refused after the draft exists (filetype against the filename): exit 1,
    // the error printed, and the draft this run created deleted.
    let refused = run(args("2.1.0", &["--filetype", "zip"]));
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("POST") && refused.stderr.contains("/artifacts answered 422"), "{refused:?}");
    assert!(refused.stderr.contains("source: pointer /data/attributes/filename") && refused.stderr.contains("deleted the draft release"), "{refused:?}");
    assert_eq!(acct.get(&format!("/releases/2.1.0?product={product}")).status, 404);
    assert_eq!((releases(&acct, &product).len(), artifacts()), (1, 1));

    // An unknown product: the API's 422 before anything exists; a missing file and a missing
    // option never reach the API.
    let foreign = run(["release", "publish", &file, "--product", "00000000-0000-4000-8000-000000000000", "--version", "9.0.0", "--channel", "stable"]
        .map(String::from)
        .to_vec());
    assert_eq!(foreign.code, 1, "{foreign:?}");
    assert!(foreign.stderr.contains("code: PRODUCT_NOT_FOUND") || foreign.stderr.contains("code: NOT_FOUND"), "{foreign:?}");
    let missing = cli.run(&["release", "publish", "/nonexistent/x.zip", "--product", &product, "--version", "3.0.0", "--channel", "stable"]);
    assert_eq!(missing.code, 3, "{missing:?}");
    assert_eq!(cli.run(&["release", "publish", &file, "--product", &product, "--version", "3.0.0"]).code, 2);
    assert_eq!(releases(&acct, &product).len(), 1);
}

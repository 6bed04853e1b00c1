//! A product's distribution relations on the real runtime (Keygen's
//! `products/relationships/release_*`): `GET /products/{id}/releases|packages|artifacts|
//! platforms|arches|channels|engines[/{id}]` answer the top-level lists and shows narrowed to
//! the product, a member of another product is 404, a caller's own `product` filter never
//! widens them, and who may read them is who may read the product.

#[path = "distribution/support.rs"]
#[expect(dead_code, reason = "these tests download through the relation, not get_url or uploaded")]
mod support;

use serde_json::{json, Value};
use support::{id, Dist};

/// A product with a package of `engine`, a release `version` on `channel` and one uploaded
/// artifact `file` for `platform`/`arch`: (product, package, release, artifact).
fn shop(d: &Dist, engine: &str, (version, channel): (&str, &str), file: &str, platform: &str, arch: &str) -> (String, String, String, String) {
    let p = d.product("LICENSED");
    let key = format!("pkg-{engine}-{}", &p[..8]);
    let pkg = id(&d.admin_post(
        "/packages",
        json!({"data":{"type":"packages","attributes":{"name":"Pkg","key":key,"engine":engine},
        "relationships":{"product":{"data":{"type":"products","id":p}}}}}),
    ));
    let r = d.release(&p, version, channel, json!({}));
    let (a, url) = d.artifact(&r, file, json!({"platform":platform,"arch":arch}));
    d.put(&url, b"bytes").assert_status(200);
    (p, pkg, r, a)
}

fn ids(v: &Value) -> Vec<String> {
    v["data"].as_array().map(|a| a.iter().filter_map(|x| x["id"].as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn keys(v: &Value) -> Vec<String> {
    v["data"].as_array().map(|a| a.iter().filter_map(|x| x["attributes"]["key"].as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

#[test]
fn a_products_distribution_relations_are_its_own() {
    let d = Dist::new();
    let (a, a_pkg, a_rel, a_art) = shop(&d, "pypi", ("1.0.0", "stable"), "a.bin", "linux", "x86_64");
    let (b, b_pkg, b_rel, b_art) = shop(&d, "npm", ("2.0.0-beta.1", "beta"), "b.bin", "darwin", "arm64");
    let admin = d.acct.admin();
    let get = |path: &str| d.get(path, admin);

    // Lists: the product's only, whatever `product` the caller adds.
    assert_eq!(ids(&get(&format!("/products/{a}/releases")).json), vec![a_rel.clone()]);
    assert_eq!(ids(&get(&format!("/products/{a}/releases?product={b}")).json), vec![a_rel.clone()]);
    assert_eq!(ids(&get(&format!("/products/{a}/packages")).json), vec![a_pkg.clone()]);
    assert_eq!(ids(&get(&format!("/products/{b}/packages")).json), vec![b_pkg.clone()]);
    assert_eq!(ids(&get(&format!("/products/{a}/artifacts")).json), vec![a_art.clone()]);
    assert_eq!(ids(&get(&format!("/products/{b}/artifacts?product={a}")).json), vec![b_art.clone()]);
    for (rel, want_a, want_b) in [("platforms", "linux", "darwin"), ("arches", "x86_64", "arm64"), ("channels", "stable", "beta"), ("engines", "pypi", "npm")] {
        assert_eq!(keys(&get(&format!("/products/{a}/{rel}")).json), vec![want_a.to_owned()], "{rel}");
        assert_eq!(keys(&get(&format!("/products/{b}/{rel}")).json), vec![want_b.to_owned()], "{rel}");
        // The top-level list holds both; a member is found by key or derived id.
        assert_eq!(keys(&get(&format!("/{rel}")).json).len(), 2, "{rel}");
        let one = get(&format!("/products/{a}/{rel}/{want_a}"));
        assert_eq!((one.status, one.json["data"]["attributes"]["key"].as_str()), (200, Some(want_a)), "{rel}: {}", one.text());
        let by_id = one.json["data"]["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(get(&format!("/products/{a}/{rel}/{by_id}")).status, 200, "{rel} by id");
        assert_eq!(get(&format!("/products/{a}/{rel}/{want_b}")).status, 404, "{rel}: another product's");
    }

    // Members: the product's, by id (or version, as /releases/{id}); another product's is 404.
    let r = get(&format!("/products/{a}/releases/1.0.0"));
    assert_eq!((r.status, r.json["data"]["id"].as_str()), (200, Some(a_rel.as_str())), "{}", r.text());
    assert_eq!(get(&format!("/products/{a}/releases/{b_rel}")).status, 404);
    assert_eq!(get(&format!("/products/{a}/packages/{a_pkg}")).status, 200);
    assert_eq!(get(&format!("/products/{a}/packages/{b_pkg}")).status, 404);
    let art = get(&format!("/products/{a}/artifacts/{a_art}"));
    assert_eq!(art.status, 303, "a download, as GET /artifacts/{{id}}: {}", art.text());
    assert!(art.header("location").is_some());
    // `ttl` as at `GET /artifacts/{id}`: bounded, named in the error.
    let bad = get(&format!("/products/{a}/artifacts/{a_art}?ttl=5"));
    assert_eq!((bad.status, bad.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("ttl")), "{}", bad.text());
    assert_eq!(get(&format!("/products/{a}/artifacts/{b_art}")).status, 404);
    assert_eq!(get(&format!("/products/{a}/artifacts/b.bin")).status, 404, "by filename too");
    // A filename both products use: each product's own, though B's release is the newer version.
    let mut same = Vec::new();
    for rel in [&a_rel, &b_rel] {
        let (art, url) = d.artifact(rel, "same.bin", json!({}));
        d.put(&url, b"same").assert_status(200);
        same.push(art);
    }
    for (product, want) in [(&a, &same[0]), (&b, &same[1])] {
        let r = get(&format!("/products/{product}/artifacts/same.bin"));
        assert_eq!((r.status, r.json["data"]["id"].as_str()), (303, Some(want.as_str())), "{}", r.text());
    }

    // Who: a license of product A reads A's, not B's (B is someone else's product: 404);
    // anonymous callers are asked for credentials; an unknown product is 404.
    let pol = d.policy(&a, json!({}));
    let (_, token) = d.license(&pol, json!({}));
    let mine = d.get(&format!("/products/{a}/releases"), Some(&token));
    assert_eq!((mine.status, ids(&mine.json)), (200, vec![a_rel.clone()]), "{}", mine.text());
    assert_eq!(d.get(&format!("/products/{a}/platforms"), Some(&token)).status, 200);
    assert_eq!(d.get(&format!("/products/{b}/releases"), Some(&token)).status, 404);
    assert_eq!(d.get(&format!("/products/{b}/artifacts/{b_art}"), Some(&token)).status, 404);
    assert_eq!(d.get(&format!("/products/{a}/releases"), None).status, 401);
    assert_eq!(get("/products/00000000-0000-4000-8000-000000000000/channels").status, 404);
}

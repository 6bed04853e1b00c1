//! Every link Latchkey renders resolves: one of every resource (the access-table fixtures, with
//! the license, user and machine given a group and an owner), each resource's document fetched
//! as admin, and EVERY `links.self` and `relationships.*.links.related` it renders followed as
//! admin: each must answer 200 (never 404 or 405). Then a few related documents are checked for
//! what they hold, so a route that answers 200 with the wrong resource fails too.

#[path = "access/world.rs"]
mod world;

use serde_json::{json, Value};
use world::World;

/// The documents whose links are followed (one per resource type that has a route).
const DOCUMENTS: &[&str] = &[
    "",
    "/products/{PA}",
    "/policies/{POLA}",
    "/users/{U}",
    "/licenses/{LA}",
    "/machines/{MA}",
    "/processes/{PRA}",
    "/components/{CA}",
    "/entitlements/{E}",
    "/groups/{G}",
    "/tokens/{TPA}",
    "/tokens/{TLA}",
    "/webhook-endpoints/{W}",
    "/event-logs/{EV}",
];

/// Every link a resource object renders: its `links.self` and each relationship's `related`.
fn links_of(resource: &Value) -> Vec<String> {
    let mut out: Vec<String> = resource["links"]["self"].as_str().map(str::to_owned).into_iter().collect();
    if let Some(rels) = resource["relationships"].as_object() {
        out.extend(rels.values().filter_map(|r| r["links"]["related"].as_str().map(str::to_owned)));
    }
    out
}

fn world() -> World {
    let w = World::new();
    // Give the license, the user and the machine a group and an owner, so that to-one links
    // with data are followed too.
    w.send("PUT", "/licenses/{LA}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, 0).assert_status(200);
    w.send("PUT", "/users/{U}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, 0).assert_status(200);
    w.send("PUT", "/machines/{MA}/owner", r#"{"data":{"type":"users","id":"{U}"}}"#, 0).assert_status(200);
    w.send("PUT", "/machines/{MA}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, 0).assert_status(200);
    w
}

#[test]
fn every_rendered_link_answers_200() {
    let w = world();
    let mut followed = 0;
    let mut failures = Vec::new();
    for doc in DOCUMENTS {
        let r = w.send("GET", doc, "", 0);
        r.assert_status(200);
        for link in links_of(&r.json["data"]) {
            let l = w.c.get(&link, w.acct.admin(), None);
            followed += 1;
            if l.status != 200 {
                failures.push(format!("{link} (from {doc}): {} {}", l.status, l.json["errors"][0]));
            }
        }
    }
    assert!(followed > 60, "only {followed} links followed");
    assert!(failures.is_empty(), "{} of {followed} links do not resolve:\n{}", failures.len(), failures.join("\n"));
}

/// The related documents hold the related resources (not merely a 200).
#[test]
fn related_documents_hold_the_related_resources() {
    let w = world();
    let get = |path: &str| w.send("GET", path, "", 0).assert_status(200).json.clone();
    let one = |path: &str| get(path)["data"]["id"].as_str().map(str::to_owned);
    let ids = |path: &str| -> Vec<String> {
        get(path)["data"].as_array().map(|a| a.iter().filter_map(|r| r["id"].as_str().map(str::to_owned)).collect()).unwrap_or_default()
    };
    let id = |k: &str| w.id(k).to_owned();
    for (path, want) in [
        ("/licenses/{LA}/product", "PA"),
        ("/licenses/{LA}/group", "G"),
        ("/licenses/{LA}/owner", "U"),
        ("/machines/{MA}/product", "PA"),
        ("/machines/{MA}/group", "G"),
        ("/machines/{MA}/owner", "U"),
        ("/processes/{PRA}/machine", "MA"),
        ("/processes/{PRA}/license", "LA"),
        ("/processes/{PRA}/product", "PA"),
        ("/components/{CA}/machine", "MA"),
        ("/components/{CA}/license", "LA"),
        ("/components/{CA}/product", "PA"),
        ("/policies/{POLA}/product", "PA"),
        ("/users/{U}/group", "G"),
    ] {
        assert_eq!(one(path), Some(id(want)), "{path}");
    }
    for (path, want) in [
        ("/machines/{MA}/components", "CA"),
        ("/machines/{MA}/processes", "PRA"),
        ("/users/{U}/licenses", "LA"),
        ("/users/{U}/machines", "MA"),
        ("/users/{U}/products", "PA"),
        ("/products/{PA}/policies", "POLA"),
        ("/products/{PA}/licenses", "LA"),
        ("/products/{PA}/machines", "MA"),
        ("/products/{PA}/users", "U"),
        ("/products/{PA}/tokens", "TPA"),
        ("/policies/{POLA}/licenses", "LA"),
    ] {
        assert!(ids(path).contains(&id(want)), "{path} lacks {want}: {:?}", ids(path));
    }
    // The per-child reads: a member answers; a non-member is 404.
    for path in [
        "/machines/{MA}/processes/{PRA}",
        "/machines/{MA}/components/{CA}",
        "/licenses/{LA}/machines/{MA}",
        "/users/{U}/licenses/{LA}",
        "/products/{PA}/policies/{POLA}",
        "/products/{PA}/licenses/{LA}",
        "/products/{PA}/machines/{MA}",
        "/policies/{POLA}/licenses/{LA}",
        "/groups/{G}/licenses/{LA}",
        "/groups/{G}/machines/{MA}",
        "/products/{PA}/tokens/{TPA}",
    ] {
        let last = path.rsplit('{').next().unwrap_or_default().trim_end_matches('}');
        assert_eq!(one(path), Some(id(last)), "{path}");
    }
    for path in ["/users/{V}/licenses/{LA}", "/policies/{POLA2}/licenses/{LA}", "/machines/{MA}/processes/{NONE}", "/users/{U}/tokens/{TPA}"] {
        assert_eq!(w.send("GET", path, "", 0).status, 404, "{path}");
    }
    // Filters never leak: user V has no license of product A, and policy A2 has no license.
    assert!(!ids("/products/{PA}/users").contains(&id("V")));
    assert!(ids("/policies/{POLA2}/licenses").is_empty());
    // A to-one without data renders `data: null` with 200.
    w.send("PUT", "/machines/{MA}/group", r#"{"data":null}"#, 0).assert_status(200);
    assert_eq!(get("/machines/{MA}/group")["data"], json!(null));
}

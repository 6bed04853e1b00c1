//! The eight bearers of `access.rs`'s table in cases one row cannot hold: a product token
//! trying to become an admin, a machine owner named by email (resolved or refused, never a
//! 500), and a user checking out its license once the license is suspended.

use serde_json::json;

use super::world::{uniq, World};

#[test]
fn a_product_token_cannot_become_an_admin() {
    let w = World::new();
    let pa = w.tokens[1].clone();
    // Make the account's admin an owner of a product A license (a product may set owners)...
    let body = json!({"data":{"type":"users","id":w.acct.admin_id}});
    let r = w.c.put(&w.acct.path(&format!("/licenses/{}/owner", w.id("LA"))), pa.as_deref(), Some(body));
    r.assert_status(200);
    // ...and ask for its token: refused, and no admin token was minted.
    let r = w.c.post(&w.acct.path(&format!("/users/{}/tokens", w.acct.admin_id)), pa.as_deref(), None);
    assert_eq!((r.status, r.error_code()), (404, Some("NOT_FOUND")), "{}", r.json);
    let r = w.c.get(&w.acct.path(&format!("/tokens?bearer[type]=users&bearer[id]={}", w.acct.admin_id)), w.acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().map_or(0, Vec::len), 1, "only the bootstrap token");
    // Nor create or promote an admin.
    let r = w.c.post(&w.acct.path("/users"), pa.as_deref(), Some(json!({"data":{"type":"users","attributes":{"email":"evil@example.com","role":"admin"}}})));
    assert_eq!(r.status, 403);
    let r = w.c.patch(&w.acct.path(&format!("/users/{}", w.id("U"))), pa.as_deref(), Some(json!({"data":{"type":"users","attributes":{"role":"admin"}}})));
    assert_eq!(r.status, 403);
    let r = w.c.get(&w.acct.path(&format!("/users/{}", w.id("U"))), w.acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["role"], "user");
}

#[test]
fn a_machine_owner_by_email_is_resolved_or_refused_never_a_500() {
    let w = World::new();
    let activate = |owner: &str| {
        let body = json!({"data":{"type":"machines","attributes":{"fingerprint":uniq()},"relationships":{
            "license":{"data":{"type":"licenses","id":w.id("LA")}},"owner":{"data":{"type":"users","id":owner}}}}});
        w.c.post(&w.acct.path("/machines"), w.acct.admin(), Some(body))
    };
    let r = activate(w.id("U_EMAIL"));
    assert_eq!(r.assert_status(201).json["data"]["relationships"]["owner"]["data"]["id"], w.id("U"));
    let r = activate("nobody@example.com");
    assert_eq!((r.status, r.error_code()), (422, Some("OWNER_NOT_FOUND")));
    let r = activate(w.id("V"));
    assert_eq!((r.status, r.error_code()), (422, Some("OWNER_INVALID")));
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/relationships/owner");
}

#[test]
fn a_user_cannot_check_out_a_suspended_license() {
    let w = World::new();
    let u = w.tokens[3].clone();
    let path = w.acct.path(&format!("/licenses/{}/actions/check-out", w.id("LA")));
    w.c.post(&path, u.as_deref(), None).assert_status(200);
    w.c.post(&w.acct.path(&format!("/licenses/{}/actions/suspend", w.id("LA"))), w.acct.admin(), None).assert_status(200);
    assert_eq!(w.c.post(&path, u.as_deref(), None).status, 403);
    assert_eq!(w.c.get(&path, u.as_deref(), None).status, 403);
    let m = w.acct.path(&format!("/machines/{}/actions/check-out", w.id("MA")));
    assert_eq!(w.c.post(&m, u.as_deref(), None).status, 403);
    w.c.post(&path, w.acct.admin(), None).assert_status(200);
}

//! D1 read replicas on the real runtime (the Sessions API): every account-scoped response
//! carries the session's bookmark in `Latchkey-D1-Bookmark`; a client that sends it back reads
//! its own writes; a garbage bookmark neither pins nor breaks a session.

use e2e::{assert_signed, server, Resp, TestAccount};
use serde_json::json;

const BOOKMARK: &str = "Latchkey-D1-Bookmark";

fn get(acct: &TestAccount, path: &str, bookmark: Option<&str>) -> Resp {
    let auth = format!("Bearer {}", acct.admin_token);
    let mut headers = vec![("Accept", "application/vnd.api+json"), ("Authorization", auth.as_str())];
    headers.extend(bookmark.map(|b| (BOOKMARK, b)));
    let resp = server().client().raw("GET", &acct.path(path), &headers, None);
    assert_signed(&resp, &acct.public_key_hex);
    resp
}

#[test]
fn a_write_returns_a_bookmark_that_reads_it_back() {
    let acct = server().bootstrap_account();
    let body = json!({"data": {"type": "products", "attributes": {"name": "edge"}}});
    let created = acct.client().post(&acct.path("/products"), acct.admin(), Some(body));
    created.assert_status(201);
    let bookmark = created.header(BOOKMARK).unwrap_or_else(|| panic!("no bookmark on a write: {:?}", created.headers)).to_owned();
    assert!(!bookmark.is_empty());
    let id = created.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let read = get(&acct, &format!("/products/{id}"), Some(&bookmark));
    read.assert_status(200);
    assert_eq!(read.json["data"]["id"], id.as_str());
    assert!(read.header(BOOKMARK).is_some(), "no bookmark on a read: {:?}", read.headers);
}

#[test]
fn garbage_bookmarks_are_ignored() {
    let acct = server().bootstrap_account();
    let long = "0".repeat(4096);
    for garbage in ["first-primary", "first-unconstrained", "not a bookmark", "zz-zz", long.as_str(), "-"] {
        let resp = get(&acct, "/products", Some(garbage));
        assert_eq!(resp.status, 200, "bookmark {garbage:?}: {}", resp.text());
        assert!(resp.header(BOOKMARK).is_some_and(|b| b != garbage), "bookmark {garbage:?}: {:?}", resp.headers);
    }
}

#[test]
fn validation_answers_carry_a_bookmark() {
    let acct = server().bootstrap_account();
    let body = json!({"meta": {"key": "NO-SUCH-KEY"}});
    let resp = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(body));
    resp.assert_status(200);
    assert_eq!(resp.json["meta"]["code"], "NOT_FOUND");
    assert!(resp.header(BOOKMARK).is_some(), "{:?}", resp.headers);
}

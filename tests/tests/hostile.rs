//! Hostile input on the real runtime: every route, as admin and anonymous, gets malformed and
//! adversarial bodies and query strings. Every answer must be a signed 4xx JSON:API error (never
//! a 5xx, never a dead isolate), and the Worker must still answer afterwards.
//!
//! The corpora and tests live under `hostile/`, one module per kind of input: `routes.rs` and
//! `reads.rs` (the routes they are sent to), `bodies.rs` (hostile bodies), `queries.rs` (hostile
//! query strings), `headers.rs` (hostile headers and selectors), `ids.rs` (ids and bounds) and
//! `attributes.rs` (hostile attributes that must write nothing). This file keeps the checks
//! they share.

#[path = "hostile/attributes.rs"]
mod attributes;
#[path = "hostile/bodies.rs"]
mod bodies;
#[path = "hostile/headers.rs"]
mod headers;
#[path = "hostile/ids.rs"]
mod ids;
#[path = "hostile/queries.rs"]
mod queries;
#[path = "hostile/reads.rs"]
mod reads;
#[path = "hostile/routes.rs"]
mod routes;

use e2e::{assert_signed, Resp, TestAccount};

fn assert_client_error(acct: &TestAccount, r: &Resp, what: &str) {
    assert!((400..500).contains(&r.status), "{what}: answered {} {}", r.status, r.text().chars().take(300).collect::<String>());
    assert_signed(r, &acct.public_key_hex);
    let code = r.json["errors"][0]["code"].as_str();
    assert!(code.is_some_and(|c| !c.is_empty()), "{what}: no JSON:API error code in {}", r.text().chars().take(300).collect::<String>());
}

fn assert_alive(acct: &TestAccount) {
    let r = acct.client().get(&acct.path("/licenses"), acct.admin(), None);
    r.assert_status(200);
}

//! Hostile query strings: the corpora (bad pagination, bad values for each list's filters,
//! noise around the parameters) and their tests on every read and every export. Every answer
//! is a signed 4xx, or a signed success where the parameter is ignored; never a 5xx.

use e2e::{assert_signed, server};

use super::reads::{LISTS, READS};
use super::{assert_alive, assert_client_error};

/// Pagination with bad values: a 4xx on every list.
const PAGE_QUERIES: &[&str] = &["page[size]=-1", "page[number]=99999999999999999999", "page[size]=1e3&page[number]=1", "limit=%00", "limit=-5"];

/// License list filters with bad values: a 4xx on `GET /licenses`.
const LICENSE_QUERIES: &[&str] = &[
    "metadata[a%22b]=1",
    "metadata[%C3%A9%FF]=1",
    "status=%FF%FE",
    "expires[before]=2024-01-01T00:00:00%2Ba%C3%A900",
    "expires[within]=99999999999999999999d",
    "suspended=maybe",
    // Query operators.
    "created[gt]=%FF%FE",
    "expiry%5Blte%5D=2024-13-45T99:99:99Z",
    "lastValidated[lt]=1e999",
    "status[in]=ACTIVE,%27)%20OR%201=1--",
    "status[in]=",
    // Keygen's further scopes (issue 8).
    "activations[gt]=x",
    "activations[eq]=1e3",
    "activity[inside]=%FF%FE",
    "activity[before]=yesterday",
    "expires[on]=2024-13-01",
    "expired[within]=soon",
    "expired[after]=%27--",
    "assigned=maybe",
    "unassigned=2",
    "activated=%00",
    "expiring=maybe",
];

/// Process list filters (issue 8, Keygen's `status`) with bad values: a 4xx on `GET /processes`.
const PROCESS_QUERIES: &[&str] = &["status=zombie", "status=%27%20OR%201=1--", "status=%FF"];

/// Event-log filters (issue 8, Keygen's `whodunnit` and `resource`) with bad values: a 4xx on
/// `GET /event-logs`.
const EVENT_LOG_QUERIES: &[&str] = &["whodunnit[type]=", "whodunnit=%20", "resource[id]=", "date[start]=soon"];

/// Activation-log filters (query operators) with bad values: a 4xx on `GET /activation-logs`.
const ACTIVATION_LOG_QUERIES: &[&str] =
    &["created[gt]=%FF%FE", "created%5Blte%5D=2024-13-45T99:99:99Z", "created[lt]=1e999", "action=%00", "action=activated%27--"];

// Signed exports in parts (issue 10 follow-up, c10): bad `limit` / `cursor` values, a 400
// naming the parameter on every export.
const EXPORT_PART_QUERIES: &[&str] = &[
    "limit=0",
    "limit=5001",
    "limit=-1",
    "limit=1e3",
    "limit=%00",
    "cursor=",
    "cursor=%FF%FE",
    "cursor=1.%27--",
    "cursor=99999999999999999.x",
    "cursor=1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];
// end signed exports

/// Request-log filters (issue 8) with bad values: a 4xx on `GET /request-logs`.
const REQUEST_LOG_QUERIES: &[&str] = &[
    "status=abc",
    "status=99999999999999999999",
    "date[start]=2024-01-01",
    "date[start]=%FF&date[end]=2024-01-02",
    "date[start]=2024-01-01&date[end]=2099-01-01",
    "url=",
    "ip=%20",
    "requestor[id]=",
];

/// Organization filters (issue 10 §7) with bad values: a 4xx on `GET /organizations`.
const ORGANIZATION_QUERIES: &[&str] = &["created[gt]=%FF%FE", "created%5Blte%5D=2024-13-45T99:99:99Z", "created[lt]=1e999", "updated[gte]=soon"];

/// Query strings that are noise around the parameters: never a 5xx.
/// (`request`: the event log's Keygen scope, issue 8, any string: a part of a request id.)
const NOISY_QUERIES: &[&str] =
    &["%zz=%%&&=&%", "a=%E0%A4%A&b=%C0%AF", "product=%00%01%02", "user=%22%27%3B--", "metadata%5Bx%5D=%5B%5D", "request=%27%20OR%201=1--%25_", "request=%00"];

/// Exports: hostile query strings answer a signed 4xx, or a signed CSV (the client verifies
/// every response's signature); never a 5xx.
#[test]
fn hostile_queries_on_exports_are_never_server_errors() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let long = format!("product={}", "x".repeat(8_000));
    for route in ["/activation-logs/export", "/trial-activations/export", "/licenses/export", "/machines/export", "/users/export", "/event-logs/export"] {
        let queries = NOISY_QUERIES.iter().chain(PAGE_QUERIES).chain(ACTIVATION_LOG_QUERIES).copied().chain([long.as_str()]);
        for q in queries {
            for auth in [acct.admin(), None] {
                let r = c.get(&format!("{}?{q}", acct.path(route)), auth, None);
                assert!(r.status < 500, "GET {route}?{}: answered {} {}", &q[..q.len().min(60)], r.status, r.text());
                if r.status >= 400 {
                    assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
                } else {
                    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"), "GET {route}?{q}");
                }
            }
        }
        for q in LICENSE_QUERIES.iter().filter(|_| route.starts_with("/licenses")) {
            let r = c.get(&format!("{}?{q}", acct.path(route)), acct.admin(), None);
            assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
        }
        for q in ACTIVATION_LOG_QUERIES.iter().filter(|_| route.starts_with("/activation-logs")) {
            let r = c.get(&format!("{}?{q}", acct.path(route)), acct.admin(), None);
            assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
        }
        // Signed exports in parts (c10).
        for q in EXPORT_PART_QUERIES {
            let r = c.get(&format!("{}?{q}", acct.path(route)), acct.admin(), None);
            assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
            let param = q.split('=').next().unwrap_or_default();
            assert_eq!(r.json["errors"][0]["source"]["parameter"].as_str(), Some(param), "GET {route}?{q}");
        }
    }
    assert_alive(&acct);
}

#[test]
fn hostile_queries_on_every_read_are_never_server_errors() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let missing = "00000000-0000-4000-8000-000000000000";
    let long = format!("product={}", "x".repeat(8_000));
    for route in READS {
        let base = acct.path(&route.replace("{id}", missing));
        // A list parses its page (and /licenses its filters); other reads ignore them.
        let list = LISTS.contains(route);
        let must_refuse: Vec<&str> = match (list, *route) {
            (true, "/licenses") => PAGE_QUERIES.iter().chain(LICENSE_QUERIES).copied().collect(),
            // List scopes (issue 8): processes' status, event logs' whodunnit and resource.
            (true, "/processes") => PAGE_QUERIES.iter().chain(PROCESS_QUERIES).copied().collect(),
            (true, "/event-logs") => PAGE_QUERIES.iter().chain(EVENT_LOG_QUERIES).copied().collect(),
            // Activation logs: query operators with bad values.
            (true, "/activation-logs") => PAGE_QUERIES.iter().chain(ACTIVATION_LOG_QUERIES).copied().collect(),
            // Request logs (issue 8): Keygen's filters with bad values.
            (true, "/request-logs") => PAGE_QUERIES.iter().chain(REQUEST_LOG_QUERIES).copied().collect(),
            // Organizations (issue 10 §7): created/updated operators with bad values.
            (true, "/organizations") => PAGE_QUERIES.iter().chain(ORGANIZATION_QUERIES).copied().collect(),
            // Resellers (issue 10 §7): the same operators.
            (true, "/resellers") => PAGE_QUERIES.iter().chain(ORGANIZATION_QUERIES).copied().collect(),
            (true, _) => PAGE_QUERIES.to_vec(),
            (false, _) => Vec::new(),
        };
        for auth in [acct.admin(), None] {
            for q in &must_refuse {
                let r = c.get(&format!("{base}?{q}"), auth, None);
                assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
            }
            let noise = NOISY_QUERIES.iter().chain(PAGE_QUERIES).chain(LICENSE_QUERIES).copied().chain([long.as_str()]);
            for q in noise.filter(|q| !must_refuse.contains(q)) {
                let r = c.get(&format!("{base}?{q}"), auth, None);
                assert!(r.status < 500, "GET {route}?{}: answered {} {}", &q[..q.len().min(60)], r.status, r.text());
                assert_signed(&r, &acct.public_key_hex);
            }
        }
    }
    assert_alive(&acct);
}

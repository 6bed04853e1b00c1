//! The route table's pure part: matching, precedence, 404 vs 405, path decoding, and the
//! endpoint list of `docs/API.md` (regenerate it with `LATCHKEY_REGENERATE_DOCS=1 cargo test -p
//! functions routes`).

use super::{decode, decode_all, find, markdown, split, Match, ROUTES};

fn segs(path: &str) -> Vec<String> {
    decode_all(&split(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn outcome(method: &str, path: &str) -> &'static str {
    match find(ROUTES, method, &segs(path)) {
        Match::Found(r, _) => r.pattern,
        Match::MethodNotAllowed => "405",
        Match::NotFound => "404",
    }
}

#[test]
fn served_paths_answer_their_row_or_405_and_others_404() {
    for (m, p, want) in [
        ("GET", "/", "/"),
        ("GET", "/licenses", "/licenses"),
        ("GET", "/licenses/abc", "/licenses/{id}"),
        ("POST", "/licenses/abc/actions/suspend", "/licenses/{id}/actions/suspend"),
        ("GET", "/licenses/abc/actions/check-out", "/licenses/{id}/actions/check-out"),
        ("POST", "/licenses/actions/validate-key", "/licenses/actions/validate-key"),
        ("GET", "/licenses/abc/tokens/t1", "/licenses/{id}/tokens/{token}"),
        ("PUT", "/licenses/abc/policy", "/licenses/{id}/policy"),
        ("PATCH", "/licenses/abc/policy", "/licenses/{id}/policy"),
        ("POST", "/machines/m1/actions/ping-heartbeat", "/machines/{id}/actions/ping-heartbeat"),
        ("POST", "/users/u1/actions/ban", "/users/{id}/actions/ban"),
        ("GET", "/groups/g1/machines", "/groups/{id}/machines"),
        ("POST", "/webhook-events/e1/actions/retry", "/webhook-events/{id}/actions/retry"),
        ("DELETE", "/licenses/abc/actions/revoke", "/licenses/{id}/actions/revoke"),
        // A served path with another method: 405.
        ("POST", "/licenses/abc", "405"),
        ("GET", "/licenses/abc/actions/suspend", "405"),
        ("GET", "/licenses/actions/validate-key", "405"),
        ("DELETE", "/event-logs", "405"),
        ("POST", "/webhook-endpoints/w1", "405"),
        // No such path: 404.
        ("GET", "/nope", "404"),
        ("GET", "/licenses/abc/bogus", "404"),
        ("POST", "/licenses/abc/actions/bogus", "404"),
        ("POST", "/licenses/abc/actions", "404"),
        ("GET", "/licenses/abc/tokens/t1/x", "404"),
        ("POST", "/machines/m1/actions/suspend", "404"),
        ("GET", "/products/p1/entitlements", "404"),
        ("GET", "/licenses//tokens", "404"),
    ] {
        assert_eq!(outcome(m, p), want, "{m} {p}");
    }
}

#[test]
fn validate_key_precedes_the_license_id_rows() {
    let Match::Found(r, params) = find(ROUTES, "POST", &segs("/licenses/actions/validate-key")) else { panic!("validate-key not found") };
    assert_eq!(r.pattern, "/licenses/actions/validate-key");
    assert_eq!(params.at(0), "");
}

/// Every row answers for a path built from its own pattern: no row is shadowed by an earlier one.
#[test]
fn no_row_is_shadowed() {
    for r in ROUTES {
        let path = r.pattern.replace("{id}", "x1").replace("{token}", "x2");
        for m in r.methods {
            match find(ROUTES, m, &segs(&path)) {
                Match::Found(found, _) => assert!(std::ptr::eq(found, r), "{m} {} is answered by {}", r.pattern, found.pattern),
                _ => panic!("{m} {} not found", r.pattern),
            }
        }
    }
}

#[test]
fn rows_are_well_formed() {
    for r in ROUTES {
        assert!(r.pattern.starts_with('/'), "{}", r.pattern);
        assert!(!r.methods.is_empty(), "{}", r.pattern);
        for m in r.methods {
            // HEAD: the OCI registry's manifests and blobs (package engines, issue 9).
            assert!(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].contains(m), "{m} {}", r.pattern);
        }
    }
}

#[test]
fn captured_params_are_decoded_once() {
    let Match::Found(r, p) = find(ROUTES, "GET", &segs("/machines/a%2Fb%2B%25%20c")) else { panic!("no match") };
    assert_eq!(r.pattern, "/machines/{id}");
    assert_eq!(p.at(0), "a/b+% c");
    // `%2525` decodes to `%25`, not further to `%`.
    let Match::Found(_, p) = find(ROUTES, "GET", &segs("/licenses/KEY%2B1%2525")) else { panic!("no match") };
    assert_eq!(p.at(0), "KEY+1%25");
    let Match::Found(r, p) = find(ROUTES, "GET", &segs("/licenses/L%2F1/tokens/T%3F2")) else { panic!("no match") };
    assert_eq!(r.pattern, "/licenses/{id}/tokens/{token}");
    assert_eq!((p.at(0), p.at(1), p.at(2)), ("L/1", "T?2", ""));
}

#[test]
fn decode_handles_escapes_and_rejects_bad_ones() {
    for (raw, want) in [
        ("plain", Some("plain")),
        ("a%2Fb", Some("a/b")),
        ("a%2fb", Some("a/b")),
        ("KEY%2B1", Some("KEY+1")),
        ("a+b", Some("a+b")),
        ("%20", Some(" ")),
        ("%25", Some("%")),
        ("%C3%A9t%C3%A9", Some("été")),
        ("été", Some("été")),
        ("", Some("")),
        ("%", None),
        ("%4", None),
        ("%zz", None),
        ("a%g1", None),
        ("%ff", None),
        ("%C3", None),
        ("%C3%28", None),
    ] {
        assert_eq!(decode(raw).as_deref(), want, "{raw:?}");
    }
}

#[test]
fn an_invalid_segment_is_a_400_naming_the_path() {
    let e = decode_all(&split("/machines/a%zz")).expect_err("invalid escape");
    assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"));
    assert!(matches!(&e.source, Some(shared::error::Source::Parameter(p)) if p == "path"), "{:?}", e.source);
}

/// Arbitrary input never panics: a deterministic generator over the bytes that matter.
#[test]
fn decode_never_panics() {
    let alphabet: Vec<char> = "%%%0123456789abcdefABCDEFgz/+ é\u{1F600}\u{0}".chars().collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let mut s = String::new();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for k in 0..(x % 12) {
            let i = usize::try_from((x >> (k * 5)) % alphabet.len() as u64).unwrap_or(0);
            s.push(alphabet.get(i).copied().unwrap_or('%'));
        }
        if let Some(d) = decode(&s) {
            assert!(d.len() <= s.len(), "{s:?}");
        }
        let _ = decode_all(&split(&s));
    }
}

#[test]
fn split_drops_one_trailing_slash() {
    assert_eq!(split("/v1/licenses/"), vec!["v1", "licenses"]);
    assert_eq!(split("/v1"), vec!["v1"]);
    assert_eq!(split("/v1/machines/a%2Fb"), vec!["v1", "machines", "a%2Fb"]);
}

const BEGIN: &str = "<!-- routes:begin (generated from functions/src/routes.rs; LATCHKEY_REGENERATE_DOCS=1 cargo test -p functions routes) -->\n";
const END: &str = "<!-- routes:end -->";

/// `docs/API.md`'s endpoint list is exactly the table.
#[test]
fn docs_endpoint_list_equals_the_table() {
    super::checks::assert_block(BEGIN, END, &markdown(ROUTES), "endpoint list", "LATCHKEY_REGENERATE_DOCS=1 cargo test -p functions routes");
}

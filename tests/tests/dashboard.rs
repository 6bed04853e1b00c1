//! The dashboard's static assets beside the API on the real runtime (workerd with the Worker's
//! `[assets]`, as `tests/harness/server.mjs` configures them): the three built files are served
//! under `/dashboard/`, and every other path — all of `/v1/**`, unknown files under `/dashboard/`,
//! the root — still reaches the Worker and answers as the API does. The pages themselves are
//! tested in a real browser by `scripts/dashboard-test`.

use e2e::workspace_root;

/// The harness with the Worker's static assets (opt-in: see `ASSETS` in tests/harness/server.mjs).
/// Every test of this binary calls it before the server starts, so the variable is set before
/// the harness is spawned and no other thread reads the environment meanwhile.
fn server() -> &'static e2e::Server {
    std::env::set_var("LATCHKEY_HARNESS_ASSETS", "1");
    e2e::server()
}

fn built() {
    let index = workspace_root().join("dashboard/build/dashboard/index.html");
    assert!(index.exists(), "{} is missing: run scripts/build (it runs scripts/build-dashboard)", index.display());
}

#[test]
fn the_dashboard_is_served_under_slash_dashboard() {
    built();
    let c = server().client();
    let r = c.raw("GET", "/dashboard", &[], None);
    assert!((300..400).contains(&r.status), "GET /dashboard: {} {}", r.status, r.text());
    assert_eq!(r.header("location").map(|l| l.ends_with("/dashboard/")), Some(true), "{:?}", r.headers);

    let r = c.raw("GET", "/dashboard/", &[], None);
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{:?}", r.headers);
    let html = r.text();
    assert!(html.contains(r#"<div id="app">"#) && html.contains("/dashboard/app.js"), "{html}");
    assert!(html.contains("Content-Security-Policy") && html.contains("connect-src 'self'"), "the page pins its own CSP");
    // dashboard/src/_headers: what a <meta> CSP cannot say (no framing), and no sniffing.
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{:?}", r.headers);
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    // The headers file configures; it is not a file the site serves.
    assert_eq!(c.raw("GET", "/_headers", &[], None).status, 404);

    for (path, ty) in [("/dashboard/app.js", "javascript"), ("/dashboard/app.css", "text/css")] {
        let r = c.raw("GET", path, &[], None);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.header("content-type").is_some_and(|t| t.contains(ty)), "{path}: {:?}", r.headers);
        assert!(!r.body.is_empty(), "{path}");
    }
}

#[test]
fn every_other_path_still_reaches_the_worker() {
    built();
    let acct = server().bootstrap_account();
    let c = acct.client();
    // The API, signed (the client verifies every /v1 response's signature).
    c.get(&acct.path("/licenses"), acct.admin(), None).assert_status(200);
    let r = c.get(&acct.path("/licenses"), None, None);
    r.assert_status(401);
    assert_eq!(r.error_code(), Some("TOKEN_MISSING"));
    assert_eq!(server().client().raw("GET", "/v1/ping", &[], None).status, 200);
    // No single-page-application fallback: an unknown file or path is the Worker's JSON:API 404,
    // never the dashboard's HTML.
    for path in ["/dashboard/no-such-file.js", "/", "/index.html", "/v1/dashboard/index.html"] {
        let r = server().client().raw("GET", path, &[("Accept", "text/html")], None);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert_eq!(r.error_code(), Some("NOT_FOUND"), "{path}: {}", r.text());
    }
}

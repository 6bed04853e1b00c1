//! THE access table on the real runtime: every endpoint the Worker serves × eight bearers →
//! the status it must answer. The bearers, for resources of product A owned by user U:
//! admin, product A (the resource's product), product B (another), user U (its owner), user V
//! (another user), license A (the license itself), license B (another license), anonymous.
//!
//! Each row is `(method, path, body, [statuses in that bearer order])`. Placeholders name the
//! fixtures made once through the API; a `*` placeholder (`{L*}`, `{M*}`, …) is a fresh
//! resource made for each request, so that one bearer's delete or suspend never changes what
//! the next one sees. `{uniq}` is a fresh string. An allowed answer of 422 is a business rule
//! speaking after the access table let the request in (check-in on a policy that does not
//! require it, maintenance renewal without a maintenance duration); anything the access layer
//! refuses is 401 / 403 / 404. This file and `docs/API.md` "Permission model" say the same.
//!
//! The other bearers and cases live beside the table, one module each under `access/`:
//! `bearers.rs` (cases of the eight bearers one row cannot hold), `staff.rs` (staff roles and
//! permission subsets), `environments.rs` (an environment token), `organizations.rs`
//! (organization admins) and `resellers.rs` (reseller admins).

#[path = "access/world.rs"]
mod world;

#[path = "access/bearers.rs"]
mod bearers;
#[path = "access/environments.rs"]
mod environments;
#[path = "access/organizations.rs"]
mod organizations;
#[path = "access/resellers.rs"]
mod resellers;
#[path = "access/staff.rs"]
mod staff;

use world::World;

/// The bearers, in the column order of [`ROWS`].
const BEARERS: [&str; 8] = ["admin", "product A", "product B", "user U", "user V", "license A", "license B", "anonymous"];

type Row = (&'static str, &'static str, &'static str, [u16; 8]);

const R: [u16; 8] = [200, 200, 404, 200, 404, 200, 404, 401]; // read a resource of license A
const ALL: [u16; 8] = [200, 200, 200, 200, 200, 200, 200, 401]; // any bearer (lists are scoped)
const ADMIN: [u16; 8] = [200, 403, 403, 403, 403, 403, 403, 401];
const PRODUCT: [u16; 8] = [200, 200, 404, 403, 403, 403, 403, 401]; // admins and its product
const CATALOGUE: [u16; 8] = [200, 200, 200, 403, 403, 403, 403, 401]; // admins and products
                                                                      // Distribution: a published release of LICENSED product A, as the release access rule shows it:
                                                                      // user V sees it too, as a licensee of a product A license (the `{LU*}` rows above attach V).
const DIST_READ: [u16; 8] = [200, 200, 404, 200, 200, 200, 404, 404];
const DIST_DOWNLOAD: [u16; 8] = [303, 303, 404, 303, 303, 303, 404, 404];
const PRODUCT_DIST: [u16; 8] = [200, 200, 404, 200, 200, 200, 404, 401]; // product A's distribution

/// THE table.
const ROWS: &[Row] = &[
    // package engines (issue 9), first: later rows make user V a licensee of product A licenses
    // (`{LU*}`). The download rule on product A's packages (LICENSED). Lists are
    // scoped (anonymous sees the OPEN ones: none here); a package the bearer may not see is 404,
    // 401 for anonymous. 406: allowed, then this client's JSON:API Accept names no representation
    // PyPI or OCI serve (the access answer comes first). Downloads are 303 to signed links.
    ("GET", "/engines/pypi/simple", "", [406; 8]),
    ("GET", "/engines/pypi/simple/{ENG_PYPI}", "", [406, 406, 404, 406, 404, 406, 404, 401]),
    ("GET", "/engines/npm/{ENG_NPM}", "", R),
    ("GET", "/engines/oci/{ENG_OCI}/manifests/v1", "", [406, 406, 404, 406, 404, 406, 404, 401]),
    // (HEAD shares each OCI row's handler and decision; without a body it is tested in engines.rs.)
    ("GET", "/engines/oci/{ENG_OCI}/blobs/{ENG_BLOB}", "", [303, 303, 404, 303, 404, 303, 404, 401]),
    ("GET", "/engines/oci/{ENG_OCI}/tags/list", "", R),
    ("GET", "/engines/rubygems/versions", "", [200; 8]),
    ("GET", "/engines/rubygems/names", "", [200; 8]),
    ("GET", "/engines/rubygems/info/{ENG_GEM}", "", R),
    ("GET", "/engines/rubygems/gems/{ENG_GEMFILE}", "", [303, 303, 404, 303, 404, 303, 404, 401]),
    ("POST", "/engines/npm/-/npm/v1/security/advisories/bulk", "", [410; 8]),
    ("POST", "/engines/npm/-/npm/v1/security/audits/quick", "", [410; 8]),
    // end package engines
    // Identity
    ("GET", "", "", ADMIN),
    ("PATCH", "", r#"{"data":{"type":"accounts","attributes":{"metadata":{"tag":"{uniq}"}}}}"#, ADMIN),
    ("PUT", "", r#"{"data":{"type":"accounts","attributes":{"metadata":{"tag":"{uniq}"}}}}"#, ADMIN),
    ("GET", "/profile", "", ALL),
    ("GET", "/me", "", ALL),
    ("GET", "/event-logs", "", ADMIN),
    ("GET", "/event-logs/{EV}", "", ADMIN),
    ("GET", "/tokens", "", ALL),
    ("POST", "/tokens", "", [201, 201, 201, 201, 201, 403, 403, 401]),
    ("GET", "/tokens/{TPA}", "", [200, 200, 404, 404, 404, 404, 404, 401]),
    ("PUT", "/tokens/{TPA*}", "", [200, 200, 404, 404, 404, 404, 404, 401]),
    ("DELETE", "/tokens/{TPA*}", "", [204, 204, 404, 404, 404, 404, 404, 401]),
    ("GET", "/users", "", [200, 200, 200, 200, 200, 403, 403, 401]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com"}}}"#, [201, 201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"admin"}}}"#, [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/users/{U}", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/users/{U_EMAIL}", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/users/nobody-{uniq}@example.com", "", [404, 404, 404, 404, 404, 403, 403, 401]),
    ("GET", "/users/{ADMIN}", "", [200, 404, 404, 404, 404, 403, 403, 401]),
    ("PATCH", "/users/{U}", r#"{"data":{"type":"users","attributes":{"firstName":"Ulla"}}}"#, [200, 403, 403, 200, 404, 403, 403, 401]),
    ("PATCH", "/users/{U*}", r#"{"data":{"type":"users","attributes":{"role":"admin"}}}"#, [200, 403, 403, 403, 403, 403, 403, 401]),
    ("DELETE", "/users/{U*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("POST", "/users/{U*}/actions/ban", "", ADMIN),
    ("POST", "/users/{UB*}/actions/unban", "", ADMIN),
    ("POST", "/users/{U}/tokens", "", [201, 201, 404, 403, 403, 403, 403, 401]),
    ("POST", "/users/{ADMIN}/tokens", "", [403, 404, 404, 403, 403, 403, 403, 401]),
    ("PUT", "/users/{U}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, PRODUCT),
    ("PUT", "/users/{ADMIN}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, [200, 404, 404, 403, 403, 403, 403, 401]),
    // Password flows (Keygen's passwords controller and Users::PasswordPolicy): anyone may
    // request a reset (204, whether or not the email exists); a reset is for anonymous callers
    // and the user itself (a fresh user per request, for the per-user rate limit; a wrong token
    // answers 404 like an unknown user); a change only for the user itself (422: the new
    // password is too short, after the old one was proved).
    ("POST", "/passwords", r#"{"meta":{"email":"{uniq}@example.com"}}"#, [204; 8]),
    (
        "POST",
        "/users/{U*}/actions/reset-password",
        r#"{"meta":{"passwordResetToken":"reset-0v3","newPassword":"long enough"}}"#,
        [404, 403, 403, 404, 404, 403, 403, 404],
    ),
    (
        "POST",
        "/users/{U}/actions/update-password",
        r#"{"meta":{"oldPassword":"long enough pw","newPassword":"short"}}"#,
        [404, 403, 403, 422, 404, 403, 403, 401],
    ),
    // Second factors (Keygen's Users::SecondFactorPolicy): admins and the user itself; never
    // products or licenses (a create needs the target's password: a fresh user per request, so
    // U's own create is a foreign 404 here; tests/second_factors.rs covers U's own). The
    // changes are under the strict second-factor limit (2 a minute per credential in the
    // harness): two rows per bearer.
    ("GET", "/users/{U}/second-factors", "", [200, 403, 403, 200, 404, 403, 403, 401]),
    ("GET", "/users/{U}/second-factors/{uniq}", "", [404, 403, 403, 404, 404, 403, 403, 401]),
    ("POST", "/users/{U*}/second-factors", r#"{"meta":{"password":"long enough pw"}}"#, [201, 403, 403, 404, 404, 403, 403, 401]),
    (
        "PATCH",
        "/users/{U}/second-factors/{uniq}",
        r#"{"data":{"type":"second-factors","attributes":{"enabled":true}},"meta":{"otp":"123456"}}"#,
        [404, 403, 403, 404, 404, 403, 403, 401],
    ),
    // Catalogue
    ("GET", "/products", "", CATALOGUE),
    ("POST", "/products", r#"{"data":{"type":"products","attributes":{"name":"{uniq}"}}}"#, [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/products/{PA}", "", PRODUCT),
    ("PATCH", "/products/{PA}", r#"{"data":{"type":"products","attributes":{"name":"App A"}}}"#, ADMIN),
    ("DELETE", "/products/{P*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("POST", "/products/{PA}/tokens", "", [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/policies", "", CATALOGUE),
    (
        "POST",
        "/policies",
        r#"{"data":{"type":"policies","attributes":{"name":"{uniq}"},"relationships":{"product":{"data":{"type":"products","id":"{PA}"}}}}}"#,
        [201, 201, 422, 403, 403, 403, 403, 401],
    ),
    ("GET", "/policies/{POLA}", "", PRODUCT),
    ("PATCH", "/policies/{POLA}", r#"{"data":{"type":"policies","attributes":{"name":"Policy A"}}}"#, PRODUCT),
    ("DELETE", "/policies/{POL*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("GET", "/policies/{POLA}/entitlements", "", PRODUCT),
    ("POST", "/policies/{POL*}/entitlements", r#"{"data":[{"type":"entitlements","id":"{E}"}]}"#, PRODUCT),
    ("DELETE", "/policies/{POLE*}/entitlements", r#"{"data":[{"type":"entitlements","id":"{E}"}]}"#, [204, 204, 404, 403, 403, 403, 403, 401]),
    ("GET", "/entitlements", "", CATALOGUE),
    ("POST", "/entitlements", r#"{"data":{"type":"entitlements","attributes":{"name":"E","code":"{uniq}"}}}"#, [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/entitlements/{E}", "", CATALOGUE),
    ("PATCH", "/entitlements/{E}", r#"{"data":{"type":"entitlements","attributes":{"name":"Pro"}}}"#, ADMIN),
    ("DELETE", "/entitlements/{E*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/groups", "", ALL), // users: the groups they are in or own; licenses: their group
    ("POST", "/groups", r#"{"data":{"type":"groups","attributes":{"name":"{uniq}"}}}"#, [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/groups/{G}", "", [200, 200, 200, 200, 404, 404, 404, 401]), // U is in G (above)
    ("PATCH", "/groups/{G}", r#"{"data":{"type":"groups","attributes":{"name":"Team"}}}"#, ADMIN),
    ("DELETE", "/groups/{G*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    // A group's licenses, machines and users: its owners' (U is a member, not an owner, here:
    // 403, as Keygen; V, outside the group, 404).
    ("GET", "/groups/{G}/licenses", "", [200, 200, 200, 403, 404, 403, 403, 401]),
    ("GET", "/groups/{G}/users", "", [200, 200, 200, 403, 404, 403, 403, 401]),
    ("GET", "/groups/{G}/machines", "", [200, 200, 200, 403, 404, 403, 403, 401]),
    // Licensing
    ("GET", "/licenses", "", ALL),
    (
        "POST",
        "/licenses",
        r#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"{POLA}"}}}}}"#,
        [201, 201, 422, 422, 422, 403, 403, 401],
    ),
    (
        "POST",
        "/licenses",
        r#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"{POLA}"}},"owner":{"data":{"type":"users","id":"{U}"}}}}}"#,
        [201, 201, 422, 201, 422, 403, 403, 401],
    ),
    ("GET", "/licenses/{LA}", "", R),
    ("PATCH", "/licenses/{LA}", r#"{"data":{"type":"licenses","attributes":{"name":"License A"}}}"#, PRODUCT),
    ("DELETE", "/licenses/{L*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("DELETE", "/licenses/{L*}/actions/revoke", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("POST", "/licenses/{L*}/actions/suspend", "", PRODUCT),
    ("POST", "/licenses/{LS*}/actions/reinstate", "", PRODUCT),
    ("POST", "/licenses/{L*}/actions/renew", "", PRODUCT),
    ("POST", "/licenses/{LA}/actions/renew-maintenance", "", [422, 422, 404, 403, 403, 403, 403, 401]),
    ("GET", "/licenses/{LA}/policy", "", R),
    ("PUT", "/licenses/{L*}/policy", r#"{"data":{"type":"policies","id":"{POLA2}"}}"#, PRODUCT),
    ("PUT", "/licenses/{L*}/owner", r#"{"data":{"type":"users","id":"{V}"}}"#, PRODUCT),
    ("GET", "/licenses/{LA}/entitlements", "", R),
    ("POST", "/licenses/{L*}/entitlements", r#"{"data":[{"type":"entitlements","id":"{E}"}]}"#, PRODUCT),
    ("DELETE", "/licenses/{LE*}/entitlements", r#"{"data":[{"type":"entitlements","id":"{E}"}]}"#, [204, 204, 404, 403, 403, 403, 403, 401]),
    ("PUT", "/licenses/{L*}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, PRODUCT),
    ("GET", "/licenses/{LA}/machines", "", R),
    ("GET", "/licenses/{LA}/users", "", R),
    ("POST", "/licenses/{L*}/users", r#"{"data":[{"type":"users","id":"{V}"}]}"#, PRODUCT),
    ("DELETE", "/licenses/{LU*}/users", r#"{"data":[{"type":"users","id":"{V}"}]}"#, [204, 204, 404, 403, 403, 403, 403, 401]),
    ("POST", "/licenses/{LA}/tokens", "", [201, 201, 404, 403, 403, 403, 403, 401]),
    ("GET", "/licenses/{LA}/tokens", "", PRODUCT),
    ("GET", "/licenses/{LA}/tokens/{TLA}", "", PRODUCT),
    ("GET", "/licenses/{LA}/actions/validate", "", R),
    ("POST", "/licenses/{LA}/actions/validate", "", R),
    ("POST", "/licenses/actions/validate-key", r#"{"meta":{"key":"{LA_KEY}"}}"#, [200, 200, 403, 200, 403, 200, 403, 200]),
    ("POST", "/licenses/{LA}/actions/check-in", "", [422, 422, 404, 403, 403, 422, 404, 401]),
    ("POST", "/licenses/{LA}/actions/increment-usage", "", [200, 200, 404, 403, 403, 200, 404, 401]),
    ("POST", "/licenses/{LA}/actions/decrement-usage", "", PRODUCT),
    ("POST", "/licenses/{LA}/actions/reset-usage", "", PRODUCT),
    ("POST", "/licenses/{LA}/actions/check-out", "", R),
    ("GET", "/licenses/{LA}/actions/check-out", "", R),
    // Fleet
    ("GET", "/machines", "", ALL),
    (
        "POST",
        "/machines",
        r#"{"data":{"type":"machines","attributes":{"fingerprint":"{uniq}"},"relationships":{"license":{"data":{"type":"licenses","id":"{LA}"}}}}}"#,
        [201, 201, 422, 201, 422, 201, 422, 401],
    ),
    (
        "POST",
        "/machines",
        r#"{"data":{"type":"machines","attributes":{"fingerprint":"{uniq}"},"relationships":{"license":{"data":{"type":"licenses","id":"{LA}"}},"owner":{"data":{"type":"users","id":"{V}"}}}}}"#,
        [422, 422, 422, 422, 422, 422, 422, 401],
    ),
    ("GET", "/machines/{MA}", "", R),
    ("PATCH", "/machines/{MA}", r#"{"data":{"type":"machines","attributes":{"name":"Box"}}}"#, R),
    ("PATCH", "/machines/{MA}", r#"{"data":{"type":"machines","attributes":{"maxProcesses":50}}}"#, [200, 200, 404, 403, 404, 403, 404, 401]),
    ("DELETE", "/machines/{M*}", "", [204, 204, 404, 204, 404, 204, 404, 401]),
    ("POST", "/machines/{MA}/actions/ping", "", R),
    ("POST", "/machines/{MA}/actions/reset", "", R),
    ("POST", "/machines/{MA}/actions/ping-heartbeat", "", R),
    ("POST", "/machines/{MA}/actions/reset-heartbeat", "", R),
    ("GET", "/machines/{MA}/license", "", R),
    ("POST", "/machines/{MA}/actions/check-out", "", R),
    ("GET", "/machines/{MA}/actions/check-out", "", R),
    ("GET", "/processes", "", ALL),
    (
        "POST",
        "/processes",
        r#"{"data":{"type":"processes","attributes":{"pid":"{uniq}"},"relationships":{"machine":{"data":{"type":"machines","id":"{MA}"}}}}}"#,
        [201, 201, 422, 201, 422, 201, 422, 401],
    ),
    ("GET", "/processes/{PRA}", "", R),
    ("DELETE", "/processes/{PR*}", "", [204, 204, 404, 204, 404, 204, 404, 401]),
    ("POST", "/processes/{PRA}/actions/ping", "", R),
    // List scopes (issue 8): Keygen's process update; `metadata` only from staff and products.
    ("PATCH", "/processes/{PRA}", r#"{"data":{"type":"processes","attributes":{}}}"#, R),
    ("PUT", "/processes/{PRA}", r#"{"data":{"type":"processes","attributes":{"metadata":{"k":"{uniq}"}}}}"#, [200, 200, 404, 400, 404, 400, 404, 401]),
    ("GET", "/components", "", ALL),
    (
        "POST",
        "/components",
        r#"{"data":{"type":"components","attributes":{"fingerprint":"{uniq}","name":"cpu"},"relationships":{"machine":{"data":{"type":"machines","id":"{MA}"}}}}}"#,
        [201, 201, 422, 201, 422, 201, 422, 401],
    ),
    ("GET", "/components/{CA}", "", R),
    ("DELETE", "/components/{C*}", "", [204, 204, 404, 204, 404, 204, 404, 401]),
    // keygen-rs SDK measure (issue 8): component updates, as their machine's updaters.
    ("PATCH", "/components/{CA}", r#"{"data":{"type":"components","attributes":{"name":"cpu {uniq}"}}}"#, R),
    ("PUT", "/components/{CA}", r#"{"data":{"type":"components","attributes":{"metadata":{"k":"{uniq}"}}}}"#, R),
    ("DELETE", "/policies/{POLPK*}/pool", "", PRODUCT),
    // end keygen-rs SDK measure
    // Lifecycle
    ("GET", "/webhook-endpoints", "", ADMIN),
    (
        "POST",
        "/webhook-endpoints",
        r#"{"data":{"type":"webhook-endpoints","attributes":{"url":"https://hooks.example.invalid/{uniq}","subscriptions":["account.billing.updated"]}}}"#,
        [201, 403, 403, 403, 403, 403, 403, 401],
    ),
    ("GET", "/webhook-endpoints/{W}", "", ADMIN),
    (
        "PATCH",
        "/webhook-endpoints/{W}",
        r#"{"data":{"type":"webhook-endpoints","attributes":{"url":"https://hooks.example.invalid/b","subscriptions":["account.billing.updated"]}}}"#,
        ADMIN,
    ),
    ("DELETE", "/webhook-endpoints/{W*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/webhook-events", "", ADMIN),
    ("GET", "/webhook-events/{NONE}", "", [404, 403, 403, 403, 403, 403, 403, 401]),
    ("DELETE", "/webhook-events/{NONE}", "", [404, 403, 403, 403, 403, 403, 403, 401]),
    ("POST", "/webhook-events/{NONE}/actions/retry", "", [404, 403, 403, 403, 403, 403, 403, 401]),
    // Relationships: each answers as the parent's read (writes: their own rows).
    ("GET", "/licenses/{LA}/product", "", R),
    ("GET", "/licenses/{LA}/group", "", R),
    ("GET", "/licenses/{LA}/maintenance-policy", "", R),
    ("GET", "/licenses/{LA}/owner", "", R),
    ("GET", "/machines/{MA}/product", "", R),
    ("GET", "/machines/{MA}/group", "", R),
    ("GET", "/machines/{MA}/owner", "", R),
    ("GET", "/machines/{MA}/components", "", R),
    ("GET", "/machines/{MA}/processes", "", R),
    ("PUT", "/machines/{MA}/owner", r#"{"data":{"type":"users","id":"{U}"}}"#, PRODUCT),
    ("PUT", "/machines/{MA}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, PRODUCT),
    ("GET", "/processes/{PRA}/machine", "", R),
    ("GET", "/processes/{PRA}/license", "", R),
    ("GET", "/processes/{PRA}/product", "", R),
    ("GET", "/components/{CA}/machine", "", R),
    ("GET", "/components/{CA}/license", "", R),
    ("GET", "/components/{CA}/product", "", R),
    ("GET", "/policies/{POLA}/product", "", PRODUCT),
    ("GET", "/policies/{POLA}/maintenance-policy", "", PRODUCT),
    ("GET", "/policies/{POLA}/licenses", "", PRODUCT),
    ("GET", "/users/{U}/group", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/users/{U}/licenses", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/users/{U}/machines", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/users/{U}/products", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/users/{U}/tokens", "", [200, 404, 404, 200, 404, 403, 403, 401]),
    ("GET", "/products/{PA}/policies", "", PRODUCT),
    ("GET", "/products/{PA}/licenses", "", PRODUCT),
    ("GET", "/products/{PA}/machines", "", PRODUCT),
    ("GET", "/products/{PA}/users", "", PRODUCT),
    ("GET", "/products/{PA}/tokens", "", PRODUCT),
    ("GET", "/machines/{MA}/processes/{PRA}", "", R),
    ("GET", "/machines/{MA}/components/{CA}", "", R),
    ("GET", "/licenses/{LA}/machines/{MA}", "", R),
    ("GET", "/users/{U}/licenses/{LA}", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/products/{PA}/policies/{POLA}", "", PRODUCT),
    ("GET", "/products/{PA}/licenses/{LA}", "", PRODUCT),
    ("GET", "/products/{PA}/machines/{MA}", "", PRODUCT),
    ("GET", "/policies/{POLA}/licenses/{LA}", "", PRODUCT),
    ("GET", "/policies/{POLA2}/licenses/{LA}", "", [404, 404, 404, 403, 403, 403, 403, 401]),
    // U is a member of G, not an owner: 403 whatever the child (route diff, issue 8).
    ("GET", "/groups/{G}/licenses/{LA}", "", [404, 404, 404, 403, 404, 403, 403, 401]),
    ("GET", "/groups/{G}/machines/{MA}", "", [200, 200, 404, 403, 404, 403, 403, 401]), // MA joined G by `PUT /machines/{MA}/group` above
    ("GET", "/products/{PA}/tokens/{TPA}", "", PRODUCT),
    ("GET", "/users/{U}/tokens/{TPA}", "", [404, 404, 404, 404, 404, 403, 403, 401]), // not U's token
    ("GET", "/webhook-endpoints/{W}/product", "", ADMIN),
    ("GET", "/webhook-events/{NONE}/webhookEndpoint", "", [404, 403, 403, 403, 403, 403, 403, 401]),
    // Distribution (issue 9): reads follow the release access rule (product A is LICENSED:
    // licensees of A and its owner see its published releases, anonymous callers nothing, so
    // 404 rather than 401); writes are admins' and product A's. RA 1.0.0 and RA2 2.0.0 are
    // published releases of product A; ARA an uploaded artifact of RA; PKA a package of A.
    ("GET", "/releases", "", [200; 8]),
    (
        "POST",
        "/releases",
        r#"{"data":{"type":"releases","attributes":{"version":"{VER*}","channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":"{PA}"}}}}}"#,
        [201, 201, 404, 403, 403, 403, 403, 401],
    ),
    ("GET", "/releases/{RA}", "", DIST_READ),
    ("GET", "/releases/1.0.0?product={PA}", "", DIST_READ),
    ("PATCH", "/releases/{RA}", r#"{"data":{"type":"releases","attributes":{"name":"{uniq}"}}}"#, PRODUCT),
    ("DELETE", "/releases/{R*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("POST", "/releases/{RA}/actions/publish", "", PRODUCT),
    ("POST", "/releases/{R*}/actions/yank", "", PRODUCT),
    ("GET", "/releases/{RA}/upgrade", "", DIST_READ),
    ("GET", "/releases/{RA}/constraints", "", [200, 200, 404, 200, 200, 200, 404, 401]),
    (
        "POST",
        "/releases/{R*}/constraints",
        r#"{"data":[{"type":"constraints","relationships":{"entitlement":{"data":{"type":"entitlements","id":"{E}"}}}}]}"#,
        PRODUCT,
    ),
    ("DELETE", "/releases/{RA}/constraints", r#"{"data":[{"type":"constraints","id":"{NONE}"}]}"#, [422, 422, 404, 403, 403, 403, 403, 401]),
    ("GET", "/releases/{RA}/artifacts", "", DIST_READ),
    ("GET", "/releases/{RA}/artifacts/{ARA}", "", DIST_DOWNLOAD),
    ("GET", "/artifacts", "", [200; 8]),
    (
        "POST",
        "/artifacts",
        r#"{"data":{"type":"artifacts","attributes":{"filename":"{uniq}.bin"},"relationships":{"release":{"data":{"type":"releases","id":"{RA}"}}}}}"#,
        [307, 307, 404, 403, 403, 403, 403, 401],
    ),
    ("GET", "/artifacts/{ARA}", "", DIST_DOWNLOAD),
    ("GET", "/artifacts/{ARA}/app.bin", "", DIST_DOWNLOAD),
    ("PATCH", "/artifacts/{ARA}", r#"{"data":{"type":"artifacts","attributes":{"metadata":{"k":"{uniq}"}}}}"#, PRODUCT),
    ("DELETE", "/artifacts/{AR*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("POST", "/artifacts/{AR*}/actions/yank", "", PRODUCT),
    ("GET", "/packages", "", [200; 8]),
    (
        "POST",
        "/packages",
        r#"{"data":{"type":"packages","attributes":{"name":"P","key":"{uniq}"},"relationships":{"product":{"data":{"type":"products","id":"{PA}"}}}}}"#,
        [201, 201, 404, 403, 403, 403, 403, 401],
    ),
    ("GET", "/packages/{PKA}", "", DIST_READ),
    ("PATCH", "/packages/{PKA}", r#"{"data":{"type":"packages","attributes":{"name":"{uniq}"}}}"#, PRODUCT),
    ("DELETE", "/packages/{PK*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("GET", "/releases/{RA}/constraints/{NONE}", "", [404, 404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/releases/{RA}/entitlements", "", DIST_READ),
    ("GET", "/releases/{RA}/entitlements/{E}", "", [404; 8]), // E does not constrain RA
    ("GET", "/releases/{RA}/product", "", DIST_READ),
    ("GET", "/releases/{RA}/package", "", DIST_READ),
    ("PUT", "/releases/{R*}/package", r#"{"data":{"type":"packages","id":"{PKA}"}}"#, PRODUCT),
    ("GET", "/platforms", "", [200; 8]),
    ("GET", "/platforms/{NONE}", "", [404; 8]),
    ("GET", "/arches", "", [200; 8]),
    ("GET", "/arches/{NONE}", "", [404; 8]),
    ("GET", "/channels", "", [200; 8]),
    ("GET", "/channels/stable", "", DIST_READ),
    ("GET", "/engines", "", [200; 8]),
    ("GET", "/engines/{NONE}", "", [404; 8]),
    ("GET", "/engines/raw/{PA}/1.0.0/app.bin", "", DIST_DOWNLOAD),
    ("GET", "/engines/raw/{PA}/@{PKA}/1.0.0/app.bin", "", [404; 8]), // RA has no package
    // PKA is not a tauri package.
    ("GET", "/engines/tauri/{PKA}?platform=linux&arch=x86_64&version=1.0.0", "", [404; 8]),
    // A product's distribution (Keygen's `Products::Release*Policy`): credentials required
    // (401), the product itself, and users and licenses that may see its releases; another
    // bearer's product is 404. Then the release rule, as the top-level rows.
    ("GET", "/products/{PA}/releases", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/releases/{RA}", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/packages", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/packages/{PKA}", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/artifacts", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/artifacts/{ARA}", "", [303, 303, 404, 303, 303, 303, 404, 401]),
    ("GET", "/products/{PA}/platforms", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/platforms/{NONE}", "", [404, 404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/products/{PA}/arches", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/arches/{NONE}", "", [404, 404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/products/{PA}/channels", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/channels/stable", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/engines", "", PRODUCT_DIST),
    ("GET", "/products/{PA}/engines/{NONE}", "", [404, 404, 404, 404, 404, 404, 404, 401]),
    // End distribution.
    // Meter attributes (issue 10 §2): products manage their licenses' meters; the license
    // itself increments; only admins and products decrement (as Keygen's usage actions).
    ("POST", "/licenses/{LA}/meters", r#"{"data":{"type":"meters","attributes":{"name":"{uniq}","allowedUses":5}}}"#, [201, 201, 404, 403, 403, 403, 403, 401]),
    ("POST", "/machines/{MA}/actions/increment-meter", r#"{"meta":{"name":"m"}}"#, [200, 200, 404, 403, 403, 200, 404, 401]),
    ("POST", "/machines/{MA}/actions/decrement-meter", r#"{"meta":{"name":"m"}}"#, PRODUCT),
    ("PATCH", "/licenses/{LA}/meters/m", r#"{"data":{"type":"meters","attributes":{"visible":false}}}"#, PRODUCT),
    ("POST", "/licenses/{LA}/meters/m/actions/reset", "", PRODUCT),
    ("DELETE", "/licenses/{LM*}/meters/m", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    // Subscriptions (issue 10 §5): admins and the license's product; logs are scoped lists.
    ("PATCH", "/licenses/{L*}/expires-at", r#"{"meta":{"expiry":"2099-01-01T00:00:00Z"}}"#, PRODUCT),
    ("PUT", "/licenses/{L*}/expires-at", r#"{"meta":{"expiry":null}}"#, PRODUCT),
    ("GET", "/licenses/{LA}/subscription-logs", "", PRODUCT),
    ("GET", "/subscription-logs", "", CATALOGUE),
    ("GET", "/subscription-logs/{SLA}", "", PRODUCT),
    // Maintenance policies (issue 10 §5): a product's, like its policies.
    ("GET", "/maintenance-policies", "", CATALOGUE),
    (
        "POST",
        "/maintenance-policies",
        r#"{"data":{"type":"maintenance-policies","attributes":{"name":"{uniq}","subscriptionInterval":"P1M"},"relationships":{"product":{"data":{"type":"products","id":"{PA}"}}}}}"#,
        [201, 201, 422, 403, 403, 403, 403, 401],
    ),
    ("GET", "/maintenance-policies/{MPA}", "", PRODUCT),
    ("PATCH", "/maintenance-policies/{MPA}", r#"{"data":{"type":"maintenance-policies","attributes":{"allowMinorVersionUpdates":false}}}"#, PRODUCT),
    ("DELETE", "/maintenance-policies/{MP*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("PUT", "/policies/{POLA2}/maintenance-policy", r#"{"data":{"type":"maintenance-policies","id":"{MPA}"}}"#, PRODUCT),
    ("PUT", "/licenses/{L*}/maintenance-policy", r#"{"data":{"type":"maintenance-policies","id":"{MPA}"}}"#, PRODUCT),
    ("POST", "/licenses/{L*}/actions/extend-maintenance", r#"{"meta":{"duration":"P1D"}}"#, PRODUCT),
    // Trials: admins and the product manage trial policies and trial activations; anyone but a
    // license starts a trial (product B: 404 TRIAL_NOT_AVAILABLE, as for an unknown product);
    // offline activation is the vendor's (product A re-activates the same request: 200).
    ("GET", "/trial-policies", "", CATALOGUE),
    (
        "POST",
        "/trial-policies",
        r#"{"data":{"type":"trial-policies","attributes":{"name":"{uniq}","trialLength":7},"relationships":{"product":{"data":{"type":"products","id":"{PA}"}}}}}"#,
        [201, 201, 422, 403, 403, 403, 403, 401],
    ),
    ("GET", "/trial-policies/{TPOLA}", "", PRODUCT),
    ("PATCH", "/trial-policies/{TPOLA}", r#"{"data":{"type":"trial-policies","attributes":{"name":"T {uniq}"}}}"#, PRODUCT),
    ("DELETE", "/trial-policies/{TPOL*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("GET", "/trial-activations", "", CATALOGUE),
    (
        "POST",
        "/trial-activations",
        r#"{"data":{"type":"trial-activations","attributes":{"fingerprint":"{uniq}"},"relationships":{"product":{"data":{"type":"products","id":"{PA}"}}}}}"#,
        [201, 201, 404, 201, 201, 403, 403, 201],
    ),
    ("POST", "/trial-activations/offline-activate", r#"{"meta":{"request":"{TREQ}"}}"#, [201, 200, 404, 403, 403, 403, 403, 401]),
    ("GET", "/trial-activations/{TAA}", "", PRODUCT),
    ("PATCH", "/trial-activations/{TAA}/expires-at", r#"{"data":{"type":"trial-activations","attributes":{"expiresAt":"2020-01-01T00:00:00.000Z"}}}"#, PRODUCT),
    ("DELETE", "/trial-activations/{TA*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    // Activation logs (admins; a product its product's) and bulk deactivation (admins and the
    // license's product; the range here matches nothing).
    ("GET", "/activation-logs", "", CATALOGUE),
    ("GET", "/activation-logs/export", "", CATALOGUE),
    ("GET", "/trial-activations/export", "", CATALOGUE),
    ("GET", "/licenses/export", "", CATALOGUE),
    ("GET", "/machines/export", "", CATALOGUE),
    ("GET", "/users/export", "", CATALOGUE),
    ("GET", "/event-logs/export", "", ADMIN),
    ("GET", "/activation-logs/{ALA}", "", PRODUCT),
    ("POST", "/licenses/{LA}/actions/deactivate-machines", r#"{"meta":{"createdAfter":"2099-01-01T00:00:00.000Z"}}"#, PRODUCT),
    // Features and entitlement sets (issue 10 §3): account-wide like entitlements (products
    // read, only admins change); a policy's or license's set is changed like the policy or
    // license (admins and its product) and read like it.
    ("GET", "/entitlement-sets", "", CATALOGUE),
    ("POST", "/entitlement-sets", r#"{"data":{"type":"entitlement-sets","attributes":{"name":"{uniq}"}}}"#, [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/entitlement-sets/{ESA}", "", CATALOGUE),
    ("PATCH", "/entitlement-sets/{ESA}", r#"{"data":{"type":"entitlement-sets","attributes":{"name":"Pro {uniq}"}}}"#, ADMIN),
    ("DELETE", "/entitlement-sets/{ES*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/entitlement-sets/{ESA}/entitlements", "", CATALOGUE),
    ("POST", "/entitlement-sets/{ES*}/entitlements", r#"{"data":[{"type":"entitlements","id":"{E}","meta":{"value":10}}]}"#, ADMIN),
    ("DELETE", "/entitlement-sets/{ESM*}/entitlements", r#"{"data":[{"type":"entitlements","id":"{E}"}]}"#, [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/policies/{POLA}/entitlement-set", "", PRODUCT),
    ("PUT", "/policies/{POLA2}/entitlement-set", r#"{"data":{"type":"entitlement-sets","id":"{ESA}"}}"#, PRODUCT),
    ("GET", "/licenses/{LA}/entitlement-set", "", R),
    ("PUT", "/licenses/{L*}/entitlement-set", r#"{"data":{"type":"entitlement-sets","id":"{ESA}"}}"#, PRODUCT),
    ("POST", "/licenses/{L*}/entitlements", r#"{"data":[{"type":"entitlements","id":"{E}","meta":{"value":5,"expiresAt":"2099-01-01T00:00:00Z"}}]}"#, PRODUCT),
    // Organizations (issue 10 §7): account-wide, admins only (products, users and licenses
    // never; stricter than a customer portal, see docs/API.md). The to-one reads take the
    // parent's read first (404 for someone else's), then the organization read (403).
    ("GET", "/organizations", "", ADMIN),
    (
        "POST",
        "/organizations",
        r#"{"data":{"type":"organizations","attributes":{"name":"{uniq}","allowedUsers":5}}}"#,
        [201, 403, 403, 403, 403, 403, 403, 401],
    ),
    ("GET", "/organizations/{ORGA}", "", ADMIN),
    ("PATCH", "/organizations/{ORGA}", r#"{"data":{"type":"organizations","attributes":{"description":"{uniq}"}}}"#, ADMIN),
    ("DELETE", "/organizations/{ORG*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/organizations/{ORGA}/users", "", ADMIN),
    ("GET", "/organizations/{ORGA}/licenses", "", ADMIN),
    ("GET", "/users/{U}/organization", "", [200, 403, 404, 403, 404, 403, 403, 401]),
    ("PUT", "/users/{U*}/organization", r#"{"data":{"type":"organizations","id":"{ORGA}"}}"#, ADMIN),
    ("GET", "/licenses/{LA}/organization", "", [200, 403, 404, 403, 404, 403, 404, 401]),
    ("PUT", "/licenses/{L*}/organization", r#"{"data":{"type":"organizations","id":"{ORGA}"}}"#, ADMIN),
    // end organizations
    // Resellers (issue 10 §7, Cryptlex 3.67): admins (and staff by permission, below); a
    // reseller admin's own rows are `RESELLER_ADMIN_ROWS` (`access/resellers.rs`). The to-one
    // reads take the parent's read first (404 for someone else's), then the reseller read (403).
    ("GET", "/resellers", "", ADMIN),
    ("POST", "/resellers", r#"{"data":{"type":"resellers","attributes":{"name":"{uniq}","allowedUsers":5}}}"#, [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/resellers/{RES}", "", ADMIN),
    ("PATCH", "/resellers/{RES}", r#"{"data":{"type":"resellers","attributes":{"description":"{uniq}"}}}"#, ADMIN),
    ("DELETE", "/resellers/{RES*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/resellers/{RES}/policies", "", ADMIN),
    ("POST", "/resellers/{RES*}/policies", r#"{"data":[{"type":"policies","id":"{POLA}"}]}"#, ADMIN),
    ("DELETE", "/resellers/{RESP*}/policies", r#"{"data":[{"type":"policies","id":"{POLA}"}]}"#, [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/resellers/{RES}/products", "", ADMIN),
    ("GET", "/resellers/{RES}/licenses", "", ADMIN),
    ("GET", "/resellers/{RES}/users", "", ADMIN),
    ("GET", "/resellers/{RES}/organizations", "", ADMIN),
    ("GET", "/users/{U}/reseller", "", [200, 403, 404, 403, 404, 403, 403, 401]),
    ("PUT", "/users/{U*}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, ADMIN),
    ("GET", "/licenses/{LA}/reseller", "", [200, 403, 404, 403, 404, 403, 404, 401]),
    ("PUT", "/licenses/{L*}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, ADMIN),
    ("GET", "/organizations/{ORGA}/reseller", "", ADMIN),
    ("PUT", "/organizations/{ORG*}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, ADMIN),
    // end resellers
    // OpenAPI document: anyone (it describes the API, no account data).
    ("GET", "/openapi.json", "", [200; 8]),
    // Health below an account (issue 11): anyone (whether the database answers, signed).
    ("GET", "/health", "", [200; 8]),
    // Key pools (issue 8): admins and the pooled policy's product (product B: the policy is not
    // found, 422). Machine proofs: the machine's product, license and license owner.
    ("GET", "/keys", "", CATALOGUE),
    (
        "POST",
        "/keys",
        r#"{"data":{"type":"keys","attributes":{"key":"pool-{uniq}"},"relationships":{"policy":{"data":{"type":"policies","id":"{POLPA}"}}}}}"#,
        [201, 201, 422, 403, 403, 403, 403, 401],
    ),
    ("GET", "/keys/{KA}", "", PRODUCT),
    ("PATCH", "/keys/{KA}", r#"{"data":{"type":"keys","attributes":{"key":"pool-{uniq}"}}}"#, PRODUCT),
    ("PUT", "/keys/{KA}", r#"{"data":{"type":"keys","attributes":{"key":"pool-{uniq}"}}}"#, PRODUCT),
    ("DELETE", "/keys/{K*}", "", [204, 204, 404, 403, 403, 403, 403, 401]),
    ("GET", "/keys/{KA}/product", "", PRODUCT),
    ("GET", "/keys/{KA}/policy", "", PRODUCT),
    ("POST", "/machines/{MA}/actions/generate-offline-proof", "", R),
    ("POST", "/search", r#"{"meta":{"type":"licenses","query":{"name":"nothing-{uniq}"}}}"#, ADMIN),
    // end key pools
    // Route diff (issue 8): a policy's pool as its keys' reads (Keygen's `Policies::PoolPolicy`),
    // and the pre-1.6 `user` aliases as the owner routes (a machine's: its license's owner).
    ("GET", "/policies/{POLPA}/pool", "", PRODUCT),
    ("GET", "/policies/{POLPA}/pool/{KA}", "", PRODUCT),
    ("GET", "/licenses/{LA}/user", "", R),
    ("PUT", "/licenses/{L*}/user", r#"{"data":{"type":"users","id":"{V}"}}"#, PRODUCT),
    ("PATCH", "/licenses/{L*}/user", r#"{"data":{"type":"users","id":"{V}"}}"#, PRODUCT),
    ("GET", "/machines/{MA}/user", "", R),
    // end route diff
    // Environments (issue 8, Keygen EE): admins (and developers, `STAFF_ROWS` in
    // `access/staff.rs`) only.
    ("GET", "/environments", "", ADMIN),
    ("POST", "/environments", r#"{"data":{"type":"environments","attributes":{"name":"E","code":"{uniq}"}}}"#, [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/environments/{ENV}", "", ADMIN),
    ("GET", "/environments/{ENV_CODE}", "", ADMIN),
    ("PATCH", "/environments/{ENV}", r#"{"data":{"type":"environments","attributes":{"name":"E {uniq}"}}}"#, ADMIN),
    ("DELETE", "/environments/{ENV*}", "", [204, 403, 403, 403, 403, 403, 403, 401]),
    ("POST", "/environments/{ENV}/tokens", "", [201, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/environments/{ENV}/tokens", "", ADMIN),
    // A token that is not the environment's (Keygen's `environment.tokens.owned`).
    ("GET", "/environments/{ENV}/tokens/{TPA}", "", [404, 403, 403, 403, 403, 403, 403, 401]),
    // end environments
    // Group owners and per-child reads (issue 8). U is in group G (`PUT /users/{U}/group` above)
    // and owns it only between the POST and DELETE rows here: then it reads all of G's.
    ("GET", "/groups/{G}/owners", "", [200, 200, 200, 200, 404, 404, 404, 401]),
    ("POST", "/groups/{G}/owners", r#"{"data":[{"type":"users","id":"{U}"}]}"#, [200, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/groups/{G}/owners/{U}", "", [200, 200, 200, 200, 404, 404, 404, 401]),
    ("GET", "/groups/{G}/licenses", "", [200, 200, 200, 200, 404, 403, 403, 401]),
    ("GET", "/groups/{G}/users/{U}", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/groups/{G}/machines/{MA}", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("DELETE", "/groups/{G}/owners", r#"{"data":[{"type":"users","id":"{U}"}]}"#, [204, 403, 403, 403, 403, 403, 403, 401]),
    ("GET", "/groups/{G}/users/{U}", "", [200, 200, 404, 403, 404, 403, 403, 401]),
    ("GET", "/users/{U}/machines/{MA}", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/users/{U}/products/{PA}", "", [200, 200, 404, 200, 404, 403, 403, 401]),
    ("GET", "/products/{PA}/users/{U}", "", PRODUCT),
    ("GET", "/licenses/{LU*}/users/{V}", "", [200, 200, 404, 200, 200, 404, 404, 401]),
    ("GET", "/licenses/{LE*}/entitlements/{E}", "", [200, 200, 404, 200, 404, 404, 404, 401]),
    ("GET", "/policies/{POLE*}/entitlements/{E}", "", PRODUCT),
    ("GET", "/webhook-endpoints/{W}/webhook-events", "", ADMIN),
    // end group owners
    // Request logs (issue 8): admins only (Keygen's RequestLogPolicy: admin, developer,
    // read-only and environment roles). `PUT /tokens` regenerates each bearer's OWN current
    // token, so it is the LAST row: no request after it uses the old tokens. A license key is
    // not a token (404, `request_logs.rs`); the license bearers here use license tokens.
    ("GET", "/request-logs", "", ADMIN),
    ("GET", "/request-logs/{RL}", "", ADMIN),
    ("GET", "/request-logs/{NONE}", "", [404, 403, 403, 403, 403, 403, 403, 401]),
    ("PUT", "/tokens", "", ALL),
];

#[test]
fn every_endpoint_answers_every_bearer_as_the_access_table_says() {
    let w = World::new();
    let mut failures = Vec::new();
    for (method, path, body, expected) in ROWS {
        for (b, want) in expected.iter().enumerate() {
            let r = w.send(method, path, body, b);
            if r.status != *want {
                failures.push(format!("{method} {path} as {}: {} (want {want}) {}", BEARERS[b], r.status, r.json["errors"][0]));
            } else if *want == 401 {
                assert_eq!(r.error_code(), Some("TOKEN_MISSING"), "{method} {path}");
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cells differ:\n{}", failures.len(), ROWS.len() * 8, failures.join("\n"));
}

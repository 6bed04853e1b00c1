//! The one route table: every account-scoped endpoint as a row `(methods, pattern, class,
//! handler)`. Dispatch ([`find`]), 404 vs 405 and the endpoint list of `docs/API.md`
//! ([`markdown`], compared by a test) all derive from it. Rows are tried in order; the first row
//! whose pattern and method match answers. Path segments are percent-decoded once
//! ([`split`], [`decode_all`]) before matching, so a `{param}` may hold `/`, `+`, `%` or spaces.
//!
//! Patterns are relative to the account (`/v1/accounts/{account}` or bare `/v1`): literal
//! segments, and `{name}` for one non-empty segment (an id, key, email, code or fingerprint).

use std::future::Future;
use std::pin::Pin;

use shared::error::{Code, Error};

use crate::endpoints::catalogue::keys;
use crate::endpoints::catalogue::maintenance_policies;
// Features and entitlement sets (issue 10 §3).
use crate::endpoints::catalogue::entitlement_sets;
use crate::endpoints::catalogue::{entitlements, groups, policies, products};
use crate::endpoints::distribution::engines::{npm, oci, pypi, rubygems};
use crate::endpoints::distribution::{artifacts, packages, product_relations as product_dist, raw_tauri, related as dist_related, releases};
use crate::endpoints::fleet::{components, machines, processes};
use crate::endpoints::identity::{accounts, passwords, profiles, second_factors, tokens, users};
// Environments (issue 8).
use crate::endpoints::identity::environments;
use crate::endpoints::licensing::entitlement_set as license_entitlement_set;
use crate::endpoints::licensing::machine_proofs;
use crate::endpoints::licensing::subscriptions;
// Organizations (issue 10 §7).
use crate::endpoints::identity::organizations;
use crate::endpoints::licensing::organizations as license_organizations;
// Resellers (issue 10 §7).
use crate::endpoints::catalogue::reseller_policies;
use crate::endpoints::identity::resellers;
use crate::endpoints::licensing::resellers as license_resellers;
use crate::endpoints::licensing::{activation, bulk_deactivation, checkouts, license_actions, licenses, meters, related, relations, trials, validations};
use crate::endpoints::lifecycle::search;
use crate::endpoints::lifecycle::{activation_logs, events, exports, request_logs, webhook_relations, webhooks};
use crate::http::Reply;
use crate::rate_limit::Class;
use crate::router::Cx;
use shared::service::distribution::derived::Kind as Derived;
use shared::service::licensing::related::Up;
use shared::service::lifecycle::exports::Kind as Export;

/// A handler's future.
pub type Fut<'a> = Pin<Box<dyn Future<Output = Result<Reply, Error>> + 'a>>;
/// A handler: the request context and the pattern's captured (decoded) parameters.
pub type Handler = for<'a> fn(&'a Cx<'a>, &'a Params) -> Fut<'a>;

/// The `{…}` segments a pattern captured, decoded, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Params(Vec<String>);

impl Params {
    /// The `i`-th captured parameter (`""` if the pattern has fewer; never panics).
    pub fn at(&self, i: usize) -> &str {
        self.0.get(i).map_or("", String::as_str)
    }
}

/// One row of the table.
pub struct Route {
    /// Methods served (upper case).
    pub methods: &'static [&'static str],
    /// The path pattern below the account, e.g. `/licenses/{id}/actions/suspend`.
    pub pattern: &'static str,
    /// Which strict rate limit applies on top of the general ones.
    pub class: Class,
    /// The handler.
    pub handler: Handler,
}

/// Wraps a handler expression into a [`Handler`] fn pointer.
macro_rules! h {
    (|$cx:ident, $p:pat_param| $body:expr) => {{
        fn f<'a>($cx: &'a Cx<'a>, $p: &'a Params) -> Fut<'a> {
            Box::pin($body)
        }
        f as Handler
    }};
}

const fn r(methods: &'static [&'static str], pattern: &'static str, handler: Handler) -> Route {
    Route { methods, pattern, class: Class::General, handler }
}

const fn strict(class: Class, methods: &'static [&'static str], pattern: &'static str, handler: Handler) -> Route {
    Route { methods, pattern, class, handler }
}

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];
const DELETE: &[&str] = &["DELETE"];
const PUT: &[&str] = &["PUT"];
const UPDATE: &[&str] = &["PATCH", "PUT"];
const READ: &[&str] = &["GET", "HEAD"];
const HEAD: &[&str] = &["HEAD"];

/// Every account-scoped endpoint, in precedence order.
pub static ROUTES: &[Route] = &[
    // Exports (CSV, Cryptlex): before the `/{id}` rows they would otherwise match.
    r(GET, "/users/export", h!(|cx, _| exports::export(cx, Export::Users))),
    r(GET, "/licenses/export", h!(|cx, _| exports::export(cx, Export::Licenses))),
    r(GET, "/machines/export", h!(|cx, _| exports::export(cx, Export::Machines))),
    r(GET, "/event-logs/export", h!(|cx, _| exports::export(cx, Export::EventLogs))),
    // Identity.
    r(GET, "/", h!(|cx, _| accounts::show(cx))),
    r(UPDATE, "/", h!(|cx, _| accounts::update(cx))),
    r(GET, "/profile", h!(|cx, _| profiles::profile(cx))),
    r(GET, "/me", h!(|cx, _| profiles::me(cx))),
    r(GET, "/event-logs", h!(|cx, _| events::list(cx))),
    r(GET, "/event-logs/{id}", h!(|cx, p| events::show(cx, p.at(0)))),
    r(GET, "/tokens", h!(|cx, _| tokens::list(cx))),
    strict(Class::Login, POST, "/tokens", h!(|cx, _| tokens::generate(cx, cx.password.clone()))),
    // Keygen's deprecated `tokens#regenerate_current` (issue 8): the bearer's current token.
    r(PUT, "/tokens", h!(|cx, _| tokens::regenerate_current(cx))),
    r(GET, "/tokens/{id}", h!(|cx, p| tokens::show(cx, p.at(0)))),
    r(UPDATE, "/tokens/{id}", h!(|cx, p| tokens::regenerate(cx, p.at(0)))),
    r(DELETE, "/tokens/{id}", h!(|cx, p| tokens::revoke(cx, p.at(0)))),
    // Catalogue: products and policies.
    r(GET, "/products", h!(|cx, _| products::list(cx))),
    r(POST, "/products", h!(|cx, _| products::create(cx))),
    r(GET, "/products/{id}", h!(|cx, p| products::show(cx, p.at(0)))),
    r(UPDATE, "/products/{id}", h!(|cx, p| products::update(cx, p.at(0)))),
    r(DELETE, "/products/{id}", h!(|cx, p| products::delete(cx, p.at(0)))),
    r(POST, "/products/{id}/tokens", h!(|cx, p| products::create_token(cx, p.at(0)))),
    r(GET, "/policies", h!(|cx, _| policies::list(cx))),
    r(POST, "/policies", h!(|cx, _| policies::create(cx))),
    r(GET, "/policies/{id}", h!(|cx, p| policies::show(cx, p.at(0)))),
    r(UPDATE, "/policies/{id}", h!(|cx, p| policies::update(cx, p.at(0)))),
    r(DELETE, "/policies/{id}", h!(|cx, p| policies::delete(cx, p.at(0)))),
    // Users.
    r(GET, "/users", h!(|cx, _| users::list(cx))),
    r(POST, "/users", h!(|cx, _| users::create(cx))),
    r(GET, "/users/{id}", h!(|cx, p| users::show(cx, p.at(0)))),
    r(UPDATE, "/users/{id}", h!(|cx, p| users::update(cx, p.at(0)))),
    r(DELETE, "/users/{id}", h!(|cx, p| users::delete(cx, p.at(0)))),
    r(POST, "/users/{id}/actions/ban", h!(|cx, p| users::ban(cx, p.at(0), true))),
    r(POST, "/users/{id}/actions/unban", h!(|cx, p| users::ban(cx, p.at(0), false))),
    r(POST, "/users/{id}/tokens", h!(|cx, p| users::create_token(cx, p.at(0)))),
    // Password flows: reset request, reset with the token, change with the old password.
    strict(Class::PasswordReset, POST, "/passwords", h!(|cx, _| passwords::request(cx))),
    strict(Class::PasswordReset, POST, "/users/{id}/actions/reset-password", h!(|cx, p| passwords::reset(cx, p.at(0)))),
    r(POST, "/users/{id}/actions/update-password", h!(|cx, p| passwords::update(cx, p.at(0)))),
    // Second factors (TOTP): changes under the strict second-factor limit.
    r(GET, "/users/{id}/second-factors", h!(|cx, p| second_factors::list(cx, p.at(0)))),
    strict(Class::SecondFactor, POST, "/users/{id}/second-factors", h!(|cx, p| second_factors::create(cx, p.at(0)))),
    r(GET, "/users/{id}/second-factors/{factor}", h!(|cx, p| second_factors::show(cx, p.at(0), p.at(1)))),
    strict(Class::SecondFactor, UPDATE, "/users/{id}/second-factors/{factor}", h!(|cx, p| second_factors::update(cx, p.at(0), p.at(1)))),
    strict(Class::SecondFactor, DELETE, "/users/{id}/second-factors/{factor}", h!(|cx, p| second_factors::delete(cx, p.at(0), p.at(1)))),
    // Licenses (validate-key before `/licenses/{id}`-shaped rows).
    r(POST, "/licenses/actions/validate-key", h!(|cx, _| validations::validate_key(cx))),
    r(GET, "/licenses", h!(|cx, _| licenses::list(cx))),
    r(POST, "/licenses", h!(|cx, _| licenses::create(cx))),
    r(GET, "/licenses/{id}", h!(|cx, p| licenses::show(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}", h!(|cx, p| licenses::update(cx, p.at(0)))),
    r(DELETE, "/licenses/{id}", h!(|cx, p| licenses::delete(cx, p.at(0), false))),
    r(DELETE, "/licenses/{id}/actions/revoke", h!(|cx, p| licenses::delete(cx, p.at(0), true))),
    r(POST, "/licenses/{id}/actions/suspend", h!(|cx, p| licenses::suspend(cx, p.at(0), true))),
    r(POST, "/licenses/{id}/actions/reinstate", h!(|cx, p| licenses::suspend(cx, p.at(0), false))),
    r(POST, "/licenses/{id}/actions/renew", h!(|cx, p| licenses::renew(cx, p.at(0)))),
    r(GET, "/licenses/{id}/policy", h!(|cx, p| licenses::policy(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/policy", h!(|cx, p| licenses::transfer(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/owner", h!(|cx, p| licenses::change_owner(cx, p.at(0)))),
    r(GET, "/licenses/{id}/actions/validate", h!(|cx, p| validations::validate(cx, p.at(0), true))),
    r(POST, "/licenses/{id}/actions/validate", h!(|cx, p| validations::validate(cx, p.at(0), false))),
    r(POST, "/licenses/{id}/actions/check-in", h!(|cx, p| license_actions::check_in(cx, p.at(0)))),
    r(POST, "/licenses/{id}/actions/increment-usage", h!(|cx, p| license_actions::increment(cx, p.at(0)))),
    r(POST, "/licenses/{id}/actions/decrement-usage", h!(|cx, p| license_actions::decrement(cx, p.at(0)))),
    r(POST, "/licenses/{id}/actions/reset-usage", h!(|cx, p| license_actions::reset(cx, p.at(0)))),
    r(POST, "/licenses/{id}/tokens", h!(|cx, p| license_actions::create_token(cx, p.at(0)))),
    r(GET, "/licenses/{id}/tokens", h!(|cx, p| license_actions::list_tokens(cx, p.at(0)))),
    r(GET, "/licenses/{id}/tokens/{token}", h!(|cx, p| license_actions::show_token(cx, p.at(0), p.at(1)))),
    r(GET, "/licenses/{id}/users", h!(|cx, p| license_actions::list_users(cx, p.at(0)))),
    r(POST, "/licenses/{id}/users", h!(|cx, p| license_actions::attach_users(cx, p.at(0)))),
    r(DELETE, "/licenses/{id}/users", h!(|cx, p| license_actions::detach_users(cx, p.at(0)))),
    r(GET, "/licenses/{id}/machines", h!(|cx, p| relations::machines(cx, p.at(0)))),
    r(GET, "/licenses/{id}/actions/check-out", h!(|cx, p| checkouts::license(cx, p.at(0), true))),
    r(POST, "/licenses/{id}/actions/check-out", h!(|cx, p| checkouts::license(cx, p.at(0), false))),
    r(GET, "/licenses/{id}/entitlements", h!(|cx, p| relations::entitlements(cx, p.at(0)))),
    r(POST, "/licenses/{id}/entitlements", h!(|cx, p| relations::attach_entitlements(cx, p.at(0)))),
    r(DELETE, "/licenses/{id}/entitlements", h!(|cx, p| relations::detach_entitlements(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/group", h!(|cx, p| relations::set_license_group(cx, p.at(0)))),
    r(POST, "/licenses/{id}/actions/renew-maintenance", h!(|cx, p| webhooks::renew_maintenance(cx, p.at(0)))),
    // Fleet.
    r(GET, "/machines", h!(|cx, _| machines::list(cx))),
    r(POST, "/machines", h!(|cx, _| activation::activate(cx))),
    r(GET, "/machines/{id}", h!(|cx, p| machines::show(cx, p.at(0)))),
    r(UPDATE, "/machines/{id}", h!(|cx, p| machines::update(cx, p.at(0)))),
    r(DELETE, "/machines/{id}", h!(|cx, p| activation::deactivate(cx, p.at(0)))),
    r(POST, "/machines/{id}/actions/ping", h!(|cx, p| machines::ping(cx, p.at(0)))),
    r(POST, "/machines/{id}/actions/ping-heartbeat", h!(|cx, p| machines::ping(cx, p.at(0)))),
    r(POST, "/machines/{id}/actions/reset", h!(|cx, p| machines::reset(cx, p.at(0)))),
    r(POST, "/machines/{id}/actions/reset-heartbeat", h!(|cx, p| machines::reset(cx, p.at(0)))),
    r(GET, "/machines/{id}/license", h!(|cx, p| machines::machine_license(cx, p.at(0)))),
    r(GET, "/machines/{id}/actions/check-out", h!(|cx, p| checkouts::machine(cx, p.at(0), true))),
    r(POST, "/machines/{id}/actions/check-out", h!(|cx, p| checkouts::machine(cx, p.at(0), false))),
    r(GET, "/processes", h!(|cx, _| processes::list(cx))),
    r(POST, "/processes", h!(|cx, _| processes::spawn(cx))),
    r(GET, "/processes/{id}", h!(|cx, p| processes::show(cx, p.at(0)))),
    r(DELETE, "/processes/{id}", h!(|cx, p| processes::kill(cx, p.at(0)))),
    r(POST, "/processes/{id}/actions/ping", h!(|cx, p| processes::ping(cx, p.at(0)))),
    r(GET, "/components", h!(|cx, _| components::list(cx))),
    r(POST, "/components", h!(|cx, _| components::create(cx))),
    r(GET, "/components/{id}", h!(|cx, p| components::show(cx, p.at(0)))),
    r(DELETE, "/components/{id}", h!(|cx, p| components::delete(cx, p.at(0)))),
    // Catalogue: entitlements and groups.
    r(GET, "/entitlements", h!(|cx, _| entitlements::list(cx))),
    r(POST, "/entitlements", h!(|cx, _| entitlements::create(cx))),
    r(GET, "/entitlements/{id}", h!(|cx, p| entitlements::show(cx, p.at(0)))),
    r(UPDATE, "/entitlements/{id}", h!(|cx, p| entitlements::update(cx, p.at(0)))),
    r(DELETE, "/entitlements/{id}", h!(|cx, p| entitlements::delete(cx, p.at(0)))),
    r(GET, "/policies/{id}/entitlements", h!(|cx, p| entitlements::list_for_policy(cx, p.at(0)))),
    r(POST, "/policies/{id}/entitlements", h!(|cx, p| entitlements::attach_to_policy(cx, p.at(0)))),
    r(DELETE, "/policies/{id}/entitlements", h!(|cx, p| entitlements::detach_from_policy(cx, p.at(0)))),
    r(GET, "/groups", h!(|cx, _| groups::list(cx))),
    r(POST, "/groups", h!(|cx, _| groups::create(cx))),
    r(GET, "/groups/{id}", h!(|cx, p| groups::show(cx, p.at(0)))),
    r(UPDATE, "/groups/{id}", h!(|cx, p| groups::update(cx, p.at(0)))),
    r(DELETE, "/groups/{id}", h!(|cx, p| groups::delete(cx, p.at(0)))),
    r(GET, "/groups/{id}/licenses", h!(|cx, p| relations::group_licenses(cx, p.at(0)))),
    r(GET, "/groups/{id}/users", h!(|cx, p| groups::users(cx, p.at(0)))),
    r(GET, "/groups/{id}/machines", h!(|cx, p| relations::group_machines(cx, p.at(0)))),
    r(UPDATE, "/users/{id}/group", h!(|cx, p| groups::set_user_group(cx, p.at(0)))),
    // Relationships: every link a resource renders (the parent's read Action).
    r(GET, "/licenses/{id}/product", h!(|cx, p| related::license_to_one(cx, p.at(0), "product"))),
    r(GET, "/licenses/{id}/group", h!(|cx, p| related::license_to_one(cx, p.at(0), "group"))),
    r(GET, "/licenses/{id}/owner", h!(|cx, p| related::license_to_one(cx, p.at(0), "owner"))),
    r(GET, "/machines/{id}/product", h!(|cx, p| related::machine_to_one(cx, p.at(0), "product"))),
    r(GET, "/machines/{id}/group", h!(|cx, p| related::machine_to_one(cx, p.at(0), "group"))),
    r(GET, "/machines/{id}/owner", h!(|cx, p| related::machine_to_one(cx, p.at(0), "owner"))),
    r(UPDATE, "/machines/{id}/owner", h!(|cx, p| related::change_owner(cx, p.at(0)))),
    r(UPDATE, "/machines/{id}/group", h!(|cx, p| related::change_group(cx, p.at(0)))),
    r(GET, "/machines/{id}/components", h!(|cx, p| related::machine_components(cx, p.at(0)))),
    r(GET, "/machines/{id}/processes", h!(|cx, p| related::machine_processes(cx, p.at(0)))),
    r(GET, "/processes/{id}/machine", h!(|cx, p| related::process_parent(cx, p.at(0), Up::Machine))),
    r(GET, "/processes/{id}/license", h!(|cx, p| related::process_parent(cx, p.at(0), Up::License))),
    r(GET, "/processes/{id}/product", h!(|cx, p| related::process_parent(cx, p.at(0), Up::Product))),
    r(GET, "/components/{id}/machine", h!(|cx, p| related::component_parent(cx, p.at(0), Up::Machine))),
    r(GET, "/components/{id}/license", h!(|cx, p| related::component_parent(cx, p.at(0), Up::License))),
    r(GET, "/components/{id}/product", h!(|cx, p| related::component_parent(cx, p.at(0), Up::Product))),
    r(GET, "/policies/{id}/product", h!(|cx, p| related::policy_product(cx, p.at(0)))),
    r(GET, "/policies/{id}/licenses", h!(|cx, p| related::policy_licenses(cx, p.at(0)))),
    r(GET, "/users/{id}/group", h!(|cx, p| related::user_group(cx, p.at(0)))),
    r(GET, "/users/{id}/licenses", h!(|cx, p| related::user_licenses(cx, p.at(0)))),
    r(GET, "/users/{id}/machines", h!(|cx, p| related::user_machines(cx, p.at(0)))),
    r(GET, "/users/{id}/products", h!(|cx, p| related::user_products(cx, p.at(0)))),
    r(GET, "/users/{id}/tokens", h!(|cx, p| related::bearer_tokens(cx, "users", p.at(0)))),
    r(GET, "/products/{id}/policies", h!(|cx, p| related::product_policies(cx, p.at(0)))),
    r(GET, "/products/{id}/licenses", h!(|cx, p| related::product_licenses(cx, p.at(0)))),
    r(GET, "/products/{id}/machines", h!(|cx, p| related::product_machines(cx, p.at(0)))),
    r(GET, "/products/{id}/users", h!(|cx, p| related::product_users(cx, p.at(0)))),
    r(GET, "/products/{id}/tokens", h!(|cx, p| related::bearer_tokens(cx, "products", p.at(0)))),
    // Per-child reads below a relation (the parent's read, the child's read, membership).
    r(GET, "/machines/{id}/processes/{process}", h!(|cx, p| related::member(cx, "machine-process", p.at(0), p.at(1)))),
    r(GET, "/machines/{id}/components/{component}", h!(|cx, p| related::member(cx, "machine-component", p.at(0), p.at(1)))),
    r(GET, "/licenses/{id}/machines/{machine}", h!(|cx, p| related::member(cx, "license-machine", p.at(0), p.at(1)))),
    r(GET, "/users/{id}/licenses/{license}", h!(|cx, p| related::member(cx, "user-license", p.at(0), p.at(1)))),
    r(GET, "/products/{id}/policies/{policy}", h!(|cx, p| related::member(cx, "product-policy", p.at(0), p.at(1)))),
    r(GET, "/products/{id}/licenses/{license}", h!(|cx, p| related::member(cx, "product-license", p.at(0), p.at(1)))),
    r(GET, "/products/{id}/machines/{machine}", h!(|cx, p| related::member(cx, "product-machine", p.at(0), p.at(1)))),
    r(GET, "/policies/{id}/licenses/{license}", h!(|cx, p| related::member(cx, "policy-license", p.at(0), p.at(1)))),
    r(GET, "/groups/{id}/licenses/{license}", h!(|cx, p| related::member(cx, "group-license", p.at(0), p.at(1)))),
    r(GET, "/groups/{id}/machines/{machine}", h!(|cx, p| related::member(cx, "group-machine", p.at(0), p.at(1)))),
    r(GET, "/products/{id}/tokens/{token}", h!(|cx, p| related::member(cx, "product-token", p.at(0), p.at(1)))),
    r(GET, "/users/{id}/tokens/{token}", h!(|cx, p| related::member(cx, "user-token", p.at(0), p.at(1)))),
    r(GET, "/webhook-endpoints/{id}/product", h!(|cx, p| webhook_relations::endpoint_product(cx, p.at(0)))),
    r(GET, "/webhook-events/{id}/webhookEndpoint", h!(|cx, p| webhook_relations::event_endpoint(cx, p.at(0)))),
    // Package engines (issue 9): PyPI, npm, OCI read side (also at the host's `/v2/`, mapped by
    // the router). Each lists what the download access rule lets the caller fetch.
    r(GET, "/engines/pypi/simple", h!(|cx, _| pypi::index(cx))),
    r(GET, "/engines/pypi/simple/{project}", h!(|cx, p| pypi::project(cx, p.at(0)))),
    r(POST, "/engines/npm/-/npm/v1/security/advisories/bulk", h!(|_cx, _| async { npm::gone() })),
    r(POST, "/engines/npm/-/npm/v1/security/audits/quick", h!(|_cx, _| async { npm::gone() })),
    r(GET, "/engines/npm/{package}", h!(|cx, p| npm::packument(cx, p.at(0)))),
    r(GET, "/engines/npm/{scope}/{name}", h!(|cx, p| npm::scoped(cx, p.at(0), p.at(1)))),
    r(READ, "/engines/oci/{package}/manifests/{reference}", h!(|cx, p| oci::manifest(cx, p.at(0), p.at(1)))),
    r(READ, "/engines/oci/{package}/blobs/{digest}", h!(|cx, p| oci::blob(cx, p.at(0), p.at(1)))),
    r(GET, "/engines/oci/{package}/tags/list", h!(|cx, p| oci::tags(cx, p.at(0)))),
    r(HEAD, "/engines/rubygems", h!(|cx, _| rubygems::ping(cx))),
    r(GET, "/engines/rubygems/versions", h!(|cx, _| rubygems::versions(cx))),
    r(GET, "/engines/rubygems/names", h!(|cx, _| rubygems::names(cx))),
    r(GET, "/engines/rubygems/info/{gem}", h!(|cx, p| rubygems::info(cx, p.at(0)))),
    r(GET, "/engines/rubygems/gems/{file}", h!(|cx, p| rubygems::gem(cx, p.at(0)))),
    // end package engines
    // Meter attributes (issue 10 §2).
    r(POST, "/licenses/{id}/meters", h!(|cx, p| meters::create(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/meters/{name}", h!(|cx, p| meters::update(cx, p.at(0), p.at(1)))),
    r(DELETE, "/licenses/{id}/meters/{name}", h!(|cx, p| meters::delete(cx, p.at(0), p.at(1)))),
    r(POST, "/licenses/{id}/meters/{name}/actions/reset", h!(|cx, p| meters::reset(cx, p.at(0), p.at(1)))),
    r(POST, "/machines/{id}/actions/increment-meter", h!(|cx, p| meters::step(cx, p.at(0), true))),
    r(POST, "/machines/{id}/actions/decrement-meter", h!(|cx, p| meters::step(cx, p.at(0), false))),
    // Lifecycle.
    r(GET, "/webhook-endpoints", h!(|cx, _| webhooks::list(cx))),
    r(POST, "/webhook-endpoints", h!(|cx, _| webhooks::create(cx))),
    r(GET, "/webhook-endpoints/{id}", h!(|cx, p| webhooks::show(cx, p.at(0)))),
    r(UPDATE, "/webhook-endpoints/{id}", h!(|cx, p| webhooks::update(cx, p.at(0)))),
    r(DELETE, "/webhook-endpoints/{id}", h!(|cx, p| webhooks::delete(cx, p.at(0)))),
    r(GET, "/webhook-events", h!(|cx, _| webhooks::list_events(cx))),
    r(GET, "/webhook-events/{id}", h!(|cx, p| webhooks::show_event(cx, p.at(0)))),
    r(DELETE, "/webhook-events/{id}", h!(|cx, p| webhooks::delete_event(cx, p.at(0)))),
    r(POST, "/webhook-events/{id}/actions/retry", h!(|cx, p| webhooks::retry_event(cx, p.at(0)))),
    // Subscriptions (issue 10 §5).
    r(UPDATE, "/licenses/{id}/expires-at", h!(|cx, p| subscriptions::set_expiry(cx, p.at(0)))),
    r(GET, "/licenses/{id}/subscription-logs", h!(|cx, p| subscriptions::for_license(cx, p.at(0)))),
    r(GET, "/subscription-logs", h!(|cx, _| subscriptions::list(cx))),
    r(GET, "/subscription-logs/{id}", h!(|cx, p| subscriptions::show(cx, p.at(0)))),
    r(POST, "/licenses/{id}/actions/extend-maintenance", h!(|cx, p| subscriptions::extend_maintenance(cx, p.at(0)))),
    r(GET, "/licenses/{id}/maintenance-policy", h!(|cx, p| subscriptions::maintenance_policy(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/maintenance-policy", h!(|cx, p| subscriptions::set_maintenance_policy(cx, p.at(0)))),
    r(GET, "/maintenance-policies", h!(|cx, _| maintenance_policies::list(cx))),
    r(POST, "/maintenance-policies", h!(|cx, _| maintenance_policies::create(cx))),
    r(GET, "/maintenance-policies/{id}", h!(|cx, p| maintenance_policies::show(cx, p.at(0)))),
    r(UPDATE, "/maintenance-policies/{id}", h!(|cx, p| maintenance_policies::update(cx, p.at(0)))),
    r(DELETE, "/maintenance-policies/{id}", h!(|cx, p| maintenance_policies::delete(cx, p.at(0)))),
    r(GET, "/policies/{id}/maintenance-policy", h!(|cx, p| maintenance_policies::of_policy(cx, p.at(0)))),
    r(UPDATE, "/policies/{id}/maintenance-policy", h!(|cx, p| maintenance_policies::set_for_policy(cx, p.at(0)))),
    // Features and entitlement sets (issue 10 §3, Cryptlex 3.78–3.81).
    r(GET, "/entitlement-sets", h!(|cx, _| entitlement_sets::list(cx))),
    r(POST, "/entitlement-sets", h!(|cx, _| entitlement_sets::create(cx))),
    r(GET, "/entitlement-sets/{id}", h!(|cx, p| entitlement_sets::show(cx, p.at(0)))),
    r(UPDATE, "/entitlement-sets/{id}", h!(|cx, p| entitlement_sets::update(cx, p.at(0)))),
    r(DELETE, "/entitlement-sets/{id}", h!(|cx, p| entitlement_sets::delete(cx, p.at(0)))),
    r(GET, "/entitlement-sets/{id}/entitlements", h!(|cx, p| entitlement_sets::members(cx, p.at(0)))),
    r(POST, "/entitlement-sets/{id}/entitlements", h!(|cx, p| entitlement_sets::add(cx, p.at(0)))),
    r(DELETE, "/entitlement-sets/{id}/entitlements", h!(|cx, p| entitlement_sets::remove(cx, p.at(0)))),
    r(GET, "/policies/{id}/entitlement-set", h!(|cx, p| entitlement_sets::of_policy(cx, p.at(0)))),
    r(UPDATE, "/policies/{id}/entitlement-set", h!(|cx, p| entitlement_sets::set_for_policy(cx, p.at(0)))),
    r(GET, "/licenses/{id}/entitlement-set", h!(|cx, p| license_entitlement_set::for_license(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/entitlement-set", h!(|cx, p| license_entitlement_set::set_for_license(cx, p.at(0)))),
    // Trials (Cryptlex's verified trials): anonymous trial activation under its strict limit.
    r(GET, "/trial-policies", h!(|cx, _| trials::list_policies(cx))),
    r(POST, "/trial-policies", h!(|cx, _| trials::create_policy(cx))),
    r(GET, "/trial-policies/{id}", h!(|cx, p| trials::show_policy(cx, p.at(0)))),
    r(UPDATE, "/trial-policies/{id}", h!(|cx, p| trials::update_policy(cx, p.at(0)))),
    r(DELETE, "/trial-policies/{id}", h!(|cx, p| trials::delete_policy(cx, p.at(0)))),
    r(GET, "/trial-activations", h!(|cx, _| trials::list(cx))),
    strict(Class::Trial, POST, "/trial-activations", h!(|cx, _| trials::activate(cx))),
    r(POST, "/trial-activations/offline-activate", h!(|cx, _| trials::activate_offline(cx))),
    r(GET, "/trial-activations/export", h!(|cx, _| exports::export(cx, Export::TrialActivations))),
    r(GET, "/trial-activations/{id}", h!(|cx, p| trials::show(cx, p.at(0)))),
    r(DELETE, "/trial-activations/{id}", h!(|cx, p| trials::delete(cx, p.at(0)))),
    r(UPDATE, "/trial-activations/{id}/expires-at", h!(|cx, p| trials::set_expiry(cx, p.at(0)))),
    // Activation logs and bulk deactivation (Cryptlex).
    r(GET, "/activation-logs", h!(|cx, _| activation_logs::list(cx))),
    r(GET, "/activation-logs/export", h!(|cx, _| exports::export(cx, Export::ActivationLogs))),
    r(GET, "/activation-logs/{id}", h!(|cx, p| activation_logs::show(cx, p.at(0)))),
    // Request logs (Keygen EE, issue 8): admins only.
    r(GET, "/request-logs", h!(|cx, _| request_logs::list(cx))),
    r(GET, "/request-logs/{id}", h!(|cx, p| request_logs::show(cx, p.at(0)))),
    r(POST, "/licenses/{id}/actions/deactivate-machines", h!(|cx, p| bulk_deactivation::deactivate_machines(cx, p.at(0)))),
    // Distribution (issue 9).
    r(GET, "/releases", h!(|cx, _| releases::list(cx))),
    r(POST, "/releases", h!(|cx, _| releases::create(cx))),
    r(GET, "/releases/{id}", h!(|cx, p| releases::show(cx, p.at(0)))),
    r(UPDATE, "/releases/{id}", h!(|cx, p| releases::update(cx, p.at(0)))),
    r(DELETE, "/releases/{id}", h!(|cx, p| releases::delete(cx, p.at(0)))),
    r(POST, "/releases/{id}/actions/publish", h!(|cx, p| releases::publish(cx, p.at(0)))),
    r(POST, "/releases/{id}/actions/yank", h!(|cx, p| releases::yank(cx, p.at(0)))),
    r(GET, "/releases/{id}/upgrade", h!(|cx, p| releases::upgrade(cx, p.at(0)))),
    r(GET, "/releases/{id}/constraints", h!(|cx, p| releases::constraints(cx, p.at(0)))),
    r(POST, "/releases/{id}/constraints", h!(|cx, p| releases::attach(cx, p.at(0)))),
    r(DELETE, "/releases/{id}/constraints", h!(|cx, p| releases::detach(cx, p.at(0)))),
    r(GET, "/releases/{id}/constraints/{constraint}", h!(|cx, p| dist_related::release_constraint(cx, p.at(0), p.at(1)))),
    r(GET, "/releases/{id}/entitlements", h!(|cx, p| dist_related::entitlements(cx, p.at(0)))),
    r(GET, "/releases/{id}/entitlements/{entitlement}", h!(|cx, p| dist_related::entitlement(cx, p.at(0), p.at(1)))),
    r(GET, "/releases/{id}/product", h!(|cx, p| dist_related::product(cx, p.at(0)))),
    r(GET, "/releases/{id}/package", h!(|cx, p| dist_related::release_package(cx, p.at(0)))),
    r(UPDATE, "/releases/{id}/package", h!(|cx, p| dist_related::change_package(cx, p.at(0)))),
    r(GET, "/releases/{id}/artifacts", h!(|cx, p| artifacts::list_of_release(cx, p.at(0)))),
    r(GET, "/releases/{id}/artifacts/{artifact}", h!(|cx, p| artifacts::of_release(cx, p.at(0), p.at(1)))),
    r(GET, "/artifacts", h!(|cx, _| artifacts::list(cx))),
    r(POST, "/artifacts", h!(|cx, _| artifacts::create(cx))),
    r(GET, "/artifacts/{id}", h!(|cx, p| artifacts::show(cx, p.at(0), None))),
    r(UPDATE, "/artifacts/{id}", h!(|cx, p| artifacts::update(cx, p.at(0)))),
    r(DELETE, "/artifacts/{id}", h!(|cx, p| artifacts::delete(cx, p.at(0)))),
    r(POST, "/artifacts/{id}/actions/yank", h!(|cx, p| artifacts::yank(cx, p.at(0)))),
    r(GET, "/artifacts/{id}/{filename}", h!(|cx, p| artifacts::vanity(cx, p.at(0)))),
    r(GET, "/packages", h!(|cx, _| packages::list(cx))),
    r(POST, "/packages", h!(|cx, _| packages::create(cx))),
    r(GET, "/packages/{id}", h!(|cx, p| packages::show(cx, p.at(0)))),
    r(UPDATE, "/packages/{id}", h!(|cx, p| packages::update(cx, p.at(0)))),
    r(DELETE, "/packages/{id}", h!(|cx, p| packages::delete(cx, p.at(0)))),
    r(GET, "/platforms", h!(|cx, _| dist_related::list(cx, Derived::Platforms))),
    r(GET, "/platforms/{id}", h!(|cx, p| dist_related::show(cx, Derived::Platforms, p.at(0)))),
    r(GET, "/arches", h!(|cx, _| dist_related::list(cx, Derived::Arches))),
    r(GET, "/arches/{id}", h!(|cx, p| dist_related::show(cx, Derived::Arches, p.at(0)))),
    r(GET, "/channels", h!(|cx, _| dist_related::list(cx, Derived::Channels))),
    r(GET, "/channels/{id}", h!(|cx, p| dist_related::show(cx, Derived::Channels, p.at(0)))),
    r(GET, "/engines/raw/{product}/{release}/{artifact}", h!(|cx, p| raw_tauri::raw(cx, p.at(0), None, p.at(1), p.at(2)))),
    r(GET, "/engines/raw/{product}/{package}/{release}/{artifact}", h!(|cx, p| raw_tauri::raw(cx, p.at(0), Some(p.at(1)), p.at(2), p.at(3)))),
    r(GET, "/engines/tauri/{package}", h!(|cx, p| raw_tauri::tauri(cx, p.at(0)))),
    r(GET, "/engines", h!(|cx, _| dist_related::list(cx, Derived::Engines))),
    r(GET, "/engines/{id}", h!(|cx, p| dist_related::show(cx, Derived::Engines, p.at(0)))),
    // A product's distribution relations (Keygen's products/relationships/release_*).
    r(GET, "/products/{id}/releases", h!(|cx, p| product_dist::releases(cx, p.at(0)))),
    r(GET, "/products/{id}/releases/{release}", h!(|cx, p| product_dist::release_of(cx, p.at(0), p.at(1)))),
    r(GET, "/products/{id}/packages", h!(|cx, p| product_dist::packages(cx, p.at(0)))),
    r(GET, "/products/{id}/packages/{package}", h!(|cx, p| product_dist::package_of(cx, p.at(0), p.at(1)))),
    r(GET, "/products/{id}/artifacts", h!(|cx, p| product_dist::artifacts(cx, p.at(0)))),
    r(GET, "/products/{id}/artifacts/{artifact}", h!(|cx, p| product_dist::artifact_of(cx, p.at(0), p.at(1)))),
    r(GET, "/products/{id}/platforms", h!(|cx, p| product_dist::keyed_list(cx, Derived::Platforms, p.at(0)))),
    r(GET, "/products/{id}/platforms/{platform}", h!(|cx, p| product_dist::keyed_one(cx, Derived::Platforms, p.at(0), p.at(1)))),
    r(GET, "/products/{id}/arches", h!(|cx, p| product_dist::keyed_list(cx, Derived::Arches, p.at(0)))),
    r(GET, "/products/{id}/arches/{arch}", h!(|cx, p| product_dist::keyed_one(cx, Derived::Arches, p.at(0), p.at(1)))),
    r(GET, "/products/{id}/channels", h!(|cx, p| product_dist::keyed_list(cx, Derived::Channels, p.at(0)))),
    r(GET, "/products/{id}/channels/{channel}", h!(|cx, p| product_dist::keyed_one(cx, Derived::Channels, p.at(0), p.at(1)))),
    r(GET, "/products/{id}/engines", h!(|cx, p| product_dist::keyed_list(cx, Derived::Engines, p.at(0)))),
    r(GET, "/products/{id}/engines/{engine}", h!(|cx, p| product_dist::keyed_one(cx, Derived::Engines, p.at(0), p.at(1)))),
    // End distribution.
    // Key pools and machine proofs (issue 8).
    r(GET, "/keys", h!(|cx, _| keys::list(cx))),
    r(POST, "/keys", h!(|cx, _| keys::create(cx))),
    r(GET, "/keys/{id}", h!(|cx, p| keys::show(cx, p.at(0)))),
    r(UPDATE, "/keys/{id}", h!(|cx, p| keys::update(cx, p.at(0)))),
    r(DELETE, "/keys/{id}", h!(|cx, p| keys::delete(cx, p.at(0)))),
    r(GET, "/keys/{id}/policy", h!(|cx, p| keys::key_policy(cx, p.at(0)))),
    r(GET, "/keys/{id}/product", h!(|cx, p| keys::key_product(cx, p.at(0)))),
    r(POST, "/machines/{id}/actions/generate-offline-proof", h!(|cx, p| machine_proofs::generate(cx, p.at(0)))),
    r(POST, "/search", h!(|cx, _| search::search(cx))),
    // end key pools
    // keygen-rs SDK measure (issue 8): `Component::update`, Keygen's `machine_components#update`.
    r(UPDATE, "/components/{id}", h!(|cx, p| components::update(cx, p.at(0)))),
    // List scopes (issue 8): Keygen's `machine_processes#update` (metadata).
    r(UPDATE, "/processes/{id}", h!(|cx, p| processes::update(cx, p.at(0)))),
    // `Policy::pop_key`, Keygen's `pool#pop`.
    r(DELETE, "/policies/{id}/pool", h!(|cx, p| keys::pop(cx, p.at(0)))),
    // end keygen-rs SDK measure
    // Environments (issue 8, Keygen EE): `{id}` is an id or a code.
    r(GET, "/environments", h!(|cx, _| environments::list(cx))),
    r(POST, "/environments", h!(|cx, _| environments::create(cx))),
    r(GET, "/environments/{id}", h!(|cx, p| environments::show(cx, p.at(0)))),
    r(UPDATE, "/environments/{id}", h!(|cx, p| environments::update(cx, p.at(0)))),
    r(DELETE, "/environments/{id}", h!(|cx, p| environments::delete(cx, p.at(0)))),
    r(POST, "/environments/{id}/tokens", h!(|cx, p| environments::tokens(cx, p.at(0)))),
    r(GET, "/environments/{id}/tokens", h!(|cx, p| environments::token_list(cx, p.at(0)))),
    r(GET, "/environments/{id}/tokens/{token}", h!(|cx, p| environments::token_show(cx, p.at(0), p.at(1)))),
    // end environments
    // Group owners and the remaining per-child reads of Keygen's licensing core (issue 8).
    r(GET, "/groups/{id}/owners", h!(|cx, p| groups::owners(cx, p.at(0)))),
    r(POST, "/groups/{id}/owners", h!(|cx, p| groups::attach_owners(cx, p.at(0)))),
    r(DELETE, "/groups/{id}/owners", h!(|cx, p| groups::detach_owners(cx, p.at(0)))),
    r(GET, "/groups/{id}/owners/{owner}", h!(|cx, p| groups::owner(cx, p.at(0), p.at(1)))),
    r(GET, "/groups/{id}/users/{user}", h!(|cx, p| related::member(cx, "group-user", p.at(0), p.at(1)))),
    r(GET, "/users/{id}/machines/{machine}", h!(|cx, p| related::member(cx, "user-machine", p.at(0), p.at(1)))),
    r(GET, "/users/{id}/products/{product}", h!(|cx, p| related::member(cx, "user-product", p.at(0), p.at(1)))),
    r(GET, "/products/{id}/users/{user}", h!(|cx, p| related::member(cx, "product-user", p.at(0), p.at(1)))),
    r(GET, "/licenses/{id}/users/{user}", h!(|cx, p| related::member(cx, "license-user", p.at(0), p.at(1)))),
    r(GET, "/licenses/{id}/entitlements/{entitlement}", h!(|cx, p| related::member(cx, "license-entitlement", p.at(0), p.at(1)))),
    r(GET, "/policies/{id}/entitlements/{entitlement}", h!(|cx, p| related::member(cx, "policy-entitlement", p.at(0), p.at(1)))),
    // keygen-rs `WebhookEndpoint::events` (not a Keygen route; the endpoint's event list).
    r(GET, "/webhook-endpoints/{id}/webhook-events", h!(|cx, p| webhook_relations::endpoint_events(cx, p.at(0)))),
    // end group owners
    // Organizations (issue 10 §7, Cryptlex 3.59/3.66).
    r(GET, "/organizations", h!(|cx, _| organizations::list(cx))),
    r(POST, "/organizations", h!(|cx, _| organizations::create(cx))),
    r(GET, "/organizations/{id}", h!(|cx, p| organizations::show(cx, p.at(0)))),
    r(UPDATE, "/organizations/{id}", h!(|cx, p| organizations::update(cx, p.at(0)))),
    r(DELETE, "/organizations/{id}", h!(|cx, p| organizations::delete(cx, p.at(0)))),
    r(GET, "/organizations/{id}/users", h!(|cx, p| organizations::users(cx, p.at(0)))),
    r(GET, "/organizations/{id}/licenses", h!(|cx, p| license_organizations::licenses(cx, p.at(0)))),
    r(GET, "/users/{id}/organization", h!(|cx, p| organizations::of_user(cx, p.at(0)))),
    r(UPDATE, "/users/{id}/organization", h!(|cx, p| organizations::set_user_organization(cx, p.at(0)))),
    r(GET, "/licenses/{id}/organization", h!(|cx, p| license_organizations::of_license(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/organization", h!(|cx, p| license_organizations::set_license_organization(cx, p.at(0)))),
    // end organizations
    // Resellers (issue 10 §7, Cryptlex 3.67).
    r(GET, "/resellers", h!(|cx, _| resellers::list(cx))),
    r(POST, "/resellers", h!(|cx, _| resellers::create(cx))),
    r(GET, "/resellers/{id}", h!(|cx, p| resellers::show(cx, p.at(0)))),
    r(UPDATE, "/resellers/{id}", h!(|cx, p| resellers::update(cx, p.at(0)))),
    r(DELETE, "/resellers/{id}", h!(|cx, p| resellers::delete(cx, p.at(0)))),
    r(GET, "/resellers/{id}/policies", h!(|cx, p| reseller_policies::list(cx, p.at(0)))),
    r(POST, "/resellers/{id}/policies", h!(|cx, p| reseller_policies::attach(cx, p.at(0)))),
    r(DELETE, "/resellers/{id}/policies", h!(|cx, p| reseller_policies::detach(cx, p.at(0)))),
    r(GET, "/resellers/{id}/products", h!(|cx, p| reseller_policies::products(cx, p.at(0)))),
    r(GET, "/resellers/{id}/licenses", h!(|cx, p| license_resellers::licenses(cx, p.at(0)))),
    r(GET, "/resellers/{id}/users", h!(|cx, p| resellers::users(cx, p.at(0)))),
    r(GET, "/resellers/{id}/organizations", h!(|cx, p| resellers::organizations(cx, p.at(0)))),
    r(GET, "/licenses/{id}/reseller", h!(|cx, p| license_resellers::of_license(cx, p.at(0)))),
    r(UPDATE, "/licenses/{id}/reseller", h!(|cx, p| license_resellers::set_license_reseller(cx, p.at(0)))),
    r(GET, "/users/{id}/reseller", h!(|cx, p| resellers::of_user(cx, p.at(0)))),
    r(UPDATE, "/users/{id}/reseller", h!(|cx, p| resellers::set_user_reseller(cx, p.at(0)))),
    r(GET, "/organizations/{id}/reseller", h!(|cx, p| resellers::of_organization(cx, p.at(0)))),
    r(UPDATE, "/organizations/{id}/reseller", h!(|cx, p| resellers::set_organization_reseller(cx, p.at(0)))),
    // end resellers
    // Route diff (issue 8): Keygen's pool reads and its pre-1.6 `user` aliases (`v1x5`, served
    // at every version as Keygen routes them: the license's owner).
    r(GET, "/policies/{id}/pool", h!(|cx, p| keys::pool(cx, p.at(0)))),
    r(GET, "/policies/{id}/pool/{key}", h!(|cx, p| keys::pool_key(cx, p.at(0), p.at(1)))),
    r(GET, "/licenses/{id}/user", h!(|cx, p| related::license_to_one(cx, p.at(0), "owner"))),
    r(UPDATE, "/licenses/{id}/user", h!(|cx, p| licenses::change_owner(cx, p.at(0)))),
    r(GET, "/machines/{id}/user", h!(|cx, p| related::machine_user(cx, p.at(0)))),
    // end route diff
    // OpenAPI document (generated from this table).
    r(GET, "/openapi.json", h!(|cx, _| crate::openapi::serve(cx))),
    // Health below an account (issue 11): bare `/v1/health` is the router's unscoped one.
    r(GET, "/health", h!(|cx, _| accounts::health(cx))),
];

/// What the table answers for a method and decoded path.
pub enum Match<'t> {
    /// A row serves it; its captured parameters.
    Found(&'t Route, Params),
    /// Some row serves the path with another method: 405 `NOT_SUPPORTED`.
    MethodNotAllowed,
    /// No row serves the path: 404 `NOT_FOUND`.
    NotFound,
}

fn captures(pattern: &str, segs: &[String]) -> Option<Params> {
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    if pat.len() != segs.len() {
        return None;
    }
    let mut params = Vec::new();
    for (p, s) in pat.iter().zip(segs) {
        if p.starts_with('{') && p.ends_with('}') {
            if s.is_empty() {
                return None;
            }
            params.push(s.clone());
        } else if p != s {
            return None;
        }
    }
    Some(Params(params))
}

/// Finds the row for `method` on the decoded segments `segs` in `table` (first match wins).
pub fn find<'t>(table: &'t [Route], method: &str, segs: &[String]) -> Match<'t> {
    let mut served = false;
    for route in table {
        if let Some(params) = captures(route.pattern, segs) {
            if route.methods.contains(&method) {
                return Match::Found(route, params);
            }
            served = true;
        }
    }
    if served {
        Match::MethodNotAllowed
    } else {
        Match::NotFound
    }
}

/// The error for an unknown path.
pub fn not_found() -> Error {
    Error::new(Code::NotFound, "The requested endpoint was not found (check your HTTP method, Accept header, and URL path)")
}

/// The error for a served path with another method.
pub fn not_supported(method: &str) -> Error {
    Error::new(Code::NotSupported, format!("{method} is not supported on this endpoint"))
}

/// Decodes one `%XX`-escaped path segment (`+` stays `+`).
///
/// # Errors
/// `None` for a truncated or non-hex escape, or bytes that are not UTF-8.
pub fn decode(seg: &str) -> Option<String> {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = |j: usize| b.get(j).and_then(|&h| (h as char).to_digit(16));
            let (hi, lo) = (hex(i + 1)?, hex(i + 2)?);
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Splits a raw (still percent-encoded) path into its segments after the leading `/`,
/// dropping one trailing `/`; nothing is decoded yet.
pub fn split(raw: &str) -> Vec<&str> {
    let raw = raw.strip_suffix('/').unwrap_or(raw);
    raw.split('/').skip(1).collect()
}

/// Decodes every segment.
///
/// # Errors
/// 400 `PARAMETER_INVALID` (source parameter `path`) for an invalid escape or non-UTF-8.
pub fn decode_all(raw: &[&str]) -> Result<Vec<String>, Error> {
    raw.iter().map(|s| decode(s).ok_or_else(|| bad_path(s))).collect()
}

fn bad_path(seg: &str) -> Error {
    let shown: String = seg.chars().take(64).collect();
    Error::new(Code::ParameterInvalid, format!("the path segment {shown:?} is not valid percent-encoded UTF-8")).parameter("path")
}

/// The endpoint list of `docs/API.md`: one table row per route row, in precedence order.
#[cfg(test)]
pub fn markdown(table: &[Route]) -> String {
    let mut out = String::from("| methods | path below `/v1` or `/v1/accounts/{account}` | strict rate limit |\n|---|---|---|\n");
    for r in table {
        let strict = r.class.binding().map_or(String::new(), |b| format!("`{b}`"));
        out.push_str(&format!("| {} | `{}` | {strict} |\n", r.methods.join(", "), r.pattern));
    }
    out
}

#[cfg(test)]
#[path = "routes_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "route_checks.rs"]
mod checks;

#[cfg(test)]
#[path = "cryptlex_coverage_tests.rs"]
mod cryptlex_coverage;

#[cfg(test)]
#[path = "keygen_routes_tests.rs"]
mod keygen_routes;

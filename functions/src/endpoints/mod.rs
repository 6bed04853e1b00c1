//! One module per endpoint group. Each handler parses (with `shared::api`/service parsers),
//! calls one service function, and renders: no business rule lives here.

pub mod catalogue;
pub mod fleet;
pub mod identity;
pub mod licensing;
pub mod lifecycle;

use catalogue::{policies, products};
use identity::{accounts, profiles, tokens, users};
use licensing::licenses;
use lifecycle::events;
use shared::api::document::Document;
use shared::api::query::Page;
use shared::api::ResourceObject;

use crate::http::Reply;
use crate::router::Cx;
use shared::Error;

/// A list document with pagination links for the request's path.
pub fn list_doc<T>(cx: &Cx<'_>, rows: &[T], count: u64, page: Page, render: impl Fn(&T) -> ResourceObject) -> Document {
    Document::many(rows.iter().map(render).collect(), page.links(&cx.req.path, &cx.req.query, count))
}

/// Routes of the foundation: account, profile, event log, tokens, products, policies, users,
/// licenses and their foundation actions.
pub async fn core_routes(cx: &Cx<'_>, rest: &[&str], password: Option<(String, String)>) -> Option<Result<Reply, Error>> {
    let m = cx.req.method.as_str();
    Some(match (m, rest) {
        ("GET", []) => accounts::show(cx).await,
        ("GET", ["profile"]) => profiles::profile(cx).await,
        ("GET", ["me"]) => profiles::me(cx).await,
        ("GET", ["event-logs"]) => events::list(cx).await,
        ("GET", ["event-logs", id]) => events::show(cx, id).await,

        ("GET", ["tokens"]) => tokens::list(cx).await,
        ("POST", ["tokens"]) => tokens::generate(cx, password).await,
        ("GET", ["tokens", id]) => tokens::show(cx, id).await,
        ("PUT" | "PATCH", ["tokens", id]) => tokens::regenerate(cx, id).await,
        ("DELETE", ["tokens", id]) => tokens::revoke(cx, id).await,

        ("GET", ["products"]) => products::list(cx).await,
        ("POST", ["products"]) => products::create(cx).await,
        ("GET", ["products", id]) => products::show(cx, id).await,
        ("PATCH" | "PUT", ["products", id]) => products::update(cx, id).await,
        ("DELETE", ["products", id]) => products::delete(cx, id).await,
        ("POST", ["products", id, "tokens"]) => products::create_token(cx, id).await,

        ("GET", ["policies"]) => policies::list(cx).await,
        ("POST", ["policies"]) => policies::create(cx).await,
        ("GET", ["policies", id]) => policies::show(cx, id).await,
        ("PATCH" | "PUT", ["policies", id]) => policies::update(cx, id).await,
        ("DELETE", ["policies", id]) => policies::delete(cx, id).await,

        ("GET", ["users"]) => users::list(cx).await,
        ("POST", ["users"]) => users::create(cx).await,
        ("GET", ["users", id]) => users::show(cx, id).await,
        ("PATCH" | "PUT", ["users", id]) => users::update(cx, id).await,
        ("DELETE", ["users", id]) => users::delete(cx, id).await,
        ("POST", ["users", id, "actions", "ban"]) => users::ban(cx, id, true).await,
        ("POST", ["users", id, "actions", "unban"]) => users::ban(cx, id, false).await,
        ("POST", ["users", id, "tokens"]) => users::create_token(cx, id).await,

        ("GET", ["licenses"]) => licenses::list(cx).await,
        ("POST", ["licenses"]) => licenses::create(cx).await,
        ("GET", ["licenses", id]) => licenses::show(cx, id).await,
        ("PATCH" | "PUT", ["licenses", id]) => licenses::update(cx, id).await,
        ("DELETE", ["licenses", id]) => licenses::delete(cx, id, false).await,
        ("DELETE", ["licenses", id, "actions", "revoke"]) => licenses::delete(cx, id, true).await,
        ("POST", ["licenses", id, "actions", "suspend"]) => licenses::suspend(cx, id, true).await,
        ("POST", ["licenses", id, "actions", "reinstate"]) => licenses::suspend(cx, id, false).await,
        ("POST", ["licenses", id, "actions", "renew"]) => licenses::renew(cx, id).await,
        ("GET", ["licenses", id, "policy"]) => licenses::policy(cx, id).await,
        ("PUT" | "PATCH", ["licenses", id, "policy"]) => licenses::transfer(cx, id).await,
        ("PUT" | "PATCH", ["licenses", id, "owner"]) => licenses::change_owner(cx, id).await,
        _ => return None,
    })
}

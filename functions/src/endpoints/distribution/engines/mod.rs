//! The package engines' handlers (PyPI, npm, OCI read side): parse the path and `Accept`,
//! call one `shared::service::distribution::engines` function, answer the client's format.

pub mod npm;
pub mod oci;
pub mod pypi;
pub mod rubygems;

use super::absolute;
use crate::router::Cx;

/// `{scheme}://{host}/v1/accounts/{account}`: the base of the links engines render (the
/// request's host, so clients resolve them against the address they used; the account by id).
pub fn base_url(cx: &Cx<'_>) -> String {
    absolute(cx, &format!("/v1/accounts/{}", cx.caller.account_id()))
}

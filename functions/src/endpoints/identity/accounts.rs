//! `GET|PATCH|PUT /v1/accounts/{id}`.

use shared::api::{accounts, Document};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// The account (admins).
pub async fn show(cx: &Cx<'_>) -> Result<Reply, Error> {
    shared::access::require(&cx.caller, shared::access::Action::AccountRead)?;
    Ok(Reply::ok(Document::one(accounts::account(&cx.caller.account))))
}

/// Renames the account or replaces its metadata (admins); the isolate's cached account is
/// dropped so that the new slug resolves at once.
pub async fn update(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = shared::service::identity::accounts::parse_update(&cx.req.body)?;
    let a = shared::service::identity::accounts::update(&cx.app, &cx.caller, input).await?;
    crate::router::forget_accounts();
    Ok(Reply::ok(Document::one(accounts::account(&a))))
}

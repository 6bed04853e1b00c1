//! `GET /v1/accounts/{id}`.

use shared::api::{accounts, Document};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// The account (admins).
pub async fn show(cx: &Cx<'_>) -> Result<Reply, Error> {
    shared::access::require(&cx.caller, shared::access::Action::AccountRead)?;
    Ok(Reply::ok(Document::one(accounts::account(&cx.caller.account))))
}

//! `GET|PATCH|PUT /v1/accounts/{id}`, `GET /v1/accounts/{id}/health`.

use shared::api::{accounts, Document};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

/// The account (admins), with its three public keys.
pub async fn show(cx: &Cx<'_>) -> Result<Reply, Error> {
    shared::access::require(&cx.caller, shared::access::Action::AccountRead)?;
    // The RSA and P-256 pairs are made on first use; reading the account publishes them.
    let a = shared::service::identity::account_keys::ensure_all(&cx.app, &cx.caller.account).await?;
    if a.rsa_private_key_sealed != cx.caller.account.rsa_private_key_sealed || a.ecdsa_private_key_sealed != cx.caller.account.ecdsa_private_key_sealed {
        crate::router::forget_accounts();
    }
    Ok(Reply::ok(Document::one(accounts::account(&a))))
}

/// `GET /v1/accounts/{id}/health` (anyone): one D1 read, answered signed through the account
/// pipeline like every read (issue 11: the benchmark's one-read baseline).
pub async fn health(cx: &Cx<'_>) -> Result<Reply, Error> {
    shared::service::identity::accounts::account_health(&cx.app, &cx.caller).await?;
    Ok(Reply::ok(accounts::health()))
}

/// Renames the account or replaces its metadata (admins); the isolate's cached account is
/// dropped so that the new slug resolves at once.
pub async fn update(cx: &Cx<'_>) -> Result<Reply, Error> {
    let input = shared::service::identity::accounts::parse_update(&cx.req.body)?;
    let a = shared::service::identity::accounts::update(&cx.app, &cx.caller, input).await?;
    crate::router::forget_accounts();
    Ok(Reply::ok(Document::one(accounts::account(&a))))
}

//! Key pools (issue 8): `/keys`, `/keys/{id}/product|policy` and `DELETE /policies/{id}/pool`.

use shared::api::accounts::product;
use shared::api::keys::key;
use shared::api::licenses::policy;
use shared::api::Document;
use shared::service::catalogue::keys as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists keys.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = svc::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, key)))
}

/// Adds a key to a pool.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|k| Reply::created(Document::one(key(&k))))
}

/// Shows a key.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::authorize(&cx.app, &cx.caller, id, shared::access::Action::KeyRead).await.map(|k| Reply::ok(Document::one(key(&k))))
}

/// Changes a key.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|k| Reply::ok(Document::one(key(&k))))
}

/// Deletes a key.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `GET /keys/{id}/policy`.
pub async fn key_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::policy(&cx.app, &cx.caller, id).await.map(|p| Reply::ok(Document::one(policy(&p))))
}

/// `GET /keys/{id}/product`.
pub async fn key_product(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::product(&cx.app, &cx.caller, id).await.map(|p| Reply::ok(Document::one(product(&p))))
}

/// keygen-rs SDK measure (issue 8): `DELETE /policies/{id}/pool` answers the popped key.
pub async fn pop(cx: &Cx<'_>, policy_id: &str) -> Result<Reply, Error> {
    svc::pop(&cx.app, &cx.caller, policy_id).await.map(|k| Reply::ok(Document::one(key(&k))))
}

/// Route diff (issue 8): `GET /policies/{id}/pool`, the keys left in the policy's pool.
pub async fn pool(cx: &Cx<'_>, policy_id: &str) -> Result<Reply, Error> {
    let (rows, n, page) = svc::pool(&cx.app, &cx.caller, policy_id, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, key)))
}

/// Route diff (issue 8): `GET /policies/{id}/pool/{key}`.
pub async fn pool_key(cx: &Cx<'_>, policy_id: &str, key_id: &str) -> Result<Reply, Error> {
    svc::pool_key(&cx.app, &cx.caller, policy_id, key_id).await.map(|k| Reply::ok(Document::one(key(&k))))
}

//! `GET /me`, `GET /profile`.

use serde_json::json;
use shared::api::{accounts, licenses, Document, ResourceObject};
use shared::service::identity::profiles::{self, Profile};
use shared::Error;

use crate::http::Reply;
use crate::router::Cx;

async fn resource(cx: &Cx<'_>) -> Result<(ResourceObject, Option<ResourceObject>), Error> {
    let (p, token) = profiles::me(&cx.app, &cx.caller).await?;
    let r = match p {
        Profile::User(u) => accounts::user(&u),
        Profile::Product(p) => accounts::product(&p),
        Profile::License(l) => licenses::license(&l, cx.app.now()),
        Profile::Environment(e) => shared::api::environments::environment(&e),
    };
    Ok((r, token.map(|t| accounts::token(&t, None))))
}

/// `GET /me`: the bearer, with its token in `included` when token-authenticated.
pub async fn me(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (r, token) = resource(cx).await?;
    let doc = Document::one(r);
    Ok(Reply::ok(match token {
        Some(t) => doc.included(vec![t]),
        None => doc,
    }))
}

/// `GET /profile`: the bearer with `meta.tokenId`.
pub async fn profile(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (r, _) = resource(cx).await?;
    Ok(Reply::ok(Document::one(r).meta(json!({"tokenId": cx.caller.token_id}))))
}

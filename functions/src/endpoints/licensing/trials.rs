//! `/trial-policies` and `/trial-activations` (Cryptlex's verified trials).

use serde_json::json;
use shared::api::trials::{trial_activation, trial_policy};
use shared::api::Document;
use shared::crypto::license_file::Encoding;
use shared::service::licensing::trial_activations::{self as trials, Issued, Origin};
use shared::service::licensing::trial_policies as policies;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists trial policies.
pub async fn list_policies(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = policies::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, trial_policy)))
}

/// Creates a trial policy.
pub async fn create_policy(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = policies::parse(&cx.req.body, true)?;
    policies::create(&cx.app, &cx.caller, i).await.map(|p| Reply::created(Document::one(trial_policy(&p))))
}

/// Shows a trial policy.
pub async fn show_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    policies::show(&cx.app, &cx.caller, id).await.map(|p| Reply::ok(Document::one(trial_policy(&p))))
}

/// Updates a trial policy.
pub async fn update_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = policies::parse(&cx.req.body, false)?;
    policies::update(&cx.app, &cx.caller, id, i).await.map(|p| Reply::ok(Document::one(trial_policy(&p))))
}

/// Deletes a trial policy.
pub async fn delete_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    policies::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

fn issued(i: Issued) -> Reply {
    let doc = Document::one(trial_activation(&i.trial)).meta(json!({"certificate": i.certificate, "algorithm": Encoding::Base64.alg()}));
    if i.created {
        Reply::created(doc)
    } else {
        Reply::ok(doc)
    }
}

/// `POST /trial-activations`: starts (or re-activates) this machine's trial.
pub async fn activate(cx: &Cx<'_>) -> Result<Reply, Error> {
    let r = trials::parse(&cx.req.body)?;
    trials::activate(&cx.app, &cx.caller, r, crate::endpoints::origin(cx), false).await.map(issued)
}

/// `POST /trial-activations/offline-activate`: an offline request in, the certificate out.
pub async fn activate_offline(cx: &Cx<'_>) -> Result<Reply, Error> {
    let r = trials::parse_offline(&cx.req.body)?;
    trials::activate(&cx.app, &cx.caller, r, Origin::default(), true).await.map(issued)
}

/// Lists trial activations.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    let (rows, n, page) = trials::list(&cx.app, &cx.caller, &cx.req.query).await?;
    Ok(Reply::ok(list_doc(cx, &rows, n, page, trial_activation)))
}

/// Shows a trial activation.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    trials::show(&cx.app, &cx.caller, id).await.map(|t| Reply::ok(Document::one(trial_activation(&t))))
}

/// `PATCH /trial-activations/{id}/expires-at`.
pub async fn set_expiry(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let at = trials::parse_expiry(&cx.req.body)?;
    trials::set_expiry(&cx.app, &cx.caller, id, at).await.map(|t| Reply::ok(Document::one(trial_activation(&t))))
}

/// Deletes a trial activation.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    trials::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

//! Machine proofs (issue 8): `POST /machines/{id}/actions/generate-offline-proof`.

use serde_json::json;
use shared::service::licensing::machine_proofs;
use shared::Error;

use crate::endpoints::fleet::machines::one;
use crate::http::Reply;
use crate::router::Cx;

/// The machine, with the proof in `meta.proof`.
pub async fn generate(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let (m, proof) = machine_proofs::generate(&cx.app, &cx.caller, id, &cx.req.body).await?;
    let mut doc = one(cx, &m);
    doc.0.insert("meta".into(), json!({ "proof": proof }));
    Ok(Reply::ok(doc))
}

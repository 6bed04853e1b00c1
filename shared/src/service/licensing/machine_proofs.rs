//! Machine proofs (issue 8): `POST /machines/{id}/actions/generate-offline-proof`, Keygen's
//! v1.0 proof action. The proof signs Keygen's default dataset (account, product, policy with
//! its duration, license id/key/expiry, machine id/fingerprint/created, `ts`) or, for admins
//! and products, the `meta.dataset` they send, with the account's Ed25519 key
//! ([`crate::crypto::proof`]); `machine.proofs.generated` carries it in its meta.

use serde_json::{json, Map, Value};

use crate::access::{self, Action};
use crate::api::input::parse_meta;
use crate::clock::iso8601;
use crate::crypto::proof;
use crate::error::{Code, Error};
use crate::service::{events, fleet::machines, licensing::licenses, App, Caller};
use crate::store::rows::MachineRow;
use crate::store::{Db, Kv};
use crate::Result;

/// `meta.dataset` of a proof request: an object (`None` when absent). Only admins and products
/// may send one (Keygen's typed params permit it for them only).
///
/// # Errors
/// 400 `PARAMETER_UNPERMITTED` for other bearers or other members of `meta`;
/// 400 `PARAMETER_INVALID` for a dataset that is not an object.
pub fn parse_dataset(body: &[u8], may_send: bool) -> Result<Option<Map<String, Value>>> {
    let mut meta = parse_meta(body)?;
    let dataset = meta.object("dataset")?;
    meta.finish()?;
    match dataset.set() {
        Some(_) if !may_send => Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer("/meta/dataset")),
        d => Ok(d),
    }
}

/// Keygen's `Machine#default_proof_dataset`.
fn default_dataset(m: &MachineRow, l: &crate::store::rows::LicenseRow, now: crate::clock::Millis) -> Value {
    json!({
        "account": {"id": m.account_id},
        "product": {"id": m.product_id},
        "policy": {"id": m.policy_id, "duration": l.config().duration},
        "license": {"id": l.id, "key": l.key, "expiry": l.expiry.map(iso8601)},
        "machine": {"id": m.id, "fingerprint": m.fingerprint, "created": iso8601(m.created_at)},
        "ts": iso8601(now),
    })
}

/// Generates a proof for machine `id` (or fingerprint): the machine and the proof.
///
/// # Errors
/// 401/403/404 from the access table; 400 for a bad `meta`.
pub async fn generate<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<(MachineRow, String)> {
    let m = machines::authorize(app, caller, id, Action::MachineProofGenerate).await?;
    // organization admins (issue 10 §7): a user here.
    let may_send = !matches!(caller.bearer.kind(), access::Kind::User | access::Kind::OrganizationAdmin | access::Kind::License | access::Kind::Anonymous);
    let dataset = parse_dataset(body, may_send)?;
    let acc = caller.account_id();
    let data = match dataset {
        Some(d) => Value::Object(d),
        None => {
            let l = licenses::find(app, acc, &m.license_id).await?.ok_or_else(|| Error::not_found("machine", id))?;
            default_dataset(&m, &l, app.now())
        }
    };
    let p = proof::sign(&licenses::signing_key(app, &caller.account)?, &data.to_string());
    let ev = events::Event { name: "machine.proofs.generated", resource_type: "machines", resource_id: &m.id, changes: None, meta: Some(json!({"proof": p})) };
    app.db.batch(vec![events::record(app, acc, &caller.bearer, ev)]).await?;
    Ok((m, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_and_products_send_a_dataset() {
        let body = br#"{"meta":{"dataset":{"a":1}}}"#;
        assert_eq!(parse_dataset(body, true).ok().flatten().map(|d| d.len()), Some(1));
        assert_eq!(parse_dataset(body, false).map(|_| ()).unwrap_err().code, "PARAMETER_UNPERMITTED");
        assert!(parse_dataset(b"", false).is_ok_and(|d| d.is_none()));
        assert_eq!(parse_dataset(br#"{"meta":{"dataset":[1]}}"#, true).map(|_| ()).unwrap_err().code, "PARAMETER_INVALID");
        assert_eq!(parse_dataset(br#"{"meta":{"other":1}}"#, true).map(|_| ()).unwrap_err().code, "PARAMETER_UNPERMITTED");
    }
}

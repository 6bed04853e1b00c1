//! Attach bodies whose items carry a feature value and expiry (issue 10 §3): license-level
//! features (`POST /licenses/{id}/entitlements`) and entitlement-set members
//! (`POST /entitlement-sets/{id}/entitlements`).

use serde_json::{json, Value};

use crate::api::input::{identifier, type_mismatch, Field, Members};
use crate::error::{Code, Error};
use crate::service::catalogue::entitlements::feature_value;
use crate::Result;

/// An attach body's items: identifiers that may carry `meta` with a feature `value` (and, for
/// licenses, `expiresAt`; issue 10 §3), e.g. `{"type":"entitlements","id":…,"meta":{"value":5}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Grantee {
    /// The entitlement id.
    pub id: String,
    /// The value override (JSON text), if any.
    pub value: Option<String>,
    /// When the grant stops counting, if ever.
    pub expires_at: Option<crate::clock::Millis>,
}

/// Parses `{"data":[{"type":"entitlements","id":…,"meta":{…}}, …]}` (1 to 100 items); `meta`
/// may hold `value` (number, string, boolean or null) and, when `expiry` is allowed,
/// `expiresAt` (ISO-8601 or null).
///
/// # Errors
/// 400 with a pointer for a bad shape, an unknown meta member or a bad timestamp.
pub fn parse_grantees(body: &[u8], expiry: bool) -> Result<Vec<Grantee>> {
    super::entitlements::identifier_items(body)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let ptr = format!("/data/{i}");
            let Value::Object(mut d) = v else { return Err(type_mismatch(&ptr, &v, "object")) };
            let meta = d.remove("meta");
            let id = identifier(d, "entitlements", &ptr)?;
            let mut g = Grantee { id, value: None, expires_at: None };
            let meta = match meta {
                None | Some(Value::Null) => return Ok(g),
                Some(Value::Object(m)) => m,
                Some(v) => return Err(type_mismatch(&format!("{ptr}/meta"), &v, "object")),
            };
            let mut m = Members::new(meta, format!("{ptr}/meta"));
            g.value = match feature_value(m.raw("value")).map_err(|e| e.pointer(format!("{ptr}/meta/value")))? {
                Field::Set(v) => Some(v.to_string()),
                _ => None,
            };
            if expiry {
                g.expires_at = match m.string("expiresAt")? {
                    Field::Set(s) => Some(
                        crate::clock::parse_iso8601(&s)
                            .ok_or_else(|| Error::new(Code::ParameterInvalid, "must be an ISO-8601 timestamp").pointer(format!("{ptr}/meta/expiresAt")))?,
                    ),
                    _ => None,
                };
            }
            m.finish()?;
            Ok(g)
        })
        .collect()
}

/// The ids of `grantees`, and them as the JSON array the attach statements read (`?5`).
pub fn grantee_params(grantees: &[Grantee]) -> (Vec<String>, Value) {
    let ids = grantees.iter().map(|g| g.id.clone()).collect();
    let arr = grantees.iter().map(|g| json!({"id": g.id, "value": g.value, "expiresAt": g.expires_at})).collect();
    (ids, Value::Array(arr))
}

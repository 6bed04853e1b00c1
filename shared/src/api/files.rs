//! Rendering of offline check-outs: the `license-files` / `machine-files` resource of
//! `POST …/actions/check-out`. The machine and components inside a machine file are rendered by
//! [`super::machines`], as everywhere else.

use serde_json::json;

use super::document::{ts, ResourceObject};
use crate::clock::iso8601;
use crate::service::licensing::checkout::Checkout;

/// The `license-files` or `machine-files` resource of a check-out (its id is random and not
/// stored, as in Keygen).
pub fn file(c: &Checkout) -> ResourceObject {
    let ty = if c.machine_id.is_some() { "machine-files" } else { "license-files" };
    let mut r = ResourceObject::new(&c.account_id, ty, &c.id)
        .attr("certificate", c.certificate.clone())
        .attr("algorithm", c.algorithm.clone())
        .attr("includes", json!(c.includes))
        .attr("ttl", c.ttl)
        .attr("expiry", ts(c.expiry))
        .attr("issued", iso8601(c.issued))
        .to_one("environment", "environments", None)
        .to_one("license", "licenses", Some(&c.license_id));
    if let Some(m) = &c.machine_id {
        r = r.to_one("machine", "machines", Some(m));
    }
    r
}

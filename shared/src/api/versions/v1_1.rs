//! 1.1: a validation's `meta.code` is `meta.constant` and only `VALID`/`EXPIRED` are valid
//! (`adjust_validity_for_validation_codes`, `rename_code_to_constant_for_validation`);
//! policies carry `concurrent` (`add_concurrent_attribute_to_policies` / `_policy`), which
//! 1.0–1.1 requests may set, and policies created there default to `ALWAYS_ALLOW_OVERAGE`.

use serde_json::{Map, Value};

use super::{attributes_of, v1_6::POLICY_ROUTES, Exchange, Lookups, Migration};

/// The validation actions.
const VALIDATIONS: [&str; 2] = ["/licenses/{id}/actions/validate", "/licenses/actions/validate-key"];

pub(super) const ADJUST_VALIDITY: Migration =
    Migration { version: 1, name: "adjust_validity_for_validation_codes", applies: |x: &Exchange<'_>| x.ok() && x.on(&VALIDATIONS), data: adjust_validity };

pub(super) const CODE_TO_CONSTANT: Migration =
    Migration { version: 1, name: "rename_code_to_constant_for_validation", applies: |x: &Exchange<'_>| x.ok() && x.on(&VALIDATIONS), data: code_to_constant };

pub(super) const CONCURRENT: Migration =
    Migration { version: 1, name: "add_concurrent_attribute_to_policies", applies: |x: &Exchange<'_>| x.ok() && x.on(&POLICY_ROUTES), data: concurrent };

fn validation_meta(body: &mut Value) -> Option<&mut Map<String, Value>> {
    body.get_mut("meta").and_then(Value::as_object_mut)
}

fn adjust_validity(body: &mut Value, _: &Lookups) {
    let Some(m) = validation_meta(body) else { return };
    if m.get("valid") == Some(&Value::Bool(true)) {
        if let Some(code) = m.get("code").and_then(Value::as_str) {
            let valid = matches!(code, "VALID" | "EXPIRED");
            m.insert("valid".into(), valid.into());
        }
    }
}

fn code_to_constant(body: &mut Value, _: &Lookups) {
    let Some(m) = validation_meta(body) else { return };
    if let Some(code) = m.remove("code") {
        m.insert("constant".into(), code);
    }
}

fn concurrent(body: &mut Value, _: &Lookups) {
    for a in attributes_of(body, "policies", true) {
        if let Some(s) = a.get("overageStrategy").and_then(Value::as_str) {
            let c = s != "NO_OVERAGE";
            a.insert("concurrent".into(), c.into());
        }
    }
}

/// `concurrent` is accepted on 1.0–1.1 as `overageStrategy` (`true` → `ALWAYS_ALLOW_OVERAGE`,
/// `false` → `NO_OVERAGE`; an explicit `overageStrategy` wins); creation defaults to
/// `ALWAYS_ALLOW_OVERAGE` there. A non-boolean `concurrent` is left for the parser to refuse.
pub(super) fn policy_request(attrs: &mut Map<String, Value>, target: u8, creating: bool) {
    if target > 1 {
        return;
    }
    if let Some(Value::Bool(c)) = attrs.get("concurrent") {
        let s = if *c { "ALWAYS_ALLOW_OVERAGE" } else { "NO_OVERAGE" };
        attrs.remove("concurrent");
        attrs.entry("overageStrategy").or_insert_with(|| s.into());
    }
    if creating {
        attrs.entry("overageStrategy").or_insert_with(|| "ALWAYS_ALLOW_OVERAGE".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validations_report_constant_and_the_old_validity() {
        let table = [(true, "VALID", true), (true, "EXPIRED", true), (true, "TOO_MANY_MACHINES", false), (true, "OVERDUE", false), (false, "SUSPENDED", false)];
        for (valid, code, then) in table {
            let mut b = json!({"meta": {"ts": "t", "valid": valid, "detail": "d", "code": code}});
            adjust_validity(&mut b, &Lookups::default());
            code_to_constant(&mut b, &Lookups::default());
            assert_eq!(b["meta"], json!({"ts": "t", "valid": then, "detail": "d", "constant": code}), "{code}");
        }
    }

    #[test]
    fn policies_carry_concurrent_and_accept_it() {
        for (overage, c) in [("NO_OVERAGE", false), ("ALWAYS_ALLOW_OVERAGE", true), ("ALLOW_1_25X_OVERAGE", true)] {
            let mut b = json!({"data": [{"type": "policies", "attributes": {"overageStrategy": overage}}]});
            concurrent(&mut b, &Lookups::default());
            assert_eq!(b["data"][0]["attributes"]["concurrent"], c, "{overage}");
        }
        let up = |body: Value, target, creating| {
            let mut a = body.as_object().cloned().unwrap_or_default();
            policy_request(&mut a, target, creating);
            Value::Object(a)
        };
        assert_eq!(up(json!({"concurrent": true}), 1, false), json!({"overageStrategy": "ALWAYS_ALLOW_OVERAGE"}));
        assert_eq!(up(json!({"concurrent": false}), 0, true), json!({"overageStrategy": "NO_OVERAGE"}));
        assert_eq!(up(json!({"concurrent": true, "overageStrategy": "NO_OVERAGE"}), 1, false), json!({"overageStrategy": "NO_OVERAGE"}));
        assert_eq!(up(json!({"concurrent": "yes"}), 1, false), json!({"concurrent": "yes"}));
        assert_eq!(up(json!({"concurrent": true}), 2, true), json!({"concurrent": true}), "1.2 has no concurrent");
        assert_eq!(up(json!({}), 1, true), json!({"overageStrategy": "ALWAYS_ALLOW_OVERAGE"}));
    }
}

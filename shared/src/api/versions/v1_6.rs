//! 1.6: policies call `processLeasingStrategy` `leasingStrategy`, both ways
//! (`rename_process_leasing_strategy_to_leasing_strategy_for_policies` / `_policy`; the
//! request side is Keygen's version-gated `leasing_strategy` param).

use serde_json::{Map, Value};

use super::{attributes_of, rename_attr, Exchange, Lookups, Migration};

/// The routes that answer policies (lists, one, and a license's or product's policy).
pub(super) const POLICY_ROUTES: [&str; 5] =
    ["/policies", "/policies/{id}", "/products/{id}/policies", "/products/{id}/policies/{policy}", "/licenses/{id}/policy"];

pub(super) const LEASING_STRATEGY: Migration = Migration {
    version: 6,
    name: "rename_process_leasing_strategy_to_leasing_strategy_for_policies",
    applies: |x: &Exchange<'_>| x.ok() && x.on(&POLICY_ROUTES),
    data,
};

fn data(body: &mut Value, _: &Lookups) {
    for a in attributes_of(body, "policies", true) {
        rename_attr(a, "processLeasingStrategy", "leasingStrategy");
    }
}

/// `leasingStrategy` is accepted as `processLeasingStrategy` on 1.0–1.6.
pub(super) fn policy_request(attrs: &mut Map<String, Value>, target: u8) {
    if target <= 6 {
        rename_attr(attrs, "leasingStrategy", "processLeasingStrategy");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn process_leasing_strategy_is_leasing_strategy_in_data_and_included() {
        let mut b = json!({
            "data": [{"type": "policies", "attributes": {"processLeasingStrategy": "PER_LICENSE"}}, {"type": "licenses", "attributes": {"processLeasingStrategy": "x"}}],
            "included": [{"type": "policies", "attributes": {"processLeasingStrategy": "PER_MACHINE"}}]
        });
        data(&mut b, &Lookups::default());
        assert_eq!(b["data"][0]["attributes"], json!({"leasingStrategy": "PER_LICENSE"}));
        assert_eq!(b["data"][1]["attributes"], json!({"processLeasingStrategy": "x"}), "other types untouched");
        assert_eq!(b["included"][0]["attributes"], json!({"leasingStrategy": "PER_MACHINE"}));
        let mut a = json!({"leasingStrategy": "PER_LICENSE"}).as_object().cloned().unwrap_or_default();
        policy_request(&mut a, 7);
        assert!(a.contains_key("leasingStrategy"), "1.7 does not accept the old name");
        policy_request(&mut a, 6);
        assert_eq!(Value::Object(a), json!({"processLeasingStrategy": "PER_LICENSE"}));
    }
}

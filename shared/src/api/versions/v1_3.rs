//! 1.3: policies call `machine{Uniqueness,Matching}Strategy` `fingerprint{…}Strategy`, both
//! ways (`rename_machine_{uniqueness,matching}_strategy_to_fingerprint_…_for_policies` /
//! `_policy`). 1.3's header rename (`Keygen-Account-Id`, …) is
//! [`crate::api::headers::whoami_headers`].

use serde_json::{Map, Value};

use super::{attributes_of, rename_attr, v1_6::POLICY_ROUTES, Exchange, Lookups, Migration};

const RENAMES: [(&str, &str); 2] = [("machineUniquenessStrategy", "fingerprintUniquenessStrategy"), ("machineMatchingStrategy", "fingerprintMatchingStrategy")];

pub(super) const FINGERPRINT_STRATEGIES: Migration = Migration {
    version: 3,
    name: "rename_machine_uniqueness_strategy_to_fingerprint_uniqueness_strategy_for_policies",
    applies: |x: &Exchange<'_>| x.ok() && x.on(&POLICY_ROUTES),
    data,
};

fn data(body: &mut Value, _: &Lookups) {
    for a in attributes_of(body, "policies", true) {
        for (now, then) in RENAMES {
            rename_attr(a, now, then);
        }
    }
}

/// `fingerprint{Uniqueness,Matching}Strategy` are accepted as `machine{…}Strategy` on 1.0–1.3.
pub(super) fn policy_request(attrs: &mut Map<String, Value>, target: u8) {
    if target <= 3 {
        for (now, then) in RENAMES {
            rename_attr(attrs, then, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn machine_strategies_are_fingerprint_strategies() {
        let mut b = json!({"data": {"type": "policies", "attributes": {"machineUniquenessStrategy": "UNIQUE_PER_POLICY", "machineMatchingStrategy": "MATCH_ALL", "componentMatchingStrategy": "MATCH_ANY"}}});
        data(&mut b, &Lookups::default());
        assert_eq!(
            b["data"]["attributes"],
            json!({"fingerprintUniquenessStrategy": "UNIQUE_PER_POLICY", "fingerprintMatchingStrategy": "MATCH_ALL", "componentMatchingStrategy": "MATCH_ANY"})
        );
        let mut a = json!({"fingerprintUniquenessStrategy": "UNIQUE_PER_ACCOUNT"}).as_object().cloned().unwrap_or_default();
        policy_request(&mut a, 4);
        assert!(a.contains_key("fingerprintUniquenessStrategy"), "1.4 does not accept the old name");
        policy_request(&mut a, 3);
        assert_eq!(Value::Object(a), json!({"machineUniquenessStrategy": "UNIQUE_PER_ACCOUNT"}));
    }
}

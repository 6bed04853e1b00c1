//! Hidden meters (Cryptlex's meter `visible`, issue 10 §2): what a client-side bearer is shown.
//! One walk over a rendered document (its `data`, one or many, and its `included`), used for
//! every HTTP document and every license/machine file, so no rendering path can leak a hidden
//! meter (`domain::meters::sees_hidden` decides who sees them).

use serde_json::{Map, Value};

/// Drops every `meterAttributes` item with `visible: false` from the licenses and machines of
/// `doc` (`data` and `included`).
pub fn hide_invisible(doc: &mut Map<String, Value>) {
    for key in ["data", "included"] {
        match doc.get_mut(key) {
            Some(Value::Array(items)) => items.iter_mut().for_each(hide_in_resource),
            Some(r @ Value::Object(_)) => hide_in_resource(r),
            _ => {}
        }
    }
}

fn hide_in_resource(r: &mut Value) {
    let typed = matches!(r.get("type").and_then(Value::as_str), Some("licenses" | "machines"));
    if !typed {
        return;
    }
    if let Some(Value::Array(meters)) = r.pointer_mut("/attributes/meterAttributes") {
        meters.retain(|m| m.get("visible") != Some(&Value::Bool(false)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hidden_meters_are_dropped_from_data_and_included_of_licenses_and_machines_only() {
        let meters = json!([{"name": "a", "visible": true}, {"name": "b", "visible": false}, {"name": "c"}]);
        let res = |ty: &str| json!({"type": ty, "id": "1", "attributes": {"meterAttributes": meters}});
        let mut doc = json!({"data": res("licenses"), "included": [res("machines"), res("policies"), {"type": "licenses"}]});
        let mut list = json!({"data": [res("machines"), 5]});
        hide_invisible(doc.as_object_mut().unwrap());
        hide_invisible(list.as_object_mut().unwrap());
        let kept = json!([{"name": "a", "visible": true}, {"name": "c"}]);
        assert_eq!(doc["data"]["attributes"]["meterAttributes"], kept);
        assert_eq!(doc["included"][0]["attributes"]["meterAttributes"], kept);
        assert_eq!(doc["included"][1]["attributes"]["meterAttributes"], meters, "other types untouched");
        assert_eq!(list["data"][0]["attributes"]["meterAttributes"], kept);
        use crate::access::Kind;
        let who: Vec<bool> = Kind::ALL.iter().map(|k| crate::domain::meters::sees_hidden(*k)).collect();
        assert_eq!(
            who,
            // (organization admins, then reseller admins last, issue 10 §7)
            [true, true, true, true, true, true, true, false, false, false, false, false],
            "admin, staff, environment, product see hidden meters; user, organization admin, license, anonymous, reseller admin do not"
        );
    }
}

//! 1.2: a machine just created is `NOT_STARTED` with no `lastHeartbeat` instead of `ALIVE`
//! (`change_alive_status_to_not_started_for_machine`; webhooks get it for every machine), and
//! policies created at 1.0–1.2 default `heartbeatBasis` to `FROM_FIRST_PING`.

use serde_json::{Map, Value};

use super::{resources, Exchange, Lookups, Migration};

pub(super) const NOT_STARTED: Migration =
    Migration { version: 2, name: "change_alive_status_to_not_started_for_machine", applies: |x: &Exchange<'_>| x.ok() && x.is("POST", "/machines"), data };

fn data(body: &mut Value, _: &Lookups) {
    for r in resources(body, false) {
        if r.get("type").and_then(Value::as_str) != Some("machines") {
            continue;
        }
        let Some(a) = r.get_mut("attributes").and_then(Value::as_object_mut) else { continue };
        if a.get("heartbeatStatus").and_then(Value::as_str) == Some("ALIVE") {
            a.insert("heartbeatStatus".into(), "NOT_STARTED".into());
            a.insert("lastHeartbeat".into(), Value::Null);
        }
    }
}

/// A policy created at 1.0–1.2 without `heartbeatBasis` gets `FROM_FIRST_PING` (Keygen's
/// version-dependent default; newer versions start required heartbeats at creation).
pub(super) fn policy_request(attrs: &mut Map<String, Value>, target: u8, creating: bool) {
    if target <= 2 && creating {
        attrs.entry("heartbeatBasis").or_insert_with(|| "FROM_FIRST_PING".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_alive_new_machine_is_not_started() {
        let table = [("ALIVE", "NOT_STARTED", Value::Null), ("DEAD", "DEAD", json!("t")), ("NOT_STARTED", "NOT_STARTED", json!("t"))];
        for (from, to, last) in table {
            let mut b = json!({"data": {"type": "machines", "attributes": {"heartbeatStatus": from, "lastHeartbeat": "t"}}});
            data(&mut b, &Lookups::default());
            assert_eq!(b["data"]["attributes"], json!({"heartbeatStatus": to, "lastHeartbeat": last}), "{from}");
        }
        let x = |method, status| Exchange { method, pattern: Some("/machines"), status };
        assert!((NOT_STARTED.applies)(&x("POST", 201)));
        assert!(!(NOT_STARTED.applies)(&x("GET", 200)));
        let mut a = Map::new();
        policy_request(&mut a, 2, false);
        assert!(a.is_empty(), "updates keep their basis");
        policy_request(&mut a, 3, true);
        assert!(a.is_empty());
        policy_request(&mut a, 2, true);
        assert_eq!(Value::Object(a), json!({"heartbeatBasis": "FROM_FIRST_PING"}));
    }
}

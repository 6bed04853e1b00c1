//! The search parser's own tests (terms, slots, spellings, refusals).
use super::*;

fn err(body: &str) -> (String, String) {
    let e = parse(body.as_bytes()).unwrap_err();
    let p = match &e.source {
        Some(crate::error::Source::Pointer(p)) => p.clone(),
        _ => String::new(),
    };
    (e.code.to_string(), p)
}

#[test]
fn keygens_refusals_point_into_meta() {
    assert_eq!(err(r#"{"meta":{"type":"widgets","query":{"name":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/type".into()));
    assert_eq!(err(r#"{"meta":{"type":"licenses","query":{}}}"#), ("PARAMETER_MISSING".into(), "/meta/query".into()));
    assert_eq!(err(r#"{"meta":{"type":"licenses","query":{"name":"ab"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/name".into()));
    assert_eq!(err(r#"{"meta":{"type":"licenses","query":{"email":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/email".into()));
    assert_eq!(err(r#"{"meta":{"type":"users","query":{"metadata":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/metadata".into()));
    assert_eq!(err(r#"{"meta":{"type":"users","query":{"metadata":{"k":"ab"}}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/metadata/k".into()));
    assert_eq!(err(r#"{"meta":{"type":"users","op":"XOR","query":{"email":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/op".into()));
    assert_eq!(err(r#"{"meta":{"type":"users","query":{"email":"abc"},"x":1}}"#).0, "PARAMETER_UNPERMITTED");
}

#[test]
fn attributes_take_their_slot() {
    let s = parse(br#"{"meta":{"type":"User","op":"or","query":{"firstName":"Ann","metadata":{"tier":3}}}}"#).unwrap();
    assert_eq!(s.kind, Kind::Users);
    assert!(parse(br#"{"meta":{"type":"licenses","query":{"metadata":{"seats":12}}}}"#).is_ok());
    assert_eq!(
        s.terms,
        vec![Value::from("OR"), Value::Null, Value::Null, "Ann".into(), Value::Null, Value::Null, r#"[{"k":["tier"],"v":"3"}]"#.into(), Value::Null]
    );
}

#[test]
fn metadata_keys_match_under_both_spellings() {
    assert_eq!(spellings("customerId"), ["customerId", "customer_id"]);
    assert_eq!(spellings("customer_id"), ["customer_id", "customerId"]);
    assert_eq!(spellings("tier"), ["tier"]);
    assert_eq!(spellings("Deep-Key"), ["Deep-Key", "deep_key", "deepKey"]);
    assert_eq!(spellings("_x"), ["_x"]);
}

#[test]
fn request_log_terms_take_their_slots_and_bad_ones_point_at_themselves() {
    let s = parse(br#"{"meta":{"type":"request-logs","query":{"requestor":{"type":"User","id":"abc"},"method":"get","status":404}}}"#).unwrap();
    assert_eq!(s.kind, Kind::RequestLogs);
    assert_eq!(
        s.terms,
        vec![Value::from("AND"), Value::Null, "users".into(), "abc".into(), Value::Null, Value::Null, "GET".into(), "404".into(), Value::Null, Value::Null]
    );
    let s = parse(br#"{"meta":{"type":"requestLogs","query":{"resource":"lic-123"}}}"#).unwrap();
    assert_eq!(s.terms.get(5), Some(&Value::from("lic-123")));
    assert_eq!(err(r#"{"meta":{"type":"request-logs","query":{"requestor":{}}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/requestor".into()));
    assert_eq!(err(r#"{"meta":{"type":"request-logs","query":{"requestor":{"id":"ab"}}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/requestor/id".into()));
    assert_eq!(err(r#"{"meta":{"type":"request-logs","query":{"resource":[1]}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/resource".into()));
    assert_eq!(err(r#"{"meta":{"type":"request-logs","query":{"requestor":{"kind":"x"}}}}"#).0, "PARAMETER_UNPERMITTED");
    assert_eq!(err(r#"{"meta":{"type":"request-logs","query":{"requestor#id":"abc"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/requestor#id".into()));
    assert_eq!(err(r#"{"meta":{"type":"request-logs","query":{"method":"GE"}}}"#), ("PARAMETER_INVALID".into(), "/meta/query/method".into()));
}

//! 1.4: the keys of objects nested in `metadata` are snake_case (top-level keys are kept),
//! on every successful JSON answer (`update_nested_key_casing_to_snakecase_for_metadata`).

use serde_json::{Map, Value};

use super::{resources, Exchange, Lookups, Migration};

pub(super) const SNAKE_CASE_METADATA: Migration =
    Migration { version: 4, name: "update_nested_key_casing_to_snakecase_for_metadata", applies: |x: &Exchange<'_>| x.ok(), data };

fn data(body: &mut Value, _: &Lookups) {
    for r in resources(body, true) {
        let Some(meta) = r.get_mut("attributes").and_then(|a| a.get_mut("metadata")).and_then(Value::as_object_mut) else { continue };
        for v in meta.values_mut() {
            match v {
                Value::Object(_) => deep_snake(v),
                Value::Array(items) => items.iter_mut().filter(|i| i.is_object()).for_each(deep_snake),
                _ => {}
            }
        }
    }
}

/// Every key of `v`, at every depth, in snake_case (Rails' `underscore`).
fn deep_snake(v: &mut Value) {
    match v {
        Value::Object(o) => {
            let old = std::mem::take(o);
            let mut new = Map::new();
            for (k, mut val) in old {
                deep_snake(&mut val);
                new.insert(underscore(&k), val);
            }
            *o = new;
        }
        Value::Array(items) => items.iter_mut().for_each(deep_snake),
        _ => {}
    }
}

/// `fooBar` → `foo_bar`, `HTTPServer` → `http_server`, `a-b` → `a_b` (ActiveSupport's rules).
fn underscore(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p));
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_uppercase()) && next.is_some_and(|n| n.is_lowercase()));
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if *c == '-' {
            out.push('_');
        } else {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_metadata_keys_are_snake_case_top_level_keys_are_kept() {
        let mut b = json!({
            "data": {"type": "licenses", "attributes": {"metadata": {"topLevel": {"innerKey": {"deepKey": 1}, "list": [{"aB": 2}]}, "arr": [{"fooBar": 1}, "plainString"], "n": 1}}},
            "included": [{"type": "users", "attributes": {"metadata": {"x": {"HTTPServer": true}}}}]
        });
        data(&mut b, &Lookups::default());
        assert_eq!(
            b["data"]["attributes"]["metadata"],
            json!({"topLevel": {"inner_key": {"deep_key": 1}, "list": [{"a_b": 2}]}, "arr": [{"foo_bar": 1}, "plainString"], "n": 1})
        );
        assert_eq!(b["included"][0]["attributes"]["metadata"], json!({"x": {"http_server": true}}));
        for (from, to) in
            [("fooBar", "foo_bar"), ("HTTPServer", "http_server"), ("already_snake", "already_snake"), ("a-b", "a_b"), ("v2Key", "v2_key"), ("", "")]
        {
            assert_eq!(underscore(from), to);
        }
        let x = |status| Exchange { method: "GET", pattern: Some("/anything"), status };
        assert!((SNAKE_CASE_METADATA.applies)(&x(200)));
        assert!(!(SNAKE_CASE_METADATA.applies)(&x(204)));
        assert!(!(SNAKE_CASE_METADATA.applies)(&x(422)));
    }
}

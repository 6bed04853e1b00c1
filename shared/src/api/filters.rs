//! Query operators on lists (Cryptlex 3.44 style in Keygen's filter syntax): `key[gt]`,
//! `key[gte]`, `key[lt]`, `key[lte]` with ISO-8601 times and `key[in]=A,B` for enums, parsed
//! once here into bound SQL parameters (the statements compare `(?N IS NULL OR col > ?N)`, or
//! read one JSON parameter with `sql::time_operators!`; no value is ever spliced into SQL text).

use serde_json::Value;

use crate::api::query::Query;
use crate::clock::parse_iso8601;
use crate::error::{Code, Error};
use crate::Result;

/// The comparison operators, in the order of their SQL parameters.
pub const OPERATORS: [&str; 4] = ["gt", "gte", "lt", "lte"];

/// `key[gt]`, `key[gte]`, `key[lt]`, `key[lte]` as four nullable millisecond parameters.
///
/// # Errors
/// 400 `PARAMETER_INVALID` naming the parameter (`created[gt]`) when a value is not ISO-8601.
pub fn time_range(q: &Query, key: &str) -> Result<[Value; 4]> {
    let mut out = [Value::Null, Value::Null, Value::Null, Value::Null];
    for (slot, op) in out.iter_mut().zip(OPERATORS) {
        let name = format!("{key}[{op}]");
        if let Some(v) = q.get(&name) {
            let ms = parse_iso8601(v).ok_or_else(|| Error::new(Code::ParameterInvalid, "must be an ISO-8601 time").parameter(name.clone()))?;
            *slot = ms.into();
        }
    }
    Ok(out)
}

/// An enum filter `key=value` checked against `allowed` (`Null` when absent).
///
/// # Errors
/// 400 `PARAMETER_INVALID` naming `key` for a value outside `allowed`.
pub fn one_of(q: &Query, key: &str, allowed: &[&str]) -> Result<Value> {
    match q.get(key) {
        None => Ok(Value::Null),
        Some(v) if allowed.contains(&v) => Ok(v.into()),
        Some(_) => Err(Error::new(Code::ParameterInvalid, format!("must be one of {}", allowed.join(", "))).parameter(key)),
    }
}

/// Every `field[op]` of `fields` (`created`, `updated`, `expiry`, …) with an ISO-8601 time, as
/// ONE bound parameter: the JSON object `{"created[gt]": <ms>, …}` that
/// `sql::time_operators!` compares column by column; `Null` when none is given.
///
/// # Errors
/// 400 `PARAMETER_INVALID` naming the parameter for a value that is not ISO-8601.
pub fn time_operators(q: &Query, fields: &[&str]) -> Result<Value> {
    let mut out = serde_json::Map::new();
    for field in fields {
        for (op, v) in OPERATORS.iter().zip(time_range(q, field)?) {
            if !v.is_null() {
                out.insert(format!("{field}[{op}]"), v);
            }
        }
    }
    Ok(if out.is_empty() { Value::Null } else { Value::Object(out).to_string().into() })
}

/// `key[in]=A,B,…` checked against `allowed`, as one bound JSON-array parameter (`Null` when
/// absent).
///
/// # Errors
/// 400 `PARAMETER_INVALID` naming `key[in]` for an empty list or a value outside `allowed`.
pub fn in_list(q: &Query, key: &str, allowed: &[&str]) -> Result<Value> {
    let name = format!("{key}[in]");
    let Some(v) = q.get(&name) else { return Ok(Value::Null) };
    let items: Vec<&str> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if items.is_empty() || items.iter().any(|i| !allowed.contains(i)) {
        return Err(Error::new(Code::ParameterInvalid, format!("must be a comma-separated list of {}", allowed.join(", "))).parameter(name));
    }
    Ok(Value::from(items).to_string().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_bind_each_operator_or_null() {
        let q = Query::parse("created%5Bgt%5D=2024-01-01T00:00:00Z&created[lte]=2024-02-01T00:00:00.000Z");
        let r = time_range(&q, "created").unwrap();
        assert_eq!(r[0], Value::from(parse_iso8601("2024-01-01T00:00:00Z").unwrap()));
        assert_eq!((r[1].is_null(), r[2].is_null()), (true, true));
        assert_eq!(r[3], Value::from(parse_iso8601("2024-02-01T00:00:00Z").unwrap()));
        let e = time_range(&Query::parse("created[lt]=yesterday"), "created").unwrap_err();
        assert_eq!((e.status, e.source.as_ref().map(|s| format!("{s:?}"))), (400, Some("Parameter(\"created[lt]\")".into())));
    }

    #[test]
    fn operators_are_one_json_parameter() {
        let q = Query::parse("created[gt]=2024-01-01T00:00:00Z&expiry[lte]=2025-01-01T00:00:00Z&updated[zz]=x");
        let v = time_operators(&q, &["created", "updated", "expiry"]).unwrap();
        let m: serde_json::Map<String, Value> = serde_json::from_str(v.as_str().unwrap()).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["created[gt]"], Value::from(parse_iso8601("2024-01-01T00:00:00Z").unwrap()));
        assert!(time_operators(&Query::parse(""), &["created"]).unwrap().is_null());
        assert_eq!(time_operators(&Query::parse("updated[gte]=x"), &["updated"]).unwrap_err().status, 400);
        assert_eq!(in_list(&Query::parse("status[in]=ACTIVE,EXPIRED"), "status", &["ACTIVE", "EXPIRED"]).unwrap(), r#"["ACTIVE","EXPIRED"]"#);
        for bad in ["status[in]=", "status[in]=ACTIVE,NOPE", "status[in]=%27)%20OR%201=1--"] {
            assert_eq!(in_list(&Query::parse(bad), "status", &["ACTIVE"]).unwrap_err().status, 400, "{bad}");
        }
    }

    #[test]
    fn enum_filters_refuse_unknown_values() {
        assert_eq!(one_of(&Query::parse("action=culled"), "action", &["culled"]).unwrap(), "culled");
        assert!(one_of(&Query::parse(""), "action", &["culled"]).unwrap().is_null());
        assert_eq!(one_of(&Query::parse("action=x' OR 1=1"), "action", &["culled"]).unwrap_err().status, 400);
    }
}

//! Query operators on lists (Cryptlex 3.44 style in Keygen's filter syntax): `key[gt]`,
//! `key[gte]`, `key[lt]`, `key[lte]` with ISO-8601 times and `key[in]=A,B` for enums, parsed
//! once here into bound SQL parameters (the statements compare `(?N IS NULL OR col > ?N)`, or
//! read one JSON parameter with `sql::time_operators!`; no value is ever spliced into SQL text).

use serde_json::Value;

use crate::api::query::Query;
use crate::clock::{parse_iso8601, Millis, DAY_MS};
use crate::domain::duration::IsoDuration;
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

/// Keygen's duration in list scopes (`expires[within]`, `activity[inside]`, …): digits are
/// seconds, anything else an ISO-8601 duration with its `P` optional and any case (`P90D`,
/// `90d`, `pt12h`), as Keygen reads them; then this API's older short forms (`1h`, `30min`,
/// `1mo`). Years and months count at their nominal lengths. In milliseconds.
pub fn keygen_duration(v: &str) -> Option<Millis> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse::<i64>().ok()?.checked_mul(1000);
    }
    let upper = v.to_ascii_uppercase();
    let iso = format!("P{}", upper.strip_prefix('P').unwrap_or(&upper));
    if let Ok(d) = iso.parse::<IsoDuration>() {
        return d.nominal_secs().checked_mul(1000);
    }
    short_duration(v)
}

/// `3d`, `2w`, `1h`, `30m`, `1y`, `1mo` → milliseconds (the forms this API took before it read
/// Keygen's; Keygen's own spelling wins where both read a value, so `30m` is 30 months).
fn short_duration(s: &str) -> Option<Millis> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit {
        "m" | "min" | "minute" | "minutes" => 60_000,
        "h" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        "w" | "week" | "weeks" => 604_800_000,
        "mo" | "month" | "months" => 2_629_746_000,
        "y" | "year" | "years" => 31_556_952_000,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

/// Keygen's time in list scopes (`expires[before]`, `activity[after]`, …): digits are a Unix
/// time in seconds, anything else an ISO-8601 time or date.
pub fn keygen_time(v: &str) -> Option<Millis> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse::<i64>().ok()?.checked_mul(1000);
    }
    parse_iso8601(v)
}

/// Keygen's `on` (`expires[on]`): the UTC day of an ISO-8601 date or time, as its first and
/// last millisecond.
pub fn keygen_day(v: &str) -> Option<(Millis, Millis)> {
    let start = parse_iso8601(v.get(..10)?)?;
    parse_iso8601(v)?;
    Some((start, start + DAY_MS - 1))
}

/// A required value of `name` read by `read`, or 400 `PARAMETER_INVALID` naming it.
///
/// # Errors
/// 400 `PARAMETER_INVALID` with `source.parameter` = `name` and `detail` = `what`.
pub fn read<T>(q: &Query, name: &str, read: impl Fn(&str) -> Option<T>, what: &str) -> Result<Option<T>> {
    match q.get(name) {
        None => Ok(None),
        Some(v) => read(v).map(Some).ok_or_else(|| Error::new(Code::ParameterInvalid, what.to_owned()).parameter(name)),
    }
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

    #[test]
    fn keygen_durations_times_and_days_read_as_keygen_reads_them() {
        assert_eq!(keygen_duration("3600"), Some(3_600_000));
        assert_eq!(keygen_duration("P90D"), Some(90 * 86_400_000));
        assert_eq!(keygen_duration("90d"), Some(90 * 86_400_000));
        assert_eq!(keygen_duration("pt12h"), Some(12 * 3_600_000));
        assert_eq!(keygen_duration("2w"), Some(2 * 604_800_000));
        assert_eq!(keygen_duration("1h"), Some(3_600_000));
        assert_eq!(keygen_duration("30m"), keygen_duration("P30M"));
        for bad in ["", "x", "P", "-1d", "99999999999999999999"] {
            assert_eq!(keygen_duration(bad), None, "{bad}");
        }
        assert_eq!(keygen_time("1700000000"), Some(1_700_000_000_000));
        assert_eq!(keygen_time("2024-01-02"), parse_iso8601("2024-01-02T00:00:00Z"));
        assert_eq!(keygen_time("soon"), None);
        let day = parse_iso8601("2024-03-04").unwrap();
        assert_eq!(keygen_day("2024-03-04T10:00:00Z"), Some((day, day + DAY_MS - 1)));
        assert_eq!(keygen_day("2024-13-04"), None);
        assert_eq!(keygen_day("é"), None);
        let e = read(&Query::parse("x=nope"), "x", keygen_time, "must be a time").unwrap_err();
        assert_eq!((e.status, format!("{:?}", e.source)), (400, "Some(Parameter(\"x\"))".into()));
    }
}

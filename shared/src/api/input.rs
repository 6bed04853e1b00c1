//! Strict JSON:API request parsing. Unknown members are rejected with 400
//! `PARAMETER_UNPERMITTED` pointing at them, wrong JSON types with 400 `PARAMETER_INVALID`,
//! missing required members with 400 `PARAMETER_MISSING` — like Keygen's typed params.

use serde_json::{Map, Value};

use crate::error::{Code, Error};
use crate::Result;

/// An optional attribute as sent: absent, explicitly null, or set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    /// Not in the request: leave unchanged.
    #[default]
    Absent,
    /// `null`: clear.
    Null,
    /// A value.
    Set(T),
}

impl<T> Field<T> {
    /// `Some(Some(v))` set, `Some(None)` null, `None` absent.
    pub fn into_update(self) -> Option<Option<T>> {
        match self {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Set(v) => Some(Some(v)),
        }
    }
    /// The value if set.
    pub fn set(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            _ => None,
        }
    }
    /// True unless absent.
    pub fn is_present(&self) -> bool {
        !matches!(self, Field::Absent)
    }
}

/// Parses a request body as a JSON object.
///
/// # Errors
/// 400 `JSON_INVALID` when the body is not a JSON object; 413 when it is too large.
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>> {
    if body.len() > super::MAX_BODY_BYTES {
        return Err(Error::new(Code::PayloadTooLarge, format!("request body must be at most {} bytes", super::MAX_BODY_BYTES)));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::new(Code::JsonInvalid, "The request body must be a JSON object").pointer("")),
        Err(e) => Err(Error::new(Code::JsonInvalid, format!("The request could not be completed because it contains badly formatted JSON ({e})")).pointer("")),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// 400 for a member of the wrong type.
pub fn type_mismatch(pointer: &str, got: &Value, expected: &str) -> Error {
    Error::new(Code::ParameterInvalid, format!("type mismatch (received {} expected {expected})", type_name(got))).pointer(pointer)
}

/// 422 `<ATTR>_INVALID` for an integer outside `min..=max`, with Rails' numericality detail.
fn out_of_range(k: &str, pointer: &str, min: i64, max: i64, got: f64) -> Error {
    let detail = if got < min as f64 { format!("must be greater than or equal to {min}") } else { format!("must be less than or equal to {max}") };
    Error::attribute(k, crate::error::AttrFault::Invalid, detail).pointer(pointer)
}

/// A JSON object whose members are taken one by one; whatever is left is unpermitted.
#[derive(Debug)]
pub struct Members {
    map: Map<String, Value>,
    prefix: String,
}

impl Members {
    /// Wraps `map`, whose members live under JSON pointer `prefix`.
    pub fn new(map: Map<String, Value>, prefix: impl Into<String>) -> Self {
        Self { map, prefix: prefix.into() }
    }

    /// The pointer of member `k`.
    pub fn ptr(&self, k: &str) -> String {
        format!("{}/{k}", self.prefix)
    }

    /// Removes and returns member `k` as sent.
    pub fn raw(&mut self, k: &str) -> Option<Value> {
        self.map.remove(k)
    }

    /// True if member `k` is present.
    pub fn has(&self, k: &str) -> bool {
        self.map.contains_key(k)
    }

    /// A string member.
    pub fn string(&mut self, k: &str) -> Result<Field<String>> {
        match self.map.remove(k) {
            None => Ok(Field::Absent),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::String(s)) => Ok(Field::Set(s)),
            Some(v) => Err(type_mismatch(&self.ptr(k), &v, "string")),
        }
    }

    /// An integer member (any `i64`; prefer [`Members::int_in`], which bounds it).
    pub fn int(&mut self, k: &str) -> Result<Field<i64>> {
        match self.map.remove(k) {
            None => Ok(Field::Absent),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Field::Set(i)),
                // An integer beyond i64 (`u64`) is out of every range, not a type mismatch.
                None if n.is_u64() => Err(out_of_range(k, &self.ptr(k), i64::MIN, i64::MAX, u64::MAX as f64)),
                None => Err(type_mismatch(&self.ptr(k), &Value::Number(n), "integer")),
            },
            Some(v) => Err(type_mismatch(&self.ptr(k), &v, "integer")),
        }
    }

    /// An integer member within `min..=max`: 422 `<ATTR>_INVALID` pointing at the member
    /// otherwise. Every integer the API stores is bounded so that no row can poison a sum
    /// (SQLite's `sum()` fails on i64 overflow) or lose precision over D1 (f64 numbers).
    pub fn int_in(&mut self, k: &str, min: i64, max: i64) -> Result<Field<i64>> {
        let f = self.int(k)?;
        if let Field::Set(n) = f {
            if !(min..=max).contains(&n) {
                return Err(out_of_range(k, &self.ptr(k), min, max, n as f64));
            }
        }
        Ok(f)
    }

    /// A boolean member.
    pub fn bool(&mut self, k: &str) -> Result<Field<bool>> {
        match self.map.remove(k) {
            None => Ok(Field::Absent),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::Bool(b)) => Ok(Field::Set(b)),
            Some(v) => Err(type_mismatch(&self.ptr(k), &v, "boolean")),
        }
    }

    /// An object member (metadata), at most 64 keys and 16 KB of JSON.
    pub fn object(&mut self, k: &str) -> Result<Field<Map<String, Value>>> {
        match self.map.remove(k) {
            None => Ok(Field::Absent),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::Object(m)) => {
                if m.len() > 64 || Value::Object(m.clone()).to_string().len() > 16 * 1024 {
                    return Err(Error::attribute(k, crate::error::AttrFault::Invalid, "is too large (at most 64 keys and 16 KB)").pointer(self.ptr(k)));
                }
                Ok(Field::Set(m))
            }
            Some(v) => Err(type_mismatch(&self.ptr(k), &v, "object")),
        }
    }

    /// Fails on the first member nobody took.
    ///
    /// # Errors
    /// 400 `PARAMETER_UNPERMITTED` pointing at the member.
    pub fn finish(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer(format!("{}/{k}", self.prefix))),
        }
    }

    /// The members not yet taken (for code that validates a whole bag, e.g. policy config).
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }
}

/// Attributes of a resource input.
pub type Attrs = Members;

/// Relationships of a resource input.
#[derive(Debug)]
pub struct Rels(Members);

impl Rels {
    /// A to-one relationship `{"data":{"type":ty,"id":…}}` (or `{"data":null}`).
    ///
    /// # Errors
    /// 400 on a wrong shape or type.
    pub fn one(&mut self, k: &str, ty: &str) -> Result<Field<String>> {
        let ptr = self.0.ptr(k);
        let Some(v) = self.0.raw(k) else { return Ok(Field::Absent) };
        let Value::Object(mut rel) = v else { return Err(type_mismatch(&ptr, &v, "object")) };
        let data = rel.remove("data");
        if let Some(extra) = rel.keys().next() {
            return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer(format!("{ptr}/{extra}")));
        }
        match data {
            None => Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/data"))),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::Object(d)) => Ok(Field::Set(identifier(d, ty, &format!("{ptr}/data"))?)),
            Some(v) => Err(type_mismatch(&format!("{ptr}/data"), &v, "object")),
        }
    }

    /// A to-many relationship's raw `data` array.
    pub fn many(&mut self, k: &str) -> Result<Option<Vec<Value>>> {
        let ptr = self.0.ptr(k);
        let Some(v) = self.0.raw(k) else { return Ok(None) };
        let Value::Object(mut rel) = v else { return Err(type_mismatch(&ptr, &v, "object")) };
        match rel.remove("data") {
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(type_mismatch(&format!("{ptr}/data"), &v, "array")),
            None => Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/data"))),
        }
    }

    /// Fails on any relationship nobody took.
    pub fn finish(self) -> Result<()> {
        self.0.finish()
    }
}

/// Reads a to-one relationship body, `{"data":{"type":…,"id":…}}` (the id) or `{"data":null}`
/// (`None`), as `PUT /licenses/{id}/owner|policy|group` send; `meta` is ignored.
///
/// # Errors
/// 400 `PARAMETER_MISSING` without `data`, `PARAMETER_INVALID` for a wrong type.
pub fn to_one_body(body: &[u8], ty: &str) -> Result<Option<String>> {
    let mut top = Members::new(parse_body(body)?, "");
    let data = top.raw("data");
    top.raw("meta");
    top.finish()?;
    match data {
        None => Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data")),
        Some(Value::Null) => Ok(None),
        Some(Value::Object(d)) => Ok(Some(identifier(d, ty, "/data")?)),
        Some(v) => Err(type_mismatch("/data", &v, "object")),
    }
}

/// Reads a resource identifier `{type, id}`, checking the type.
pub fn identifier(mut d: Map<String, Value>, ty: &str, ptr: &str) -> Result<String> {
    match d.remove("type") {
        Some(Value::String(t)) if t == ty || (ty == "users" && t == "user") || t.trim_end_matches('s') == ty.trim_end_matches('s') => {}
        Some(v) => return Err(Error::new(Code::ParameterInvalid, format!("type mismatch (received {} expected {ty})", v)).pointer(format!("{ptr}/type"))),
        None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/type"))),
    }
    let id = match d.remove("id") {
        Some(Value::String(s)) => s,
        Some(v) => return Err(type_mismatch(&format!("{ptr}/id"), &v, "string")),
        None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/id"))),
    };
    if let Some(extra) = d.keys().next() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer(format!("{ptr}/{extra}")));
    }
    Ok(id)
}

/// The `data` of a create/update request.
#[derive(Debug)]
pub struct ResourceInput {
    /// Client-supplied id (create) or the id being updated.
    pub id: Option<String>,
    /// `data.attributes`.
    pub attrs: Attrs,
    /// `data.relationships`.
    pub rels: Rels,
}

impl ResourceInput {
    /// Parses `{"data":{"type":ty,"id"?,"attributes"?,"relationships"?}}` from a body.
    ///
    /// # Errors
    /// 400 for malformed JSON, a missing `data`, a wrong `type`, or unknown members.
    pub fn parse(body: &[u8], ty: &str) -> Result<Self> {
        let mut top = Members::new(parse_body(body)?, "");
        let data = match top.raw("data") {
            Some(Value::Object(d)) => d,
            Some(v) => return Err(type_mismatch("/data", &v, "object")),
            None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data")),
        };
        top.raw("meta");
        top.raw("jsonapi");
        top.finish()?;
        let mut data = Members::new(data, "/data");
        match data.string("type")? {
            Field::Set(t) if t == ty || t.trim_end_matches('s') == ty.trim_end_matches('s') => {}
            Field::Set(t) => return Err(Error::new(Code::ParameterInvalid, format!("type mismatch (received {t} expected {ty})")).pointer("/data/type")),
            _ => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data/type")),
        }
        let id = data.string("id")?.set();
        let attrs = match data.raw("attributes") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(a)) => a,
            Some(v) => return Err(type_mismatch("/data/attributes", &v, "object")),
        };
        let rels = match data.raw("relationships") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(r)) => r,
            Some(v) => return Err(type_mismatch("/data/relationships", &v, "object")),
        };
        data.finish()?;
        Ok(Self { id, attrs: Members::new(attrs, "/data/attributes"), rels: Rels(Members::new(rels, "/data/relationships")) })
    }

    /// Takes the client-supplied `data.id` of a create (JSON:API allows a client to choose it;
    /// the importers keep the source's ids): it must be a UUID. A taken id is the service's
    /// 409 `ID_CONFLICT`.
    ///
    /// # Errors
    /// 400 `PARAMETER_INVALID` pointing at `/data/id` for anything but a UUID.
    pub fn client_id(&mut self) -> Result<Option<String>> {
        match self.id.take() {
            Some(id) if !crate::rng::is_uuid(&id) => Err(Error::new(Code::ParameterInvalid, "must be a valid UUID").pointer("/data/id")),
            id => Ok(id),
        }
    }

    /// Fails on unknown attributes or relationships.
    pub fn finish(self) -> Result<()> {
        self.attrs.finish()?;
        self.rels.finish()
    }
}

/// Parses the `meta` object of an action request (`{"meta":{…}}`); empty body → empty meta.
pub fn parse_meta(body: &[u8]) -> Result<Members> {
    let mut top = Members::new(parse_body(body)?, "");
    let meta = match top.raw("meta") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(v) => return Err(type_mismatch("/meta", &v, "object")),
    };
    top.raw("data");
    top.finish()?;
    Ok(Members::new(meta, "/meta"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Source;

    fn ptr(e: &Error) -> &str {
        match &e.source {
            Some(Source::Pointer(p)) => p,
            _ => "",
        }
    }

    #[test]
    fn malformed_json_is_json_invalid() {
        let e = ResourceInput::parse(b"{\"data\":", "licenses").unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (400, "JSON_INVALID"));
    }

    #[test]
    fn unknown_attribute_is_unpermitted_with_pointer() {
        let mut r = ResourceInput::parse(br#"{"data":{"type":"products","attributes":{"name":"x","bogus":1}}}"#, "products").unwrap();
        assert_eq!(r.attrs.string("name").unwrap(), Field::Set("x".into()));
        let e = r.finish().unwrap_err();
        assert_eq!((e.code.as_ref(), ptr(&e)), ("PARAMETER_UNPERMITTED", "/data/attributes/bogus"));
    }

    #[test]
    fn wrong_types_name_the_pointer() {
        let mut r = ResourceInput::parse(br#"{"data":{"type":"policies","attributes":{"duration":"long"}}}"#, "policies").unwrap();
        let e = r.attrs.int("duration").unwrap_err();
        assert_eq!((e.code.as_ref(), ptr(&e)), ("PARAMETER_INVALID", "/data/attributes/duration"));
        assert!(e.detail.contains("received string expected integer"));
    }

    #[test]
    fn wrong_resource_type_and_missing_data_are_rejected() {
        let e = ResourceInput::parse(br#"{"data":{"type":"machines"}}"#, "licenses").unwrap_err();
        assert_eq!(ptr(&e), "/data/type");
        let e = ResourceInput::parse(br#"{"meta":{}}"#, "licenses").unwrap_err();
        assert_eq!((e.code.as_ref(), ptr(&e)), ("PARAMETER_MISSING", "/data"));
    }

    #[test]
    fn relationships_are_checked() {
        let mut r = ResourceInput::parse(
            br#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"p1"}},"owner":{"data":null}}}}"#,
            "licenses",
        )
        .unwrap();
        assert_eq!(r.rels.one("policy", "policies").unwrap(), Field::Set("p1".into()));
        assert_eq!(r.rels.one("owner", "users").unwrap(), Field::Null);
        let mut r =
            ResourceInput::parse(br#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"products","id":"p1"}}}}}"#, "licenses").unwrap();
        let e = r.rels.one("policy", "policies").unwrap_err();
        assert_eq!(ptr(&e), "/data/relationships/policy/data/type");
    }

    #[test]
    fn a_client_id_must_be_a_uuid() {
        let mut r = ResourceInput::parse(br#"{"data":{"type":"machines","id":"nope"}}"#, "machines").unwrap();
        let e = r.client_id().unwrap_err();
        assert_eq!((e.status, e.code.as_ref(), ptr(&e)), (400, "PARAMETER_INVALID", "/data/id"));
        let id = "8b7e6a51-3c6d-4f3e-9a47-0c1d2e3f4a5b";
        let mut r = ResourceInput::parse(format!(r#"{{"data":{{"type":"machines","id":"{id}"}}}}"#).as_bytes(), "machines").unwrap();
        assert_eq!(r.client_id().unwrap().as_deref(), Some(id));
        let mut r = ResourceInput::parse(br#"{"data":{"type":"machines"}}"#, "machines").unwrap();
        assert_eq!(r.client_id().unwrap(), None);
    }

    #[test]
    fn oversized_bodies_are_413() {
        let big = vec![b' '; super::super::MAX_BODY_BYTES + 1];
        assert_eq!(parse_body(&big).unwrap_err().status, 413);
    }
}

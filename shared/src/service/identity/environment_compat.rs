//! Environments (Keygen EE, issue 8): an association across environments is Keygen's 422
//! `must be compatible with <association> environment` (`environmental.rb`), not a 404.
//!
//! Every service resolves a named relationship inside the caller's tenant, so a record of
//! another environment (or a global one from inside an environment, or an environment's from
//! the global one) is simply not found there: the service answers 422 `<RELATION>_NOT_FOUND`
//! pointing at the relationship. [`explain`], run once by the router on such an answer, asks
//! whether the named record lives elsewhere in the same account and if so says so. Records of
//! other accounts stay not found.

use serde_json::Value;

use crate::domain::environments::{related_type, split};
use crate::error::{Code, Error, Source};
use crate::service::App;
use crate::store::{fetch_one, sql, Db, Kv};

/// `e` as Keygen words it when the relationship it points at names a record of another
/// environment of the same account; otherwise `e` unchanged. Costs one read, only on a 422
/// `*_NOT_FOUND` answer that points at a relationship.
pub async fn explain<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, body: &[u8], e: Error) -> Error {
    if e.status != 422 || !e.code.ends_with("_NOT_FOUND") {
        return e;
    }
    let Some(Source::Pointer(p)) = &e.source else { return e };
    let Some((association, ty, id)) = named(body, p) else { return e };
    let Some(statement) = sql::environments::elsewhere(ty) else { return e };
    let root = split(account_id).0;
    match fetch_one::<Value>(app.db, statement, &[id.into(), account_id.into(), root.into()]).await {
        Ok(Some(_)) => Error::new(Code::EnvironmentNotAllowed, format!("must be compatible with {association} environment")).pointer(p.clone()),
        _ => e,
    }
}

/// The association's name, the named record's table type and its id: the identifier at
/// `pointer` (`/data/relationships/<association>` holds `{"data":{type,id}}`; an item of a
/// to-many body, `/data/<i>`, or a to-one body, `/data`, is the identifier itself).
fn named(body: &[u8], pointer: &str) -> Option<(String, &'static str, String)> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    let at = doc.pointer(pointer)?;
    let ident = match at.get("data") {
        Some(d) if d.is_object() => d,
        _ => at,
    };
    let (ty, singular) = related_type(ident.get("type")?.as_str()?)?;
    let id = ident.get("id")?.as_str()?.to_owned();
    let association = match pointer.strip_prefix("/data/relationships/") {
        Some(rel) => rel.split('/').next().unwrap_or(rel).to_owned(),
        None => singular.to_owned(),
    };
    Some((association, ty, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_identifier_is_found_at_the_pointer() {
        let b = br#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"p1"}}}}}"#;
        assert_eq!(named(b, "/data/relationships/policy"), Some(("policy".into(), "policies", "p1".into())));
        let b = br#"{"data":[{"type":"users","id":"u1"},{"type":"user","id":"u2"}]}"#;
        assert_eq!(named(b, "/data/1"), Some(("user".into(), "users", "u2".into())));
        let b = br#"{"data":{"type":"policy","id":"p2"}}"#;
        assert_eq!(named(b, "/data"), Some(("policy".into(), "policies", "p2".into())));
        assert_eq!(named(br#"{"data":{"type":"accounts","id":"a"}}"#, "/data"), None, "not an environmental type");
        assert_eq!(named(b"not json", "/data"), None);
        assert_eq!(named(br#"{"data":{"type":"users","id":7}}"#, "/data"), None);
    }
}

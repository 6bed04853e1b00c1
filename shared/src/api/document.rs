//! Response documents: resource objects with `relationships` and `links` on every resource
//! (keygen-rs refuses resources without `relationships`), list documents with pagination links,
//! and error documents with a request id in `meta`.

use serde_json::{json, Map, Value};

use crate::clock::{iso8601, Millis};
use crate::error::{Error, Source};

/// Links of a list document.
pub type Links = Map<String, Value>;

/// One JSON:API resource object under construction.
#[derive(Debug, Clone)]
pub struct ResourceObject {
    /// Resource id.
    pub id: String,
    /// JSON:API type (`licenses`, `machines`, …).
    pub ty: &'static str,
    /// camelCase attributes.
    pub attributes: Map<String, Value>,
    /// Relationships by name.
    pub relationships: Map<String, Value>,
    /// `links.self`.
    pub self_link: String,
    /// Resource-level `meta`, if any.
    pub meta: Option<Map<String, Value>>,
}

/// The path prefix of an account's resources: `/v1/accounts/<id>`. An environment's tenant id
/// (`domain::environments`) names its account: environments share the account's URLs.
pub fn account_base(account_id: &str) -> String {
    format!("/v1/accounts/{}", crate::domain::environments::split(account_id).0)
}

/// Types that are not environment-scoped (no `relationships.environment`).
const NOT_ENVIRONMENTAL: &[&str] = &["accounts", "environments"];

/// ISO-8601 for an optional timestamp, `null` when absent.
pub fn ts(ms: Option<Millis>) -> Value {
    ms.map_or(Value::Null, |m| Value::String(iso8601(m)))
}

impl ResourceObject {
    /// A resource of type `ty` with id `id` in account `account_id` (a real account or an
    /// environment's tenant id); `links.self` is `/v1/accounts/<account>/<ty>/<id>`; an
    /// `account` relationship is added, and an `environment` one (`data: null` = global) on
    /// every environment-scoped type (Keygen EE).
    pub fn new(account_id: &str, ty: &'static str, id: &str) -> Self {
        let (account, environment) = crate::domain::environments::split(account_id);
        let base = account_base(account);
        let mut r = Self { id: id.to_owned(), ty, attributes: Map::new(), relationships: Map::new(), self_link: format!("{base}/{ty}/{id}"), meta: None };
        r.relationships.insert("account".into(), json!({"links": {"related": base}, "data": {"type": "accounts", "id": account}}));
        if !NOT_ENVIRONMENTAL.contains(&ty) {
            let rel = match environment {
                Some(e) => json!({"links": {"related": format!("{base}/environments/{e}")}, "data": {"type": "environments", "id": e}}),
                None => json!({"data": null}),
            };
            r.relationships.insert("environment".into(), rel);
        }
        r
    }

    /// Sets an attribute.
    pub fn attr(mut self, k: &str, v: impl Into<Value>) -> Self {
        self.attributes.insert(k.to_owned(), v.into());
        self
    }

    /// Sets several attributes at once (activation rules, issue 10 §4).
    pub fn attrs(mut self, m: Map<String, Value>) -> Self {
        self.attributes.extend(m);
        self
    }

    /// Adds a to-one relationship with linkage (`data: null` when `id` is None).
    pub fn to_one(mut self, name: &str, ty: &str, id: Option<&str>) -> Self {
        let data = id.map_or(Value::Null, |id| json!({"type": ty, "id": id}));
        let related = format!("{}/{}", self.self_link, kebab(name));
        self.relationships.insert(name.to_owned(), json!({"links": {"related": related}, "data": data}));
        self
    }

    /// Adds a to-many relationship with only a `related` link (and optional `meta`).
    pub fn to_many(mut self, name: &str, meta: Option<Value>) -> Self {
        let related = format!("{}/{}", self.self_link, kebab(name));
        let mut rel = json!({"links": {"related": related}});
        if let Some(m) = meta {
            rel["meta"] = m;
        }
        self.relationships.insert(name.to_owned(), rel);
        self
    }

    /// Sets `created` and `updated`.
    pub fn timestamps(self, created: Millis, updated: Millis) -> Self {
        self.attr("created", iso8601(created)).attr("updated", iso8601(updated))
    }

    /// The JSON value of the resource object.
    pub fn into_value(self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), Value::String(self.id));
        o.insert("type".into(), Value::String(self.ty.into()));
        o.insert("attributes".into(), Value::Object(self.attributes));
        o.insert("relationships".into(), Value::Object(self.relationships));
        o.insert("links".into(), json!({"self": self.self_link}));
        if let Some(m) = self.meta {
            o.insert("meta".into(), Value::Object(m));
        }
        Value::Object(o)
    }
}

/// A whole response document.
#[derive(Debug, Clone, Default)]
pub struct Document(pub Map<String, Value>);

impl Document {
    /// `{"data": resource}`.
    pub fn one(r: ResourceObject) -> Self {
        let mut m = Map::new();
        m.insert("data".into(), r.into_value());
        Self(m)
    }

    /// `{"data": [resources], "links": links}` (+ `meta` when given).
    pub fn many(rs: Vec<ResourceObject>, links: Links) -> Self {
        let mut m = Map::new();
        m.insert("data".into(), Value::Array(rs.into_iter().map(ResourceObject::into_value).collect()));
        m.insert("links".into(), Value::Object(links));
        Self(m)
    }

    /// Adds or replaces top-level `meta`.
    pub fn meta(mut self, meta: Value) -> Self {
        self.0.insert("meta".into(), meta);
        self
    }

    /// Adds `included`.
    pub fn included(mut self, inc: Vec<ResourceObject>) -> Self {
        self.0.insert("included".into(), Value::Array(inc.into_iter().map(ResourceObject::into_value).collect()));
        self
    }

    /// Serialised body.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).unwrap_or_default()
    }
}

/// The error document for `e`: `{"meta":{"id":request_id},"errors":[{title,detail,code,source}]}`.
pub fn error_document(e: &Error, request_id: &str) -> Value {
    let mut obj = Map::new();
    obj.insert("title".into(), Value::String(e.title.into()));
    obj.insert("detail".into(), Value::String(e.detail.clone()));
    obj.insert("code".into(), Value::String(e.code.to_string()));
    if let Some(s) = &e.source {
        let src = match s {
            Source::Pointer(p) => json!({"pointer": p}),
            Source::Parameter(p) => json!({"parameter": p}),
            Source::Header(h) => json!({"header": h}),
        };
        obj.insert("source".into(), src);
    }
    json!({"meta": {"id": request_id}, "errors": [Value::Object(obj)]})
}

/// A relationship's path segment: its camelCase name in kebab case (`maintenancePolicy` →
/// `maintenance-policy`), as Keygen's routes spell them.
fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AttrFault, Code};

    #[test]
    fn resources_carry_relationships_and_self_links() {
        let v = ResourceObject::new("a1", "licenses", "l1").attr("name", "x").to_one("policy", "policies", Some("p1")).to_many("machines", None).into_value();
        assert_eq!(v["links"]["self"], "/v1/accounts/a1/licenses/l1");
        assert_eq!(v["relationships"]["policy"]["data"]["id"], "p1");
        assert_eq!(v["relationships"]["policy"]["links"]["related"], "/v1/accounts/a1/licenses/l1/policy");
        assert_eq!(v["relationships"]["account"]["data"]["id"], "a1");
        assert!(v["relationships"]["machines"]["data"].is_null());
    }

    #[test]
    fn error_documents_render_code_source_and_request_id() {
        let e = Error::attribute("fingerprint", AttrFault::Taken, "has already been taken");
        let v = error_document(&e, "req-1");
        assert_eq!(
            v,
            json!({"meta":{"id":"req-1"},"errors":[{"title":"Unprocessable resource","detail":"has already been taken","code":"FINGERPRINT_TAKEN","source":{"pointer":"/data/attributes/fingerprint"}}]})
        );
        let v = error_document(&Error::new(Code::CheckoutTtlInvalid, "must be greater than or equal to 3600").parameter("ttl"), "r");
        assert_eq!(v["errors"][0]["source"], json!({"parameter":"ttl"}));
    }

    #[test]
    fn every_code_renders_its_status_title_and_code() {
        for c in Code::ALL {
            let v = error_document(&Error::new(*c, "d"), "r");
            assert_eq!(v["errors"][0]["code"], c.as_str());
            assert_eq!(v["errors"][0]["title"], c.title());
        }
    }
}

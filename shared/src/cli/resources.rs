//! `latchkey <resource> list|show|create|update|delete`, driven by one table: adding a resource
//! (say, when distribution ships more) is one row.

use serde_json::{json, Map, Value};

use super::args::pair;
use super::config::Config;
use super::http::{percent, Api};
use super::{output, Args, Failure, Outcome};

/// A resource the CLI manages.
#[derive(Debug)]
pub struct Resource {
    /// The command name (plural).
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: &'static [&'static str],
    /// Collection path under the account, and the JSON:API `type`.
    pub path: &'static str,
    /// Attributes shown as table columns after the id.
    pub columns: &'static [&'static str],
}

/// Every resource, in the order `help` lists them.
pub const RESOURCES: &[Resource] = &[
    Resource { name: "products", aliases: &["product"], path: "products", columns: &["name", "code", "distributionStrategy"] },
    Resource { name: "policies", aliases: &["policy"], path: "policies", columns: &["name", "scheme", "maxMachines", "duration"] },
    Resource { name: "licenses", aliases: &["license"], path: "licenses", columns: &["name", "key", "status", "expiry"] },
    Resource { name: "machines", aliases: &["machine"], path: "machines", columns: &["fingerprint", "name", "platform", "heartbeatStatus"] },
    Resource { name: "users", aliases: &["user"], path: "users", columns: &["email", "role", "status"] },
    Resource { name: "groups", aliases: &["group"], path: "groups", columns: &["name", "maxLicenses", "maxMachines"] },
    Resource { name: "entitlements", aliases: &["entitlement"], path: "entitlements", columns: &["name", "code"] },
    Resource { name: "webhooks", aliases: &["webhook", "webhook-endpoints"], path: "webhook-endpoints", columns: &["url", "subscriptions"] },
    Resource { name: "releases", aliases: &["release"], path: "releases", columns: &["version", "channel", "status"] },
];

/// The resource a command names.
pub fn find(name: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.name == name || r.aliases.contains(&name))
}

/// The JSON:API type a relationship name points at (`policy` → `policies`, `owner` → `users`).
pub fn rel_type(name: &str) -> String {
    match name {
        "owner" | "user" | "users" => "users".into(),
        "policy" | "policies" => "policies".into(),
        "entity" | "product" => "products".into(),
        n if n.ends_with('s') => n.into(),
        n if n.ends_with('y') => format!("{}ies", &n[..n.len() - 1]),
        n => format!("{n}s"),
    }
}

/// A typed `--attr` value: numbers, booleans, null and JSON (objects, arrays, quoted strings)
/// as JSON, anything else as a string.
pub fn typed(v: &str) -> Value {
    let t = v.trim();
    let json_like = matches!(t, "true" | "false" | "null") || t.starts_with(['{', '[', '"']) || t.parse::<f64>().is_ok_and(f64::is_finite);
    if json_like {
        if let Ok(parsed) = serde_json::from_str::<Value>(t) {
            return parsed;
        }
    }
    Value::String(v.to_owned())
}

/// The `data` of a create or update from `--attr`, `--str`, `--rel` and `--id`.
///
/// # Errors
/// [`Failure::Usage`] for a malformed pair.
pub fn body(ty: &str, id: Option<&str>, a: &Args) -> Result<Value, Failure> {
    let mut attrs = Map::new();
    for s in a.values("attr") {
        let (k, v) = pair("attr", s)?;
        attrs.insert(k.to_owned(), typed(v));
    }
    for s in a.values("str") {
        let (k, v) = pair("str", s)?;
        attrs.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    let mut rels = Map::new();
    for s in a.values("rel") {
        let (k, v) = pair("rel", s)?;
        let data = if v.is_empty() || v == "null" { Value::Null } else { json!({"type": rel_type(k), "id": v}) };
        rels.insert(k.to_owned(), json!({"data": data}));
    }
    let mut data = json!({"type": ty, "attributes": attrs});
    if let Some(id) = id {
        data["id"] = id.into();
    }
    if !rels.is_empty() {
        data["relationships"] = Value::Object(rels);
    }
    Ok(json!({"data": data}))
}

fn print_one(doc: &Value, json_out: bool) {
    if json_out {
        say!("{doc}");
    } else {
        say!("{}", output::record(&doc["data"]));
    }
}

/// Runs `<resource> <verb> …` against the saved configuration.
pub fn run(r: &Resource, mut a: Args) -> Outcome {
    let verb = a.required("list|show|create|update|delete")?;
    let json_out = a.flag("json");
    let edit = ["attr", "str", "rel", "json"];
    let api = || Config::load().map(|c| Api::from_config(&c));
    match verb.as_str() {
        "list" => {
            a.only(&["all", "limit", "query", "json"])?;
            let mut q: Vec<String> = Vec::new();
            for s in a.values("query") {
                let (k, v) = pair("query", s)?;
                q.push(format!("{k}={}", percent(v)));
            }
            let path = if q.is_empty() { format!("/{}", r.path) } else { format!("/{}?{}", r.path, q.join("&")) };
            let api = api()?;
            let mut all = Vec::new();
            if a.flag("all") {
                api.each_page(&path, 100, |items, _| {
                    all.extend_from_slice(items);
                    Ok(())
                })?;
            } else {
                let limit = a.value("limit").unwrap_or("10");
                let n: u32 = limit.parse().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| Failure::Usage("--limit takes 1..100".into()))?;
                let sep = if path.contains('?') { '&' } else { '?' };
                let doc = api.send("GET", &format!("{path}{sep}limit={n}"), None)?;
                all = doc["data"].as_array().cloned().unwrap_or_default();
            }
            if json_out {
                say!("{}", json!({"data": all}));
            } else {
                say!("{}", output::table(&all, r.columns));
            }
            Ok(())
        }
        "show" => {
            let id = a.required("id")?;
            a.only(&["json"])?;
            print_one(&api()?.send("GET", &format!("/{}/{}", r.path, percent(&id)), None)?, json_out);
            Ok(())
        }
        "create" => {
            a.only(&[&edit[..], &["id"]].concat())?;
            let b = body(r.path, a.value("id"), &a)?;
            print_one(&api()?.send("POST", &format!("/{}", r.path), Some(&b))?, json_out);
            Ok(())
        }
        "update" => {
            let id = a.required("id")?;
            a.only(&edit)?;
            let b = body(r.path, Some(&id), &a)?;
            print_one(&api()?.send("PATCH", &format!("/{}/{}", r.path, percent(&id)), Some(&b))?, json_out);
            Ok(())
        }
        "delete" => {
            let id = a.required("id")?;
            a.only(&["json"])?;
            api()?.send("DELETE", &format!("/{}/{}", r.path, percent(&id)), None)?;
            if json_out {
                say!("{}", json!({"deleted": {"type": r.path, "id": id}}));
            } else {
                say!("deleted {} {id}", r.name);
            }
            Ok(())
        }
        other => Err(Failure::Usage(format!("{} list|show|create|update|delete, not `{other}`", r.name))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_are_typed() {
        assert_eq!(typed("12"), json!(12));
        assert_eq!(typed("1.5"), json!(1.5));
        assert_eq!(typed("true"), json!(true));
        assert_eq!(typed("null"), Value::Null);
        assert_eq!(typed(r#"{"a":[1]}"#), json!({"a":[1]}));
        assert_eq!(typed(r#""12""#), json!("12"));
        assert_eq!(typed("hello world"), json!("hello world"));
        assert_eq!(typed("{not json"), json!("{not json"));
        assert_eq!(typed("NaN"), json!("NaN"));
    }

    #[test]
    fn bodies_carry_typed_attributes_and_relationships() {
        let a = Args::parse(["--attr", "maxMachines=3", "--str", "code=007", "--rel", "policy=p1", "--rel", "group=null"].map(String::from).to_vec()).unwrap();
        let b = body("licenses", None, &a).unwrap();
        assert_eq!(b["data"]["attributes"], json!({"maxMachines": 3, "code": "007"}));
        assert_eq!(b["data"]["relationships"]["policy"], json!({"data": {"type": "policies", "id": "p1"}}));
        assert_eq!(b["data"]["relationships"]["group"], json!({"data": null}));
        assert_eq!(rel_type("entitlement"), "entitlements");
        assert_eq!(rel_type("owner"), "users");
    }

    #[test]
    fn every_resource_is_found_by_name_and_alias() {
        for r in RESOURCES {
            assert_eq!(find(r.name).map(|f| f.path), Some(r.path));
            for al in r.aliases {
                assert_eq!(find(al).map(|f| f.name), Some(r.name));
            }
        }
        assert!(find("nope").is_none());
    }
}

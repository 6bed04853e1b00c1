//! `GET /v1/openapi.json` on the real runtime: served to anyone, signed like every account
//! answer, an OpenAPI 3.1 document of every operation; and real resources of every described
//! type fit the schemas it publishes (attribute names exactly, and their JSON types). The
//! Schemathesis stage (`scripts/schemathesis`) fuzzes every operation against the same document.

use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn document(account: &TestAccount) -> Value {
    let r = account.client().get(&account.path("/openapi.json"), None, None);
    r.assert_status(200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    r.json.clone()
}

#[test]
fn the_document_is_served_signed_to_anyone() {
    let account = server().bootstrap_account();
    // Anonymous, through the account's client: the signature is verified by its key.
    let doc = document(&account);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["variables"]["account"]["default"], account.id.as_str());
    for (path, method) in
        [("/licenses", "get"), ("/licenses", "post"), ("/licenses/{id}", "patch"), ("/machines/{id}/actions/ping", "post"), ("/openapi.json", "get")]
    {
        assert!(doc["paths"][path][method]["responses"].is_object(), "{method} {path}");
    }
    let ops: usize = doc["paths"].as_object().map_or(0, |p| p.values().filter_map(Value::as_object).map(|o| o.len()).sum());
    assert!(ops > 150, "{ops} operations");
    // The same document with a token, and at the bare /v1 path of the default account.
    let with_token = account.client().get(&account.path("/openapi.json"), account.admin(), None);
    assert_eq!(with_token.assert_status(200).json["paths"], doc["paths"]);
    let bare = server().client().get("/v1/openapi.json", None, None);
    assert_eq!(bare.assert_status(200).json["paths"], doc["paths"]);
    assert!(bare.header("keygen-signature").is_some());
    // Only GET.
    let r = account.client().post(&account.path("/openapi.json"), None, None);
    assert_eq!((r.status, r.error_code()), (405, Some("NOT_SUPPORTED")));
}

/// Whether `v` fits `schema` (the subset the document uses: `$ref`, `type`, `const`,
/// `required`, `properties`, `items`, `anyOf`); `why` collects what did not.
fn fits(doc: &Value, v: &Value, schema: &Value, at: &str, why: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc.pointer(r.trim_start_matches('#')).cloned().unwrap_or(Value::Null);
        return fits(doc, v, &target, at, why);
    }
    if let Some(any) = schema["anyOf"].as_array() {
        if !any.iter().any(|s| {
            let mut w = Vec::new();
            fits(doc, v, s, at, &mut w);
            w.is_empty()
        }) {
            why.push(format!("{at}: {v} fits none of anyOf"));
        }
        return;
    }
    let ty_ok = |t: &str| match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        _ => true,
    };
    let ok = match &schema["type"] {
        Value::String(t) => ty_ok(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(ty_ok),
        _ => true,
    };
    if !ok {
        why.push(format!("{at}: {v} is not {}", schema["type"]));
        return;
    }
    if !schema["const"].is_null() && schema["const"] != *v {
        why.push(format!("{at}: {v} is not {}", schema["const"]));
    }
    for k in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if v.get(k).is_none() {
            why.push(format!("{at}: {k} is missing"));
        }
    }
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), v.as_object()) {
        for (k, s) in props {
            if let Some(x) = obj.get(k) {
                fits(doc, x, s, &format!("{at}/{k}"), why);
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            fits(doc, x, items, &format!("{at}/{i}"), why);
        }
    }
}

/// The documented 200 schema of `GET path`, the answer, and every attribute of every
/// resource also documented (no undocumented attribute).
fn conforms(doc: &Value, account: &TestAccount, pattern: &str, path: &str) -> usize {
    let r = account.client().get(&account.path(path), account.admin(), None);
    r.assert_status(200);
    let schema = &doc["paths"][pattern]["get"]["responses"]["200"]["content"]["application/vnd.api+json"]["schema"];
    assert!(schema.is_object(), "no 200 schema for GET {pattern}");
    let mut why = Vec::new();
    fits(doc, &r.json, schema, path, &mut why);
    let items = match &r.json["data"] {
        Value::Array(a) => a.clone(),
        Value::Null => vec![],
        d => vec![d.clone()],
    };
    for item in &items {
        let ty = item["type"].as_str().unwrap_or_default();
        let name: String =
            ty.split('-').map(|p| p.get(..1).unwrap_or_default().to_uppercase() + p.get(1..).unwrap_or_default()).collect::<String>() + "Resource";
        let props = &doc["components"]["schemas"][&name]["properties"]["attributes"]["properties"];
        assert!(props.is_object(), "{ty} has no schema {name}");
        for k in item["attributes"].as_object().into_iter().flat_map(|o| o.keys()) {
            if props.get(k).is_none() {
                why.push(format!("{path}: {ty}.{k} is not documented"));
            }
        }
    }
    assert!(why.is_empty(), "{}", why.join("\n"));
    items.len()
}

#[test]
fn real_resources_fit_the_published_schemas() {
    let account = server().bootstrap_account();
    let doc = document(&account);
    let api = account.client();
    let admin = account.admin();
    let post = |path: &str, body: Value| {
        api.post(&account.path(path), admin, Some(body)).assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned()
    };
    let product = post("/products", json!({"data":{"type":"products","attributes":{"name":"App","platforms":["linux"]}}}));
    let policy = post(
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"Pro","floating":true,"maxMachines":2,"requireHeartbeat":true,"heartbeatDuration":600},
            "relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    );
    let user = post("/users", json!({"data":{"type":"users","attributes":{"email":"u@example.com","firstName":"U"}}}));
    post("/groups", json!({"data":{"type":"groups","attributes":{"name":"G","maxMachines":3}}}));
    post("/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"E","code":"E1"}}}));
    let license = post(
        "/licenses",
        json!({"data":{"type":"licenses","attributes":{"name":"L"},"relationships":{"policy":{"data":{"type":"policies","id":policy}},
            "owner":{"data":{"type":"users","id":user}}}}}),
    );
    let machine = post(
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-1","platform":"linux","cores":4},
            "relationships":{"license":{"data":{"type":"licenses","id":license}}}}}),
    );
    post(
        "/components",
        json!({"data":{"type":"components","attributes":{"fingerprint":"c-1","name":"disk"},
        "relationships":{"machine":{"data":{"type":"machines","id":machine}}}}}),
    );
    post(
        "/processes",
        json!({"data":{"type":"processes","attributes":{"pid":"42"},
        "relationships":{"machine":{"data":{"type":"machines","id":machine}}}}}),
    );
    post(&format!("/licenses/{license}/tokens"), json!({"data":{"type":"tokens","attributes":{"name":"t"}}}));
    let mut seen = 0;
    for (pattern, path) in [
        ("/", "/".to_owned()),
        ("/products", "/products".to_owned()),
        ("/policies", "/policies".to_owned()),
        ("/users", "/users".to_owned()),
        ("/groups", "/groups".to_owned()),
        ("/entitlements", "/entitlements".to_owned()),
        ("/licenses", "/licenses".to_owned()),
        ("/machines", "/machines".to_owned()),
        ("/components", "/components".to_owned()),
        ("/processes", "/processes".to_owned()),
        ("/tokens", "/tokens".to_owned()),
        ("/event-logs", "/event-logs".to_owned()),
        ("/licenses/{id}", format!("/licenses/{license}")),
        ("/licenses/{id}/owner", format!("/licenses/{license}/owner")),
        ("/licenses/{id}/group", format!("/licenses/{license}/group")),
        ("/licenses/{id}/machines", format!("/licenses/{license}/machines")),
        ("/machines/{id}/license", format!("/machines/{machine}/license")),
        ("/users/{id}/licenses", format!("/users/{user}/licenses")),
    ] {
        seen += conforms(&doc, &account, pattern, &path);
    }
    assert!(seen >= 20, "only {seen} resources were checked");
}

//! API version 1.0's release and artifact migrations (issue 8, `docs/API.md` "API versions") on
//! the real runtime: at `Keygen-Version: 1.0` a release answers one `artifact` (its latest)
//! with that artifact's attributes copied onto it, a draft is `NOT_PUBLISHED`, an artifact has
//! `key` and its release's `product`; every link resolves; 1.1 and 1.8 clients see none of it;
//! the answers stay signed over the migrated body.

use e2e::{server, verify_signature, Resp, TestAccount, JSON_API};
use serde_json::{json, Value};

fn at(acct: &TestAccount, version: &str, path: &str) -> Resp {
    let auth = format!("Bearer {}", acct.admin_token);
    let r = acct.client().raw("GET", &acct.path(path), &[("Accept", JSON_API), ("Authorization", auth.as_str()), ("Keygen-Version", version)], None);
    if let Err(e) = verify_signature(&r, &acct.public_key_hex) {
        panic!("{path} at {version}: {e}: {}", r.text());
    }
    r
}

/// A create as the admin (an artifact answers 307 to its upload link).
fn admin_post(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201 | 307), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_1_0_client_gets_one_artifact_per_release_and_artifacts_with_key_and_product() {
    let acct = server().bootstrap_account();
    let p = id(&admin_post(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Dist"}}})));
    let release = |v: &str| {
        id(&admin_post(
            &acct,
            "/releases",
            json!({"data":{"type":"releases","attributes":{"version":v,"channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":p}}}}}),
        ))
    };
    let (with, without) = (release("1.0.0"), release("2.0.0"));
    let artifact = |name: &str, platform: &str| {
        id(&admin_post(
            &acct,
            "/artifacts",
            json!({"data":{"type":"artifacts","attributes":{"filename":name,"platform":platform,"filesize":123,"checksum":"abc"},
                "relationships":{"release":{"data":{"type":"releases","id":with}}}}}),
        ))
    };
    artifact("app-old.tar.gz", "darwin");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let latest = artifact("app-new.tar.gz", "linux");
    let c = acct.client();
    // One release at 1.0: its latest artifact, as a to-one whose link resolves to it.
    let r = at(&acct, "1.0", &format!("/releases/{with}"));
    let d = &r.assert_status(200).json["data"];
    assert!(d["relationships"].get("artifacts").is_none(), "{d}");
    assert_eq!(d["relationships"]["artifact"]["data"], json!({"type":"artifacts","id":latest}));
    let link = d["relationships"]["artifact"]["links"]["related"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id(&c.get(&link, acct.admin(), None).assert_status(200).json["data"]), latest, "{link}");
    let a = &d["attributes"];
    assert_eq!(
        (&a["filename"], &a["platform"], &a["filesize"], &a["checksum"]),
        (&json!("app-new.tar.gz"), &json!("linux"), &json!(123), &json!("abc")),
        "{a}"
    );
    assert_eq!(a["status"], "NOT_PUBLISHED", "a draft");
    // The list: the release without artifacts has a null artifact and null attributes.
    let list = at(&acct, "1.0", "/releases");
    let rows = list.assert_status(200).json["data"].as_array().cloned().unwrap_or_default();
    let bare = rows.iter().find(|r| r["id"] == without.as_str()).cloned().unwrap_or(Value::Null);
    assert_eq!(bare["relationships"]["artifact"]["data"], Value::Null, "{bare}");
    assert_eq!(bare["attributes"]["filename"], Value::Null);
    let link = bare["relationships"]["artifact"]["links"]["related"].as_str().unwrap_or_default().to_owned();
    assert_eq!(c.get(&link, acct.admin(), None).status, 200, "{link}");
    assert_eq!(rows.iter().find(|r| r["id"] == with.as_str()).map(|r| r["attributes"]["filename"].clone()), Some(json!("app-new.tar.gz")));
    // An artifact at 1.0: `key` and its release's product, linked.
    for path in [format!("/artifacts/{latest}"), format!("/releases/{with}/artifacts")] {
        let r = at(&acct, "1.0", &path);
        let d = &r.assert_status(200).json["data"];
        let art =
            if d.is_array() { d.as_array().and_then(|v| v.iter().find(|x| x["id"] == latest.as_str())).cloned().unwrap_or(Value::Null) } else { d.clone() };
        assert_eq!(art["attributes"]["key"], "app-new.tar.gz", "{path}: {art}");
        assert_eq!(art["relationships"]["product"]["data"]["id"], p.as_str(), "{path}");
        let plink = art["relationships"]["product"]["links"]["related"].as_str().unwrap_or_default().to_owned();
        assert_eq!(id(&c.get(&plink, acct.admin(), None).assert_status(200).json["data"]), p);
    }
    // Newer clients: none of it.
    for v in ["1.1", "1.8"] {
        let d = at(&acct, v, &format!("/releases/{with}")).json["data"].clone();
        assert!(d["relationships"].get("artifacts").is_some() && d["relationships"].get("artifact").is_none(), "{v}: {d}");
        assert!(d["attributes"].get("filename").is_none(), "{v}");
        assert_eq!(d["attributes"]["status"], "DRAFT", "{v}");
        let art = at(&acct, v, &format!("/artifacts/{latest}")).json["data"].clone();
        assert!(art["attributes"].get("key").is_none() && art["relationships"].get("product").is_none(), "{v}: {art}");
    }
}

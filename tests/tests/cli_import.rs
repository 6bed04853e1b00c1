//! The `latchkey` importers, driven as a process against workerd: an import from one Latchkey
//! account into another on a second deployment (validated afterwards with keygen-rs, and re-run
//! idempotently), and a Cryptlex CSV import from the fixtures in `tests/fixtures/cryptlex/`.

#[expect(dead_code, reason = "the shared CLI helpers offer more than this file uses")]
mod cli_support;

use std::sync::Mutex;

use cli_support::{bootstrap, bootstrap_at, rel, second_deployment, validate, Cli};
use e2e::{server, unique_tag, workspace_root};
use keygen_rs::config::{set_config, KeygenConfig};
use keygen_rs::license::{LicenseValidationRequest, SchemeCode};
use serde_json::json;

/// keygen-rs keeps its configuration in a global.
static KEYGEN_RS: Mutex<()> = Mutex::new(());

/// RFC 8032 §7.1 test 2's seed: the "Keygen CE" account's signing key that both sides hold.
const CE_SEED: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

#[test]
fn cli_imports_a_latchkey_account_into_another_and_keygen_rs_validates_the_keys() {
    let _g = KEYGEN_RS.lock().unwrap_or_else(|e| e.into_inner());
    // The source stands for a self-hosted Keygen CE account whose public key apps embed.
    let src = bootstrap(Some(CE_SEED));
    let product = src.create("products", json!({"name": "Desktop", "code": format!("desk-{}", unique_tag())}), json!({}));
    let ent = src.create("entitlements", json!({"name": "Export", "code": format!("export-{}", unique_tag())}), json!({}));
    let policy = src.create(
        "policies",
        json!({"name": "Floating", "floating": true, "maxMachines": 3, "authenticationStrategy": "LICENSE"}),
        json!({"product": rel("products", &product)}),
    );
    src.post(&format!("/policies/{policy}/entitlements"), json!({"data": [{"type": "entitlements", "id": ent}]}));
    let signed_policy = src.create("policies", json!({"name": "Signed", "scheme": "ED25519_SIGN"}), json!({"product": rel("products", &product)}));
    let group = src.create("groups", json!({"name": "Team"}), json!({}));
    let user = src.create("users", json!({"email": format!("customer+{}@example.com", unique_tag()), "firstName": "Cus"}), json!({}));
    let key = format!("IMPORT-{}", unique_tag());
    let lic = src.create("licenses", json!({"name": "Main", "key": key}), json!({"policy": rel("policies", &policy), "owner": rel("users", &user)}));
    let licensee = src.create("users", json!({"email": format!("licensee+{}@example.com", unique_tag())}), json!({}));
    src.post(&format!("/licenses/{lic}/users"), json!({"data": [{"type": "users", "id": licensee}]}));
    let ent2 = src.create("entitlements", json!({"name": "Print", "code": format!("print-{}", unique_tag())}), json!({}));
    src.post(&format!("/licenses/{lic}/entitlements"), json!({"data": [{"type": "entitlements", "id": ent2}]}));
    let sus = src.create("licenses", json!({"name": "Suspended"}), json!({"policy": rel("policies", &policy)}));
    src.post(&format!("/licenses/{sus}/actions/suspend"), json!({}));
    let signed = src.post("/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": rel("policies", &signed_policy)}}}));
    let (signed_id, signed_key) = (signed["data"]["id"].as_str().unwrap().to_owned(), signed["data"]["attributes"]["key"].as_str().unwrap().to_owned());
    let machine = src.post(
        "/machines",
        json!({"data": {"type": "machines", "attributes": {"fingerprint": "host-imported", "hostname": "h1"},
        "relationships": {"license": rel("licenses", &lic)}}}),
    );
    let machine = machine["data"]["id"].as_str().unwrap().to_owned();

    // The destination brings the same signing key: its public key is the source's.
    let dst = bootstrap_at(second_deployment(), Some(CE_SEED));
    assert_eq!(dst.public_key, src.public_key);
    let cli = Cli::new();
    cli.login(&dst);
    let out = cli.run(&["import", "keygen", "--from", server().url(), "--account", &src.id, "--token", &src.token, "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let s = out.json();
    for (ty, n) in [("products", 1), ("entitlements", 2), ("policies", 2), ("groups", 1), ("licenses", 3), ("machines", 1)] {
        assert_eq!((ty, s[ty]["imported"].as_u64(), s[ty]["refused"].as_array().map(Vec::len)), (ty, Some(n), Some(0)), "{s}");
    }
    // Users: the customer, the licensee and the source's admin.
    assert_eq!(s["users"]["imported"], 3, "{s}");
    assert!(!out.stderr.contains("=>"), "no progress bar is drawn when stderr is not a terminal: {}", out.stderr);

    // Same ids, keys, fingerprints and relationships; the suspended license is suspended.
    let l = dst.get(&format!("/licenses/{lic}"));
    l.assert_status(200);
    assert_eq!(l.json["data"]["attributes"]["key"], key.as_str());
    assert_eq!(l.json["data"]["relationships"]["owner"]["data"]["id"], user.as_str());
    assert_eq!(dst.get(&format!("/licenses/{sus}")).json["data"]["attributes"]["status"], "SUSPENDED");
    assert_eq!(dst.get(&format!("/licenses/{signed_id}")).json["data"]["attributes"]["key"], signed_key.as_str(), "signed key kept verbatim");
    assert_eq!(dst.get(&format!("/groups/{group}")).json["data"]["attributes"]["name"], "Team");
    let licensees = dst.get(&format!("/licenses/{lic}/users")).json;
    assert!(licensees["data"].as_array().unwrap().iter().any(|u| u["id"] == licensee.as_str()), "{licensees}");
    let lents = dst.get(&format!("/licenses/{lic}/entitlements")).json;
    assert!(lents["data"].as_array().unwrap().iter().any(|e| e["id"] == ent2.as_str()), "{lents}");
    let m = dst.get(&format!("/machines/{machine}"));
    assert_eq!((m.status, m.json["data"]["attributes"]["fingerprint"].as_str()), (200, Some("host-imported")));
    let ents = dst.get(&format!("/policies/{policy}/entitlements"));
    assert_eq!(ents.json["data"][0]["id"], ent.as_str());
    assert_eq!(validate(&dst, &key, "host-imported")["code"], "VALID");

    // keygen-rs, configured with the destination and the (unchanged) public key.
    let cfg = KeygenConfig {
        api_url: format!("{}/v1/accounts", dst.url),
        api_prefix: dst.id.clone(),
        account: dst.id.clone(),
        product: product.clone(),
        public_key: Some(dst.public_key.clone()),
        verify_keygen_signature: Some(true),
        license_key: Some(key.clone()),
        ..Default::default()
    };
    set_config(cfg.clone()).expect("keygen-rs config");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let res = rt.block_on(keygen_rs::validate_with_config(cfg.clone(), &LicenseValidationRequest::for_fingerprint("host-imported".into())));
    let res = res.expect("keygen-rs validates the imported key");
    assert!(res.meta.valid, "{:?}", res.meta);
    assert_eq!(res.license.map(|l| l.id), Some(lic.clone()));
    let bad = rt.block_on(keygen_rs::validate_with_config(cfg, &LicenseValidationRequest::for_fingerprint("unknown-host".into())));
    assert!(bad.map_or(true, |r| !r.meta.valid), "an unknown fingerprint is not valid");
    // The signed key verifies offline under the embedded public key.
    let dataset = keygen_rs::verify(SchemeCode::Ed25519Sign, &signed_key).expect("the imported signed key verifies");
    assert!(String::from_utf8_lossy(&dataset).contains(&signed_id));

    // A re-run skips everything and writes nothing.
    let again = cli.run(&["import", "keygen", "--from", server().url(), "--account", &src.id, "--token", &src.token, "--json"]);
    assert_eq!(again.code, 0, "{again:?}");
    let s2 = again.json();
    for ty in ["products", "entitlements", "policies", "groups", "users", "licenses", "machines"] {
        assert_eq!(s2[ty]["imported"], 0, "{ty}: {s2}");
        assert!(s2[ty]["skipped"].as_u64().unwrap_or(0) >= 1, "{ty}: {s2}");
    }
    assert_eq!(dst.get("/licenses").json["data"].as_array().map(Vec::len), Some(3));
}

fn fixture(name: &str) -> String {
    workspace_root().join("tests/fixtures/cryptlex").join(name).to_str().unwrap().to_owned()
}

#[test]
fn cli_imports_cryptlex_csv_exports_idempotently() {
    let dst = bootstrap(None);
    let cli = Cli::new();
    cli.login(&dst);
    let (u, l, a) = (fixture("users.csv"), fixture("licenses.csv"), fixture("activations.csv"));
    let args = ["import", "cryptlex", "--users", &u, "--licenses", &l, "--activations", &a, "--json"];
    let out = cli.run(&args);
    // The revoked license (and so its activation) is refused, with the reason: exit 1.
    assert_eq!(out.code, 1, "{out:?}");
    let s = out.json();
    assert_eq!((s["users"]["imported"].as_u64(), s["products"]["imported"].as_u64(), s["policies"]["imported"].as_u64()), (Some(2), Some(1), Some(1)), "{s}");
    assert_eq!(s["licenses"]["imported"], 2, "{s}");
    assert!(s["licenses"]["refused"][0].as_str().unwrap().contains("revoked"), "{s}");
    assert_eq!(s["machines"]["imported"], 1, "{s}");
    assert!(s["machines"]["refused"][0].as_str().unwrap().contains("LICENSE_NOT_FOUND"), "{s}");

    let ada = dst.get("/licenses/6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e01").json;
    let attrs = &ada["data"]["attributes"];
    assert_eq!((attrs["key"].as_str(), attrs["maxMachines"].as_i64()), (Some("CRYPT-ADA-0001-AAAA"), Some(2)));
    assert_eq!(attrs["expiry"], "2099-01-01T00:00:00.000Z");
    assert_eq!(attrs["metadata"]["tier"], "pro");
    assert_eq!(ada["data"]["relationships"]["owner"]["data"]["id"], "0b7f1c3e-8d2a-4e5b-9c6d-1a2b3c4d5e01");
    assert_eq!(validate(&dst, "CRYPT-ADA-0001-AAAA", "cryptlex-fp-ada-laptop")["code"], "VALID");
    assert_eq!(validate(&dst, "CRYPT-GRACE-0002-BBBB", "x")["code"], "SUSPENDED");
    let m = dst.get("/machines/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c01").json;
    assert_eq!((m["data"]["attributes"]["hostname"].as_str(), m["data"]["attributes"]["platform"].as_str()), (Some("ada-laptop"), Some("windows")));

    // Re-run: everything there is skipped; the refusals are explained again.
    let again = cli.run(&args);
    assert_eq!(again.code, 1, "{again:?}");
    let s2 = again.json();
    for (ty, n) in [("users", 2), ("products", 1), ("policies", 1), ("licenses", 2), ("machines", 1)] {
        assert_eq!((s2[ty]["imported"].as_u64(), s2[ty]["skipped"].as_u64()), (Some(0), Some(n)), "{ty}: {s2}");
    }
    // A damaged file (not UTF-8) is a config error, and nothing of the files is written.
    let broken = cli.dir.join("broken.csv");
    std::fs::write(&broken, b"id,key,productId\n9a9a9a9a-0000-4000-8000-000000000001,\xff\xfe,p\n").unwrap();
    let r = cli.run(&["import", "cryptlex", "--users", &u, "--licenses", broken.to_str().unwrap()]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("broken.csv"), "{r:?}");
    assert_eq!(dst.get("/licenses/9a9a9a9a-0000-4000-8000-000000000001").status, 404);
    assert_eq!(cli.run(&["import", "cryptlex"]).code, 2);
}

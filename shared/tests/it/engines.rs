//! The package engines' services on SQLite with the real migrations: what each engine lists is
//! exactly the uploaded artifacts of published releases the release access rule allows, and
//! refusals are 401 (anonymous) / 404 / 403 as documented.

use serde_json::json;
use shared::domain::engines::pypi::Format;
use shared::domain::release::ReleaseStatus;
use shared::error::Code;
use shared::service::distribution::engines::{npm, pypi, rubygems};
use shared::service::distribution::{artifacts, packages, releases, transfer};
use shared::service::{Bearer, Caller};

use shared::Clock;

use crate::support::{block, Env};

const BASE: &str = "https://h/v1/accounts/a";

struct Fixture {
    env: Env,
    admin: Caller,
    licensee: Caller,
    stranger: Caller,
    anonymous: Caller,
}

fn fixture() -> Fixture {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let lic = env.license(&admin, &policy, json!({}));
    let other = env.product(&admin, "Other");
    let other_policy = env.policy(&admin, &other, json!({}));
    let other_lic = env.license(&admin, &other_policy, json!({}));
    let as_license = |id: &str| Caller { bearer: Bearer::License { license_id: id.to_owned() }, token_id: None, ..admin.clone() };
    let (licensee, stranger) = (as_license(&lic.id), as_license(&other_lic.id));
    let anonymous = Caller { bearer: Bearer::Anonymous, token_id: None, ..admin.clone() };
    let app = env.app();
    for (key, engine) in [("demo", "pypi"), ("@acme/tool", "npm"), ("gemdemo", "rubygems"), ("My_Tool", "pypi")] {
        let body = json!({"data":{"type":"packages","attributes":{"name":key,"key":key,"engine":engine},"relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
        let pkg = block(packages::create(&app, &admin, packages::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
        for (version, file) in [("1.0.0", "a"), ("1.1.0", "b")] {
            let body = json!({"data":{"type":"releases","attributes":{"version":version,"channel":"stable","status":"PUBLISHED"},
                "relationships":{"product":{"data":{"type":"products","id":product.id}},"package":{"data":{"type":"packages","id":pkg.id}}}}});
            let rel = block(releases::create(&app, &admin, releases::parse(body.to_string().as_bytes(), true, env.clock.now_ms()).unwrap())).unwrap();
            let filename = match engine {
                "npm" => format!("{file}-{version}.tgz"),
                "rubygems" => format!("{key}-{version}.gem"),
                _ => format!("{file}-{version}-py3-none-any.whl"),
            };
            let body = json!({"data":{"type":"artifacts","attributes":{"filename":filename,"checksum":"ab".repeat(32)},"relationships":{"release":{"data":{"type":"releases","id":rel.id}}}}});
            let (a, _) = block(artifacts::create(&app, &admin, artifacts::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
            block(transfer::settle(&app, &a, &transfer::upload_key(&a, "n1"), 3, true)).unwrap();
            if version == "1.1.0" {
                block(releases::set_status(&app, &admin, &rel.id, ReleaseStatus::Yanked)).unwrap();
            }
        }
    }
    Fixture { env, admin, licensee, stranger, anonymous }
}

#[test]
fn engines_list_only_what_the_release_rule_allows() {
    let f = fixture();
    let app = f.env.app();
    let page = block(pypi::project(&app, &f.licensee, Format::Html, BASE, "demo")).unwrap();
    assert!(page.contains(&format!("a-1.0.0-py3-none-any.whl#sha256={}", "ab".repeat(32))), "{page}");
    assert!(!page.contains("1.1.0"), "a yanked release is not offered: {page}");
    let index = block(pypi::index(&app, &f.licensee, Format::Json, BASE)).unwrap();
    assert!(index.contains(r#""name":"demo""#) && !index.contains("gemdemo"), "{index}");

    let doc = block(npm::packument(&app, &f.licensee, BASE, "@acme%2ftool")).unwrap();
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
    assert!(doc["versions"].get("1.1.0").is_none());

    let info = block(rubygems::info(&app, &f.licensee, "gemdemo")).unwrap();
    assert_eq!(info, format!("---\n1.0.0 |checksum:{}\n", "ab".repeat(32)));
    assert!(block(rubygems::gem_link(&app, &f.licensee, "gemdemo-1.0.0.gem")).unwrap().starts_with(transfer::PREFIX));
    assert!(block(rubygems::gem_link(&app, &f.licensee, "gemdemo-1.1.0.gem")).unwrap_err().is(Code::NotFound));
    // pip asks for the normalized name of a mixed-case key.
    let mixed = block(pypi::project(&app, &f.licensee, Format::Html, BASE, "my-tool")).unwrap();
    assert!(mixed.contains("Files for My-Tool"), "stored as Keygen does (runs of -_. become -), found by the normalized name: {mixed}");
    assert!(block(pypi::project(&app, &f.stranger, Format::Html, BASE, "my-tool")).unwrap_err().is(Code::NotFound));
    // The admin sees the same published files (engines never list drafts or yanked releases).
    assert_eq!(block(rubygems::info(&app, &f.admin, "gemdemo")).unwrap(), info);
}

#[test]
fn engines_refuse_like_the_download_rule() {
    let f = fixture();
    let app = f.env.app();
    let anon = block(pypi::project(&app, &f.anonymous, Format::Html, BASE, "demo")).unwrap_err();
    assert!(anon.is(Code::TokenMissing), "anonymous gets a challenge: {anon:?}");
    let unknown = block(pypi::project(&app, &f.anonymous, Format::Html, BASE, "nope")).unwrap_err();
    assert!(unknown.is(Code::TokenMissing), "unknown or not, anonymous learns nothing: {unknown:?}");
    assert!(block(pypi::project(&app, &f.stranger, Format::Html, BASE, "demo")).unwrap_err().is(Code::NotFound));
    assert!(block(pypi::project(&app, &f.licensee, Format::Html, BASE, "gemdemo")).unwrap_err().is(Code::NotFound), "another engine's package");
    assert!(block(npm::packument(&app, &f.licensee, BASE, "Not_Valid")).unwrap_err().is(Code::NotFound));
    let stranger_index = block(rubygems::versions_file(&app, &f.stranger)).unwrap();
    assert!(!stranger_index.contains("gemdemo"), "{stranger_index}");
}

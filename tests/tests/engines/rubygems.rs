//! RubyGems engine with Debian's Ruby: Bundler (2.3, shipped with ruby 3.1) resolves through the
//! compact index (`versions`, `info/{gem}`) and installs the `.gem` the test built with
//! `gem build` and uploaded; credentials as `license:KEY` in the source URL. (The `gem` 3.3
//! command itself reads only the legacy Marshal indexes, which Latchkey does not serve.)

use serde_json::json;

use super::fixtures::{run, sha256_hex, show, temp_dir, uniq, Shop};

/// `gem build` of a one-file gem: `(filename, bytes)`.
fn gem(name: &str, version: &str) -> (String, Vec<u8>) {
    let dir = temp_dir("gem");
    std::fs::create_dir_all(dir.join("lib")).unwrap_or_default();
    std::fs::write(dir.join("lib").join(format!("{name}.rb")), format!("module Demo; VERSION = {version:?}; end\n")).unwrap_or_default();
    let spec = format!(
        "Gem::Specification.new do |s|\n  s.name = {name:?}\n  s.version = {version:?}\n  s.summary = \"e2e\"\n  s.authors = [\"e2e\"]\n  s.files = [\"lib/{name}.rb\"]\n  s.license = \"MIT\"\nend\n"
    );
    std::fs::write(dir.join(format!("{name}.gemspec")), spec).unwrap_or_default();
    let o = run("gem", &["build", &format!("{name}.gemspec")], &dir, &[("HOME", &dir.to_string_lossy())]);
    assert!(o.status.success(), "gem build: {}", show(&o));
    let file = format!("{name}-{version}.gem");
    (file.clone(), std::fs::read(dir.join(&file)).unwrap_or_default())
}

fn bundle_install(shop: &Shop, key: &str, name: &str, version: &str) -> (std::process::Output, std::path::PathBuf) {
    let dir = temp_dir("bundle");
    let source = format!("{}{}", shop.authority_with("license", key), shop.acct.path("/engines/rubygems/"));
    std::fs::write(dir.join("Gemfile"), format!("source {source:?}\ngem {name:?}, {version:?}\n")).unwrap_or_default();
    let home = dir.to_string_lossy().into_owned();
    let o = run(
        "bundle3.1",
        &["install", "--jobs=1", "--retry=0"],
        &dir,
        &[
            ("HOME", &home),
            ("BUNDLE_PATH", "vendor/bundle"),
            ("BUNDLE_APP_CONFIG", &format!("{home}/.bundle")),
            ("BUNDLE_USER_HOME", &format!("{home}/.bundle-home")),
            ("GEM_HOME", &format!("{home}/.gem")),
        ],
    );
    (o, dir)
}

#[test]
fn bundler_installs_an_uploaded_gem_through_the_compact_index() {
    let shop = Shop::new();
    let name = uniq("gemdemo");
    let pkg = shop.package(&name, "rubygems");
    let rel = shop.release(&pkg, "1.0.0", "stable", None);
    let (file, bytes) = gem(&name, "1.0.0");
    shop.upload(&rel, &file, "gem", &bytes, &sha256_hex(&bytes), json!({}));
    let r2 = shop.release(&pkg, "1.1.0", "stable", None);
    let (f2, b2) = gem(&name, "1.1.0");
    shop.upload(&r2, &f2, "gem", &b2, &sha256_hex(&b2), json!({}));
    shop.yank(&r2);

    let lic = format!("License {}", shop.license_key);
    // The compact index's ping: 200, no body, for a license and for anyone; a bad credential
    // is still refused, and GET is the engine resource (`/engines/{id}`), not the ping.
    for auth in [vec![("Authorization", lic.as_str())], vec![]] {
        let ping = shop.c.raw("HEAD", &shop.acct.path("/engines/rubygems"), &auth, None);
        assert_eq!((ping.status, ping.body.len()), (200, 0), "{:?}", ping.headers);
        assert_eq!(ping.header("content-type"), Some("text/plain; charset=utf-8"));
    }
    let ping = shop.c.raw("HEAD", &shop.acct.path("/engines/rubygems/"), &[("Authorization", "License nope")], None);
    assert_eq!(ping.status, 401);
    let engine = shop.c.raw("GET", &shop.acct.path("/engines/rubygems"), &[("Authorization", &lic)], None);
    assert_eq!((engine.status, engine.json["data"]["type"].as_str()), (200, Some("engines")), "{}", engine.text());
    let info = shop.c.raw("GET", &shop.acct.path(&format!("/engines/rubygems/info/{name}")), &[("Authorization", &lic)], None);
    assert_eq!(info.status, 200, "{}", info.text());
    assert_eq!(info.text(), format!("---\n1.0.0 |checksum:{}\n", sha256_hex(&bytes)), "the yanked 1.1.0 is not listed");
    let versions = shop.c.raw("GET", &shop.acct.path("/engines/rubygems/versions"), &[("Authorization", &lic)], None);
    assert!(versions.text().contains(&format!("\n{name} 1.0.0 ")), "{}", versions.text());
    let names = shop.c.raw("GET", &shop.acct.path("/engines/rubygems/names"), &[("Authorization", &lic)], None);
    assert_eq!(names.text(), format!("---\n{name}\n"));

    let (o, dir) = bundle_install(&shop, &shop.license_key, &name, "1.0.0");
    assert!(o.status.success(), "bundle install: {}", show(&o));
    let installed = dir.join("vendor/bundle/ruby/3.1.0/gems").join(format!("{name}-1.0.0")).join("lib").join(format!("{name}.rb"));
    assert!(installed.is_file(), "{} missing; {}", installed.display(), show(&o));

    let (o, _) = bundle_install(&shop, &shop.other_key, &name, "1.0.0");
    assert!(!o.status.success(), "another product's license must fail: {}", show(&o));
    let anon = shop.c.raw("GET", &shop.acct.path(&format!("/engines/rubygems/info/{name}")), &[], None);
    assert_eq!(anon.status, 401);
    let gem = shop.c.raw("GET", &shop.acct.path(&format!("/engines/rubygems/gems/{file}")), &[("Authorization", &lic)], None);
    assert_eq!(gem.status, 303, "{}", gem.text());
    let yanked = shop.c.raw("GET", &shop.acct.path(&format!("/engines/rubygems/gems/{f2}")), &[("Authorization", &lic)], None);
    assert_eq!(yanked.status, 404, "{}", yanked.text());
}

//! No input panics in the package engines: every name, reference, digest, checksum and
//! `Accept` parser, and every renderer over arbitrary artifact data, answers without a panic.

use proptest::prelude::*;
use serde_json::{Map, Value};
use shared::domain::engines::{accept, checksum, npm, oci, pypi, rubygems, EngineFile};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9@%/._:;=,*+ -]{0,80}",
        "(sha256|sha512):[0-9a-fA-F]{0,130}",
        "(0x)?[0-9a-fA-F]{0,130}",
        "[A-Za-z0-9+/]{0,90}={0,3}",
        "(text|application|\\*)/[a-z.+*-]{0,30}(;q=[0-9.]{0,6})?(, ?[a-z/*+.]{0,20}(; ?q=[0-9.-]{0,6})?){0,4}",
    ]
}

fn file() -> impl Strategy<Value = EngineFile> {
    (text(), text(), text(), text(), proptest::option::of(text()), proptest::option::of(text()), proptest::option::of((text(), text())), any::<i64>()).prop_map(
        |(filename, url, version, channel, tag, checksum, meta, created_ms)| EngineFile {
            filename,
            url,
            version,
            channel,
            tag,
            checksum,
            metadata: meta.map(|(k, v)| Map::from_iter([(k, Value::String(v)), ("requiresPython".into(), Value::Bool(true))])),
            created_ms,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn engine_parsers_never_panic(s in text(), t in text()) {
        let _ = accept::parse(&s);
        let _ = accept::choose(Some(&s), &[pypi::HTML, pypi::JSON, &t]);
        let _ = accept::weight_of(&accept::parse(&s), &t);
        let _ = pypi::Format::negotiate(Some(&s));
        let _ = pypi::normalize(&s);
        let _ = npm::parse_name(&s);
        let _ = oci::OciDigest::parse(&s);
        let _ = oci::Reference::parse(&s);
        let _ = oci::repository_ok(&s);
        let _ = oci::manifest_media_type(s.as_bytes());
        let _ = oci::accepts(Some(&s), &t);
        let d = checksum::Digest::parse(&s);
        let _ = d.as_ref().map(|d| (d.hex(), d.integrity()));
        let _ = checksum::sha256_hex(Some(&s));
        let _ = (rubygems::gem_version(&s), rubygems::gem_file(&s, &t), rubygems::name_ok(&s));
    }

    #[test]
    fn engine_renderers_never_panic(files in prop::collection::vec(file(), 0..6), name in text(), title in text(), tags in prop::collection::vec(text(), 0..4)) {
        for format in [pypi::Format::Html, pypi::Format::HtmlV1, pypi::Format::Json] {
            let _ = pypi::render_project(format, &name, &title, &files);
            let _ = pypi::render_index(format, &title, &[pypi::Project { name: name.clone(), url: title.clone() }]);
        }
        let _ = npm::render_packument(&name, 0, &files);
        let _ = oci::render_tags(&name, &tags);
        let gems: Vec<rubygems::GemVersion> = files.iter().map(|f| rubygems::GemVersion { version: f.version.clone(), checksum: f.checksum.clone() }).collect();
        let _ = rubygems::render_info(&gems);
        let _ = rubygems::render_versions(&title, &[(name.clone(), gems)]);
        let _ = rubygems::render_names(&tags);
    }
}

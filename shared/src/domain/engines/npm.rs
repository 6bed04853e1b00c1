//! The npm registry's read side: package names (`name`, `@scope/name`, `@scope%2fname`) and
//! the packument (`docs/responses/package-metadata.md` of npm's registry): `versions`, `time`,
//! `dist-tags` (`latest` and the newest version of each channel; release tags override) and
//! `dist.tarball` with `integrity`/`shasum` when the artifact's checksum has that shape.

use serde_json::{json, Map, Value};

use super::checksum::{Algorithm, Digest};
use super::EngineFile;
use crate::clock::iso8601;

/// npm's limit on a package name, scope included.
const MAX_NAME: usize = 214;

/// Manifest members an artifact's `metadata` may supply for its version object (Latchkey does
/// not unpack tarballs, so dependencies come from the uploader; see docs/API.md).
const MANIFEST_KEYS: &[&str] =
    &["dependencies", "optionalDependencies", "peerDependencies", "bin", "engines", "os", "cpu", "deprecated", "description", "license"];

/// Checks a package name as npm publishes them (lowercase, URL-safe, scoped or not) and
/// returns it with the scope separator decoded (`@scope%2fname` → `@scope/name`).
pub fn parse_name(raw: &str) -> Option<String> {
    let name = raw.replace("%2f", "/").replace("%2F", "/");
    if name.is_empty() || name.len() > MAX_NAME {
        return None;
    }
    let bare = match name.strip_prefix('@') {
        Some(scoped) => {
            let (scope, bare) = scoped.split_once('/')?;
            if !part_ok(scope) {
                return None;
            }
            bare
        }
        None => &name,
    };
    part_ok(bare).then_some(name)
}

fn part_ok(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('.')
        && !p.starts_with('_')
        && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The packument for `name`, from its tarballs newest release first (one per version: the
/// first listed wins). `created_ms` is the package's creation time.
pub fn render_packument(name: &str, created_ms: i64, files: &[EngineFile]) -> Value {
    let mut versions = Map::new();
    let mut time = Map::new();
    let mut tags = Map::new();
    let mut modified = created_ms;
    for f in files {
        if versions.contains_key(&f.version) {
            continue;
        }
        versions.insert(f.version.clone(), version_object(name, f));
        time.insert(f.version.clone(), json!(iso8601(f.created_ms)));
        modified = modified.max(f.created_ms);
        let channel_tag = if f.channel == "stable" { "latest" } else { f.channel.as_str() };
        tags.entry(channel_tag.to_string()).or_insert_with(|| json!(f.version));
    }
    if let (false, Some(newest)) = (tags.contains_key("latest"), files.first()) {
        tags.insert("latest".into(), json!(newest.version));
    }
    // A release's own tag names a dist-tag too, the newest such release winning (a tag that
    // parses as a version would shadow `npm install name@version`, so those are skipped).
    for f in files.iter().rev() {
        if let Some(t) = f.tag.as_deref().filter(|t| !t.is_empty() && !t.starts_with(|c: char| c.is_ascii_digit() || c == 'v')) {
            tags.insert(t.to_string(), json!(f.version));
        }
    }
    time.insert("created".into(), json!(iso8601(created_ms)));
    time.insert("modified".into(), json!(iso8601(modified)));
    json!({ "name": name, "dist-tags": tags, "time": time, "versions": versions })
}

fn version_object(name: &str, f: &EngineFile) -> Value {
    let mut o = Map::new();
    if let Some(meta) = &f.metadata {
        for k in MANIFEST_KEYS {
            if let Some(v) = meta.get(*k) {
                o.insert((*k).to_string(), v.clone());
            }
        }
    }
    o.insert("name".into(), json!(name));
    o.insert("version".into(), json!(f.version));
    let mut dist = Map::new();
    dist.insert("tarball".into(), json!(f.url));
    if let Some(d) = f.checksum.as_deref().and_then(Digest::parse) {
        if let Some(i) = d.integrity() {
            dist.insert("integrity".into(), json!(i));
        }
        if d.algorithm == Algorithm::Sha1 {
            dist.insert("shasum".into(), json!(d.hex()));
        }
    }
    o.insert("dist".into(), Value::Object(dist));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(version: &str, channel: &str, tag: Option<&str>, checksum: Option<&str>) -> EngineFile {
        EngineFile {
            filename: format!("pkg-{version}.tgz"),
            url: format!("https://h/v1/accounts/a/artifacts/{version}/pkg-{version}.tgz"),
            version: version.into(),
            channel: channel.into(),
            tag: tag.map(str::to_string),
            checksum: checksum.map(str::to_string),
            metadata: serde_json::from_str(r#"{"dependencies":{"left-pad":"^1"},"secret":"x"}"#).ok(),
            created_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn names_follow_npm_rules() {
        assert_eq!(parse_name("left-pad").as_deref(), Some("left-pad"));
        assert_eq!(parse_name("@acme%2fTool"), None, "uppercase");
        assert_eq!(parse_name("@acme%2ftool").as_deref(), Some("@acme/tool"));
        assert_eq!(parse_name("@acme/tool").as_deref(), Some("@acme/tool"));
        assert_eq!(parse_name("@acme"), None);
        assert_eq!(parse_name("@/x"), None);
        assert_eq!(parse_name(".hidden"), None);
        assert_eq!(parse_name("a/b"), None);
        assert_eq!(parse_name(&"a".repeat(215)), None);
    }

    #[test]
    fn packument_has_tags_per_channel_and_integrity() {
        let sha512 = "ab".repeat(64);
        let sha1 = "cd".repeat(20);
        let doc = render_packument(
            "@acme/tool",
            1_600_000_000_000,
            &[tgz("2.0.0-beta.1", "beta", None, None), tgz("1.1.0", "stable", Some("lts"), Some(&sha1)), tgz("1.0.0", "stable", None, Some(&sha512))],
        );
        assert_eq!(doc["dist-tags"]["latest"], "1.1.0");
        assert_eq!(doc["dist-tags"]["beta"], "2.0.0-beta.1");
        assert_eq!(doc["dist-tags"]["lts"], "1.1.0");
        assert_eq!(doc["versions"]["1.1.0"]["dist"]["shasum"], sha1.as_str());
        assert!(doc["versions"]["1.0.0"]["dist"]["integrity"].as_str().is_some_and(|i| i.starts_with("sha512-")));
        assert_eq!(doc["versions"]["1.0.0"]["name"], "@acme/tool");
        assert_eq!(doc["versions"]["1.0.0"]["dependencies"]["left-pad"], "^1");
        assert!(doc["versions"]["1.0.0"].get("secret").is_none());
        assert_eq!(doc["time"]["created"], "2020-09-13T12:26:40.000Z");
    }

    #[test]
    fn only_prereleases_still_get_a_latest() {
        let doc = render_packument("p", 0, &[tgz("1.0.0-rc.1", "rc", None, None)]);
        assert_eq!(doc["dist-tags"]["latest"], "1.0.0-rc.1");
        assert_eq!(render_packument("p", 0, &[])["dist-tags"], json!({}));
    }
}

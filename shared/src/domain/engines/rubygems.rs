//! RubyGems' compact index (`rubygems-org-compact-index-api.md`), as Bundler reads it:
//! `versions` (each gem's versions and the MD5 of its `info` body), `info/{gem}` (one line per
//! version with `checksum:` SHA-256) and `names`; gem versions and file names from releases.

use md5::{Digest as _, Md5};

use super::checksum;

/// A gem version from a normalized semver: the prerelease joins with `.` (RubyGems reads `-`
/// as a platform separator), build metadata is dropped. `1.2.0-beta.1+x` → `1.2.0.beta.1`.
pub fn gem_version(semver: &str) -> String {
    let core = semver.split('+').next().unwrap_or(semver);
    core.replacen('-', ".", 1)
}

/// The `.gem` file name of a gem version (platform `ruby`).
pub fn gem_file(name: &str, semver: &str) -> String {
    format!("{name}-{}.gem", gem_version(semver))
}

/// Whether `s` is a name RubyGems accepts (`[A-Za-z0-9._-]`, starting alphanumeric).
pub fn name_ok(s: &str) -> bool {
    s.len() <= 255 && s.starts_with(|c: char| c.is_ascii_alphanumeric()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// One version of a gem as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemVersion {
    /// The release's normalized semver.
    pub version: String,
    /// The `.gem` artifact's checksum as uploaded.
    pub checksum: Option<String>,
}

/// `info/{gem}`: `---` then `VERSION |checksum:SHA256` per version, oldest first.
pub fn render_info(versions: &[GemVersion]) -> String {
    let mut out = String::from("---\n");
    for v in versions {
        out.push_str(&gem_version(&v.version));
        out.push_str(" |");
        if let Some(h) = checksum::sha256_hex(v.checksum.as_deref()) {
            out.push_str("checksum:");
            out.push_str(&h);
        }
        out.push('\n');
    }
    out
}

/// `versions`: the header, then `NAME V1,V2 MD5(info)` per gem (versions oldest first).
pub fn render_versions(created_at: &str, gems: &[(String, Vec<GemVersion>)]) -> String {
    let mut out = format!("created_at: {created_at}\n---\n");
    for (name, versions) in gems {
        let list: Vec<String> = versions.iter().map(|v| gem_version(&v.version)).collect();
        let md5 = hex::encode(Md5::digest(render_info(versions).as_bytes()));
        out.push_str(&format!("{name} {} {md5}\n", list.join(",")));
    }
    out
}

/// `names`: `---` then the gem names, sorted.
pub fn render_names(names: &[String]) -> String {
    let mut n: Vec<&String> = names.iter().collect();
    n.sort();
    n.dedup();
    let mut out = String::from("---\n");
    for name in n {
        out.push_str(name);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(version: &str, checksum: Option<&str>) -> GemVersion {
        GemVersion { version: version.into(), checksum: checksum.map(str::to_string) }
    }

    #[test]
    fn versions_follow_rubygems() {
        assert_eq!(gem_version("1.2.0"), "1.2.0");
        assert_eq!(gem_version("1.2.0-beta.1+build.5"), "1.2.0.beta.1");
        assert_eq!(gem_file("demo", "2.0.0-rc.1"), "demo-2.0.0.rc.1.gem");
        assert!(name_ok("my_gem-2.x"));
        assert!(!name_ok("-x"));
        assert!(!name_ok("a/b"));
        assert!(!name_ok(""));
    }

    #[test]
    fn info_and_versions_agree_on_the_md5() {
        let sha = "ab".repeat(32);
        let versions = vec![v("1.0.0", Some(&sha)), v("1.1.0-beta.1", None)];
        let info = render_info(&versions);
        assert_eq!(info, format!("---\n1.0.0 |checksum:{sha}\n1.1.0.beta.1 |\n"));
        let idx = render_versions("2026-01-01T00:00:00Z", &[("demo".into(), versions)]);
        let md5 = hex::encode(Md5::digest(info.as_bytes()));
        assert_eq!(idx, format!("created_at: 2026-01-01T00:00:00Z\n---\ndemo 1.0.0,1.1.0.beta.1 {md5}\n"));
        assert_eq!(render_names(&["b".into(), "a".into(), "b".into()]), "---\na\nb\n");
    }
}

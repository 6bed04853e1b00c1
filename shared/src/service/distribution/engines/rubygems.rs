//! RubyGems' compact index for the caller's `rubygems` packages (as Bundler reads it) and the
//! `.gem` downloads, which redirect straight to the signed download link: RubyGems clients drop
//! credentials on redirects, so the link itself must authorise the download.

use super::{listing, packages_of, Listing};
use crate::clock::iso8601;
use crate::domain::engines::rubygems::{self, GemVersion};
use crate::domain::release::Engine;
use crate::error::Error;
use crate::service::distribution::artifacts;
use crate::service::{App, Caller};
use crate::store::{Db, Kv};
use crate::Result;

fn is_gem(filename: &str, filetype: Option<&str>) -> bool {
    filetype == Some("gem") || filename.ends_with(".gem")
}

/// A package's versions, oldest first: one per release with a `.gem` artifact.
fn versions(l: &Listing) -> Vec<GemVersion> {
    let mut out: Vec<GemVersion> = l
        .releases
        .iter()
        .filter_map(|(r, a)| {
            a.iter().find(|a| is_gem(&a.filename, a.filetype.as_deref())).map(|a| GemVersion { version: r.version.clone(), checksum: a.checksum.clone() })
        })
        .collect();
    out.reverse();
    out
}

/// Every visible gem with its versions (packages the caller is refused are left out).
async fn gems<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<Vec<(String, Vec<GemVersion>)>> {
    let mut out = Vec::new();
    for p in packages_of(app, caller, Engine::Rubygems).await? {
        match listing(app, caller, Engine::Rubygems, &p.key).await {
            Ok(l) => {
                let v = versions(&l);
                if !v.is_empty() {
                    out.push((p.key, v));
                }
            }
            Err(e) if e.status < 500 => {}
            Err(e) => return Err(e),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `HEAD …/engines/rubygems`: the compact index's ping, which tells RubyGems clients the index
/// is served (Keygen's `compact_index#ping`, `head :ok` for anyone). No read: the access table's
/// health row, which every bearer and anonymous pass (a bad credential is still refused first).
pub fn ping(caller: &Caller) -> Result<()> {
    crate::access::require(caller, crate::access::Action::HealthRead)
}

/// `GET …/engines/rubygems/versions`.
pub async fn versions_file<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<String> {
    let now = iso8601(app.now());
    let stamp = format!("{}Z", now.get(..19).unwrap_or(&now));
    Ok(rubygems::render_versions(&stamp, &gems(app, caller).await?))
}

/// `GET …/engines/rubygems/names`.
pub async fn names<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<String> {
    let names: Vec<String> = gems(app, caller).await?.into_iter().map(|(n, _)| n).collect();
    Ok(rubygems::render_names(&names))
}

/// `GET …/engines/rubygems/info/{gem}`.
///
/// # Errors
/// 404 for a gem without visible versions; otherwise as [`super::listing`].
pub async fn info<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, gem: &str) -> Result<String> {
    let l = listing(app, caller, Engine::Rubygems, gem).await?;
    let v = versions(&l);
    if v.is_empty() {
        return Err(Error::not_found("gem", gem));
    }
    Ok(rubygems::render_info(&v))
}

/// `GET …/engines/rubygems/gems/{file}`: the signed download link (path and query) of the
/// visible `.gem` artifact named `file`.
///
/// # Errors
/// 404 for an unknown file or gem; otherwise as [`super::listing`].
pub async fn gem_link<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, file: &str) -> Result<String> {
    let missing = || Error::not_found("gem", file);
    let stem = file.strip_suffix(".gem").ok_or_else(missing)?;
    // `{name}-{version}`: the name is everything before the last `-` followed by a digit.
    let split = stem.char_indices().rev().find(|(i, c)| *c == '-' && stem.get(i + 1..).is_some_and(|r| r.starts_with(|d: char| d.is_ascii_digit())));
    let name = split.and_then(|(i, _)| stem.get(..i)).filter(|n| rubygems::name_ok(n)).ok_or_else(missing)?;
    let l = listing(app, caller, Engine::Rubygems, name).await?;
    let a = l.releases.iter().flat_map(|(_, a)| a.iter()).find(|a| a.filename == file).ok_or_else(missing)?;
    artifacts::download(app, caller, &a.id, None, None, None).await?.link.ok_or_else(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gems_are_recognised_by_type_or_name() {
        assert!(is_gem("demo-1.0.0.gem", None));
        assert!(is_gem("demo", Some("gem")));
        assert!(!is_gem("demo.tgz", Some("tgz")));
    }
}

//! The npm registry's packument for one `npm` package.

use serde_json::Value;

use super::listing;
use crate::domain::engines::npm;
use crate::domain::release::Engine;
use crate::error::Error;
use crate::service::{App, Caller};
use crate::store::{Db, Kv};
use crate::Result;

fn is_tarball(filename: &str, filetype: Option<&str>) -> bool {
    matches!(filetype, Some("tgz" | "tar.gz")) || filename.ends_with(".tgz") || filename.ends_with(".tar.gz")
}

/// `GET …/engines/npm/{package}`: the packument of the package whose key is the npm name.
///
/// # Errors
/// 404 for a name npm would not publish, or a package without a visible tarball; otherwise as
/// [`super::listing`].
pub async fn packument<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, base: &str, raw_name: &str) -> Result<Value> {
    let name = npm::parse_name(raw_name).ok_or_else(|| Error::not_found("package", raw_name))?;
    let mut l = listing(app, caller, Engine::Npm, &name).await?;
    for (_, artifacts) in &mut l.releases {
        artifacts.retain(|a| is_tarball(&a.filename, a.filetype.as_deref()));
        artifacts.truncate(1);
    }
    let files = l.files(base);
    if files.is_empty() {
        return Err(Error::not_found("package", &name));
    }
    Ok(npm::render_packument(&l.package.key, l.package.created_at, &files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarballs_are_tgz_by_type_or_name() {
        assert!(is_tarball("a-1.0.0.tgz", None));
        assert!(is_tarball("a", Some("tgz")));
        assert!(is_tarball("a-1.tar.gz", Some("gz")));
        assert!(!is_tarball("a.whl", Some("whl")));
    }
}

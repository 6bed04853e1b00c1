//! PyPI's simple repository: the index of the caller's `pypi` packages and one project's files.

use super::{encode_segment, listing, packages_of};
use crate::domain::engines::pypi::{self, Format, Project};
use crate::domain::release::Engine;
use crate::error::Code;
use crate::service::{App, Caller};
use crate::store::{Db, Kv};
use crate::Result;

/// `GET …/engines/pypi/simple/`: every `pypi` package the caller may see.
pub async fn index<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, format: Format, base: &str) -> Result<String> {
    let packages = packages_of(app, caller, Engine::Pypi).await?;
    let projects: Vec<Project> = packages
        .iter()
        .map(|p| Project { name: p.key.clone(), url: format!("{base}/engines/pypi/simple/{}/", encode_segment(&pypi::normalize(&p.key))) })
        .collect();
    Ok(pypi::render_index(format, caller.account_id(), &projects))
}

/// `GET …/engines/pypi/simple/{project}/`: the project's downloadable files, newest first.
/// `project` is the package key, or its PEP 503-normalized form (what pip asks for).
///
/// # Errors
/// As [`super::listing`].
pub async fn project<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, format: Format, base: &str, project: &str) -> Result<String> {
    let l = match listing(app, caller, Engine::Pypi, project).await {
        // pip asks for the PEP 503-normalized name: a key such as `My_Tool` is found as `my-tool`.
        Err(e) if e.is(Code::NotFound) || e.is(Code::TokenMissing) => {
            let wanted = pypi::normalize(project);
            let Some(p) = packages_of(app, caller, Engine::Pypi).await?.into_iter().find(|p| p.key != project && pypi::normalize(&p.key) == wanted) else {
                return Err(e);
            };
            listing(app, caller, Engine::Pypi, &p.key).await?
        }
        other => other?,
    };
    Ok(pypi::render_project(format, &l.package.key, caller.account_id(), &l.files(base)))
}

//! Rendering of releases, artifacts, packages, constraints and the derived platforms, arches,
//! channels and engines (Keygen 1.8 shapes, `reference/keygen-distribution.md` §2).

use serde_json::{json, Value};

use super::document::{ts, ResourceObject};
use crate::domain::semver::Version;
use crate::store::distribution::{ArtifactRow, ConstraintRow, KeyRow, PackageRow, ReleaseRow};
use crate::store::rows::json_object;

/// A release.
pub fn release(r: &ReleaseRow) -> ResourceObject {
    let semver = r.version.parse::<Version>().map_or(Value::Null, |v| {
        json!({"major": v.major, "minor": v.minor, "patch": v.patch,
               "prerelease": (!v.pre.is_empty()).then(|| v.pre.join(".")), "build": (!v.build.is_empty()).then(|| v.build.join("."))})
    });
    ResourceObject::new(&r.account_id, "releases", &r.id)
        .attr("name", r.name.clone())
        .attr("description", r.description.clone())
        .attr("channel", r.channel.as_str())
        .attr("status", r.status.as_str())
        .attr("tag", r.tag.clone())
        .attr("version", r.version.clone())
        .attr("semver", semver)
        .attr("metadata", Value::Object(json_object(&r.metadata)))
        .attr("backdated", ts(r.backdated_at))
        .attr("yanked", ts(r.yanked_at))
        .timestamps(r.created_at, r.updated_at)
        .to_one("product", "products", Some(&r.product_id))
        .to_one("package", "packages", r.package_id.as_deref())
        .to_many("entitlements", None)
        .to_many("constraints", None)
        .to_many("artifacts", None)
        .to_many("upgrade", None)
}

/// An artifact.
pub fn artifact(a: &ArtifactRow) -> ResourceObject {
    ResourceObject::new(&a.account_id, "artifacts", &a.id)
        .attr("filename", a.filename.clone())
        .attr("filetype", a.filetype.clone())
        .attr("filesize", a.filesize)
        .attr("platform", a.platform.clone())
        .attr("arch", a.arch.clone())
        .attr("signature", a.signature.clone())
        .attr("checksum", a.checksum.clone())
        .attr("status", a.status.as_str())
        .attr("metadata", Value::Object(json_object(&a.metadata)))
        .timestamps(a.created_at, a.updated_at)
        .to_one("release", "releases", Some(&a.release_id))
}

/// A package.
pub fn package(p: &PackageRow) -> ResourceObject {
    ResourceObject::new(&p.account_id, "packages", &p.id)
        .attr("name", p.name.clone())
        .attr("key", p.key.clone())
        .attr("engine", p.engine.map(|e| e.as_str()))
        .attr("metadata", Value::Object(json_object(&p.metadata)))
        .timestamps(p.created_at, p.updated_at)
        .to_one("product", "products", Some(&p.product_id))
}

/// A release entitlement constraint.
pub fn constraint(c: &ConstraintRow) -> ResourceObject {
    ResourceObject::new(&c.account_id, "constraints", &c.id)
        .timestamps(c.created_at, c.updated_at)
        .to_one("entitlement", "entitlements", Some(&c.entitlement_id))
        .to_one("release", "releases", Some(&c.release_id))
}

/// A derived resource (`platforms`, `arches`, `channels`, `engines`): id derived from the
/// account, type and key, so it is stable and `show` finds it by id or key.
pub fn keyed(account_id: &str, ty: &'static str, k: &KeyRow) -> ResourceObject {
    ResourceObject::new(account_id, ty, &keyed_id(account_id, ty, &k.key))
        .attr("name", Value::Null)
        .attr("key", k.key.clone())
        .timestamps(k.created_at, k.updated_at)
}

/// The id of a derived resource.
pub fn keyed_id(account_id: &str, ty: &str, key: &str) -> String {
    super::entitlements::derived_id(&format!("{account_id}/{ty}"), key)
}

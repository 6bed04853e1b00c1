//! 1.0: a release has one `artifact` (its latest) instead of `artifacts`
//! (`artifact_has_many_to_has_one_for_releases` / `_release`) with that artifact's
//! `platform filetype filename filesize signature checksum` copied onto it
//! (`copy_artifact_attributes_to_releases` / `_release`); a draft release is `NOT_PUBLISHED`
//! (`rename_draft_status_to_not_published_for_releases` / `_release`); an artifact carries
//! `key` = its filename (`add_key_attribute_to_artifacts` / `_artifact`) and a `product`
//! relationship, its release's (`add_product_relationship_to_artifacts` / `_artifact`). The
//! latest artifacts and the products are read by the caller ([`super::needs`], one read).
//! Keygen's `rename_filename_ext_error_code_for_release` is not here: Latchkey never answers
//! `ARTIFACT_FILENAME_EXTENSION_INVALID`.

use serde_json::{json, Map, Value};

use super::{attributes_of, resources, Exchange, Lookups, Migration};

/// The release routes Keygen's release migrations filter on (`releases#index|show|create|update`
/// and `products/relationships/releases`).
pub(super) fn releases_apply(x: &Exchange<'_>) -> bool {
    x.ok() && x.pattern.is_some_and(|p| matches!(p, "/releases" | "/releases/{id}" | "/products/{id}/releases" | "/products/{id}/releases/{release}"))
}

pub(super) const ARTIFACT_TO_ONE: Migration =
    Migration { version: 0, name: "artifact_has_many_to_has_one_for_releases", applies: releases_apply, data: artifact_to_one };

pub(super) const COPY_ARTIFACT_ATTRIBUTES: Migration =
    Migration { version: 0, name: "copy_artifact_attributes_to_releases", applies: releases_apply, data: copy_artifact_attributes };

pub(super) const NOT_PUBLISHED: Migration = Migration {
    version: 0,
    name: "rename_draft_status_to_not_published_for_releases",
    applies: |x: &Exchange<'_>| x.ok() && x.pattern.is_some_and(|p| p.starts_with("/releases") || p == "/products/{id}/releases"),
    data: not_published,
};

pub(super) const ARTIFACT_KEY: Migration = Migration {
    version: 0,
    name: "add_key_attribute_to_artifact",
    applies: |x: &Exchange<'_>| {
        x.ok()
            && x.pattern.is_some_and(|p| {
                p.starts_with("/artifacts")
                    || p.starts_with("/releases/{id}/artifacts")
                    || p.starts_with("/products/{id}/artifacts")
                    || p == "/releases/{id}/upgrade"
            })
    },
    data: artifact_key,
};

pub(super) const ARTIFACT_PRODUCT: Migration =
    Migration { version: 0, name: "add_product_relationship_to_artifact", applies: ARTIFACT_KEY.applies, data: artifact_product };

/// The `to-one` id of relationship `rel` of resource `r`.
fn rel_id<'a>(r: &'a Map<String, Value>, rel: &str) -> Option<&'a str> {
    r.get("relationships")?.get(rel)?.get("data")?.get("id")?.as_str()
}

/// The releases a document needs read: those it holds and those its artifacts belong to.
pub(super) fn release_ids(body: &Value) -> Vec<String> {
    let list: Vec<&Map<String, Value>> = match body.get("data") {
        Some(Value::Object(r)) => vec![r],
        Some(Value::Array(rs)) => rs.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    let mut ids: Vec<String> = list
        .into_iter()
        .filter_map(|r| match r.get("type").and_then(Value::as_str) {
            Some("releases") => r.get("id").and_then(Value::as_str),
            Some("artifacts") => rel_id(r, "release"),
            _ => None,
        })
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// `links.self` of `r` up to and excluding `/<ty>/…`: `/v1/accounts/<a>`.
fn account_base(r: &Map<String, Value>, ty: &str) -> Option<String> {
    let link = r.get("links")?.get("self")?.as_str()?;
    link.rfind(&format!("/{ty}/")).and_then(|i| link.get(..i)).map(str::to_owned)
}

fn artifact_to_one(body: &mut Value, found: &Lookups) {
    for r in resources(body, false) {
        if r.get("type").and_then(Value::as_str) != Some("releases") {
            continue;
        }
        let id = r.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let base = account_base(r, "releases").unwrap_or_default();
        let artifact = found.releases.get(&id).and_then(|l| l.artifact.as_ref()).and_then(|a| a.get("id")).and_then(Value::as_str).map(str::to_owned);
        let Some(rels) = r.get_mut("relationships").and_then(Value::as_object_mut) else { continue };
        if rels.remove("artifacts").is_none() {
            continue;
        }
        // Keygen links its 1.0-only `/releases/{id}/artifact`; Latchkey links the artifact itself.
        let related = artifact.as_ref().map_or_else(|| format!("{base}/releases/{id}/artifacts"), |a| format!("{base}/artifacts/{a}"));
        rels.insert("artifact".into(), json!({"data": artifact.map(|a| json!({"type": "artifacts", "id": a})), "links": {"related": related}}));
    }
}

fn copy_artifact_attributes(body: &mut Value, found: &Lookups) {
    for r in resources(body, false) {
        if r.get("type").and_then(Value::as_str) != Some("releases") {
            continue;
        }
        let id = r.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let artifact = found.releases.get(&id).and_then(|l| l.artifact.as_ref());
        let Some(attrs) = r.get_mut("attributes").and_then(Value::as_object_mut) else { continue };
        for k in ["platform", "filetype", "filename", "filesize", "signature", "checksum"] {
            attrs.insert(k.into(), artifact.and_then(|a| a.get(k)).cloned().unwrap_or(Value::Null));
        }
    }
}

fn not_published(body: &mut Value, _: &Lookups) {
    for a in attributes_of(body, "releases", false) {
        if a.get("status").and_then(Value::as_str) == Some("DRAFT") {
            a.insert("status".into(), "NOT_PUBLISHED".into());
        }
    }
}

fn artifact_key(body: &mut Value, _: &Lookups) {
    for a in attributes_of(body, "artifacts", false) {
        if let Some(f) = a.get("filename").cloned() {
            a.insert("key".into(), f);
        }
    }
}

fn artifact_product(body: &mut Value, found: &Lookups) {
    for r in resources(body, false) {
        if r.get("type").and_then(Value::as_str) != Some("artifacts") {
            continue;
        }
        let Some(product) = rel_id(r, "release").and_then(|rel| found.releases.get(rel)).map(|l| l.product_id.clone()) else { continue };
        let base = account_base(r, "artifacts").unwrap_or_default();
        let Some(rels) = r.get_mut("relationships").and_then(Value::as_object_mut) else { continue };
        rels.insert("product".into(), json!({"data": {"type": "products", "id": product}, "links": {"related": format!("{base}/products/{product}")}}));
    }
}

#[cfg(test)]
mod tests {
    use super::super::ReleaseLookup;
    use super::*;

    fn found() -> Lookups {
        let artifact =
            json!({"id": "a2", "platform": "linux", "filetype": "tar.gz", "filename": "app.tar.gz", "filesize": 12, "signature": null, "checksum": "c"});
        let mut l = Lookups::default();
        l.releases.insert("r1".into(), ReleaseLookup { product_id: "p1".into(), artifact: artifact.as_object().cloned() });
        l.releases.insert("r2".into(), ReleaseLookup { product_id: "p1".into(), artifact: None });
        l
    }

    fn release(id: &str) -> Value {
        json!({"type": "releases", "id": id, "links": {"self": format!("/v1/accounts/acc/releases/{id}")},
            "attributes": {"status": "DRAFT", "version": "1.0.0"},
            "relationships": {"artifacts": {"links": {"related": format!("/v1/accounts/acc/releases/{id}/artifacts")}}, "product": {}}})
    }

    #[test]
    fn a_release_has_its_latest_artifact_and_its_attributes() {
        let mut b = json!({"data": [release("r1"), release("r2"), {"type": "licenses", "id": "l"}]});
        assert_eq!(release_ids(&b), ["r1", "r2"]);
        artifact_to_one(&mut b, &found());
        copy_artifact_attributes(&mut b, &found());
        let r1 = &b["data"][0];
        assert_eq!(r1["relationships"]["artifact"], json!({"data": {"type": "artifacts", "id": "a2"}, "links": {"related": "/v1/accounts/acc/artifacts/a2"}}));
        assert!(r1["relationships"].get("artifacts").is_none());
        assert_eq!(r1["relationships"]["product"], json!({}), "other relationships kept");
        assert_eq!(
            (&r1["attributes"]["platform"], &r1["attributes"]["filename"], &r1["attributes"]["filesize"]),
            (&json!("linux"), &json!("app.tar.gz"), &json!(12))
        );
        assert_eq!(r1["attributes"]["version"], "1.0.0");
        let r2 = &b["data"][1];
        assert_eq!(r2["relationships"]["artifact"]["data"], Value::Null);
        assert_eq!(r2["relationships"]["artifact"]["links"]["related"], "/v1/accounts/acc/releases/r2/artifacts");
        assert_eq!(r2["attributes"]["checksum"], Value::Null);
        assert_eq!(b["data"][2], json!({"type": "licenses", "id": "l"}), "not a release");
        // Unknown releases (a lookup that found nothing) get no artifact, not a panic.
        let mut one = json!({"data": release("r9")});
        artifact_to_one(&mut one, &Lookups::default());
        assert_eq!(one["data"]["relationships"]["artifact"]["data"], Value::Null);
    }

    #[test]
    fn drafts_are_not_published_and_artifacts_have_keys_and_products() {
        for (from, to) in [("DRAFT", "NOT_PUBLISHED"), ("PUBLISHED", "PUBLISHED"), ("YANKED", "YANKED")] {
            let mut b = json!({"data": [{"type": "releases", "attributes": {"status": from}}]});
            not_published(&mut b, &Lookups::default());
            assert_eq!(b["data"][0]["attributes"]["status"], to);
        }
        let art = json!({"type": "artifacts", "id": "a1", "links": {"self": "/v1/accounts/acc/artifacts/a1"}, "attributes": {"filename": "app.zip"},
            "relationships": {"release": {"data": {"type": "releases", "id": "r1"}}}});
        let mut b = json!({"data": art});
        assert_eq!(release_ids(&b), ["r1"]);
        artifact_key(&mut b, &found());
        artifact_product(&mut b, &found());
        assert_eq!(b["data"]["attributes"], json!({"filename": "app.zip", "key": "app.zip"}));
        assert_eq!(
            b["data"]["relationships"]["product"],
            json!({"data": {"type": "products", "id": "p1"}, "links": {"related": "/v1/accounts/acc/products/p1"}})
        );
        let mut orphan = json!({"data": [art]});
        artifact_product(&mut orphan, &Lookups::default());
        assert!(orphan["data"][0]["relationships"].get("product").is_none(), "nothing found, nothing invented");
        let x = |pattern| Exchange { method: "GET", pattern: Some(pattern), status: 200 };
        assert!((NOT_PUBLISHED.applies)(&x("/releases/{id}")));
        assert!((ARTIFACT_TO_ONE.applies)(&x("/products/{id}/releases")));
        assert!(!(ARTIFACT_TO_ONE.applies)(&x("/releases/{id}/artifacts")));
        assert!((ARTIFACT_KEY.applies)(&x("/releases/{id}/artifacts")));
        assert!((ARTIFACT_PRODUCT.applies)(&x("/artifacts/{id}")));
        // Keygen's `products/relationships/release_artifacts` too.
        assert!((ARTIFACT_KEY.applies)(&x("/products/{id}/artifacts")));
        assert!((ARTIFACT_KEY.applies)(&x("/products/{id}/artifacts/{artifact}")));
        assert!(!(ARTIFACT_KEY.applies)(&x("/licenses")));
    }
}

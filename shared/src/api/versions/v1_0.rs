//! 1.0: a draft release is `NOT_PUBLISHED` (`rename_draft_status_to_not_published_for_releases`
//! / `_release`) and an artifact carries `key` = its filename (`add_key_attribute_to_artifacts`
//! / `_artifact`). Keygen's other 1.0 release migrations (one `artifact` instead of
//! `artifacts` with its attributes copied onto the release, an artifact `product`
//! relationship) read the database and are not done (docs/API.md).

use serde_json::Value;

use super::{attributes_of, Exchange, Lookups, Migration};

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
        x.ok() && x.pattern.is_some_and(|p| p.starts_with("/artifacts") || p.starts_with("/releases/{id}/artifacts") || p == "/releases/{id}/upgrade")
    },
    data: artifact_key,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drafts_are_not_published_and_artifacts_have_keys() {
        for (from, to) in [("DRAFT", "NOT_PUBLISHED"), ("PUBLISHED", "PUBLISHED"), ("YANKED", "YANKED")] {
            let mut b = json!({"data": [{"type": "releases", "attributes": {"status": from}}]});
            not_published(&mut b, &Lookups::default());
            assert_eq!(b["data"][0]["attributes"]["status"], to);
        }
        let mut b = json!({"data": {"type": "artifacts", "attributes": {"filename": "app.zip"}}});
        artifact_key(&mut b, &Lookups::default());
        assert_eq!(b["data"]["attributes"], json!({"filename": "app.zip", "key": "app.zip"}));
        let x = |pattern| Exchange { method: "GET", pattern: Some(pattern), status: 200 };
        assert!((NOT_PUBLISHED.applies)(&x("/releases/{id}")));
        assert!((ARTIFACT_KEY.applies)(&x("/releases/{id}/artifacts")));
        assert!(!(ARTIFACT_KEY.applies)(&x("/licenses")));
    }
}

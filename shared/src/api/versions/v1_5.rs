//! 1.5: a license's `owner` relationship is called `user`
//! (`rename_owner_relationship_to_user_for_licenses` / `_license`), and a license write
//! naming a missing owner answers `USER_NOT_FOUND` at `/data/relationships/user`
//! (`rename_owner_not_found_error_code_for_license`).

use serde_json::Value;

use super::{errors, resources, Exchange, Migration};

pub(super) const OWNER_TO_USER: Migration = Migration {
    version: 5,
    name: "rename_owner_relationship_to_user_for_licenses",
    // Every route that answers licenses: theirs, their actions, and the relationship lists.
    applies: |x: &Exchange<'_>| x.ok() && x.pattern.is_some_and(|p| p.starts_with("/licenses") || p.contains("/licenses") || p == "/machines/{id}/license"),
    data: owner_to_user,
};

pub(super) const OWNER_NOT_FOUND: Migration = Migration {
    version: 5,
    name: "rename_owner_not_found_error_code_for_license",
    applies: |x: &Exchange<'_>| x.status == 422 && (x.is("POST", "/licenses") || x.is("PATCH", "/licenses/{id}") || x.is("PUT", "/licenses/{id}")),
    data: owner_not_found,
};

fn owner_to_user(body: &mut Value) {
    for r in resources(body, false) {
        if r.get("type").and_then(Value::as_str) != Some("licenses") {
            continue;
        }
        let Some(rels) = r.get_mut("relationships").and_then(Value::as_object_mut) else { continue };
        if let Some(owner) = rels.remove("owner") {
            // The link keeps naming `…/owner`, the route Latchkey serves (Keygen points it at
            // its 1.5 alias `…/user`).
            rels.insert("user".into(), owner);
        }
    }
}

fn owner_not_found(body: &mut Value) {
    for e in errors(body) {
        if e.get("code").and_then(Value::as_str) == Some("OWNER_NOT_FOUND") {
            e.insert("code".into(), "USER_NOT_FOUND".into());
            e.insert("source".into(), serde_json::json!({"pointer": "/data/relationships/user"}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn license_owner_is_user_and_owner_not_found_is_user_not_found() {
        let owner = json!({"data": {"type": "users", "id": "u"}, "links": {"related": "/v1/accounts/a/licenses/l/owner"}});
        let mut one = json!({"data": {"type": "licenses", "id": "l", "relationships": {"owner": owner, "policy": {}}}});
        owner_to_user(&mut one);
        assert_eq!(one["data"]["relationships"], json!({"user": owner, "policy": {}}));
        let mut many =
            json!({"data": [{"type": "licenses", "relationships": {"owner": {"data": null}}}, {"type": "machines", "relationships": {"owner": {}}}]});
        owner_to_user(&mut many);
        assert_eq!(many["data"][0]["relationships"], json!({"user": {"data": null}}));
        assert_eq!(many["data"][1]["relationships"], json!({"owner": {}}), "machines keep owner");
        let mut err = json!({"errors": [{"code": "OWNER_NOT_FOUND", "source": {"pointer": "/data/relationships/owner"}}, {"code": "POLICY_NOT_FOUND"}]});
        owner_not_found(&mut err);
        assert_eq!(err["errors"][0], json!({"code": "USER_NOT_FOUND", "source": {"pointer": "/data/relationships/user"}}));
        assert_eq!(err["errors"][1], json!({"code": "POLICY_NOT_FOUND"}));
        let x = |status, method, pattern| Exchange { method, pattern: Some(pattern), status };
        for p in [
            "/licenses",
            "/licenses/{id}",
            "/licenses/{id}/actions/validate",
            "/licenses/actions/validate-key",
            "/users/{id}/licenses",
            "/machines/{id}/license",
        ] {
            assert!((OWNER_TO_USER.applies)(&x(200, "GET", p)), "{p}");
        }
        assert!(!(OWNER_TO_USER.applies)(&x(204, "DELETE", "/licenses/{id}")));
        assert!(!(OWNER_TO_USER.applies)(&x(200, "GET", "/machines")));
        assert!((OWNER_NOT_FOUND.applies)(&x(422, "POST", "/licenses")));
        assert!(!(OWNER_NOT_FOUND.applies)(&x(422, "POST", "/machines")));
    }
}

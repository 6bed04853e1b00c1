//! 1.5: a license's `owner` relationship is called `user`
//! (`rename_owner_relationship_to_user_for_licenses` / `_license`), and a license write
//! naming a missing owner answers `USER_NOT_FOUND` at `/data/relationships/user`
//! (`rename_owner_not_found_error_code_for_license`). A machine has a `user` relationship,
//! its license's owner, instead of its own `owner` (`add_user_relationship_to_machines` /
//! `_machine`; the owner is read by the caller, [`super::needs`]).

use serde_json::Value;

use super::{errors, resources, Exchange, Lookups, Migration};

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

/// The routes that answer machines.
const MACHINE_ROUTES: [&str; 4] = ["/licenses/{id}/machines", "/products/{id}/machines", "/users/{id}/machines", "/groups/{id}/machines"];

pub(super) const MACHINE_USER: Migration = Migration {
    version: 5,
    name: "add_user_relationship_to_machines",
    applies: |x: &Exchange<'_>| x.ok() && x.pattern.is_some_and(|p| p.starts_with("/machines") || MACHINE_ROUTES.contains(&p)),
    data: machine_user,
};

/// The license id of machine resource `r`, if it is one.
fn license_of(r: &serde_json::Map<String, Value>) -> Option<String> {
    if r.get("type").and_then(Value::as_str) != Some("machines") {
        return None;
    }
    r.get("relationships")?.get("license")?.get("data")?.get("id")?.as_str().map(str::to_owned)
}

/// The license ids of the machines in `body`, each once.
pub(super) fn machine_licenses(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = match body.get("data") {
        Some(Value::Object(r)) => license_of(r).into_iter().collect(),
        Some(Value::Array(rs)) => rs.iter().filter_map(Value::as_object).filter_map(license_of).collect(),
        _ => Vec::new(),
    };
    ids.sort();
    ids.dedup();
    ids
}

fn machine_user(body: &mut Value, found: &Lookups) {
    for r in resources(body, false) {
        let Some(license) = license_of(r) else { continue };
        let id = r.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let self_link = r.get("links").and_then(|l| l.get("self")).and_then(Value::as_str).map(str::to_owned);
        let Some(rels) = r.get_mut("relationships").and_then(Value::as_object_mut) else { continue };
        let owner = found.license_owners.get(&license).cloned().flatten();
        let related = self_link.map_or_else(|| format!("machines/{id}/user"), |s| format!("{s}/user"));
        rels.remove("owner");
        // The link names Keygen's 1.5 alias `…/user` (served: the license's owner).
        rels.insert("user".into(), serde_json::json!({"data": owner.map(|u| serde_json::json!({"type": "users", "id": u})), "links": {"related": related}}));
    }
}

fn owner_to_user(body: &mut Value, _: &Lookups) {
    for r in resources(body, false) {
        if r.get("type").and_then(Value::as_str) != Some("licenses") {
            continue;
        }
        let Some(rels) = r.get_mut("relationships").and_then(Value::as_object_mut) else { continue };
        if let Some(mut owner) = rels.remove("owner") {
            // The link names Keygen's 1.5 alias `…/user` (served, as the owner).
            if let Some(link) = owner.get_mut("links").and_then(|l| l.get_mut("related")) {
                if let Some(base) = link.as_str().and_then(|s| s.strip_suffix("/owner")) {
                    *link = format!("{base}/user").into();
                }
            }
            rels.insert("user".into(), owner);
        }
    }
}

fn owner_not_found(body: &mut Value, _: &Lookups) {
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
        owner_to_user(&mut one, &Lookups::default());
        let user = json!({"data": {"type": "users", "id": "u"}, "links": {"related": "/v1/accounts/a/licenses/l/user"}});
        assert_eq!(one["data"]["relationships"], json!({"user": user, "policy": {}}));
        let mut many =
            json!({"data": [{"type": "licenses", "relationships": {"owner": {"data": null}}}, {"type": "machines", "relationships": {"owner": {}}}]});
        owner_to_user(&mut many, &Lookups::default());
        assert_eq!(many["data"][0]["relationships"], json!({"user": {"data": null}}));
        assert_eq!(many["data"][1]["relationships"], json!({"owner": {}}), "machines keep owner");
        let mut err = json!({"errors": [{"code": "OWNER_NOT_FOUND", "source": {"pointer": "/data/relationships/owner"}}, {"code": "POLICY_NOT_FOUND"}]});
        owner_not_found(&mut err, &Lookups::default());
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
        assert!((MACHINE_USER.applies)(&x(201, "POST", "/machines")));
        assert!((MACHINE_USER.applies)(&x(200, "GET", "/licenses/{id}/machines")));
        assert!(!(MACHINE_USER.applies)(&x(200, "GET", "/licenses/{id}")));
        assert!(!(OWNER_NOT_FOUND.applies)(&x(422, "POST", "/machines")));
    }

    #[test]
    fn a_machine_has_its_licenses_owner_as_user() {
        let m = |id: &str, license: &str| {
            json!({"type": "machines", "id": id, "links": {"self": format!("/v1/accounts/a/machines/{id}")},
            "relationships": {"license": {"data": {"type": "licenses", "id": license}}, "owner": {"data": {"type": "users", "id": "machine-owner"}}}})
        };
        let mut b = json!({"data": [m("m1", "l1"), m("m2", "l2"), m("m3", "l1"), {"type": "machines", "id": "m4"}]});
        assert_eq!(machine_licenses(&b), ["l1", "l2"]);
        let found = Lookups { license_owners: [("l1".to_owned(), Some("u1".to_owned())), ("l2".to_owned(), None)].into_iter().collect(), ..Lookups::default() };
        machine_user(&mut b, &found);
        assert_eq!(
            b["data"][0]["relationships"]["user"],
            json!({"data": {"type": "users", "id": "u1"}, "links": {"related": "/v1/accounts/a/machines/m1/user"}})
        );
        assert_eq!(b["data"][1]["relationships"]["user"]["data"], Value::Null);
        assert_eq!(b["data"][2]["relationships"]["user"]["data"]["id"], "u1");
        assert!(b["data"][0]["relationships"].get("owner").is_none());
        assert_eq!(b["data"][3], json!({"type": "machines", "id": "m4"}), "no license, untouched");
    }
}

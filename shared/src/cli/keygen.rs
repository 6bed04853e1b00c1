//! `latchkey import keygen --from <url> --account <id> --token <token>`: pages through any
//! Keygen-compatible API (Keygen Cloud, Keygen CE, another Latchkey) and recreates, in the
//! logged-in account and with the SAME ids, its products, entitlements, policies (and their
//! entitlements), groups, users, licenses (same keys; suspended ones suspended again; their
//! entitlements and licensees attached) and machines (same fingerprints). Each record is created unless it exists, so a re-run skips
//! what is there and resumes an interrupted import.

use serde_json::{json, Value};

use super::config::Config;
use super::http::{percent, Api};
use super::import::{bar, pick, Fate, Target};
use super::{Args, Failure, Outcome};

/// One resource type of the import, in dependency order.
struct Step {
    ty: &'static str,
    /// Attributes copied (what Latchkey's create accepts; the rest of Keygen's are read-only).
    attrs: &'static [&'static str],
    /// Relationships copied (to-one).
    rels: &'static [&'static str],
}

/// `GET /users` filter naming every role (Keygen's and Latchkey's, Cryptlex's customer admins
/// included): Keygen's default scope lists only role `user`, and an import copies staff too.
const EVERY_ROLE: &str = "roles[]=admin&roles[]=developer&roles[]=sales-agent&roles[]=support-agent&roles[]=read-only&roles[]=user\
&roles[]=organization-admin&roles[]=reseller-admin";

const STEPS: &[Step] = &[
    Step { ty: "products", attrs: &["name", "code", "url", "distributionStrategy", "platforms", "metadata"], rels: &[] },
    Step { ty: "entitlements", attrs: &["name", "code", "metadata"], rels: &[] },
    Step {
        ty: "policies",
        attrs: &[
            "name",
            "duration",
            "strict",
            "floating",
            "scheme",
            "requireProductScope",
            "requirePolicyScope",
            "requireMachineScope",
            "requireFingerprintScope",
            "requireComponentsScope",
            "requireUserScope",
            "requireChecksumScope",
            "requireVersionScope",
            "requireCheckIn",
            "checkInInterval",
            "checkInIntervalCount",
            "usePool",
            "maxMachines",
            "maxProcesses",
            "maxUsers",
            "maxCores",
            "maxMemory",
            "maxDisk",
            "maxUses",
            "protected",
            "requireHeartbeat",
            "heartbeatDuration",
            "heartbeatCullStrategy",
            "heartbeatResurrectionStrategy",
            "heartbeatBasis",
            "machineUniquenessStrategy",
            "machineMatchingStrategy",
            "componentUniquenessStrategy",
            "componentMatchingStrategy",
            "expirationStrategy",
            "expirationBasis",
            "renewalBasis",
            "transferStrategy",
            "authenticationStrategy",
            "machineLeasingStrategy",
            "processLeasingStrategy",
            "overageStrategy",
            "metadata",
        ],
        rels: &["product"],
    },
    Step { ty: "groups", attrs: &["name", "maxUsers", "maxLicenses", "maxMachines", "metadata"], rels: &[] },
    Step { ty: "users", attrs: &["email", "firstName", "lastName", "role", "metadata"], rels: &["group"] },
    Step {
        ty: "licenses",
        attrs: &["name", "key", "expiry", "protected", "maxMachines", "maxProcesses", "maxUsers", "maxCores", "maxMemory", "maxDisk", "maxUses", "metadata"],
        rels: &["policy", "owner", "user", "group"],
    },
    Step {
        ty: "machines",
        attrs: &["fingerprint", "name", "ip", "hostname", "platform", "cores", "memory", "disk", "maxProcesses", "metadata"],
        rels: &["license", "owner", "group"],
    },
];

/// The destination document for a source resource: same id and type, the step's attributes
/// and to-one relationships (by id).
fn translate(step: &Step, src: &Value) -> Value {
    let mut data = json!({"type": step.ty, "id": src["id"], "attributes": pick(&src["attributes"], step.attrs)});
    let mut rels = serde_json::Map::new();
    for r in step.rels {
        if let Some(d) = src["relationships"][*r]["data"].as_object() {
            // Keygen ≥ 1.6 sends both `owner` and the older `user`: keep one.
            if *r == "user" && rels.contains_key("owner") {
                continue;
            }
            rels.insert((*r).to_owned(), json!({"data": {"type": d.get("type").cloned().unwrap_or_default(), "id": d.get("id").cloned().unwrap_or_default()}}));
        }
    }
    if !rels.is_empty() {
        data["relationships"] = Value::Object(rels);
    }
    data
}

fn suspended(src: &Value) -> bool {
    src["attributes"]["suspended"].as_bool() == Some(true) || src["attributes"]["status"].as_str() == Some("SUSPENDED")
}

/// Runs the import.
pub fn run(a: Args) -> Outcome {
    a.only(&["from", "account", "token", "json"])?;
    let source = Api::new(a.needed("from")?, Some(a.needed("account")?), Some(a.needed("token")?));
    let mut t = Target::new(Api::from_config(&Config::load()?));
    let result = import(&source, &mut t);
    t.finish(a.flag("json"), result)
}

fn import(source: &Api, t: &mut Target) -> Outcome {
    for step in STEPS {
        let pb = bar(step.ty, None);
        let mut failed: Option<Failure> = None;
        // Keygen lists users, not staff, unless `roles[]` names them: name every role.
        let path = if step.ty == "users" { format!("/users?{EVERY_ROLE}") } else { format!("/{}", step.ty) };
        source.each_page(&path, 100, |items, total| {
            if let Some(n) = total {
                pb.set_length(n);
            }
            for src in items {
                pb.inc(1);
                let id = src["id"].as_str().unwrap_or_default().to_owned();
                let (fate, created) = t.create(step.ty, step.ty, translate(step, src))?;
                if step.ty == "licenses" && fate == Fate::Imported {
                    let (old, new) = (&src["attributes"]["key"], &created["data"]["attributes"]["key"]);
                    if old != new {
                        t.note("licenses", "key re-signed by this account's key (bring the old signing key: ed25519PrivateKey at account creation)");
                    }
                    if suspended(src) {
                        t.action("licenses", &id, &format!("/licenses/{}/actions/suspend", percent(&id)), None)?;
                    }
                    let owner = src["relationships"]["owner"]["data"]["id"].as_str().or(src["relationships"]["user"]["data"]["id"].as_str());
                    for (sub, except) in [("entitlements", None), ("users", owner)] {
                        if let Err(e) = attach(source, t, "licenses", &id, sub, except) {
                            failed = Some(e);
                        }
                    }
                }
                if step.ty == "policies" && fate == Fate::Imported {
                    if let Err(e) = attach(source, t, "policies", &id, "entitlements", None) {
                        failed = Some(e);
                    }
                }
            }
            Ok(())
        })?;
        pb.finish_and_clear();
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(())
}

/// Attaches to `ty/id` the `sub` resources (`entitlements`, `users`) the source attaches, except
/// `except` (a license's owner, which is no licensee).
fn attach(source: &Api, t: &mut Target, ty: &'static str, id: &str, sub: &str, except: Option<&str>) -> Outcome {
    let mut ids = Vec::new();
    let path = format!("/{ty}/{}/{sub}", percent(id));
    source.each_page(&path, 100, |items, _| {
        ids.extend(items.iter().filter(|e| e["id"].as_str() != except).map(|e| json!({"type": sub, "id": e["id"]})));
        Ok(())
    })?;
    if ids.is_empty() {
        return Ok(());
    }
    t.action(ty, id, &path, Some(json!({"data": ids})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keygen_license_keeps_id_key_and_relationships() {
        let src = json!({"id": "l1", "type": "licenses",
            "attributes": {"name": "n", "key": "K-1", "expiry": null, "status": "SUSPENDED", "created": "2024-01-01T00:00:00.000Z", "uses": 3},
            "relationships": {"policy": {"data": {"type": "policies", "id": "p1"}}, "owner": {"data": {"type": "users", "id": "u1"}},
                "user": {"data": {"type": "users", "id": "u1"}}, "group": {"data": null}, "account": {"data": {"type": "accounts", "id": "a"}}}});
        let step = STEPS.iter().find(|s| s.ty == "licenses").unwrap();
        let d = translate(step, &src);
        assert_eq!(d["id"], "l1");
        assert_eq!(d["attributes"], json!({"name": "n", "key": "K-1"}));
        assert_eq!(d["relationships"], json!({"policy": {"data": {"type": "policies", "id": "p1"}}, "owner": {"data": {"type": "users", "id": "u1"}}}));
        assert!(suspended(&src));
    }
}

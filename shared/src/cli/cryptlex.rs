//! `latchkey import cryptlex --users users.csv --licenses licenses.csv --activations
//! activations.csv`: Cryptlex's CSV exports (`GET /v3/users/export`, `/v3/licenses/export`,
//! `/v3/activations/export`) into the logged-in account. Columns are found by header name
//! (case-insensitive; unknown columns ignored); the mapping is documented in `docs/API.md`,
//! "CLI". Cryptlex ids are GUIDs and are kept; any other id becomes a stable UUID derived from
//! it, so a re-run finds what the last one created and skips it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::config::Config;
use super::http::{percent, Api};
use super::import::{bar, Fate, Target};
use super::{Args, Failure, Outcome};

/// One CSV file: lower-cased header → column, and its rows.
struct Table {
    cols: BTreeMap<String, usize>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &str) -> Result<Self, Failure> {
        let bad = |e: csv::Error| Failure::Config(format!("{path}: {e}"));
        let mut r = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_path(path).map_err(bad)?;
        let cols = r.headers().map_err(bad)?.iter().enumerate().map(|(i, h)| (h.trim_start_matches('\u{feff}').to_lowercase(), i)).collect();
        let rows = r.records().collect::<Result<Vec<_>, _>>().map_err(bad)?;
        Ok(Table { cols, rows })
    }

    /// The first non-empty of columns `names` in `row`.
    fn get<'r>(&self, row: &'r csv::StringRecord, names: &[&str]) -> Option<&'r str> {
        names.iter().find_map(|n| self.cols.get(&n.to_lowercase()).and_then(|i| row.get(*i)).filter(|v| !v.is_empty()))
    }
}

/// The id Latchkey stores for Cryptlex id `id` of `kind`: the GUID itself, else a stable UUID
/// (SHA-256 of kind and id, shaped as a version-8 UUID).
pub fn stable_id(kind: &str, id: &str) -> String {
    if crate::rng::is_uuid(id) {
        return id.to_lowercase();
    }
    let d = Sha256::digest(format!("cryptlex:{kind}:{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(d.get(..16).unwrap_or(&[0; 16]));
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or(""),
        h.get(8..12).unwrap_or(""),
        h.get(12..16).unwrap_or(""),
        h.get(16..20).unwrap_or(""),
        h.get(20..32).unwrap_or("")
    )
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v.map(str::to_lowercase).as_deref(), Some("true" | "1" | "yes"))
}

/// Cryptlex's metadata column: a JSON object, or `[{key, value}]` as its API returns it.
pub fn metadata(v: Option<&str>) -> Map<String, Value> {
    match v.and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        Some(Value::Object(m)) => m,
        Some(Value::Array(a)) => a.iter().filter_map(|kv| Some((kv["key"].as_str()?.to_owned(), kv.get("value").cloned().unwrap_or(Value::Null)))).collect(),
        _ => Map::new(),
    }
}

/// Runs the import.
pub fn run(a: Args) -> Outcome {
    a.only(&["users", "licenses", "activations", "json"])?;
    let files = (a.value("users"), a.value("licenses"), a.value("activations"));
    if files == (None, None, None) {
        return Err(Failure::Usage("give at least one of --users, --licenses, --activations".into()));
    }
    // Every file is read before anything is written: a damaged file changes nothing.
    let read = |p: Option<&str>| p.map(Table::read).transpose();
    let (users, licenses, activations) = (read(files.0)?, read(files.1)?, read(files.2)?);
    let mut t = Target::new(Api::from_config(&Config::load()?));
    let result = (|| {
        if let Some(u) = &users {
            import_users(&mut t, u)?;
        }
        if let Some(l) = &licenses {
            import_licenses(&mut t, l)?;
        }
        if let Some(m) = &activations {
            import_activations(&mut t, m)?;
        }
        Ok::<(), Failure>(())
    })();
    t.finish(a.flag("json"), result)
}

fn import_users(t: &mut Target, u: &Table) -> Outcome {
    let pb = bar("users", Some(u.rows.len() as u64));
    for row in &u.rows {
        pb.inc(1);
        let Some(id) = u.get(row, &["id", "userId"]) else {
            t.summary.refuse("users", "?", "no id column value");
            continue;
        };
        let (mut first, mut last) = (u.get(row, &["firstName"]).map(str::to_owned), u.get(row, &["lastName"]).map(str::to_owned));
        if let (None, Some(name)) = (&first, u.get(row, &["name"])) {
            let (f, l) = name.split_once(' ').unwrap_or((name, ""));
            first = Some(f.to_owned());
            last = Some(l.to_owned()).filter(|l| !l.is_empty()).or(last);
        }
        let mut meta = metadata(u.get(row, &["metadata"]));
        meta.insert("cryptlexId".into(), id.into());
        if let Some(c) = u.get(row, &["company"]) {
            meta.insert("company".into(), c.into());
        }
        let data = json!({"type": "users", "id": stable_id("user", id),
            "attributes": {"email": u.get(row, &["email"]), "firstName": first, "lastName": last, "metadata": meta}});
        t.create("users", "users", data)?;
    }
    pb.finish_and_clear();
    Ok(())
}

fn import_licenses(t: &mut Target, l: &Table) -> Outcome {
    // One product per Cryptlex product, and one policy per product holding no limit of its own:
    // each license carries its own `allowedActivations` as `maxMachines`.
    let mut products = BTreeSet::new();
    for row in &l.rows {
        products.insert((
            l.get(row, &["productId", "product.id"]).unwrap_or("default").to_owned(),
            l.get(row, &["productName", "product.name"]).map(str::to_owned),
        ));
    }
    let mut done = BTreeSet::new();
    for (pid, name) in products {
        if !done.insert(pid.clone()) {
            continue;
        }
        let product = stable_id("product", &pid);
        let name = name.unwrap_or_else(|| format!("Cryptlex product {pid}"));
        t.create("products", "products", json!({"type": "products", "id": product, "attributes": {"name": name, "metadata": {"cryptlexId": pid}}}))?;
        let policy = json!({"type": "policies", "id": stable_id("policy", &pid),
            "attributes": {"name": "Imported from Cryptlex", "floating": true, "metadata": {"cryptlexProductId": pid}},
            "relationships": {"product": {"data": {"type": "products", "id": product}}}});
        t.create("policies", "policies", policy)?;
    }
    let pb = bar("licenses", Some(l.rows.len() as u64));
    for row in &l.rows {
        pb.inc(1);
        let (Some(id), Some(key)) = (l.get(row, &["id", "licenseId"]), l.get(row, &["key", "licenseKey"])) else {
            t.summary.refuse("licenses", l.get(row, &["id"]).unwrap_or("?"), "no id or key");
            continue;
        };
        if truthy(l.get(row, &["revoked"])) {
            t.summary.refuse("licenses", id, "revoked in Cryptlex: not imported");
            continue;
        }
        let pid = l.get(row, &["productId", "product.id"]).unwrap_or("default");
        let max = l.get(row, &["allowedActivations"]).and_then(|v| v.parse::<i64>().ok()).filter(|n| *n > 0);
        let mut meta = metadata(l.get(row, &["metadata"]));
        meta.insert("cryptlexId".into(), id.into());
        for (col, k) in [("type", "cryptlexType"), ("allowedDeactivations", "allowedDeactivations"), ("expirationStrategy", "expirationStrategy")] {
            if let Some(v) = l.get(row, &[col]) {
                meta.insert(k.into(), v.into());
            }
        }
        let lid = stable_id("license", id);
        let mut data = json!({"type": "licenses", "id": lid,
            "attributes": {"key": key, "name": l.get(row, &["name", "notes"]), "expiry": l.get(row, &["expiresAt", "expirationDate"]), "maxMachines": max, "metadata": meta},
            "relationships": {"policy": {"data": {"type": "policies", "id": stable_id("policy", pid)}}}});
        if let Some(u) = l.get(row, &["userId", "user.id"]) {
            data["relationships"]["owner"] = json!({"data": {"type": "users", "id": stable_id("user", u)}});
        }
        let (fate, _) = t.create("licenses", "licenses", data)?;
        if fate == Fate::Imported && truthy(l.get(row, &["suspended"])) {
            t.action("licenses", &lid, &format!("/licenses/{}/actions/suspend", percent(&lid)), None)?;
        }
    }
    pb.finish_and_clear();
    Ok(())
}

fn import_activations(t: &mut Target, m: &Table) -> Outcome {
    let pb = bar("activations", Some(m.rows.len() as u64));
    for row in &m.rows {
        pb.inc(1);
        let (Some(id), Some(license), Some(fp)) = (m.get(row, &["id", "activationId"]), m.get(row, &["licenseId", "license.id"]), m.get(row, &["fingerprint"]))
        else {
            t.summary.refuse("machines", m.get(row, &["id"]).unwrap_or("?"), "no id, licenseId or fingerprint");
            continue;
        };
        let mut meta = Map::new();
        meta.insert("cryptlexId".into(), id.into());
        for col in ["osVersion", "vmName", "appVersion", "container", "location"] {
            if let Some(v) = m.get(row, &[col]) {
                meta.insert(col.into(), v.into());
            }
        }
        let data = json!({"type": "machines", "id": stable_id("activation", id),
            "attributes": {"fingerprint": fp, "hostname": m.get(row, &["hostname"]), "name": m.get(row, &["hostname", "name"]),
                "platform": m.get(row, &["os"]), "ip": m.get(row, &["ipAddress", "ip"]), "metadata": meta},
            "relationships": {"license": {"data": {"type": "licenses", "id": stable_id("license", license)}}}});
        t.create("machines", "machines", data)?;
    }
    pb.finish_and_clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kept_or_derived_stably() {
        let guid = "6B0E1C2D-3F4A-4B5C-8D9E-0F1A2B3C4D5E";
        assert_eq!(stable_id("license", guid), guid.to_lowercase());
        let a = stable_id("license", "12345");
        assert!(crate::rng::is_uuid(&a), "{a}");
        assert_eq!(a, stable_id("license", "12345"));
        assert_ne!(a, stable_id("user", "12345"));
    }

    #[test]
    fn metadata_comes_as_an_object_or_key_value_pairs() {
        assert_eq!(metadata(Some(r#"[{"key":"tier","value":"gold"}]"#)), json!({"tier":"gold"}).as_object().cloned().unwrap());
        assert_eq!(metadata(Some(r#"{"a":1}"#)), json!({"a":1}).as_object().cloned().unwrap());
        assert!(metadata(Some("not json")).is_empty());
        assert!(truthy(Some("TRUE")) && !truthy(Some("false")) && !truthy(None));
    }
}

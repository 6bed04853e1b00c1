//! `latchkey license checkout` (a license file from the API) and `latchkey verify` (offline,
//! with `crypto::license_file::decode`: the very code the server's tests sign and open with).

use serde_json::{json, Value};

use super::config::Config;
use super::http::{percent, Api};
use super::{Args, Failure, Outcome};
use crate::crypto::license_file;

/// `latchkey license checkout <id> --out <file> [--encrypt] [--ttl s] [--include a,b]`.
pub fn checkout(mut a: Args) -> Outcome {
    let id = a.required("id")?;
    a.only(&["out", "encrypt", "ttl", "include", "json"])?;
    let out = a.needed("out")?;
    let mut q = Vec::new();
    if a.flag("encrypt") {
        q.push("encrypt=true".to_owned());
    }
    if let Some(ttl) = a.value("ttl") {
        q.push(format!("ttl={}", percent(ttl)));
    }
    if let Some(inc) = a.value("include") {
        q.push(format!("include={}", percent(inc)));
    }
    let path = format!("/licenses/{}/actions/check-out{}{}", percent(&id), if q.is_empty() { "" } else { "?" }, q.join("&"));
    let doc = Api::from_config(&Config::load()?).send("POST", &path, None)?;
    let attrs = &doc["data"]["attributes"];
    let cert = attrs["certificate"].as_str().ok_or_else(|| Failure::Invalid("the check-out returned no certificate".into()))?;
    std::fs::write(out, cert).map_err(|e| Failure::Config(format!("{out}: {e}")))?;
    if a.flag("json") {
        say!("{}", json!({"out": out, "id": doc["data"]["id"], "expiry": attrs["expiry"], "ttl": attrs["ttl"]}));
    } else {
        say!("wrote {out} (license file {}, expiry {})", doc["data"]["id"].as_str().unwrap_or("?"), super::output::cell(&attrs["expiry"]));
    }
    Ok(())
}

/// Whether an ISO-8601 UTC timestamp (Keygen's `…T…Z` with milliseconds) lies before `now_ms`.
fn expired(expiry: &Value, now_ms: i64) -> bool {
    expiry.as_str().is_some_and(|e| e < crate::clock::iso8601(now_ms).as_str())
}

/// `latchkey verify <file> --key <license-key> --public-key <hex> [--fingerprint fp]`: checks
/// the Ed25519 signature, decrypts an encrypted file (the secret is the license key, or for a
/// machine file the key and `--fingerprint`), and refuses an expired file, as SDKs do.
pub fn verify(mut a: Args) -> Outcome {
    let file = a.required("file")?;
    a.only(&["key", "public-key", "fingerprint", "json"])?;
    let (key, public) = (a.needed("key")?, a.needed("public-key")?);
    let cert = std::fs::read_to_string(&file).map_err(|e| Failure::Config(format!("{file}: {e}")))?;
    let machine = cert.trim_start().starts_with("-----BEGIN MACHINE FILE-----");
    let secret = match (machine, a.value("fingerprint")) {
        (true, Some(fp)) => license_file::machine_secret(key, fp),
        (true, None) => return Err(Failure::Usage("a machine file needs --fingerprint".into())),
        (false, _) => key.to_owned(),
    };
    let d = license_file::decode(&cert, public, &secret).map_err(|e| Failure::Invalid(format!("{file}: {e}")))?;
    let data: Value = serde_json::from_str(&d.data).map_err(|e| Failure::Invalid(format!("{file}: data is not JSON ({e})")))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX));
    let is_expired = expired(&data["meta"]["expiry"], now);
    if a.flag("json") {
        say!("{}", json!({"valid": !is_expired, "expired": is_expired, "alg": d.alg, "data": data}));
    } else {
        let l = &data["data"];
        say!("signature: valid ({})", d.alg);
        say!("{} {}  key {}", l["type"].as_str().unwrap_or("?"), l["id"].as_str().unwrap_or("?"), l["attributes"]["key"].as_str().unwrap_or("?"));
        say!("issued {}  expiry {}", super::output::cell(&data["meta"]["issued"]), super::output::cell(&data["meta"]["expiry"]));
    }
    if is_expired {
        return Err(Failure::Invalid(format!("{file}: the file expired at {}", super::output::cell(&data["meta"]["expiry"]))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_compares_as_utc_timestamps() {
        let t = 1_704_067_200_000; // 2024-01-01T00:00:00.000Z
        assert!(expired(&json!("2023-12-31T23:59:59.999Z"), t));
        assert!(!expired(&json!("2024-01-01T00:00:00.001Z"), t));
        assert!(!expired(&Value::Null, t));
    }
}

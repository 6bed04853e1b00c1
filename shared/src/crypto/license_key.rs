//! License keys (§4.2): Keygen's unsigned random keys, `ED25519_SIGN` signed keys, the default
//! signed dataset, and `{{var}}` templates in vendor-supplied seeds.
//!
//! Signed keys are `"key/" + b64url(dataset) + "." + b64url(sig)` where `sig` is Ed25519 over
//! the bytes `"key/" + b64url(dataset)` and `b64url` is Ruby's `Base64.urlsafe_encode64`
//! (URL-safe alphabet **with** padding), which keygen-rs and keygen-go decode.

use ed25519_dalek::{Signer as _, SigningKey};

use super::{b64url_pad, unb64url_pad, verify_ed25519};
use crate::clock::{iso8601, Millis};
use crate::rng::Random;

/// A Keygen-style unsigned key: 16 random bytes as 32 lowercase hex, the last two characters
/// replaced by `v3`, upper-cased and split every 6 characters, e.g.
/// `33362C-D254BA-F54C3C-DAAE48-C71975-V3`.
pub fn generate_unsigned(rng: &dyn Random) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    let mut h = hex::encode(bytes);
    h.replace_range(30..32, "v3");
    let h = h.to_ascii_uppercase();
    let groups: Vec<&str> = h.as_bytes().chunks(6).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    groups.join("-")
}

/// Signs `dataset` as an `ED25519_SIGN` license key.
pub fn sign_key(key: &SigningKey, dataset: &str) -> String {
    let signing_data = format!("key/{}", b64url_pad(dataset.as_bytes()));
    let sig = key.sign(signing_data.as_bytes());
    format!("{signing_data}.{}", b64url_pad(&sig.to_bytes()))
}

/// Verifies an `ED25519_SIGN` key with the account's hex public key, as keygen-rs's
/// `verify_key` does, and returns the signed dataset; `None` if the key is not genuine.
pub fn verify_key(public_hex: &str, key: &str) -> Option<Vec<u8>> {
    let (signing_data, enc_sig) = key.split_once('.')?;
    if enc_sig.contains('.') {
        return None;
    }
    let enc_dataset = signing_data.strip_prefix("key/")?;
    if enc_dataset.contains('/') {
        return None;
    }
    let sig = unb64url_pad(enc_sig).ok()?;
    let dataset = unb64url_pad(enc_dataset).ok()?;
    verify_ed25519(public_hex, signing_data.as_bytes(), &sig).ok()?;
    Some(dataset)
}

/// What a license's default dataset and seed templates are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDatasetInput<'a> {
    /// Account id.
    pub account_id: &'a str,
    /// Product id.
    pub product_id: &'a str,
    /// Policy id.
    pub policy_id: &'a str,
    /// The policy's duration in seconds, if any.
    pub policy_duration: Option<i64>,
    /// The license owner's `(id, email)`, if any.
    pub user: Option<(&'a str, &'a str)>,
    /// License id.
    pub license_id: &'a str,
    /// License creation time.
    pub created_ms: Millis,
    /// License expiry, if any.
    pub expiry_ms: Option<Millis>,
}

/// A JSON string literal for `s`, escaped as `JSON.generate` (and serde_json) do.
fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn json_opt_i64(v: Option<i64>) -> String {
    v.map_or_else(|| "null".to_owned(), |n| n.to_string())
}

/// Keygen's default dataset for signed keys, compact JSON in exactly this key order (which
/// serde_json's sorted maps would not keep, hence the manual build):
/// `{"account":{"id":…},"product":{"id":…},"policy":{"id":…,"duration":…},"user":{"id":…,"email":…}|null,"license":{"id":…,"created":…,"expiry":…}}`.
pub fn default_dataset(input: &KeyDatasetInput<'_>) -> String {
    let user = match input.user {
        Some((id, email)) => format!(r#"{{"id":{},"email":{}}}"#, json_str(id), json_str(email)),
        None => "null".to_owned(),
    };
    let expiry = input.expiry_ms.map_or_else(|| "null".to_owned(), |ms| json_str(&iso8601(ms)));
    format!(
        r#"{{"account":{{"id":{}}},"product":{{"id":{}}},"policy":{{"id":{},"duration":{}}},"user":{},"license":{{"id":{},"created":{},"expiry":{}}}}}"#,
        json_str(input.account_id),
        json_str(input.product_id),
        json_str(input.policy_id),
        json_opt_i64(input.policy_duration),
        user,
        json_str(input.license_id),
        json_str(&iso8601(input.created_ms)),
        expiry,
    )
}

/// Rails' `String#underscore` for a `\w+` name: `AccountId` → `account_id`, `ID` → `id`.
fn underscore(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 2);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Applies Keygen's `TemplateFormatService` to a vendor-supplied seed: every `{{name}}` (word
/// characters, any case) becomes the value of `account product policy user email created expiry
/// duration id` (ids, ISO-8601 ms times, duration in seconds). Unknown names and absent values
/// become the empty string, as Ruby's `gsub` does with `nil`.
pub fn format_template(template: &str, input: &KeyDatasetInput<'_>) -> String {
    let value = |name: &str| -> String {
        match underscore(name).as_str() {
            "account" => input.account_id.to_owned(),
            "product" => input.product_id.to_owned(),
            "policy" => input.policy_id.to_owned(),
            "user" => input.user.map(|(id, _)| id.to_owned()).unwrap_or_default(),
            "email" => input.user.map(|(_, email)| email.to_owned()).unwrap_or_default(),
            "created" => iso8601(input.created_ms),
            "expiry" => input.expiry_ms.map(iso8601).unwrap_or_default(),
            "duration" => input.policy_duration.map(|d| d.to_string()).unwrap_or_default(),
            "id" => input.license_id.to_owned(),
            _ => String::new(),
        }
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let word_len = after.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
        if word_len > 0 && after[word_len..].starts_with("}}") {
            out.push_str(&value(&after[..word_len]));
            rest = &after[word_len + 2..];
        } else {
            // No match here: keep one `{` and rescan from the next character, like Ruby's gsub.
            out.push('{');
            rest = &rest[start + 1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::{public_hex, AccountKeys};
    use crate::rng::SeededRandom;

    fn input() -> KeyDatasetInput<'static> {
        KeyDatasetInput {
            account_id: "1fddcec8-8dd3-4d8d-9b16-215cac0f9b52",
            product_id: "6db9ac6e-ea9e-4943-8462-a0315dda0f2e",
            policy_id: "70bda6e4-2b9e-4100-946a-103164a2abc6",
            policy_duration: Some(1_209_600),
            user: Some(("0b4b1a9a-e25a-4f14-a95e-d9dd378d6065", "a\"b@example.com")),
            license_id: "a4797354-b53a-4641-b14d-89c4e87f9412",
            created_ms: 1_648_819_063_813,
            expiry_ms: None,
        }
    }

    #[test]
    fn unsigned_keys_have_keygen_shape() {
        let rng = SeededRandom::new(11);
        let k = generate_unsigned(&rng);
        assert_eq!(k.len(), 37, "{k}");
        let groups: Vec<&str> = k.split('-').collect();
        assert_eq!(groups.len(), 6);
        assert!(groups[..5].iter().all(|g| g.len() == 6 && g.bytes().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))));
        assert_eq!(groups[5], "V3");
        assert_ne!(generate_unsigned(&rng), k);
    }

    #[test]
    fn default_dataset_keeps_keygen_key_order_and_escapes() {
        assert_eq!(
            default_dataset(&input()),
            concat!(
                r#"{"account":{"id":"1fddcec8-8dd3-4d8d-9b16-215cac0f9b52"},"#,
                r#""product":{"id":"6db9ac6e-ea9e-4943-8462-a0315dda0f2e"},"#,
                r#""policy":{"id":"70bda6e4-2b9e-4100-946a-103164a2abc6","duration":1209600},"#,
                r#""user":{"id":"0b4b1a9a-e25a-4f14-a95e-d9dd378d6065","email":"a\"b@example.com"},"#,
                r#""license":{"id":"a4797354-b53a-4641-b14d-89c4e87f9412","created":"2022-04-01T13:17:43.813Z","expiry":null}}"#,
            )
        );
        let bare = KeyDatasetInput { user: None, policy_duration: None, expiry_ms: Some(0), ..input() };
        let d = default_dataset(&bare);
        assert!(d.contains(r#""duration":null},"user":null,"license""#), "{d}");
        assert!(d.ends_with(r#""expiry":"1970-01-01T00:00:00.000Z"}}"#), "{d}");
        assert!(serde_json::from_str::<serde_json::Value>(&d).is_ok());
    }

    #[test]
    fn signed_key_round_trips_and_rejects_tampering() {
        let (key, pk) = AccountKeys::generate(&SeededRandom::new(21));
        let dataset = default_dataset(&input());
        let lk = sign_key(&key, &dataset);
        assert!(lk.starts_with("key/"));
        assert_eq!(verify_key(&pk, &lk), Some(dataset.clone().into_bytes()));

        // A different dataset under the same signature.
        let (data, sig) = lk.split_once('.').unwrap();
        let forged = format!("key/{}.{sig}", b64url_pad(b"{\"license\":{\"id\":\"other\"}}"));
        assert_eq!(verify_key(&pk, &forged), None);
        // A flipped signature character.
        let mut bad_sig = sig.to_owned();
        let c = if bad_sig.starts_with('A') { "B" } else { "A" };
        bad_sig.replace_range(0..1, c);
        assert_eq!(verify_key(&pk, &format!("{data}.{bad_sig}")), None);
        // Another account's key, and garbage.
        let (_, other) = AccountKeys::generate(&SeededRandom::new(22));
        assert_eq!(verify_key(&other, &lk), None);
        assert_eq!(verify_key(&pk, "33362C-D254BA-F54C3C-DAAE48-C71975-V3"), None);
        assert_eq!(verify_key(&pk, &lk.replacen("key/", "lic/", 1)), None);
        assert_eq!(verify_key("zz", &lk), None);
        assert_eq!(public_hex(&key), pk);
    }

    #[test]
    fn signed_key_uses_padded_urlsafe_base64() {
        let (key, _) = AccountKeys::generate(&SeededRandom::new(1));
        // 64-byte signature → 88 chars with "==" padding; a 1-byte dataset pads too.
        let lk = sign_key(&key, "a");
        assert!(lk.starts_with("key/YQ==."), "{lk}");
        assert!(lk.ends_with("=="));
        assert!(!lk.contains('+') && !lk[4..].contains('/'));
    }

    #[test]
    fn templates_substitute_known_vars() {
        let i = KeyDatasetInput { expiry_ms: Some(1_651_411_089_930), ..input() };
        assert_eq!(
            format_template("{{id}}|{{ACCOUNT}}|{{Product}}|{{policy}}|{{user}}|{{email}}|{{created}}|{{expiry}}|{{duration}}", &i),
            "a4797354-b53a-4641-b14d-89c4e87f9412|1fddcec8-8dd3-4d8d-9b16-215cac0f9b52|6db9ac6e-ea9e-4943-8462-a0315dda0f2e|70bda6e4-2b9e-4100-946a-103164a2abc6|0b4b1a9a-e25a-4f14-a95e-d9dd378d6065|a\"b@example.com|2022-04-01T13:17:43.813Z|2022-05-01T13:18:09.930Z|1209600"
        );
    }

    #[test]
    fn templates_blank_unknown_and_missing_values() {
        let i = KeyDatasetInput { user: None, policy_duration: None, ..input() };
        assert_eq!(format_template("A-{{user}}-{{email}}-{{expiry}}-{{duration}}-{{nope}}-B", &i), "A------B");
        assert_eq!(format_template("{{accountId}}", &i), "");
        assert_eq!(format_template("{{ id }} {id} {{id", &i), "{{ id }} {id} {{id");
        assert_eq!(format_template("{{{id}}}", &i), "{a4797354-b53a-4641-b14d-89c4e87f9412}");
        assert_eq!(format_template("plain-key", &i), "plain-key");
        assert_eq!(underscore("AccountId"), "account_id");
        assert_eq!(underscore("ID"), "id");
        assert_eq!(underscore("HTTPServer"), "http_server");
    }
}

//! Meter attributes (Cryptlex's named usage meters on a license): the name rule, the limit rule
//! and the shape a meter is rendered in. `allowedUses = -1` is unlimited. The SQL guard of
//! `sql::meters::INCREMENT` repeats [`fits`]; `shared/tests/it/meters.rs` holds them together.

use serde::Deserialize;
use serde_json::{json, Value};

/// At most this many meters per license (Cryptlex bounds meter attributes per license too).
pub const MAX_METERS_PER_LICENSE: usize = 20;
/// A meter name's longest form, in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// The largest `allowedUses` (JavaScript's safe integer, so clients never lose precision).
pub const MAX_ALLOWED_USES: i64 = crate::domain::policy::MAX_SAFE_INT;
/// The largest single increment or decrement.
pub const MAX_STEP: i64 = i32::MAX as i64;

/// Why a meter name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFault {
    /// Empty or only whitespace.
    Blank,
    /// Longer than [`MAX_NAME_LEN`].
    TooLong,
    /// A character outside `A-Z a-z 0-9 _ - .`.
    Character,
}

/// Checks a meter name: 1–64 of `A-Z a-z 0-9 _ - .` (it is a path segment of
/// `/licenses/{id}/meters/{name}`, so nothing that needs escaping).
///
/// # Errors
/// The [`NameFault`].
pub fn check_name(name: &str) -> Result<(), NameFault> {
    if name.trim().is_empty() {
        return Err(NameFault::Blank);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameFault::TooLong);
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return Err(NameFault::Character);
    }
    Ok(())
}

/// Whether `total + step` uses stay within `allowed` (`-1`: unlimited). Saturating, so no
/// input overflows.
pub fn fits(allowed: i64, total: i64, step: i64) -> bool {
    allowed < 0 || total.saturating_add(step) <= allowed
}

/// One meter of a license as stored (`sql::meters`), also as the JSON a license read
/// aggregates (`json_group_array`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meter {
    pub name: String,
    pub allowed_uses: i64,
    pub total_uses: i64,
    pub gross_uses: i64,
    pub floating: i64,
    pub visible: i64,
}

impl Meter {
    /// The `meterAttributes` item Latchkey renders.
    pub fn render(&self) -> Value {
        json!({
            "name": self.name,
            "allowedUses": self.allowed_uses,
            "totalUses": self.total_uses,
            "grossUses": self.gross_uses,
            "floating": self.floating != 0,
            "visible": self.visible != 0,
        })
    }
}

/// A machine's uses of one meter (and its license meter's `visible`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MachineMeter {
    pub name: String,
    pub uses: i64,
    #[serde(default = "one")]
    pub visible: i64,
}

fn one() -> i64 {
    1
}

/// Whether a bearer of `kind` sees meters with `visible: false` (Cryptlex: hidden meters are
/// not shown to the client app). The vendor's side (admins, products) sees every meter; the
/// client's side (its license, its user) only the visible ones, in every rendering: documents,
/// includes and license/machine files.
pub fn sees_hidden(kind: crate::access::Kind) -> bool {
    // Vendor-side bearers (admins and every staff role, products) see them; client-side do not.
    // Organization admins (issue 10 §7): a user here. Resellers (issue 10 §7): a reseller admin
    // is the vendor's partner, not the vendor: hidden meters stay hidden from it (Cryptlex's
    // per-meter reseller visibility defaults to off).
    !matches!(
        kind,
        crate::access::Kind::User
            | crate::access::Kind::OrganizationAdmin
            | crate::access::Kind::License
            | crate::access::Kind::Anonymous
            | crate::access::Kind::ResellerAdmin
    )
}

/// Decodes the aggregated meters text of a read (`NULL` or a JSON array); anything else is
/// rendered as no meters rather than failing the whole read.
pub fn decode<T: for<'de> Deserialize<'de>>(text: Option<&str>) -> Vec<T> {
    text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
}

/// The `meterAttributes` attribute of a license.
pub fn render_license(text: Option<&str>) -> Value {
    Value::Array(decode::<Meter>(text).iter().map(Meter::render).collect())
}

/// The `meterAttributes` attribute of a machine: `[{name, uses, visible}]`.
pub fn render_machine(text: Option<&str>) -> Value {
    Value::Array(decode::<MachineMeter>(text).iter().map(|m| json!({"name": m.name, "uses": m.uses, "visible": m.visible != 0})).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_table() {
        let long = "a".repeat(MAX_NAME_LEN + 1);
        let max = "a".repeat(MAX_NAME_LEN);
        let table: &[(&str, Result<(), NameFault>)] = &[
            ("api-calls", Ok(())),
            ("exports.pdf_v2", Ok(())),
            (&max, Ok(())),
            ("", Err(NameFault::Blank)),
            ("   ", Err(NameFault::Blank)),
            (&long, Err(NameFault::TooLong)),
            ("a/b", Err(NameFault::Character)),
            ("a b", Err(NameFault::Character)),
            ("é", Err(NameFault::Character)),
            ("a%20", Err(NameFault::Character)),
        ];
        for (name, want) in table {
            assert_eq!(check_name(name), *want, "{name:?}");
        }
    }

    #[test]
    fn fits_table() {
        let table = [
            (-1, 0, 1, true),
            (-1, i64::MAX, i64::MAX, true),
            (10, 9, 1, true),
            (10, 10, 1, false),
            (10, 0, 10, true),
            (10, 0, 11, false),
            (0, 0, 1, false),
            (5, i64::MAX, 1, false),
        ];
        for (allowed, total, step, want) in table {
            assert_eq!(fits(allowed, total, step), want, "{allowed} {total} {step}");
        }
    }

    #[test]
    fn renders_and_tolerates_bad_text() {
        let t = r#"[{"name":"a","allowedUses":-1,"totalUses":2,"gross_uses":0,"grossUses":3,"floating":1,"visible":0}]"#;
        let v = render_license(Some(t));
        assert_eq!(v, json!([{"name":"a","allowedUses":-1,"totalUses":2,"grossUses":3,"floating":true,"visible":false}]));
        assert_eq!(render_license(None), json!([]));
        assert_eq!(render_license(Some("{not json")), json!([]));
        assert_eq!(render_machine(Some(r#"[{"name":"a","uses":4}]"#)), json!([{"name":"a","uses":4,"visible":true}]), "visible by default");
        assert_eq!(render_machine(Some(r#"[{"name":"a","uses":4,"visible":0}]"#)), json!([{"name":"a","uses":4,"visible":false}]));
    }
}

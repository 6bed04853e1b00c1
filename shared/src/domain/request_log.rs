//! Request logs (Keygen EE's `RequestLogger` concern): which requests are logged, what of them is
//! kept (bounded, secrets redacted), how a log's requestor and resource are named, the
//! `date[start]`/`date[end]` range and the deployment's retention and daily cap. Pure rules; the
//! Worker's router gathers the facts, `service::lifecycle::request_logs` stores and reads them.

use crate::clock::{parse_iso8601, Millis, DAY_MS};
use crate::error::{Code, Error};

/// Longest URL kept (path and query, after redaction); longer ones are cut at a char boundary.
pub const MAX_URL: usize = 2048;
/// Longest `User-Agent` kept.
pub const MAX_USER_AGENT: usize = 512;
/// Longest IP kept (an IPv6 address with a zone fits).
pub const MAX_IP: usize = 64;
/// Longest method kept.
pub const MAX_METHOD: usize = 16;
/// What replaces a redacted value.
pub const FILTERED: &str = "[FILTERED]";

/// Keygen's default request-log retention (its Ent plan: 31 days).
pub const DEFAULT_RETENTION_DAYS: i64 = 31;
/// Rows one account may log per UTC day by default (then logging pauses until midnight UTC).
pub const DEFAULT_DAILY_LIMIT: i64 = 10_000;

/// Keygen's `DateRangeable`: a range spans 1 to 31 days.
pub const MAX_RANGE_DAYS: i64 = 31;

/// The first path segments (below the account) that are never logged, as Keygen's
/// `REQUEST_LOG_IGNORED_RESOURCES`: reading the logs must not write logs (no recursive flood),
/// and webhooks, event logs, the account itself and the API description are not client
/// traffic. `""` is the account (`GET|PATCH /v1/accounts/{account}`).
pub const IGNORED: &[&str] = &["", "request-logs", "event-logs", "webhook-endpoints", "webhook-events", "openapi.json"];

/// Whether a request whose path below the account starts with segment `first` is logged.
pub fn is_logged(first: &str) -> bool {
    !IGNORED.contains(&first)
}

/// `s` cut to at most `max` bytes, on a char boundary.
pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_owned()
}

/// Whether a query parameter's name says it holds a secret (`token` authenticates over the
/// query; the rest are there for safety). Compared case-insensitively, by substring.
fn secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["token", "password", "secret", "key", "otp", "signature", "code"].iter().any(|s| n.contains(s))
}

/// `%XX` escapes decoded (bytes that are not UTF-8 are replaced), `+` as a space.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = |j: usize| b.get(j).and_then(|&h| (h as char).to_digit(16));
        match (c, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a path segment is a UUID (`8-4-4-4-12` hex digits).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36 && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// The URL as logged: the request target (path and query as received) with the value of every
/// secret-named query parameter replaced by [`FILTERED`], a license addressed by its key
/// (`/licenses/{key}/…`: the key is a credential) shown as [`FILTERED`], cut to [`MAX_URL`].
pub fn redact_url(target: &str) -> String {
    let (path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
    let mut segs: Vec<&str> = path.split('/').collect();
    for i in 1..segs.len() {
        let after_licenses = segs.get(i - 1) == Some(&"licenses");
        let seg = segs.get(i).copied().unwrap_or_default();
        if after_licenses && !seg.is_empty() && !is_uuid(seg) && !matches!(seg, "actions" | "export") {
            if let Some(s) = segs.get_mut(i) {
                *s = FILTERED;
            }
        }
    }
    let mut out = segs.join("/");
    if let Some(q) = query {
        let pairs: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if secret_param(&percent_decoded(k)) => format!("{k}={FILTERED}"),
                _ => p.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    truncate(&out, MAX_URL)
}

/// A resource type as a filter names it (`user`, `users`, `User`, `webhook_endpoint`,
/// `WebhookEndpoint`) → the JSON:API type the log stores (`users`, `webhook-endpoints`), as
/// Keygen's `term.underscore.classify` accepts any of those spellings.
pub fn normalize_type(term: &str) -> String {
    let mut kebab = String::with_capacity(term.len() + 4);
    for (i, c) in term.trim().chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !kebab.ends_with('-') {
            kebab.push('-');
        }
        kebab.push(if c == '_' { '-' } else { c.to_ascii_lowercase() });
    }
    if kebab.is_empty() || kebab.ends_with("ies") || (kebab.ends_with('s') && !kebab.ends_with("ss")) {
        kebab
    } else if let Some(stem) = kebab.strip_suffix('y') {
        format!("{stem}ies")
    } else if kebab.ends_with("ss") {
        format!("{kebab}es")
    } else {
        format!("{kebab}s")
    }
}

/// The resource a request addressed, when the route says: the JSON:API type of the first
/// segment below the account and the UUID after it (`/licenses/{id}/actions/suspend` →
/// `("licenses", id)`). A key, email or fingerprint alias is not an id (and may be a secret):
/// then the resource is only known from the response document (see the router).
pub fn resource_from_path<'a>(segs: &[&'a str]) -> Option<(&'a str, &'a str)> {
    match segs {
        [ty, id, ..] if !ty.is_empty() && is_uuid(id) => Some((ty, id)),
        _ => None,
    }
}

/// `date[start]` and `date[end]` (dates or ISO-8601 times) → `[start of the first day, start of
/// the day after the last)` in ms, as Keygen's `for_date_range`: both or neither, and the range
/// spans 1 to 31 days (counted as Keygen counts them: the same day twice is 0 days, refused).
///
/// # Errors
/// 400 `PARAMETER_INVALID` with source parameter `date` (Keygen's) for an unparsable date, a
/// missing half or a span outside 1–31 days.
pub fn date_range(start: Option<&str>, end: Option<&str>) -> Result<Option<(Millis, Millis)>, Error> {
    let bad = |detail: String| Error::new(Code::ParameterInvalid, detail).parameter("date");
    let (s, e) = match (start, end) {
        (None, None) => return Ok(None),
        (Some(s), Some(e)) => (s, e),
        _ => return Err(bad("a date range needs both date[start] and date[end]".into())),
    };
    let day = |v: &str| parse_iso8601(v.trim()).map(|ms| ms.div_euclid(DAY_MS));
    let (Some(s), Some(e)) = (day(s), day(e)) else { return Err(bad("invalid date range".into())) };
    let diff = e - s;
    if !(1..=MAX_RANGE_DAYS).contains(&diff) {
        return Err(bad(format!("date range must be between 1 and {MAX_RANGE_DAYS} days (got {diff})")));
    }
    Ok(Some((s * DAY_MS, (e + 1) * DAY_MS)))
}

/// The deployment's request-log settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long a log is kept (`LATCHKEY_REQUEST_LOG_RETENTION_DAYS`, 1–365, default 31).
    pub retention_ms: Millis,
    /// Rows one account may log per UTC day (`LATCHKEY_REQUEST_LOG_DAILY_LIMIT`, 0–1,000,000,
    /// default 10,000; 0 turns request logging off).
    pub daily_limit: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Settings {
    /// Keygen's retention and the default daily cap.
    pub const DEFAULT: Self = Self { retention_ms: DEFAULT_RETENTION_DAYS * DAY_MS, daily_limit: DEFAULT_DAILY_LIMIT };

    /// Reads the two vars (absent or empty: the defaults).
    ///
    /// # Errors
    /// Which var is invalid, and why.
    pub fn from_vars(retention_days: Option<&str>, daily_limit: Option<&str>) -> Result<Self, String> {
        let num = |name: &str, v: Option<&str>, lo: i64, hi: i64, default: i64| match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (lo..=hi).contains(&n) => Ok(n),
                _ => Err(format!("{name} must be an integer from {lo} to {hi}, not {v:?}")),
            },
        };
        Ok(Self {
            retention_ms: num("LATCHKEY_REQUEST_LOG_RETENTION_DAYS", retention_days, 1, 365, DEFAULT_RETENTION_DAYS)? * DAY_MS,
            daily_limit: num("LATCHKEY_REQUEST_LOG_DAILY_LIMIT", daily_limit, 0, 1_000_000, DEFAULT_DAILY_LIMIT)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b6f3c2e-5a4d-4c3b-9a1e-2f7d8c9b0a11";

    #[test]
    fn the_logs_themselves_and_non_client_traffic_are_not_logged() {
        for first in IGNORED {
            assert!(!is_logged(first), "{first}");
        }
        for first in ["licenses", "machines", "tokens", "me"] {
            assert!(is_logged(first), "{first}");
        }
    }

    #[test]
    fn secret_query_parameters_and_license_keys_are_redacted() {
        assert_eq!(redact_url("/v1/accounts/a/me?token=prod-abc&include=x"), "/v1/accounts/a/me?token=[FILTERED]&include=x");
        assert_eq!(redact_url("/v1/me?Password=hunter2&a"), "/v1/me?Password=[FILTERED]&a");
        assert_eq!(redact_url("/v1/me?%74oken=x"), "/v1/me?%74oken=[FILTERED]");
        assert_eq!(redact_url("/v1/licenses/ABCD-EFGH-V3/actions/validate"), "/v1/licenses/[FILTERED]/actions/validate");
        assert_eq!(redact_url(&format!("/v1/licenses/{ID}")), format!("/v1/licenses/{ID}"));
        assert_eq!(redact_url("/v1/licenses/actions/validate-key"), "/v1/licenses/actions/validate-key");
        assert_eq!(redact_url("/v1/machines/fp-1"), "/v1/machines/fp-1");
    }

    #[test]
    fn long_fields_are_cut_on_a_char_boundary() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(redact_url(&format!("/v1/{}", "é".repeat(3000))).len(), MAX_URL);
    }

    #[test]
    fn types_are_normalized_from_any_spelling() {
        for (term, want) in [
            ("user", "users"),
            ("users", "users"),
            ("User", "users"),
            ("policy", "policies"),
            ("policies", "policies"),
            ("process", "processes"),
            ("WebhookEndpoint", "webhook-endpoints"),
            ("webhook_endpoint", "webhook-endpoints"),
            ("", ""),
        ] {
            assert_eq!(normalize_type(term), want, "{term}");
        }
    }

    #[test]
    fn the_path_names_a_resource_only_by_uuid() {
        assert_eq!(resource_from_path(&["licenses", ID, "actions", "suspend"]), Some(("licenses", ID)));
        assert_eq!(resource_from_path(&["licenses", "KEY-V3"]), None);
        assert_eq!(resource_from_path(&["licenses"]), None);
    }

    #[test]
    fn a_date_range_spans_one_to_31_days_as_keygen_counts() {
        let d = |s: &str| parse_iso8601(s).unwrap();
        assert_eq!(date_range(None, None).unwrap(), None);
        assert_eq!(date_range(Some("2024-01-01"), Some("2024-01-02")).unwrap(), Some((d("2024-01-01"), d("2024-01-03"))));
        assert_eq!(date_range(Some("2024-01-01T10:00:00Z"), Some("2024-02-01")).unwrap(), Some((d("2024-01-01"), d("2024-02-02"))));
        for (s, e) in [("2024-01-01", "2024-01-01"), ("2024-01-01", "2024-02-02"), ("2024-01-02", "2024-01-01"), ("x", "2024-01-01")] {
            let err = date_range(Some(s), Some(e)).unwrap_err();
            assert_eq!(err.code, "PARAMETER_INVALID", "{s}..{e}");
            assert!(matches!(&err.source, Some(crate::error::Source::Parameter(p)) if p == "date"), "{s}..{e}");
        }
        assert!(date_range(Some("2024-01-01"), None).is_err());
    }

    #[test]
    fn settings_default_to_keygen_and_refuse_nonsense() {
        let s = Settings::from_vars(None, Some("")).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.retention_ms, 31 * DAY_MS);
        assert_eq!(Settings::from_vars(Some("7"), Some("0")).unwrap(), Settings { retention_ms: 7 * DAY_MS, daily_limit: 0 });
        assert!(Settings::from_vars(Some("0"), None).unwrap_err().contains("RETENTION_DAYS"));
        assert!(Settings::from_vars(None, Some("-1")).unwrap_err().contains("DAILY_LIMIT"));
    }
}

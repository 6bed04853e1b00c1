//! `Accept` header negotiation (RFC 9110 §12.5.1) for the engines whose clients negotiate:
//! PyPI's PEP 691 (JSON or HTML) and OCI manifests (media types).

/// One media range of an `Accept` header with its weight in thousandths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// `type/subtype`, lowercased, possibly with `*`.
    pub media: String,
    /// `q` in thousandths (0..=1000); malformed weights count as 1000, as most servers read them.
    pub q: u16,
}

/// Parses an `Accept` header into its ranges, in header order; junk entries are skipped.
pub fn parse(header: &str) -> Vec<Range> {
    header
        .split(',')
        .filter_map(|part| {
            let mut it = part.split(';');
            let media = it.next()?.trim().to_ascii_lowercase();
            if media.is_empty() || !media.contains('/') {
                return None;
            }
            let mut q = 1000;
            for p in it {
                if let Some((k, v)) = p.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = weight(v.trim()).unwrap_or(1000);
                    }
                }
            }
            Some(Range { media, q })
        })
        .collect()
}

fn weight(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{frac:0<3}");
    let f: u16 = digits.parse().ok()?;
    match int {
        "0" => Some(f),
        "1" if f == 0 => Some(1000),
        _ => None,
    }
}

/// How much `ranges` accept `media` (the most specific matching range decides), or `None`.
pub fn weight_of(ranges: &[Range], media: &str) -> Option<u16> {
    let (ty, _) = media.split_once('/')?;
    let mut best: Option<(u8, u16)> = None;
    for r in ranges {
        let specificity = if r.media == media {
            3
        } else if r.media.strip_suffix("/*") == Some(ty) {
            2
        } else if r.media == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, r.q));
        }
    }
    best.map(|(_, q)| q).filter(|q| *q > 0)
}

/// Picks the offer the header prefers (ties go to the earlier offer); an absent or empty
/// header accepts the first offer.
pub fn choose<'a>(header: Option<&str>, offers: &[&'a str]) -> Option<&'a str> {
    let ranges = header.map(parse).unwrap_or_default();
    if ranges.is_empty() {
        return offers.first().copied();
    }
    let mut best: Option<(&str, u16)> = None;
    for o in offers {
        if let Some(q) = weight_of(&ranges, o) {
            if best.is_none_or(|(_, b)| q > b) {
                best = Some((o, q));
            }
        }
    }
    best.map(|(o, _)| o)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIP: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

    #[test]
    fn pips_header_prefers_json_then_html() {
        let offers = ["text/html", "application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.v1+json"];
        assert_eq!(choose(Some(PIP), &offers), Some("application/vnd.pypi.simple.v1+json"));
        assert_eq!(choose(Some("text/html"), &offers), Some("text/html"));
        assert_eq!(choose(Some("*/*"), &offers), Some("text/html"));
        assert_eq!(choose(None, &offers), Some("text/html"));
        assert_eq!(choose(Some("application/json"), &offers), None);
    }

    #[test]
    fn specific_ranges_beat_wildcards_and_zero_refuses() {
        let r = parse("text/*;q=0.5, text/html;q=0, */*;q=0.1");
        assert_eq!(weight_of(&r, "text/html"), None);
        assert_eq!(weight_of(&r, "text/plain"), Some(500));
        assert_eq!(weight_of(&r, "image/png"), Some(100));
    }

    #[test]
    fn weights_parse_strictly() {
        assert_eq!(weight("0.25"), Some(250));
        assert_eq!(weight("1"), Some(1000));
        assert_eq!(weight("1.000"), Some(1000));
        assert_eq!(weight("1.5"), None);
        assert_eq!(weight("0.1234"), None);
        assert_eq!(weight("-0"), None);
        assert_eq!(parse("garbage, ;q=1, text/html;q=x")[0].q, 1000);
    }
}

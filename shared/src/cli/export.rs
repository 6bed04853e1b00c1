//! `latchkey export <kind>`: one whole CSV export, whatever its size. The server answers an
//! export in signed parts of at most `limit` rows (`Link: <…>; rel="next"` names the next
//! part, issue 10); this follows the links and writes the header record once, then every part's
//! records, to `--out` (or stdout).

use std::io::Write;

use super::args::Args;
use super::config::Config;
use super::http::{percent, Api};
use super::{Failure, Outcome};

/// The exports the API serves (`GET /<kind>/export`).
pub const KINDS: &[&str] = &["licenses", "machines", "users", "trial-activations", "activation-logs", "event-logs"];

/// The target of a `Link` header's `rel="next"` entry, if any.
pub fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let rel = params.split(';').any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        rel.then(|| target.trim().strip_prefix('<')?.strip_suffix('>')).flatten()
    })
}

/// A part's records without its header record (the first line; every part repeats it).
fn records(part: &str) -> &str {
    part.split_once("\r\n").map_or("", |(_, rest)| rest)
}

/// Runs `export <kind> [--out <file>] [--limit <n>] [--query k=v]...`.
///
/// # Errors
/// A usage error for an unknown kind, the API's error for a refused part, a config error when
/// the output file cannot be written.
pub fn run(mut a: Args) -> Outcome {
    let kind = a.required("kind")?;
    a.only(&["out", "limit", "query"])?;
    if !KINDS.contains(&kind.as_str()) {
        return Err(Failure::Usage(format!("export {}", KINDS.join("|"))));
    }
    let api = Api::from_config(&Config::load()?);
    let mut query: Vec<String> = a
        .values("query")
        .iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => format!("{}={}", percent(k), percent(v)),
            None => percent(kv),
        })
        .collect();
    if let Some(n) = a.value("limit") {
        query.push(format!("limit={}", percent(n)));
    }
    let mut next = Some(if query.is_empty() { format!("/{kind}/export") } else { format!("/{kind}/export?{}", query.join("&")) });
    let mut out: Box<dyn Write> = match a.value("out") {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|e| Failure::Config(format!("{path}: {e}")))?),
        None => Box::new(std::io::stdout()),
    };
    let write = |out: &mut Box<dyn Write>, s: &str| out.write_all(s.as_bytes()).map_err(|e| Failure::Config(format!("writing the export: {e}")));
    let (mut parts, mut first) = (0usize, true);
    while let Some(path) = next.take() {
        let (status, link, body) = api.text(&path)?;
        if status >= 400 {
            let doc = serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
            return Err(api.refused("GET", &path, status, &doc));
        }
        write(&mut out, if first { &body } else { records(&body) })?;
        first = false;
        parts += 1;
        // A server that keeps linking stops at 100,000 parts (500M rows at the largest limit).
        if parts >= 100_000 {
            return Err(Failure::Invalid("the export did not end after 100000 parts".into()));
        }
        next = link.as_deref().and_then(next_link).map(str::to_owned);
    }
    out.flush().map_err(|e| Failure::Config(format!("writing the export: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_others_and_absent_without_one() {
        let h = "</v1/accounts/a/users/export?limit=2&cursor=abc>; rel=\"next\"";
        assert_eq!(next_link(h), Some("/v1/accounts/a/users/export?limit=2&cursor=abc"));
        assert_eq!(next_link("</x>; rel=\"prev\", </y>; rel=\"next\""), Some("/y"));
        assert_eq!(next_link("</x>; rel=\"prev\""), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn a_part_loses_only_its_header_record() {
        assert_eq!(records("id,name\r\n1,a\r\n2,b\r\n"), "1,a\r\n2,b\r\n");
        assert_eq!(records("id,name\r\n"), "");
        assert_eq!(records(""), "");
    }
}

//! Query strings: percent-decoding, bracketed keys (`page[number]`, `metadata[tier]`), and
//! Keygen's pagination (`limit`, or `page[number]` + `page[size]` with `links` and
//! `links.meta.{pages,count}`).

use serde_json::{json, Map, Value};

use crate::error::{Code, Error};
use crate::Result;

/// Longest `metadata[key]` key.
pub const MAX_METADATA_KEY: usize = 64;
/// Longest `metadata[key]` value.
pub const MAX_FILTER_VALUE: usize = 1024;
/// Most `metadata[…]` filters in one request.
pub const MAX_METADATA_FILTERS: usize = 16;

/// Decoded query parameters in order.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(v) => {
                    out.push(v);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Query {
    /// Parses `a=1&b[c]=2` (without the leading `?`).
    pub fn parse(q: &str) -> Self {
        Self(
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }

    /// This query with `key` replaced by `value`: a relation route's own filter (a caller's
    /// `key` parameter never widens the relation).
    #[must_use]
    pub fn with(&self, key: &str, value: String) -> Query {
        let mut q = self.clone();
        q.0.retain(|(k, _)| k != key);
        q.0.push((key.into(), value));
        q
    }

    /// The first value of `k`.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
    }

    /// Every value of `k`, in order (`roles[]=a&roles[]=b`).
    pub fn all<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(key, _)| key == k).map(|(_, v)| v.as_str())
    }

    /// `(inner, value)` for every `prefix[inner]=value`.
    pub fn bracketed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0.iter().filter_map(move |(k, v)| {
            k.strip_prefix(prefix).and_then(|r| r.strip_prefix('[')).and_then(|r| r.strip_suffix(']')).map(|inner| (inner, v.as_str()))
        })
    }

    /// The `metadata[key]=value` filters as a JSON object of strings.
    ///
    /// # Errors
    /// 400 `PARAMETER_INVALID` naming the parameter for a key that is empty, longer than
    /// [`MAX_METADATA_KEY`] or not `[A-Za-z0-9_-]` (it is spliced into a JSON path), a value
    /// longer than [`MAX_FILTER_VALUE`], or more than [`MAX_METADATA_FILTERS`] filters.
    pub fn metadata_filters(&self) -> Result<Map<String, Value>> {
        let mut out = Map::new();
        for (k, v) in self.bracketed("metadata") {
            let param = || format!("metadata[{k}]");
            if k.is_empty() || k.len() > MAX_METADATA_KEY || !k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                return Err(Error::new(Code::ParameterInvalid, format!("metadata keys must be 1-{MAX_METADATA_KEY} characters of A-Z, a-z, 0-9, _ and -"))
                    .parameter(param()));
            }
            if v.len() > MAX_FILTER_VALUE {
                return Err(Error::new(Code::ParameterInvalid, format!("must be at most {MAX_FILTER_VALUE} bytes")).parameter(param()));
            }
            out.insert(k.to_owned(), Value::from(v));
            if out.len() > MAX_METADATA_FILTERS {
                return Err(Error::new(Code::ParameterInvalid, format!("at most {MAX_METADATA_FILTERS} metadata filters")).parameter(param()));
            }
        }
        Ok(out)
    }

    /// A boolean filter (`true`/`1`/`false`/`0`).
    ///
    /// # Errors
    /// 400 `PARAMETER_INVALID` for anything else.
    pub fn flag(&self, k: &str) -> Result<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some("true" | "1" | "yes") => Ok(Some(true)),
            Some("false" | "0" | "no") => Ok(Some(false)),
            Some(_) => Err(Error::new(Code::ParameterInvalid, "must be a boolean").parameter(k)),
        }
    }
}

/// The page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows to return.
    pub size: u32,
    /// Page number (1-based) when `page[number]` was used.
    pub number: Option<u32>,
}

impl Page {
    /// Rows to skip.
    pub fn offset(&self) -> u32 {
        self.number.map_or(0, |n| (n - 1) * self.size)
    }

    /// Reads `limit` (default 10, 1..=100) or `page[number]`/`page[size]` (1..=100).
    ///
    /// # Errors
    /// 400 `PARAMETER_INVALID` with the parameter as source.
    pub fn from_query(q: &Query) -> Result<Self> {
        let num = |k: &str, default: u32| -> Result<u32> {
            match q.get(k) {
                None => Ok(default),
                Some(v) => match v.parse::<u32>() {
                    Ok(n) if (1..=100).contains(&n) => Ok(n),
                    _ => Err(Error::new(Code::ParameterInvalid, "must be a number between 1 and 100").parameter(k)),
                },
            }
        };
        let limit = num("limit", 10)?;
        if q.get("page[number]").is_some() || q.get("page[size]").is_some() {
            let number = num("page[number]", 1)?;
            let size = num("page[size]", limit)?;
            Ok(Self { size, number: Some(number) })
        } else {
            Ok(Self { size: limit, number: None })
        }
    }

    /// `links` for a list at `path` with `count` rows in all: `{}` without `page[…]`, else
    /// `self/first/prev/next/last` and `meta.{pages,count}`.
    pub fn links(&self, path: &str, q: &Query, count: u64) -> Map<String, Value> {
        let Some(number) = self.number else { return Map::new() };
        let pages = count.div_ceil(u64::from(self.size)).max(1);
        let other: Vec<String> = q.0.iter().filter(|(k, _)| !k.starts_with("page[") && k != "token" && k != "auth").map(|(k, v)| format!("{k}={v}")).collect();
        let link = |n: u64| {
            let mut parts = other.clone();
            parts.push(format!("page[number]={n}"));
            parts.push(format!("page[size]={}", self.size));
            Value::String(format!("{path}?{}", parts.join("&")))
        };
        let n = u64::from(number);
        let mut m = Map::new();
        m.insert("self".into(), link(n));
        m.insert("prev".into(), if n > 1 { link(n - 1) } else { Value::Null });
        m.insert("next".into(), if n < pages { link(n + 1) } else { Value::Null });
        m.insert("first".into(), link(1));
        m.insert("last".into(), link(pages));
        m.insert("meta".into(), json!({"pages": pages, "count": count}));
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_brackets_and_percent_encoding() {
        let q = Query::parse("metadata%5Btier%5D=gold&page[number]=2&name=a+b%21");
        assert_eq!(q.bracketed("metadata").collect::<Vec<_>>(), vec![("tier", "gold")]);
        assert_eq!(q.get("page[number]"), Some("2"));
        assert_eq!(q.get("name"), Some("a b!"));
    }

    #[test]
    fn metadata_filter_keys_are_checked() {
        let m = Query::parse("metadata[tier]=gold&metadata[seat-count_2]=3").metadata_filters().unwrap();
        assert_eq!(m.len(), 2);
        for bad in ["metadata[a%22b]=1", "metadata[]=1", "metadata[a.b]=1", "metadata[%C3%A9]=1", "metadata[a'b]=1"] {
            let e = Query::parse(bad).metadata_filters().unwrap_err();
            assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"), "{bad}");
            assert!(matches!(e.source, Some(crate::error::Source::Parameter(ref p)) if p.starts_with("metadata[")), "{bad}");
        }
        let long = format!("metadata[{}]=1", "k".repeat(65));
        assert!(Query::parse(&long).metadata_filters().is_err());
        let many: Vec<String> = (0..17).map(|i| format!("metadata[k{i}]=1")).collect();
        assert!(Query::parse(&many.join("&")).metadata_filters().is_err());
    }

    #[test]
    fn pagination_defaults_and_bounds() {
        assert_eq!(Page::from_query(&Query::parse("")).unwrap(), Page { size: 10, number: None });
        let p = Page::from_query(&Query::parse("page[number]=2&page[size]=5")).unwrap();
        assert_eq!((p.size, p.offset()), (5, 5));
        let e = Page::from_query(&Query::parse("limit=500")).unwrap_err();
        assert_eq!(e.source, Some(crate::error::Source::Parameter("limit".into())));
    }

    #[test]
    fn links_count_pages() {
        let q = Query::parse("page[number]=2&page[size]=5&product=x");
        let p = Page::from_query(&q).unwrap();
        let l = p.links("/v1/licenses", &q, 12);
        assert_eq!(l["meta"], json!({"pages": 3, "count": 12}));
        assert_eq!(l["next"], "/v1/licenses?product=x&page[number]=3&page[size]=5");
        assert_eq!(l["prev"], "/v1/licenses?product=x&page[number]=1&page[size]=5");
    }
}

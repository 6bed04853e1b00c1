//! Which webhook targets Latchkey may POST to: a pure check of an endpoint URL, applied when an
//! endpoint is created or updated (a 422 on `/data/attributes/url`) and again before every
//! delivery (rows keep the URL they were fanned out with).
//!
//! The URL is read the way the runtime's `fetch()` (WHATWG URL) will read it, so that what we
//! check is what gets dialled: the authority ends at the first `/`, `?`, `#` or `\`; userinfo
//! ends at the last `@`; a host whose last label is numeric is an IPv4 address in decimal,
//! hex (`0x7f`), octal (`0177`) or fewer than four parts (`127.1`, `2130706433`). Forms the
//! runtime would rewrite in ways this check cannot follow (percent-encoded or non-ASCII hosts,
//! IPv6 zone ids, whitespace and control characters) are refused outright.
//!
//! Outside development only `https` to a public address or name is allowed; development
//! (`ENVIRONMENT=development`) also allows `http` and loopback (`127.0.0.0/8`, `::1`,
//! `localhost`), never other private ranges. A name that resolves to a private address cannot
//! be caught here (Workers have no resolver API); Cloudflare's `fetch()` does not reach private
//! networks from the edge.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a URL is refused (the `detail` of the 422, and the failure recorded at delivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a URL we can read unambiguously.
    Malformed,
    /// `http`, or another scheme, outside development.
    NotHttps,
    /// Loopback, private, link-local, unspecified or another non-public address or name.
    NotPublic,
}

impl Refusal {
    /// A sentence for the error's `detail`.
    pub fn detail(self) -> &'static str {
        match self {
            Self::Malformed => "must be a valid URL",
            Self::NotHttps => "must be a valid URL using the https protocol",
            Self::NotPublic => "must not target a loopback, private, link-local or internal host",
        }
    }
}

/// A URL's host as `fetch()` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An IPv4 address (any WHATWG form).
    V4(Ipv4Addr),
    /// An IPv6 literal.
    V6(Ipv6Addr),
    /// A DNS name, lowercase, its trailing dot (if any) removed.
    Name(String),
}

/// Parses `url` into (https?, host). Only `http://` and `https://` (any case) are read.
pub fn parse(url: &str) -> Result<(bool, Host), Refusal> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return Err(Refusal::Malformed);
    }
    let lower = url.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    let (https, rest) = if lower.starts_with("https://") {
        (true, url.get(8..).unwrap_or(""))
    } else if lower.starts_with("http://") {
        (false, url.get(7..).unwrap_or(""))
    } else {
        return Err(Refusal::NotHttps);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or(Refusal::Malformed)?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(valid_port)) {
            return Err(Refusal::Malformed);
        }
        return h.parse::<Ipv6Addr>().map(|a| (https, Host::V6(a))).map_err(|_| Refusal::Malformed);
    } else {
        match hostport.split_once(':') {
            Some((h, port)) if valid_port(port) => h,
            Some(_) => return Err(Refusal::Malformed),
            None => hostport,
        }
    };
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
        return Err(Refusal::Malformed);
    }
    let host = host.to_ascii_lowercase();
    match ipv4(&host) {
        Some(Some(a)) => Ok((https, Host::V4(a))),
        Some(None) => Err(Refusal::Malformed),
        None => {
            // One trailing dot is the root (`example.com.`); anything else empty is malformed,
            // and so is a name that would read as a number to some other parser.
            let name = host.strip_suffix('.').unwrap_or(&host);
            if name.is_empty() || name.split('.').any(str::is_empty) || name.rsplit('.').next().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit())) {
                return Err(Refusal::Malformed);
            }
            Ok((https, Host::Name(name.to_owned())))
        }
    }
}

fn valid_port(p: &str) -> bool {
    p.is_empty() || (p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65_535))
}

/// WHATWG's IPv4 parser: `None` when the host is not an IPv4 address (its last label is not
/// numeric), `Some(None)` when it looks like one but is invalid (fetch fails it), else the
/// address.
fn ipv4(host: &str) -> Option<Option<Ipv4Addr>> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    let last = parts.last()?;
    if !(last.bytes().all(|b| b.is_ascii_digit()) && !last.is_empty() || number(last).is_some()) {
        return None;
    }
    if parts.len() > 4 {
        return Some(None);
    }
    let nums: Option<Vec<u64>> = parts.iter().map(|p| number(p)).collect();
    let Some(nums) = nums else { return Some(None) };
    let (init, tail) = nums.split_at(nums.len() - 1);
    if init.iter().any(|&n| n > 255) {
        return Some(None);
    }
    let tail = tail.first().copied().unwrap_or(0);
    let rest_bits = 8 * (5 - nums.len() as u32);
    if rest_bits < 64 && tail >= 1u64 << rest_bits {
        return Some(None);
    }
    let mut v: u64 = tail;
    for (i, &n) in init.iter().enumerate() {
        v += n << (8 * (3 - i as u32));
    }
    Some(u32::try_from(v).ok().map(Ipv4Addr::from))
}

/// One IPv4 part: decimal, `0x` hex or leading-zero octal (range checked by the caller).
fn number(p: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (p.get(1..).unwrap_or(""), 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        return (radix == 16).then_some(0);
    }
    if digits.len() > 12 || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Whether an IPv4 address is loopback (`127.0.0.0/8`).
fn v4_loopback(a: Ipv4Addr) -> bool {
    a.octets()[0] == 127
}

/// Whether an IPv4 address is publicly routable: not loopback, private (10/8, 172.16/12,
/// 192.168/16), shared (100.64/10), link-local (169.254/16), "this network" (0/8),
/// IETF protocol (192.0.0/24), documentation, benchmarking (198.18/15), multicast or reserved.
fn v4_public(a: Ipv4Addr) -> bool {
    let [o0, o1, o2, _] = a.octets();
    !(o0 == 0
        || o0 == 10
        || o0 == 127
        || (o0 == 100 && (64..128).contains(&o1))
        || (o0 == 169 && o1 == 254)
        || (o0 == 172 && (16..32).contains(&o1))
        || (o0 == 192 && o1 == 168)
        || (o0 == 192 && o1 == 0 && (o2 == 0 || o2 == 2))
        || (o0 == 198 && (o1 == 18 || o1 == 19))
        || (o0 == 198 && o1 == 51 && o2 == 100)
        || (o0 == 203 && o1 == 0 && o2 == 113)
        || o0 >= 224)
}

/// The IPv4 address an IPv6 address carries (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::/96`, 6to4 `2002::/16`), if any.
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let [.., s6, s7] = s;
    let low = Ipv4Addr::from((u32::from(s6) << 16) | u32::from(s7));
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, a, b, ..] => Some(Ipv4Addr::from((u32::from(a) << 16) | u32::from(b))),
        _ => None,
    }
}

fn v6_loopback(a: Ipv6Addr) -> bool {
    a == Ipv6Addr::LOCALHOST || embedded_v4(a).is_some_and(v4_loopback)
}

/// Whether an IPv6 address is public: not unspecified, loopback, unique-local (fc00::/7),
/// link-local (fe80::/10), site-local (fec0::/10), multicast, documentation, or carrying a
/// non-public IPv4 address.
fn v6_public(a: Ipv6Addr) -> bool {
    let [s0, s1, ..] = a.segments();
    if a.is_unspecified()
        || a == Ipv6Addr::LOCALHOST
        || (s0 & 0xfe00) == 0xfc00
        || (s0 & 0xffc0) == 0xfe80
        || (s0 & 0xffc0) == 0xfec0
        || (s0 & 0xff00) == 0xff00
    {
        return false;
    }
    if s0 == 0x2001 && s1 == 0x0db8 {
        return false;
    }
    embedded_v4(a).is_none_or(v4_public)
}

fn name_loopback(n: &str) -> bool {
    n == "localhost" || n.ends_with(".localhost")
}

/// Names that never denote a public host: `localhost`, `*.localhost`, `*.local` (mDNS),
/// `*.internal`, and single-label names (resolved by a local search domain, if at all).
fn name_public(n: &str) -> bool {
    !(name_loopback(n) || n == "local" || n.ends_with(".local") || n == "internal" || n.ends_with(".internal") || !n.contains('.'))
}

/// Whether Latchkey may POST to `url`.
///
/// # Errors
/// The [`Refusal`], for the 422's detail or the failed delivery's record.
pub fn check(url: &str, development: bool) -> Result<(), Refusal> {
    let (https, host) = parse(url)?;
    let loopback = match &host {
        Host::V4(a) => v4_loopback(*a),
        Host::V6(a) => v6_loopback(*a),
        Host::Name(n) => name_loopback(n),
    };
    if development && loopback {
        return Ok(());
    }
    if !https {
        return Err(Refusal::NotHttps);
    }
    let public = match &host {
        Host::V4(a) => v4_public(*a),
        Host::V6(a) => v6_public(*a),
        Host::Name(n) => name_public(n),
    };
    if public {
        Ok(())
    } else {
        Err(Refusal::NotPublic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSED: &[&str] = &[
        "https://127.0.0.1/",
        "https://127.1/",
        "https://2130706433/",
        "http://2130706433/",
        "https://0x7f.1/",
        "https://0x7f000001/",
        "https://0177.0.0.1/",
        "https://017700000001/",
        "https://127.0.0.1./",
        "https://127.000.000.001/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/",
        "https://[::127.0.0.1]/",
        "https://[64:ff9b::a00:1]/",
        "https://[2002:c0a8:0101::1]/",
        "https://[::]/",
        "https://0.0.0.0/",
        "https://0/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://172.31.255.255/",
        "https://192.168.1.1/",
        "https://100.64.0.1/",
        "https://100.127.255.254/",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/",
        "https://[fc00::1]/",
        "https://[fd12:3456::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[::ffff:169.254.169.254]/",
        "https://224.0.0.1/",
        "https://255.255.255.255/",
        "https://localhost/",
        "https://LOCALHOST./",
        "https://api.localhost/",
        "https://printer.local/",
        "https://metadata.google.internal/",
        "https://metadata.google.internal./",
        "https://intranet/",
        "https://good.com@127.0.0.1/",
        "https://good.com:pw@[::1]:443/",
        "https://user@10.0.0.1:8443/x",
    ];

    const MALFORMED: &[&str] = &[
        "https://good.com\\@127.0.0.1/",
        "https://%31%32%37.0.0.1/",
        "https://127.0.0.256/",
        "https://1.2.3.4.5/",
        "https://0x100000000/",
        "https://[::1%25eth0]/",
        "https://exa mple.com/",
        "https://xn--bcher-kva.example\u{0}/",
        "https://ｅｘａｍｐｌｅ.com/",
        "https://example.com:99999/",
        "https:///path",
        "https://example..com/",
        "https://[::1/",
        "https://127.0.0.1../",
        "https://localhost../",
    ];

    #[test]
    fn non_public_targets_are_refused_in_every_form() {
        for url in REFUSED {
            let r = check(url, false);
            assert!(matches!(r, Err(Refusal::NotPublic | Refusal::NotHttps)), "{url}: {r:?}");
        }
        for url in MALFORMED {
            assert_eq!(check(url, false), Err(Refusal::Malformed), "{url}");
            assert_eq!(check(url, true), Err(Refusal::Malformed), "{url} in development");
        }
    }

    #[test]
    fn numeric_hosts_read_as_fetch_reads_them() {
        let v4 = |u: &str| match parse(u) {
            Ok((_, Host::V4(a))) => a.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(v4("http://2130706433/"), "127.0.0.1");
        assert_eq!(v4("http://0x7f.1/"), "127.0.0.1");
        assert_eq!(v4("http://0177.0.0.01/"), "127.0.0.1");
        assert_eq!(v4("http://10.1/"), "10.0.0.1");
        assert_eq!(v4("http://192.168.257/"), "192.168.1.1");
        assert_eq!(v4("http://8.8.8.8./"), "8.8.8.8");
        assert_eq!(parse("https://1e100.net/"), Ok((true, Host::Name("1e100.net".into()))));
    }

    #[test]
    fn public_https_targets_are_allowed() {
        for url in [
            "https://example.com/hook",
            "HTTPS://Example.COM./hook?x=1#f",
            "https://hooks.example.com:8443/a/b",
            "https://user:pw@example.com/h",
            "https://8.8.8.8/",
            "https://172.32.0.1/",
            "https://100.128.0.1/",
            "https://[2606:4700::1111]/",
            "https://[::ffff:8.8.8.8]/",
            "https://xn--bcher-kva.example/",
        ] {
            assert_eq!(check(url, false), Ok(()), "{url}");
        }
    }

    #[test]
    fn development_allows_http_and_loopback_only() {
        for url in
            ["http://127.0.0.1:9000/hook", "http://localhost/h", "http://[::1]:8080/", "https://127.0.0.1/", "http://2130706433/", "http://app.localhost/"]
        {
            assert_eq!(check(url, true), Ok(()), "{url}");
            assert!(check(url, false).is_err(), "{url} outside development");
        }
        assert_eq!(check("http://example.com/h", true), Err(Refusal::NotHttps));
        assert_eq!(check("http://10.0.0.1/h", true), Err(Refusal::NotHttps));
        assert_eq!(check("https://10.0.0.1/h", true), Err(Refusal::NotPublic));
        assert_eq!(check("https://169.254.169.254/", true), Err(Refusal::NotPublic));
        assert_eq!(check("ftp://example.com/", true), Err(Refusal::NotHttps));
    }
}

//! Time, injected. `SystemTime::now()` panics on wasm32, so the Worker passes `Date.now()` and the
//! cron handler passes the scheduled time; tests freeze and move a [`FixedClock`].

use std::cell::Cell;

/// Milliseconds since the Unix epoch (UTC). Exact in D1, which has no BigInt, below 2^53.
pub type Millis = i64;

/// A source of "now".
pub trait Clock {
    /// Current time in milliseconds since the epoch.
    fn now_ms(&self) -> Millis;
}

/// A clock that stays where it is put; tests advance it explicitly.
#[derive(Debug, Default)]
pub struct FixedClock(Cell<Millis>);

impl FixedClock {
    /// A clock frozen at `ms`.
    pub fn at(ms: Millis) -> Self {
        Self(Cell::new(ms))
    }
    /// Moves the clock forward by `ms` (negative moves it back).
    pub fn advance(&self, ms: Millis) {
        self.0.set(self.0.get() + ms);
    }
    /// Puts the clock at `ms`.
    pub fn set(&self, ms: Millis) {
        self.0.set(ms);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> Millis {
        self.0.get()
    }
}

/// One day in milliseconds.
pub const DAY_MS: Millis = 86_400_000;

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 from a civil date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Renders `ms` as ISO-8601 with milliseconds and `Z`, Keygen's timestamp format.
pub fn iso8601(ms: Millis) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// Renders `ms` as an HTTP date (RFC 7231 IMF-fixdate), as the `Date` header needs.
pub fn http_date(ms: Millis) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS) / 1000;
    let (y, mo, d) = civil_from_days(days);
    let wd = DAYS[days.rem_euclid(7) as usize];
    let mon = MONTHS[(mo - 1) as usize];
    format!("{wd}, {d:02} {mon} {y:04} {:02}:{:02}:{:02} GMT", rem / 3600, rem / 60 % 60, rem % 60)
}

/// Parses an ISO-8601 date-time (`2024-01-31T12:00:00Z`, optional fraction, `Z` or `±HH:MM`)
/// or a plain date (`2024-01-31`, midnight UTC). Returns `None` for anything else.
pub fn parse_iso8601(s: &str) -> Option<Millis> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * DAY_MS;
    if b.len() == 10 {
        return Some(ms);
    }
    if !(b[10] == b'T' || b[10] == b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    ms += h * 3_600_000 + mi * 60_000 + sec * 1000;
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &s[start..i.min(start + 3)];
        let mut f: i64 = frac.parse().ok()?;
        for _ in frac.len()..3 {
            f *= 10;
        }
        ms += f;
    }
    match &s[i..] {
        "Z" | "z" | "" => Some(ms),
        // Byte comparisons, never `&tz[..]`: a multi-byte character (`+aé00`) would split a char
        // boundary and panic, which `panic = "abort"` turns into a dead isolate.
        tz if tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) && tz.as_bytes().get(3) == Some(&b':') => {
            let off = num(i + 1..i + 3)? * 3_600_000 + num(i + 4..i + 6)? * 60_000;
            Some(if tz.starts_with('+') { ms - off } else { ms + off })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_renders_milliseconds_and_z() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_623_254_895_123), "2021-06-09T16:08:15.123Z");
    }

    #[test]
    fn http_date_matches_rfc7231() {
        assert_eq!(http_date(1_623_254_895_000), "Wed, 09 Jun 2021 16:08:15 GMT");
    }

    #[test]
    fn parse_round_trips_and_accepts_offsets() {
        for ms in [0, 1_623_254_895_123, 4_102_444_800_000] {
            assert_eq!(parse_iso8601(&iso8601(ms)), Some(ms));
        }
        assert_eq!(parse_iso8601("2021-06-09T18:08:15+02:00"), Some(1_623_254_895_000));
        assert_eq!(parse_iso8601("2021-06-09"), Some(1_623_196_800_000));
        assert_eq!(parse_iso8601("2021-13-09"), None);
        assert_eq!(parse_iso8601("yesterday"), None);
    }

    #[test]
    fn parse_refuses_multibyte_garbage_without_panicking() {
        for s in [
            "2024-01-01T00:00:00+aé00",
            "2024-01-01T00:00:00+0é:0",
            "2024-01-01T00:00:00.é",
            "2024-é1-01",
            "2024-01-01Té0:00:00",
            "éééééééééé",
            "2024-01-01T00:00:00+00:é",
        ] {
            assert_eq!(parse_iso8601(s), None, "{s}");
        }
    }
}

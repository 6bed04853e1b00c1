//! ISO-8601 durations (`P1Y`, `P3M10D`, `P2W`, `PT12H`, `P1Y2M3DT4H5M6S`) and calendar
//! arithmetic on them: Cryptlex's `subscriptionInterval`. Years and months are calendar units,
//! not fixed lengths: adding `P1M` to Jan 31 gives Feb 28 (Feb 29 in a leap year), adding `P1Y`
//! to Feb 29 gives Feb 28. Components are added largest first (years and months together, then
//! weeks and days, then the time), the order of `java.time` and ActiveSupport.
//!
//! Only integer components are accepted (no fractions, no negative durations), each in Keygen's
//! order and at most once, and the whole duration must be non-zero and at most
//! [`MAX_NOMINAL_SECS`] long, so that every expiry it produces stays in range.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::{civil_from_days, days_from_civil, Millis, DAY_MS};

/// The longest duration accepted, in nominal seconds (a year of 365.2425 days, a month of a
/// twelfth of that): 1,000 years.
pub const MAX_NOMINAL_SECS: i64 = 1_000 * YEAR_SECS;
const YEAR_SECS: i64 = 31_556_952;
const MONTH_SECS: i64 = YEAR_SECS / 12;

/// A parsed ISO-8601 duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IsoDuration {
    /// `Y` before `T`.
    pub years: i64,
    /// `M` before `T`.
    pub months: i64,
    /// `W`.
    pub weeks: i64,
    /// `D`.
    pub days: i64,
    /// `H`.
    pub hours: i64,
    /// `M` after `T`.
    pub minutes: i64,
    /// `S`.
    pub seconds: i64,
}

/// Why a string is not an accepted duration (the message is the error's `detail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDuration(pub &'static str);

impl fmt::Display for InvalidDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

const SHAPE: &str = "must be an ISO-8601 duration such as P1Y, P3M10D or PT12H (integer components, in order, each at most once)";

impl FromStr for IsoDuration {
    type Err = InvalidDuration;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s.strip_prefix('P').ok_or(InvalidDuration(SHAPE))?;
        let mut d = IsoDuration::default();
        let mut in_time = false;
        // Designators in their required order; `rank` only moves forward.
        let mut rank = 0usize;
        let mut any = false;
        let mut digits = String::new();
        for c in rest.chars() {
            if c.is_ascii_digit() {
                if digits.len() >= 9 {
                    return Err(InvalidDuration("has a component that is too large"));
                }
                digits.push(c);
                continue;
            }
            if c == 'T' {
                if in_time || !digits.is_empty() {
                    return Err(InvalidDuration(SHAPE));
                }
                in_time = true;
                rank = 4;
                continue;
            }
            let at = match (in_time, c) {
                (false, 'Y') => 0,
                (false, 'M') => 1,
                (false, 'W') => 2,
                (false, 'D') => 3,
                (true, 'H') => 4,
                (true, 'M') => 5,
                (true, 'S') => 6,
                _ => return Err(InvalidDuration(SHAPE)),
            };
            if at < rank || digits.is_empty() {
                return Err(InvalidDuration(SHAPE));
            }
            let n: i64 = digits.parse().map_err(|_| InvalidDuration(SHAPE))?;
            digits.clear();
            let slot = match at {
                0 => &mut d.years,
                1 => &mut d.months,
                2 => &mut d.weeks,
                3 => &mut d.days,
                4 => &mut d.hours,
                5 => &mut d.minutes,
                _ => &mut d.seconds,
            };
            *slot = n;
            rank = at + 1;
            any = true;
        }
        // Trailing digits without a designator, an empty `P` or a `T` without time components.
        if !digits.is_empty() || !any || (in_time && rank == 4) {
            return Err(InvalidDuration(SHAPE));
        }
        let nominal = d.nominal_secs();
        if nominal == 0 {
            return Err(InvalidDuration("must be longer than zero"));
        }
        if nominal > MAX_NOMINAL_SECS {
            return Err(InvalidDuration("must be at most 1000 years long"));
        }
        Ok(d)
    }
}

impl fmt::Display for IsoDuration {
    /// The canonical spelling: zero components left out, weeks kept as given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        for (n, c) in [(self.years, 'Y'), (self.months, 'M'), (self.weeks, 'W'), (self.days, 'D')] {
            if n != 0 {
                write!(f, "{n}{c}")?;
            }
        }
        if self.hours != 0 || self.minutes != 0 || self.seconds != 0 {
            f.write_str("T")?;
            for (n, c) in [(self.hours, 'H'), (self.minutes, 'M'), (self.seconds, 'S')] {
                if n != 0 {
                    write!(f, "{n}{c}")?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl IsoDuration {
    /// The nominal length in seconds (years of 365.2425 days, months a twelfth of that): for
    /// bounds and ordering only, never for an expiry (use [`IsoDuration::add_to`]).
    pub fn nominal_secs(&self) -> i64 {
        // Components are < 10^9 (parser), so none of these products overflow.
        self.years * YEAR_SECS + self.months * MONTH_SECS + self.weeks * 7 * 86_400 + self.days * 86_400 + self.hours * 3_600 + self.minutes * 60 + self.seconds
    }

    /// Whether the duration is a fixed number of seconds (no years or months).
    pub fn is_exact(&self) -> bool {
        self.years == 0 && self.months == 0
    }

    /// `at` plus this duration in the UTC calendar: months are added first with the day
    /// clamped to the target month's last day (Jan 31 + P1M = Feb 28/29), then days, then the
    /// time of day. `None` only beyond the representable range.
    pub fn add_to(&self, at: Millis) -> Option<Millis> {
        let day = at.div_euclid(DAY_MS);
        let time = at.rem_euclid(DAY_MS);
        let (y, m, d) = civil_from_days(day);
        let month_index = y.checked_mul(12)?.checked_add(i64::from(m) - 1)?.checked_add(self.years.checked_mul(12)?.checked_add(self.months)?)?;
        let (ny, nm) = (month_index.div_euclid(12), u32::try_from(month_index.rem_euclid(12) + 1).ok()?);
        let nd = d.min(days_in_month(ny, nm));
        let days = days_from_civil(ny, nm, nd).checked_add(self.weeks.checked_mul(7)?.checked_add(self.days)?)?;
        let secs = self.hours.checked_mul(3_600)?.checked_add(self.minutes.checked_mul(60)?)?.checked_add(self.seconds)?;
        days.checked_mul(DAY_MS)?.checked_add(time)?.checked_add(secs.checked_mul(1000)?)
    }
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1–12) of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{iso8601, parse_iso8601};

    fn at(s: &str) -> Millis {
        parse_iso8601(s).unwrap_or_else(|| panic!("bad date {s}"))
    }

    fn plus(d: &str, from: &str) -> String {
        let d: IsoDuration = d.parse().unwrap_or_else(|e| panic!("{d}: {e}"));
        iso8601(d.add_to(at(from)).unwrap_or_else(|| panic!("{d} + {from} overflowed")))
    }

    #[test]
    fn calendar_arithmetic_table() {
        let table = [
            // Month ends clamp; leap years give Feb 29.
            ("P1M", "2025-01-31T10:00:00.000Z", "2025-02-28T10:00:00.000Z"),
            ("P1M", "2024-01-31T10:00:00.000Z", "2024-02-29T10:00:00.000Z"),
            ("P1M", "2024-03-31T00:00:00.000Z", "2024-04-30T00:00:00.000Z"),
            ("P2M", "2024-12-31T00:00:00.000Z", "2025-02-28T00:00:00.000Z"),
            ("P13M", "2023-01-31T00:00:00.000Z", "2024-02-29T00:00:00.000Z"),
            ("P1Y", "2024-02-29T12:00:00.000Z", "2025-02-28T12:00:00.000Z"),
            ("P4Y", "2024-02-29T12:00:00.000Z", "2028-02-29T12:00:00.000Z"),
            ("P1Y", "2099-02-28T00:00:00.000Z", "2100-02-28T00:00:00.000Z"),
            ("P1M", "2100-01-29T00:00:00.000Z", "2100-02-28T00:00:00.000Z"),
            ("P1M", "2000-01-30T00:00:00.000Z", "2000-02-29T00:00:00.000Z"),
            // Months first, then days: Jan 31 + P1M1D = Feb 28 + 1 day.
            ("P1M1D", "2025-01-31T00:00:00.000Z", "2025-03-01T00:00:00.000Z"),
            ("P3M10D", "2025-01-15T08:30:00.000Z", "2025-04-25T08:30:00.000Z"),
            ("P2W", "2025-02-20T00:00:00.000Z", "2025-03-06T00:00:00.000Z"),
            ("P30D", "2024-02-01T00:00:00.000Z", "2024-03-02T00:00:00.000Z"),
            ("PT12H", "2025-12-31T18:00:00.000Z", "2026-01-01T06:00:00.000Z"),
            ("PT90M", "2025-01-01T23:00:00.500Z", "2025-01-02T00:30:00.500Z"),
            ("P1Y2M3DT4H5M6S", "2023-11-30T20:00:00.000Z", "2025-02-03T00:05:06.000Z"),
            ("P12M", "2024-02-29T00:00:00.000Z", "2025-02-28T00:00:00.000Z"),
            // Before the epoch too.
            ("P1M", "1969-12-31T23:59:59.999Z", "1970-01-31T23:59:59.999Z"),
        ];
        for (d, from, want) in table {
            assert_eq!(plus(d, from), want, "{from} + {d}");
        }
    }

    #[test]
    fn parser_accepts_and_rejects() {
        for ok in ["P1Y", "P3M10D", "PT12H", "P2W", "P1Y2M3DT4H5M6S", "PT1S", "P0Y1D", "P1000Y"] {
            assert!(ok.parse::<IsoDuration>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "P",
            "PT",
            "1Y",
            "p1y",
            "P1",
            "P1Y1Y",
            "P1M1Y",
            "P1D1W",
            "PT1H1H",
            "P1H",
            "PT1D",
            "P1YT",
            "P-1Y",
            "P1.5Y",
            "P1,5Y",
            "P0D",
            "PT0S",
            "P1001Y",
            "P1234567890Y",
            "P1YT1H1M1S1",
            " P1Y",
            "P1Y ",
            "P１Y",
            "PTT1H",
            "P1DT",
        ] {
            assert!(bad.parse::<IsoDuration>().is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        for (s, canon) in [("P1Y", "P1Y"), ("P0Y3M10D", "P3M10D"), ("PT12H", "PT12H"), ("P1Y2M3DT4H5M6S", "P1Y2M3DT4H5M6S"), ("P2W", "P2W")] {
            let d: IsoDuration = s.parse().unwrap_or_default();
            assert_eq!(d.to_string(), canon);
            assert_eq!(canon.parse::<IsoDuration>(), Ok(d));
            let json = serde_json::to_value(d).unwrap_or_default();
            assert_eq!(json, serde_json::Value::from(canon));
            assert_eq!(serde_json::from_value::<IsoDuration>(json).ok(), Some(d));
        }
        assert!(serde_json::from_value::<IsoDuration>(serde_json::json!("P1")).is_err());
    }

    #[test]
    fn exact_durations_equal_fixed_seconds() {
        let d: IsoDuration = "P30DT1H".parse().unwrap_or_default();
        assert!(d.is_exact());
        assert_eq!(d.add_to(1_000), Some(1_000 + (30 * 86_400 + 3_600) * 1000));
        assert!(!"P1M".parse::<IsoDuration>().unwrap_or_default().is_exact());
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_leap(2024) && is_leap(2000) && !is_leap(2100) && !is_leap(2025));
        assert_eq!((1..=12).map(|m| days_in_month(2024, m)).sum::<u32>(), 366);
        assert_eq!((1..=12).map(|m| days_in_month(2025, m)).sum::<u32>(), 365);
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,24}") {
            let _ = s.parse::<IsoDuration>();
        }

        #[test]
        fn grammar_shaped_input_never_panics(s in "P[0-9YMWDTHS]{0,20}") {
            if let Ok(d) = s.parse::<IsoDuration>() {
                proptest::prop_assert!(d.nominal_secs() > 0 && d.nominal_secs() <= MAX_NOMINAL_SECS);
                proptest::prop_assert_eq!(d.to_string().parse::<IsoDuration>(), Ok(d));
            }
        }

        #[test]
        fn adding_moves_forward_and_clamps(y in 0i64..5, m in 0i64..30, d in 0i64..40, start in -2_000_000_000_000i64..4_000_000_000_000i64) {
            let dur = IsoDuration { years: y, months: m, days: d, ..IsoDuration::default() };
            if dur.nominal_secs() > 0 {
                let end = dur.add_to(start);
                proptest::prop_assert!(end.is_some_and(|e| e > start));
                // Never more than the calendar maximum (31-day months, 366-day years).
                let bound = start + ((y * 366) + (m * 31) + d) * DAY_MS;
                proptest::prop_assert!(end.is_some_and(|e| e <= bound));
            }
        }
    }
}

//! Trial rules (Cryptlex's verified trials): how long a trial policy's trial lasts, and how many
//! hardware components a new trial request must share with an existing trial of the product to
//! count as the same machine (the policy's `fingerprintMatchingStrategy`).

use crate::clock::Millis;
use crate::domain::strategy::MatchingStrategy;

/// The longest trial: ten years.
pub const MAX_TRIAL_MS: Millis = 3650 * crate::clock::DAY_MS;

/// How long a trial lasts: `trialLength` days, or an ISO-8601 `subscriptionInterval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrialLength {
    /// `trialLength`: whole days.
    Days(i64),
    /// `subscriptionInterval`: an ISO-8601 duration (`P14D`, `P2W`, `PT36H`, `P1DT12H`).
    Interval(String),
}

impl TrialLength {
    /// The duration in milliseconds, `None` when the stored interval does not parse.
    pub fn millis(&self) -> Option<Millis> {
        match self {
            TrialLength::Days(d) => d.checked_mul(crate::clock::DAY_MS),
            TrialLength::Interval(s) => parse_interval(s),
        }
    }
}

/// Parses an ISO-8601 duration of weeks, days, hours, minutes and seconds (`PnWnDTnHnMnS`,
/// each part optional, at least one, whole numbers) into milliseconds between one second and
/// [`MAX_TRIAL_MS`]. Years and months are refused: their length depends on the calendar, and
/// a trial is an exact span of time.
pub fn parse_interval(s: &str) -> Option<Millis> {
    let rest = s.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total: Millis = 0;
    let mut parts = 0;
    let mut add = |text: &str, units: &[(char, Millis)]| -> Option<()> {
        let mut num = String::new();
        let mut allowed = units.iter();
        for c in text.chars() {
            if c.is_ascii_digit() {
                if num.len() >= 7 {
                    return None;
                }
                num.push(c);
                continue;
            }
            // Designators must come in order, each at most once, each after a number.
            let (_, ms) = allowed.by_ref().find(|(u, _)| *u == c)?;
            let n: Millis = num.parse().ok()?;
            total = total.checked_add(n.checked_mul(*ms)?)?;
            num.clear();
            parts += 1;
        }
        num.is_empty().then_some(())
    };
    add(date, &[('W', 7 * crate::clock::DAY_MS), ('D', crate::clock::DAY_MS)])?;
    if let Some(t) = time {
        add(t, &[('H', 3_600_000), ('M', 60_000), ('S', 1000)])?;
    }
    (parts > 0 && (1000..=MAX_TRIAL_MS).contains(&total)).then_some(total)
}

/// The fewest of `given` distinct component fingerprints an existing trial must share for
/// `strategy` to call it the same machine; `None` when no overlap can (no components given,
/// or `MATCH_TWO` with one).
pub fn components_needed(strategy: MatchingStrategy, given: usize) -> Option<usize> {
    (1..=given).find(|&m| strategy.satisfied(m, given))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::DAY_MS;

    #[test]
    fn intervals_parse_weeks_days_and_time() {
        assert_eq!(parse_interval("P14D"), Some(14 * DAY_MS));
        assert_eq!(parse_interval("P2W"), Some(14 * DAY_MS));
        assert_eq!(parse_interval("P1DT12H"), Some(DAY_MS + 12 * 3_600_000));
        assert_eq!(parse_interval("PT90M"), Some(90 * 60_000));
        assert_eq!(parse_interval("PT1S"), Some(1000));
        assert_eq!(parse_interval("P3650D"), Some(MAX_TRIAL_MS));
    }

    #[test]
    fn intervals_refuse_calendar_units_disorder_and_extremes() {
        for bad in ["", "P", "PT", "P1M", "P1Y", "P1D2W", "P1DD", "14D", "P-1D", "PT0S", "P3651D", "P1.5D", "P9999999999D", "PD", "P1DT", "p1d"] {
            assert_eq!(parse_interval(bad), None, "{bad}");
        }
    }

    #[test]
    fn trial_length_in_days_or_interval() {
        assert_eq!(TrialLength::Days(30).millis(), Some(30 * DAY_MS));
        assert_eq!(TrialLength::Interval("P1W".into()).millis(), Some(7 * DAY_MS));
        assert_eq!(TrialLength::Interval("P1M".into()).millis(), None);
    }

    #[test]
    fn components_needed_follows_the_strategy() {
        assert_eq!(components_needed(MatchingStrategy::MatchAny, 0), None);
        assert_eq!(components_needed(MatchingStrategy::MatchAny, 4), Some(1));
        assert_eq!(components_needed(MatchingStrategy::MatchTwo, 1), None);
        assert_eq!(components_needed(MatchingStrategy::MatchTwo, 4), Some(2));
        assert_eq!(components_needed(MatchingStrategy::MatchMost, 5), Some(3));
        assert_eq!(components_needed(MatchingStrategy::MatchAll, 3), Some(3));
    }
}

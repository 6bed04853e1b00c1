//! A license's effective features (issue 10 §3, Cryptlex 3.78–3.81): the ONE rule every place
//! that lists a license's entitlements applies (validation's `entitlements` scope, license and
//! machine files, check-out includes, `GET /licenses/{id}/entitlements`, release constraints).
//!
//! A license holds an entitlement when any of three sources grants it:
//! 1. the license itself (`POST /licenses/{id}/entitlements`, optionally with a `value` and an
//!    `expiresAt`): an expired grant no longer counts, as if it had been detached;
//! 2. its entitlement set (the license's own set, else its policy's set), optionally with a
//!    per-set `value`;
//! 3. its policy (`POST /policies/{id}/entitlements`).
//!
//! Its value is the first override found in that order (license → set), else the
//! entitlement's own value. An expired license grant neither grants nor overrides; the other
//! sources still grant the entitlement.

use crate::clock::Millis;

/// Where a grant comes from, in precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The license's own grant.
    License,
    /// The license's (or its policy's) entitlement set.
    Set,
    /// The policy's entitlements.
    Policy,
}

/// One grant of entitlement `id` to a license, carrying `item` (whatever the caller renders:
/// a row, a code).
#[derive(Debug, Clone, PartialEq)]
pub struct Grant<T> {
    /// The entitlement's id.
    pub id: String,
    /// Where it comes from.
    pub source: Source,
    /// The grant's value override (JSON text), if any.
    pub value: Option<String>,
    /// When the grant stops counting (license grants only).
    pub expires_at: Option<Millis>,
    /// The caller's payload.
    pub item: T,
}

/// An entitlement the license holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature<T> {
    /// The payload of the winning grant.
    pub item: T,
    /// The winning (highest-precedence, unexpired) source.
    pub source: Source,
    /// The value override in effect (license's, else set's); `None` = the entitlement's own.
    pub value: Option<String>,
    /// The license grant's expiry, when the license grant is the winner.
    pub expires_at: Option<Millis>,
}

/// Whether a grant still counts at `now` (like a license's expiry: it counts through the
/// instant `expires_at` itself and stops after it).
pub fn counts(expires_at: Option<Millis>, now: Millis) -> bool {
    expires_at.is_none_or(|e| now <= e)
}

/// The effective features from `grants` at `now`: one per entitlement, in the order each
/// entitlement first appears in `grants`.
pub fn effective<T>(grants: impl IntoIterator<Item = Grant<T>>, now: Millis) -> Vec<Feature<T>> {
    let mut order: Vec<String> = Vec::new();
    let mut best: Vec<(String, Grant<T>)> = Vec::new();
    let mut set_values: Vec<(String, String)> = Vec::new();
    for g in grants {
        if !counts(g.expires_at, now) {
            continue;
        }
        if !order.contains(&g.id) {
            order.push(g.id.clone());
        }
        if g.source == Source::Set {
            if let Some(v) = &g.value {
                set_values.push((g.id.clone(), v.clone()));
            }
        }
        match best.iter_mut().find(|(id, _)| *id == g.id) {
            Some((_, b)) if g.source < b.source => *b = g,
            Some(_) => {}
            None => best.push((g.id.clone(), g)),
        }
    }
    order
        .into_iter()
        .filter_map(|id| {
            let pos = best.iter().position(|(b, _)| *b == id)?;
            let (_, g) = best.swap_remove(pos);
            let set_value = set_values.iter().find(|(s, _)| *s == id).map(|(_, v)| v.clone());
            let value = match g.source {
                Source::License => g.value.or(set_value),
                Source::Set => set_value,
                Source::Policy => None,
            };
            let expires_at = if g.source == Source::License { g.expires_at } else { None };
            Some(Feature { item: g.item, source: g.source, value, expires_at })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grant whose payload is the entitlement id itself.
    fn g(id: &'static str, source: Source, value: Option<&str>, expires_at: Option<Millis>) -> Grant<&'static str> {
        Grant { id: id.into(), source, value: value.map(Into::into), expires_at, item: id }
    }

    type Row = (&'static str, Source, Option<String>);
    /// A case of the table: name, grants, expected features.
    type Case = (&'static str, Vec<Grant<&'static str>>, Vec<Row>);

    fn row(id: &'static str, s: Source, v: Option<&str>) -> Row {
        (id, s, v.map(Into::into))
    }

    /// The table: grants at now = 1000 → (entitlement, winning source, value override).
    #[test]
    fn resolution_table() {
        use Source::{License as L, Policy as P, Set as S};
        let cases: Vec<Case> = vec![
            ("nothing", vec![], vec![]),
            ("policy only", vec![g("a", P, None, None)], vec![row("a", P, None)]),
            ("set only, value", vec![g("a", S, Some("5"), None)], vec![row("a", S, Some("5"))]),
            ("set beats policy", vec![g("a", P, None, None), g("a", S, Some("5"), None)], vec![row("a", S, Some("5"))]),
            ("license beats set's value", vec![g("a", S, Some("5"), None), g("a", L, Some("9"), None)], vec![row("a", L, Some("9"))]),
            ("license without value keeps the set's", vec![g("a", L, None, None), g("a", S, Some("5"), None)], vec![row("a", L, Some("5"))]),
            ("license without value over policy", vec![g("a", L, None, None), g("a", P, None, None)], vec![row("a", L, None)]),
            ("set without value: entitlement's own", vec![g("a", S, None, None), g("a", P, None, None)], vec![row("a", S, None)]),
            ("expired license grant alone: gone", vec![g("a", L, Some("9"), Some(999))], vec![]),
            ("expired license grant falls back to set", vec![g("a", L, Some("9"), Some(999)), g("a", S, Some("5"), None)], vec![row("a", S, Some("5"))]),
            ("expired license grant falls back to policy", vec![g("a", L, Some("9"), Some(0)), g("a", P, None, None)], vec![row("a", P, None)]),
            ("expiry at the boundary still counts", vec![g("a", L, Some("9"), Some(1000))], vec![row("a", L, Some("9"))]),
            ("one past the boundary does not", vec![g("a", L, Some("9"), Some(999)), g("b", L, None, Some(1001))], vec![row("b", L, None)]),
            (
                "several, first-appearance order",
                vec![g("b", P, None, None), g("a", S, Some("\"pro\""), None), g("b", L, Some("true"), None), g("c", P, None, None)],
                vec![row("b", L, Some("true")), row("a", S, Some("\"pro\"")), row("c", P, None)],
            ),
        ];
        for (name, grants, want) in cases {
            let got: Vec<Row> = effective(grants, 1000).into_iter().map(|f| (f.item, f.source, f.value)).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn the_winners_expiry_is_kept_and_the_boundary_counts() {
        let f = effective(vec![g("a", Source::Policy, None, None), g("a", Source::License, None, Some(5000))], 1000);
        assert_eq!(f.iter().map(|f| (f.source, f.expires_at)).collect::<Vec<_>>(), [(Source::License, Some(5000))]);
        let f = effective(vec![g("a", Source::Set, None, None)], 1000);
        assert_eq!(f.iter().map(|f| f.expires_at).collect::<Vec<_>>(), [None]);
        assert!(counts(None, i64::MAX) && counts(Some(10), 10) && !counts(Some(10), 11));
    }
}

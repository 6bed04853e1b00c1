//! Request logs written in batches (issue 11): a Worker isolate buffers the rows of the requests
//! it answers and writes them as ONE statement (`sql::request_logs::INSERT_BATCH`, one D1 round
//! trip) when the buffer is full ([`MAX_ROWS`] rows or [`FULL_BYTES`] of JSON) or
//! [`FLUSH_AFTER_MS`] after its first row, instead of one D1 write per request.
//!
//! The trade-off, documented in `docs/API.md`: a log reaches D1 up to [`FLUSH_AFTER_MS`] after
//! its request (a read of the logs first writes the reading isolate's own buffer, so
//! read-after-request holds within an isolate), and an isolate that crashes loses at most the one
//! buffer it held. The daily cap stays exact: the batch statement counts each account's rows of
//! the day once and admits a row only while that count plus the row's place among the batch's
//! rows of the same account and day ([`Batch::push`]) is under the cap.
//!
//! Each row is bounded and redacted as it enters the buffer, and kept as its JSON array (the
//! statement's one parameter), so the buffer's size in bytes is exact.

use serde_json::{json, Value};

use crate::clock::{Millis, DAY_MS};
use crate::domain::request_log::{self as rule, truncate};
use crate::service::lifecycle::request_logs::Entry;

/// Most rows in one batch.
pub const MAX_ROWS: usize = 100;
/// A batch whose JSON reaches this many bytes is written at once. One row is at most about
/// 17 KB of JSON (every bounded field escaped at 6 bytes a byte), so a batch stays under D1's
/// 100 KB statement and far under its 2 MB value limit.
pub const FULL_BYTES: usize = 64 * 1024;
/// How long after its first row a buffer is written, at the latest.
pub const FLUSH_AFTER_MS: u64 = 1_000;

/// What [`Batch::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// The first row of an empty buffer: schedule its write [`FLUSH_AFTER_MS`] from now.
    First,
    /// Added to a buffer whose write is scheduled.
    Queued,
    /// The buffer is full: write it now.
    Full,
}

/// Buffered request logs, ready to be written in one statement.
#[derive(Debug, Default)]
pub struct Batch {
    /// The rows' JSON arrays, comma-separated.
    json: String,
    rows: usize,
    /// Rows so far per account and UTC day: the next row's place in its group.
    groups: Vec<(String, Millis, u32)>,
}

impl Batch {
    /// Adds the log of `e` (account `account_id`, id `id`, answered at `now`), bounded and
    /// redacted (`domain::request_log`).
    pub fn push(&mut self, id: &str, account_id: &str, e: &Entry, now: Millis) -> Pushed {
        let day = now.div_euclid(DAY_MS).saturating_mul(DAY_MS);
        let nth = match self.groups.iter_mut().find(|(a, d, _)| a == account_id && *d == day) {
            Some((_, _, n)) => {
                *n = n.saturating_add(1);
                *n - 1
            }
            None => {
                self.groups.push((account_id.to_owned(), day, 1));
                0
            }
        };
        let o = |v: Option<&str>, max: usize| v.map_or(Value::Null, |s| truncate(s, max).into());
        let size = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let (requestor_type, requestor_id) = e.requestor.as_ref().map_or((None, None), |(t, i)| (Some(*t), Some(i.as_str())));
        let (resource_type, resource_id) = e.resource.as_ref().map_or((None, None), |(t, i)| (Some(t.as_str()), Some(i.as_str())));
        // The order of `sql::request_logs::INSERT_BATCH`'s `$[n]` paths.
        let row = json!([
            id,
            account_id,
            truncate(&e.method, rule::MAX_METHOD),
            rule::redact_url(&e.target),
            i64::from(e.status.clamp(100, 599)),
            o(e.ip.as_deref(), rule::MAX_IP),
            o(e.user_agent.as_deref(), rule::MAX_USER_AGENT),
            o(requestor_type, 64),
            o(requestor_id, 64),
            o(resource_type, 64),
            o(resource_id, 64),
            size(e.request_size),
            e.response_size.map(size),
            e.run_time_ms.max(0),
            now,
            day,
            nth,
        ]);
        if self.rows > 0 {
            self.json.push(',');
        }
        self.json.push_str(&row.to_string());
        self.rows += 1;
        if self.rows >= MAX_ROWS || self.json.len() >= FULL_BYTES {
            Pushed::Full
        } else if self.rows == 1 {
            Pushed::First
        } else {
            Pushed::Queued
        }
    }

    /// Rows buffered.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row is buffered.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The rows as the one parameter of `sql::request_logs::INSERT_BATCH`: a JSON array of arrays.
    pub fn param(&self) -> String {
        format!("[{}]", self.json)
    }

    /// Puts back `older`, rows taken from this buffer whose write failed, ahead of the rows
    /// buffered since, if the two fit in one batch ([`MAX_ROWS`], [`FULL_BYTES`]): the newer
    /// rows' places among their account's rows of the day move up by the older rows of the same
    /// group, so the daily cap stays exact. `false` (nothing changed; the older rows are lost)
    /// when they do not fit.
    pub fn restore(&mut self, older: Batch) -> bool {
        if older.is_empty() {
            return true;
        }
        let comma = usize::from(!self.is_empty());
        if older.rows + self.rows > MAX_ROWS || older.json.len() + comma + self.json.len() > FULL_BYTES {
            return false;
        }
        let Ok(newer) = serde_json::from_str::<Vec<Value>>(&self.param()) else { return false };
        let mut merged = older;
        for mut row in newer {
            let group = (row.get(ACCOUNT).and_then(Value::as_str).map(str::to_owned), row.get(DAY).and_then(Value::as_i64));
            let (Some(account), Some(day)) = group else { return false };
            let before = merged.groups.iter().find(|(a, d, _)| *a == account && *d == day).map_or(0, |(_, _, n)| *n);
            if let Some(nth) = row.get_mut(NTH) {
                *nth = (nth.as_i64().unwrap_or(0) + i64::from(before)).into();
            }
            match merged.groups.iter_mut().find(|(a, d, _)| *a == account && *d == day) {
                Some((_, _, n)) => *n = n.saturating_add(1),
                None => merged.groups.push((account, day, 1)),
            }
            merged.json.push(',');
            merged.json.push_str(&row.to_string());
            merged.rows += 1;
        }
        *self = merged;
        true
    }
}

/// Where a row holds its account, its UTC day and its place among the account's rows of the
/// day (the order of [`Batch::push`]'s array).
const ACCOUNT: usize = 1;
const DAY: usize = 15;
const NTH: usize = 16;

#[cfg(test)]
mod tests {
    use super::{Batch, Pushed, FULL_BYTES, MAX_ROWS};
    use crate::clock::DAY_MS;
    use crate::service::lifecycle::request_logs::Entry;

    fn entry(target: &str) -> Entry {
        Entry { method: "GET".into(), target: target.into(), status: 200, ..Entry::default() }
    }

    #[test]
    fn the_first_row_schedules_and_a_full_buffer_writes_at_once() {
        let mut b = Batch::default();
        assert!(b.is_empty());
        assert_eq!(b.push("1", "a", &entry("/v1/me"), 5), Pushed::First);
        assert_eq!(b.push("2", "a", &entry("/v1/me"), 6), Pushed::Queued);
        for i in 2..MAX_ROWS - 1 {
            assert_eq!(b.push(&i.to_string(), "a", &entry("/v1/me"), 6), Pushed::Queued);
        }
        assert_eq!(b.push("last", "a", &entry("/v1/me"), 6), Pushed::Full);
        assert_eq!(b.len(), MAX_ROWS);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&b.param()).unwrap();
        assert_eq!(rows.len(), MAX_ROWS);
    }

    #[test]
    fn big_rows_fill_the_buffer_by_bytes() {
        let mut b = Batch::default();
        let long = format!("/v1/{}", "\u{1}".repeat(5000));
        let mut n = 0;
        while b.push(&n.to_string(), "a", &Entry { user_agent: Some("\u{1}".repeat(2000)), ..entry(&long) }, 1) != Pushed::Full {
            n += 1;
        }
        assert!(n < MAX_ROWS && b.param().len() >= FULL_BYTES && b.param().len() < 100_000, "{n} rows, {} bytes", b.param().len());
    }

    #[test]
    fn each_row_holds_its_place_among_its_accounts_rows_of_the_day() {
        let mut b = Batch::default();
        b.push("1", "a", &entry("/x"), DAY_MS - 1);
        b.push("2", "b", &entry("/x"), DAY_MS - 1);
        b.push("3", "a", &entry("/x"), DAY_MS - 1);
        b.push("4", "a", &entry("/x"), DAY_MS);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&b.param()).unwrap();
        let places: Vec<(i64, i64)> = rows.iter().map(|r| (r[15].as_i64().unwrap(), r[16].as_i64().unwrap())).collect();
        assert_eq!(places, [(0, 0), (0, 0), (0, 1), (DAY_MS, 0)]);
    }

    #[test]
    fn restored_rows_go_first_and_keep_the_places_exact() {
        let mut b = Batch::default();
        b.push("1", "a", &entry("/x"), 5);
        b.push("2", "b", &entry("/x"), 5);
        let failed = std::mem::take(&mut b);
        b.push("3", "a", &entry("/x"), 6);
        b.push("4", "c", &entry("/x"), 6);
        assert!(b.restore(failed));
        assert_eq!(b.len(), 4);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&b.param()).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(ids, ["1", "2", "3", "4"]);
        let places: Vec<i64> = rows.iter().map(|r| r[16].as_i64().unwrap()).collect();
        assert_eq!(places, [0, 0, 1, 0]);
        // The next row of account a is its third of the day.
        b.push("5", "a", &entry("/x"), 7);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&b.param()).unwrap();
        assert_eq!(rows[4][16].as_i64(), Some(2));
        // Into an empty buffer, as they were.
        let mut e = Batch::default();
        let mut one = Batch::default();
        one.push("9", "a", &entry("/x"), 5);
        assert!(e.restore(one));
        assert_eq!((e.len(), e.push("10", "a", &entry("/x"), 5)), (1, Pushed::Queued));
    }

    #[test]
    fn rows_that_no_longer_fit_are_not_restored() {
        let mut full = Batch::default();
        for i in 0..MAX_ROWS - 1 {
            full.push(&i.to_string(), "a", &entry("/x"), 1);
        }
        let mut b = Batch::default();
        b.push("new1", "a", &entry("/x"), 1);
        b.push("new2", "a", &entry("/x"), 1);
        assert!(!b.restore(full));
        assert_eq!(b.len(), 2, "the newer rows stay as they were");
        assert!(b.restore(Batch::default()));
    }

    #[test]
    fn rows_are_bounded_and_redacted_as_they_enter() {
        let mut b = Batch::default();
        let e = Entry {
            method: "GET".into(),
            target: "/v1/licenses/ABCDEF-123456-V3/actions/validate?token=prod-secret".into(),
            status: 999,
            ip: Some("1".repeat(100)),
            user_agent: Some("u".repeat(5000)),
            requestor: Some(("users", "u1".into())),
            resource: Some(("licenses".into(), "l1".into())),
            request_size: 3,
            response_size: None,
            run_time_ms: -5,
        };
        b.push("id", "acct", &e, 7);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&b.param()).unwrap();
        let r = &rows[0];
        assert_eq!(r[3], "/v1/licenses/[FILTERED]/actions/validate?token=[FILTERED]");
        assert_eq!((r[4].as_i64(), r[5].as_str().map(str::len), r[6].as_str().map(str::len)), (Some(599), Some(64), Some(512)));
        assert_eq!((&r[7], &r[8], &r[9], &r[10]), (&"users".into(), &"u1".into(), &"licenses".into(), &"l1".into()));
        assert_eq!((r[11].as_i64(), r[12].is_null(), r[13].as_i64(), r[14].as_i64()), (Some(3), true, Some(0), Some(7)));
    }
}

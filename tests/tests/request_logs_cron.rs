//! Request logs (issue 8), on a server of its own (its cron prunes every account's logs, and
//! its daily cap is set low, `LATCHKEY_REQUEST_LOG_DAILY_LIMIT=30`): concurrent requests never
//! log more than the cap, and the daily cron prunes logs past the retention (31 days).

use std::sync::Once;
use std::time::{Duration, Instant};

use e2e::{server, TestAccount};
use serde_json::Value;

const CAP: usize = 30;

fn count(acct: &TestAccount) -> usize {
    let r = acct.client().get(&acct.path("/request-logs?page[size]=100"), acct.admin(), None);
    r.assert_status(200).json["data"].as_array().map_or(0, Vec::len)
}

/// Waits until the count stops changing (writes land after their responses).
fn settled(acct: &TestAccount) -> usize {
    let start = Instant::now();
    let mut last = count(acct);
    loop {
        std::thread::sleep(Duration::from_millis(400));
        let now = count(acct);
        if now == last || start.elapsed() > Duration::from_secs(15) {
            return now;
        }
        last = now;
    }
}

#[test]
fn the_daily_cap_holds_under_concurrency_and_the_daily_cron_prunes() {
    static CAPPED: Once = Once::new();
    CAPPED.call_once(|| std::env::set_var("LATCHKEY_REQUEST_LOG_DAILY_LIMIT", CAP.to_string()));
    let acct = server().bootstrap_account();
    // 16 clients × 5 requests at once: exactly CAP of the 80 are logged.
    std::thread::scope(|s| {
        for _ in 0..16 {
            s.spawn(|| {
                let c = acct.client();
                for _ in 0..5 {
                    c.get(&acct.path("/licenses"), acct.admin(), None).assert_status(200);
                }
            });
        }
    });
    assert_eq!(settled(&acct), CAP, "the cap is one guarded statement");
    // Another account has its own cap.
    let other = server().bootstrap_account();
    other.client().get(&other.path("/licenses"), other.admin(), None).assert_status(200);
    assert_eq!(settled(&other), 1);
    // The daily cron 32 days ahead: both accounts' logs are past the 31-day retention.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_millis() as i64);
    let time = now + 32 * 86_400_000;
    let target = format!("/cdn-cgi/handler/scheduled?cron=0+6+*+*+*&time={time}");
    assert_eq!(server().client().unverified().get(&target, None, None).status, 200);
    let start = Instant::now();
    let report = loop {
        let found = server()
            .logs()
            .lines()
            .filter_map(|l| l.split_once("cron-report ").map(|(_, j)| j.to_owned()))
            .filter_map(|j| serde_json::from_str::<Value>(&j).ok())
            .find(|r| r["scheduledTime"] == time);
        if let Some(r) = found {
            break r;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no cron report");
        std::thread::sleep(Duration::from_millis(100));
    };
    let job = report["jobs"].as_array().and_then(|j| j.iter().find(|j| j["job"] == "prune-request-logs")).cloned().unwrap_or_default();
    assert_eq!((job["deleted"].as_u64(), job["done"].as_bool()), (Some((CAP + 1) as u64), Some(true)), "{report}");
    assert_eq!(count(&acct), 0);
    assert_eq!(count(&other), 0);
}

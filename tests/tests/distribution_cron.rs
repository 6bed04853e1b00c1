//! The daily cron's stale-upload sweep on the real runtime. Its own test binary (so its own
//! server): the sweep is deployment-wide, and would race the uploads of the other
//! distribution tests if it shared their server.

use e2e::server;
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["data"]["id"].as_str().unwrap_or_else(|| panic!("no id: {v}")).to_owned()
}
/// The daily cron deletes artifacts still WAITING a day after creation, reporting the count;
/// uploaded ones stay.
#[test]
fn the_daily_cron_deletes_stale_waiting_artifacts() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let post = |path: &str, body: Value| c.post(&acct.path(path), acct.admin(), Some(body));
    let p = id(&post("/products", json!({"data":{"type":"products","attributes":{"name":"App","distributionStrategy":"OPEN"}}})).json);
    let r = id(&post(
        "/releases",
        json!({"data":{"type":"releases","attributes":{"version":"1.0.0","channel":"stable","status":"PUBLISHED"},
        "relationships":{"product":{"data":{"type":"products","id":p}}}}}),
    )
    .json);
    let artifact = |name: &str| {
        let res = post(
            "/artifacts",
            json!({"data":{"type":"artifacts","attributes":{"filename":name},"relationships":{"release":{"data":{"type":"releases","id":r}}}}}),
        );
        assert_eq!(res.status, 307);
        (id(&res.json), res.header("location").unwrap_or_default().to_owned())
    };
    let (stale, _) = artifact("never-uploaded.bin");
    let (kept, url) = artifact("uploaded.bin");
    let path = url.strip_prefix(server().url()).unwrap_or_default();
    c.raw("PUT", path, &[("Content-Length", "1")], Some(b"x")).assert_status(200);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_millis() as i64);
    // A scheduled time a day and a bit ahead, unique to this test.
    let time = now + 86_400_000 + 60_000 + i64::from(std::process::id() % 1000);
    let target = format!("/cdn-cgi/handler/scheduled?cron=0+6+*+*+*&time={time}");
    assert_eq!(server().client().unverified().get(&target, None, None).status, 200);
    let start = std::time::Instant::now();
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
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "no cron report");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let job = report["jobs"].as_array().and_then(|j| j.iter().find(|j| j["job"] == "prune-stale-uploads")).cloned().unwrap_or_default();
    assert!(job["deleted"].as_u64().is_some_and(|n| n >= 1), "{report}");
    assert_eq!(c.get(&acct.path(&format!("/artifacts/{stale}")), acct.admin(), None).status, 404);
    assert_eq!(c.get(&acct.path(&format!("/artifacts/{kept}")), acct.admin(), None).status, 303);
}

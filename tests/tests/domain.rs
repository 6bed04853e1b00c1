//! Domain rules on the real runtime: where D1 evaluates a rule that Rust also evaluates, the
//! two agree. `GET /licenses?status=…` (SQL on D1) selects exactly the licenses whose rendered
//! `status` attribute (Rust) is that status. The boundary grid runs natively
//! (`shared/tests/it/parity.rs`); this checks D1 itself.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use e2e::{server, TestAccount};
use serde_json::{json, Value};
use shared::clock::iso8601;

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ids(list: &Value) -> BTreeSet<String> {
    list["data"].as_array().into_iter().flatten().filter_map(|l| l["id"].as_str().map(str::to_owned)).collect()
}

#[test]
fn license_status_filter_on_d1_matches_the_rendered_status() {
    let acct = server().bootstrap_account();
    let api = acct.client();
    let product = create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let policy = create(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    let user = create(&acct, "/users", json!({"data":{"type":"users","attributes":{"email":"banned@example.test"}}}));
    let now = now_ms();
    let day = 86_400_000;
    let license = |expiry: Option<i64>, owner: Option<&Value>| {
        let mut body = json!({"data":{"type":"licenses","attributes":{"expiry": expiry.map(iso8601)},
            "relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}});
        if let Some(o) = owner {
            body["data"]["relationships"]["owner"] = json!({"data":{"type":"users","id":o}});
        }
        create(&acct, "/licenses", body)["id"].as_str().unwrap_or_default().to_owned()
    };
    let active = license(None, None);
    let far = license(Some(now + 30 * day), None);
    let expiring = license(Some(now + day), None);
    let expired = license(Some(now - day), None);
    let suspended = license(Some(now - day), None);
    api.post(&acct.path(&format!("/licenses/{suspended}/actions/suspend")), acct.admin(), None).assert_status(200);
    let banned = license(Some(now + day), Some(&user["id"]));
    api.post(&acct.path(&format!("/users/{}/actions/ban", user["id"].as_str().unwrap_or_default())), acct.admin(), None).assert_status(200);

    let all = api.get(&acct.path("/licenses?page[size]=100"), acct.admin(), None);
    all.assert_status(200);
    let rendered = |status: &str| -> BTreeSet<String> {
        all.json["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| l["attributes"]["status"] == status)
            .filter_map(|l| l["id"].as_str().map(str::to_owned))
            .collect()
    };
    let expected = [
        ("ACTIVE", vec![&active, &far]),
        ("EXPIRING", vec![&expiring]),
        ("EXPIRED", vec![&expired]),
        ("SUSPENDED", vec![&suspended]),
        ("BANNED", vec![&banned]),
        ("INACTIVE", vec![]),
    ];
    for (status, want) in expected {
        let want: BTreeSet<String> = want.into_iter().cloned().collect();
        assert_eq!(rendered(status), want, "rendered status {status}");
        let filtered = api.get(&acct.path(&format!("/licenses?status={status}&page[size]=100")), acct.admin(), None);
        filtered.assert_status(200);
        assert_eq!(ids(&filtered.json), want, "GET /licenses?status={status} on D1");
    }
    let bad = api.get(&acct.path("/licenses?status=active"), acct.admin(), None);
    bad.assert_status(400);
    assert_eq!(bad.error_code(), Some("PARAMETER_INVALID"));
    assert_eq!(bad.json["errors"][0]["source"]["parameter"], "status");
}

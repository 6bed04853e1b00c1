//! The webhook queue's notices on the real runtime: a change sends one notice after its
//! response, and a validation sends one only when it wrote its record — a validation coalesced
//! into the previous one (same outcome within the minute) writes nothing and sends nothing.
//! The harness runs with `LATCHKEY_SERVER_TIMING=1`, under which every send logs
//! `webhook-notice {account}`.

use std::time::{Duration, Instant};

use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn notices(acct: &TestAccount) -> usize {
    server().logs().matches(&format!("webhook-notice {}", acct.id)).count()
}

/// Waits until `acct` has sent exactly `n` notices (fails on more, or on fewer after 10 s).
fn settle_at(acct: &TestAccount, n: usize) {
    let start = Instant::now();
    loop {
        let got = notices(acct);
        assert!(got <= n, "{got} notices, expected {n}");
        if got == n {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{got} notices after 10 s, expected {n}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

#[test]
fn coalesced_validations_send_no_queue_notice() {
    let acct = server().bootstrap_account();
    let product = create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Notices"}}}));
    let policy = create(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    let license = create(&acct, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}}));
    // Three changes, three notices.
    settle_at(&acct, 3);

    let validate = || {
        let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta":{"key":license["attributes"]["key"]}})));
        r.assert_status(200);
        r.json["meta"]["code"].clone()
    };
    // The first validation writes its record (and event): one notice, after that write.
    let code = validate();
    settle_at(&acct, 4);
    // The same outcome again within the minute is coalesced: no write, no notice.
    for _ in 0..5 {
        assert_eq!(validate(), code);
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(notices(&acct), 4, "coalesced validations sent notices");

    // A change still notifies.
    create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Again"}}}));
    settle_at(&acct, 5);
}

//! List scopes (issue 8): every list filter reaches SQL on arbitrary input and answers rows or a
//! 4xx, never a 5xx from the store and never a panic: Keygen's license scopes (`machine`,
//! `activity[…]`, `activations[…]`, `assigned`, `expired[…]`, `expires[…]`, …), components'
//! and processes' (`owner`, `user`, `status`), and the event log's (`whodunnit`, `resource`,
//! `events[]`). Also Keygen's durations, times and days as the filters read them.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use shared::api::filters::{keygen_day, keygen_duration, keygen_time};
use shared::api::query::Query;
use shared::service::events;
use shared::service::fleet::{components, processes};
use shared::service::licensing::licenses;

use crate::support::{block, Env};

const LICENSE_KEYS: &[&str] = &[
    "machine",
    "activity[inside]",
    "activity[outside]",
    "activity[before]",
    "activity[after]",
    "activations[eq]",
    "activations[gt]",
    "activations[gte]",
    "activations[lt]",
    "activations[lte]",
    "assigned",
    "unassigned",
    "activated",
    "expiring",
    "expired",
    "expired[within]",
    "expired[in]",
    "expired[before]",
    "expired[after]",
    "expired[on]",
    "expires[within]",
    "expires[before]",
    "expires[after]",
    "expires[on]",
    "user",
    "owner",
];

const PART_KEYS: &[&str] = &["machine", "license", "product", "user", "owner", "status"];

const EVENT_KEYS: &[&str] =
    &["whodunnit", "whodunnit[type]", "whodunnit[id]", "resource", "resource[type]", "resource[id]", "event", "events[]", "events", "date[start]", "request"];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9PTYMWDHSpdhm.+\\-]{0,24}",
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("P{n}D")),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?",
        "[a-zA-Z0-9@.%'\"é-]{0,40}",
    ]
}

fn query(keys: &'static [&'static str]) -> impl Strategy<Value = Query> {
    prop::collection::vec((prop::sample::select(keys), value()), 0..5).prop_map(|fs| Query(fs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

#[test]
fn every_list_scope_is_rows_or_a_client_error_on_sqlite() {
    let env = Env::new();
    let admin = env.admin();
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    let client = |what: &str, q: &Query, r: shared::Result<()>| -> Result<(), TestCaseError> {
        if let Err(e) = r {
            prop_assert!((400..500).contains(&e.status), "{what} {:?} answered {} {}", q, e.status, e.detail);
        }
        Ok(())
    };
    runner
        .run(&(query(LICENSE_KEYS), query(PART_KEYS), query(EVENT_KEYS)), |(l, p, e)| {
            client("licenses", &l, block(licenses::list(&env.app(), &admin, &l)).map(drop))?;
            client("components", &p, block(components::list(&env.app(), &admin, &p)).map(drop))?;
            client("processes", &p, block(processes::list(&env.app(), &admin, &p)).map(drop))?;
            client("event logs", &e, block(events::list(&env.app(), &admin, &e)).map(drop))?;
            Ok(())
        })
        .unwrap();
}

proptest! {
    #![proptest_config(Config { cases: 1024, failure_persistence: None, ..Config::default() })]

    #[test]
    fn keygen_durations_times_and_days_never_panic(s in value()) {
        let _ = keygen_duration(&s);
        let _ = keygen_time(&s);
        if let Some((start, end)) = keygen_day(&s) {
            prop_assert_eq!(end - start, 86_399_999);
        }
    }
}

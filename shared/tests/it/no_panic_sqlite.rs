//! List filters and export parameters reach SQL on arbitrary input (`no_panic`'s strategies):
//! the license, request-log, user and machine, organization and reseller lists and the signed
//! exports answer rows or a 4xx, never a 5xx from the store and never a panic.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use shared::api::query::Query;
use shared::service::identity::users;
use shared::service::licensing::licenses;

use crate::no_panic::text;
use crate::support::{block, Env};

/// List filters reach SQL: bad values must be 400s, never a 500 from the store.
#[test]
fn list_filters_are_client_errors_on_sqlite() {
    let env = Env::new();
    let admin = env.admin();
    let filters = prop::collection::vec(
        (
            prop::sample::select(vec![
                "metadata[tier]",
                "metadata[a\"b]",
                "metadata[]",
                "status",
                "expires[before]",
                "expires[within]",
                "expires[in]",
                "suspended",
                "limit",
                "page[number]",
                "page[size]",
                "policy",
                "product",
                "user",
                "owner",
                "group",
                "expired",
            ]),
            prop_oneof![text(), any::<i64>().prop_map(|n| n.to_string()), any::<u64>().prop_map(|n| format!("{n}d"))],
        ),
        0..4,
    );
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    runner
        .run(&filters, |fs| {
            let q = Query(fs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            if let Err(e) = block(licenses::list(&env.app(), &admin, &q)) {
                prop_assert!((400..500).contains(&e.status), "{:?} answered {} {}", q, e.status, e.detail);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn request_log_filters_are_client_errors_on_sqlite() {
    let env = Env::new();
    let admin = env.admin();
    let filters = prop::collection::vec(
        (
            prop::sample::select(vec![
                "date[start]",
                "date[end]",
                "requestor",
                "requestor[type]",
                "requestor[id]",
                "resource",
                "resource[type]",
                "resource[id]",
                "ip",
                "method",
                "url",
                "status",
                "page[size]",
                "page[number]",
            ]),
            prop_oneof![text(), any::<i64>().prop_map(|n| n.to_string()), Just("2024-01-01".to_owned()), Just("2024-01-09".to_owned())],
        ),
        0..5,
    );
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    runner
        .run(&filters, |fs| {
            let q = Query(fs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            if let Err(e) = block(shared::service::lifecycle::request_logs::list(&env.app(), &admin, &q)) {
                prop_assert!((400..500).contains(&e.status), "{:?} answered {} {}", q, e.status, e.detail);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn roles_filters_are_client_errors_on_sqlite() {
    let env = Env::new();
    let admin = env.admin();
    let roles = prop::collection::vec(
        (
            // Keygen's users scopes (issue 8) too: metadata, license, group, assigned/active.
            prop::sample::select(vec!["roles[]", "roles", "role", "metadata[tier]", "metadata[]", "license", "group", "assigned", "active"]),
            prop_oneof![text(), prop::sample::select(vec!["admin", "read-only", "user"]).prop_map(str::to_owned)],
        ),
        0..4,
    );
    let mut runner = TestRunner::new(Config { cases: 128, failure_persistence: None, ..Config::default() });
    runner
        .run(&roles, |fs| {
            let q = Query(fs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            if let Err(e) = block(users::list(&env.app(), &admin, &q)) {
                prop_assert!(e.status == 400, "{:?} answered {} {}", q, e.status, e.detail);
            }
            // The same scopes on machines (ip, hostname, metadata).
            let mq = Query(q.0.iter().map(|(k, v)| (k.replace("license", "ip").replace("group", "hostname"), v.clone())).collect());
            if let Err(e) = block(shared::service::fleet::machines::list(&env.app(), &admin, &mq)) {
                prop_assert!(e.status == 400, "{:?} answered {} {}", mq, e.status, e.detail);
            }
            Ok(())
        })
        .unwrap();
}

// Signed exports in parts (issue 10 follow-up, c10): `limit` and `cursor` are 400s, never a
// panic or a 5xx, and every cursor a part names parses back.
#[test]
fn export_parameters_are_client_errors_on_sqlite() {
    use shared::service::lifecycle::exports::{self, Kind};
    let env = Env::new();
    let admin = env.admin();
    let params = prop::collection::vec(
        (
            prop::sample::select(vec!["limit", "cursor"]),
            prop_oneof![text(), any::<i64>().prop_map(|n| n.to_string()), (any::<i64>(), text()).prop_map(|(n, s)| format!("{n}.{s}"))],
        ),
        0..3,
    );
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    runner
        .run(&params, |fs| {
            let q = Query(fs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            match exports::prepare(&admin, Kind::Licenses, &q, 0) {
                Err(e) => prop_assert_eq!(e.status, 400, "{:?}: {}", q, e.detail),
                Ok(ex) => {
                    prop_assert!(block(exports::body(&env.db, &ex)).is_ok());
                }
            }
            let _ = exports::next_link("/v1/licenses/export", &q, &(1, "x".into()));
            Ok(())
        })
        .unwrap();
}

// Organizations (issue 10 §7): list filters are client errors, never a 500, on SQLite.
#[test]
fn organization_filters_are_client_errors_on_sqlite() {
    let env = Env::new();
    let admin = env.admin();
    let filters = prop::collection::vec(
        (
            prop::sample::select(vec!["created[gt]", "created[gte]", "created[lt]", "updated[lte]", "created", "page[size]", "page[number]"]),
            prop_oneof![text(), Just("2026-01-01T00:00:00Z".to_owned()), any::<i64>().prop_map(|n| n.to_string())],
        ),
        0..4,
    );
    let mut runner = TestRunner::new(Config { cases: 128, failure_persistence: None, ..Config::default() });
    runner
        .run(&filters, |fs| {
            let q = Query(fs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            if let Err(e) = block(shared::service::identity::organizations::list(&env.app(), &admin, &q)) {
                prop_assert!((400..500).contains(&e.status), "{:?} answered {} {}", q, e.status, e.detail);
            }
            Ok(())
        })
        .unwrap();
}

// Resellers (issue 10 §7): list filters are client errors, never a 500, on SQLite.
#[test]
fn reseller_filters_are_client_errors_on_sqlite() {
    let env = Env::new();
    let admin = env.admin();
    let filters = prop::collection::vec(
        (
            prop::sample::select(vec!["created[gt]", "created[gte]", "created[lt]", "updated[lte]", "updated", "page[size]", "page[number]"]),
            prop_oneof![text(), Just("2026-01-01T00:00:00Z".to_owned()), any::<i64>().prop_map(|n| n.to_string())],
        ),
        0..4,
    );
    let mut runner = TestRunner::new(Config { cases: 128, failure_persistence: None, ..Config::default() });
    runner
        .run(&filters, |fs| {
            let q = Query(fs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            if let Err(e) = block(shared::service::identity::resellers::list(&env.app(), &admin, &q)) {
                prop_assert!((400..500).contains(&e.status), "{:?} answered {} {}", q, e.status, e.detail);
            }
            Ok(())
        })
        .unwrap();
}

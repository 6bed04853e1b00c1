//! Signed exports (issue 10 follow-up) on SQLite: one response is one bounded part of the
//! export (`limit` rows, at most `MAX_EXPORT_ROWS`), and following the `cursor` of each part's
//! `Link` walks every row exactly once, in order, as the unbounded page walk does.

use serde_json::json;
use shared::api::query::Query;
use shared::domain::csv;
use shared::service::lifecycle::exports::{self, Kind, MAX_EXPORT_ROWS, PAGE_ROWS};

use crate::support::{block, Env, T0};

/// Inserts `n` activation logs of product `p`, ten per millisecond (ties broken by id).
fn logs(env: &Env, account: &str, p: &str, n: usize) {
    let rows: Vec<serde_json::Value> = (0..n).map(|i| json!([format!("log-{i:05}"), format!("fp-{i}"), T0 + (i as i64 / 10)])).collect();
    let sql = "INSERT INTO activation_logs (id, account_id, action, product_id, fingerprint, created_at) \
SELECT json_extract(value, '$[0]'), ?1, 'activated', ?2, json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?3)";
    block(shared::store::Db::execute(&env.db, sql, &[account.into(), p.into(), serde_json::Value::from(rows).to_string().into()])).unwrap();
}

/// The cursor a `Link` header names.
fn cursor_of(link: &str) -> String {
    let url = link.strip_prefix('<').and_then(|l| l.split_once(">; rel=\"next\"")).map(|(u, _)| u).unwrap();
    Query::parse(url.split_once('?').unwrap().1).get("cursor").unwrap().to_owned()
}

#[test]
fn parts_follow_their_cursors_through_every_row_once() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let n = 1_234;
    logs(&env, admin.account_id(), &p.id, n);
    let path = "/v1/accounts/a/activation-logs/export";
    let (mut all, mut parts, mut q) = (Vec::new(), 0, "action=activated&limit=300".to_owned());
    loop {
        let ex = exports::prepare(&admin, Kind::ActivationLogs, &Query::parse(&q), T0).unwrap();
        let (body, next) = block(exports::body(&env.db, &ex)).unwrap();
        let rows = csv::parse(&body);
        assert_eq!(rows[0][0..3], ["id", "created", "action"], "every part starts with the header");
        parts += 1;
        match next {
            Some(c) => {
                assert_eq!(rows.len(), 1 + 300, "a full part");
                let link = exports::next_link(path, &Query::parse(&q), &c);
                assert!(link.starts_with(&format!("<{path}?action=activated&limit=300&cursor=")), "{link}");
                all.extend(rows.into_iter().skip(1));
                q = format!("action=activated&limit=300&cursor={}", cursor_of(&link));
            }
            None => {
                all.extend(rows.into_iter().skip(1));
                break;
            }
        }
        assert!(parts < 20);
    }
    assert_eq!(parts, 5, "4 × 300 + 34");
    let ids: Vec<String> = all.iter().map(|r| r[0].clone()).collect();
    let want: Vec<String> = (0..n).map(|i| format!("log-{i:05}")).collect();
    assert_eq!(ids, want, "every row once, oldest first");
}

#[test]
fn one_part_holds_at_most_max_export_rows() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let n = MAX_EXPORT_ROWS as usize + 1;
    logs(&env, admin.account_id(), &p.id, n);
    let ex = exports::prepare(&admin, Kind::ActivationLogs, &Query::default(), T0).unwrap();
    let (body, next) = block(exports::body(&env.db, &ex)).unwrap();
    assert_eq!(csv::parse(&body).len(), 1 + MAX_EXPORT_ROWS as usize, "the default limit is the cap");
    let c = next.expect("one row is left");
    let ex = exports::prepare(&admin, Kind::ActivationLogs, &Query::parse(&format!("cursor={}", exports::render_cursor(&c))), T0).unwrap();
    let (body, next) = block(exports::body(&env.db, &ex)).unwrap();
    assert_eq!((csv::parse(&body).len(), next), (2, None));
    // Exactly a multiple of the page size ends with an empty last read, not a dangling cursor.
    let ex = exports::prepare(&admin, Kind::ActivationLogs, &Query::parse(&format!("limit={PAGE_ROWS}")), T0).unwrap();
    assert!(block(exports::body(&env.db, &ex)).unwrap().1.is_some());
}

#[test]
fn bad_limits_and_cursors_are_400_with_their_parameter() {
    let env = Env::new();
    let admin = env.admin();
    for q in [
        "limit=0",
        "limit=5001",
        "limit=-1",
        "limit=ten",
        "cursor=",
        "cursor=123",
        "cursor=.abc",
        "cursor=12x.abc",
        "cursor=1.a%20b",
        "cursor=1.",
        "cursor=99999999999999999.a",
    ] {
        let e = exports::prepare(&admin, Kind::Licenses, &Query::parse(q), T0).unwrap_err();
        let param = q.split('=').next().unwrap();
        assert_eq!((e.status, e.code.as_ref(), e.source.clone()), (400, "PARAMETER_INVALID", Some(shared::error::Source::Parameter(param.into()))), "{q}");
    }
    let c = (T0, "0b7f6c0e-1111-4222-8333-444455556666".to_owned());
    assert_eq!(exports::parse_cursor(&exports::render_cursor(&c)).unwrap(), c);
    // The link re-encodes the request's parameters and drops credentials and the old cursor.
    let q = Query::parse("metadata%5Btier%5D=a%26b&token=secret&cursor=1.x&status=ACTIVE");
    let link = exports::next_link("/v1/licenses/export", &q, &c);
    assert_eq!(link, format!("</v1/licenses/export?metadata[tier]=a%26b&status=ACTIVE&cursor={T0}.{}>; rel=\"next\"", c.1));
}

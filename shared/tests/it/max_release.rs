//! Computed `maxAllowedReleaseVersion` (issue 10 follow-up, Cryptlex) on SQLite with the real
//! migrations: the license read's SQL column equals the pure rule
//! (`domain::max_release::computed`) over a table of windows, current versions and flags (the
//! parity test), the license renders it unless the vendor set one, and the release gate uses
//! it — backports after the window included.

use serde_json::json;
use shared::api::query::Query;
use shared::domain::max_release;
use shared::domain::semver::Version;
use shared::service::distribution::{releases, upgrades};
use shared::service::licensing::licenses;
use shared::service::{Bearer, Caller};
use shared::store::Db;

use crate::support::{block, Env, T0};

const DAY: i64 = 86_400_000;

fn release(env: &Env, admin: &Caller, product: &str, version: &str) -> String {
    let channel = version.parse::<Version>().unwrap().channel().unwrap().as_str().to_owned();
    let body = json!({"data":{"type":"releases","attributes":{"version":version,"channel":channel,"status":"PUBLISHED"},
        "relationships":{"product":{"data":{"type":"products","id":product}}}}});
    let i = releases::parse(body.to_string().as_bytes(), true, shared::Clock::now_ms(&env.clock)).unwrap();
    block(releases::create(&env.app(), admin, i)).unwrap().id
}

fn set_current(env: &Env, admin: &Caller, id: &str, current: Option<&str>) {
    let body = json!({"data":{"type":"licenses","attributes":{"currentReleaseVersion": current}}}).to_string();
    block(licenses::update(&env.app(), admin, id, licenses::parse(body.as_bytes(), false).unwrap())).unwrap();
}

#[test]
fn the_sql_column_equals_the_rule_over_a_table() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let (_, pol) = env.maintained_policy(&admin, &p, "P1Y", json!({}));
    // Published one day apart: day 1 … day 9.
    let versions = ["1.0.0", "1.4.0", "1.5.0", "2.0.0-beta.1", "2.0.0", "1.4.3", "2.1.0", "10.0.0", "1.10.0"];
    for v in versions {
        env.clock.advance(DAY);
        release(&env, &admin, &p.id, v);
    }
    // A draft and another product's release never count.
    let other = env.product(&admin, "Other");
    release(&env, &admin, &other.id, "99.0.0");
    let body = json!({"data":{"type":"releases","attributes":{"version":"50.0.0","channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":p.id}}}}});
    block(releases::create(&env.app(), &admin, releases::parse(body.to_string().as_bytes(), true, 0).unwrap())).unwrap();
    let rows = block(env.db.query(
        "SELECT version, coalesce(backdated_at, published_at, created_at) AS at FROM releases WHERE product_id = ?1 AND status = 'PUBLISHED'",
        &[p.id.clone().into()],
    ))
    .unwrap();
    let published: Vec<(Version, i64)> = rows.iter().map(|r| (r["version"].as_str().unwrap().parse().unwrap(), r["at"].as_i64().unwrap())).collect();
    let l = env.license(&admin, &pol, json!({}));
    let mut checked = 0;
    for end_day in [None, Some(0), Some(1), Some(4), Some(5), Some(6), Some(8), Some(9), Some(30)] {
        let end = end_day.map(|d| T0 + d * DAY + 1);
        block(
            env.db
                .execute("UPDATE licenses SET maintenance_expiry = ?1 WHERE id = ?2", &[end.map_or(serde_json::Value::Null, Into::into), l.id.clone().into()]),
        )
        .unwrap();
        for current in [None, Some("1.4.0"), Some("1.9.9"), Some("2.0.0"), Some("0.1.0"), Some("1.2.3.4"), Some("10.0.0-rc.1")] {
            set_current(&env, &admin, &l.id, current);
            for (major, minor) in [(true, true), (false, true), (true, false), (false, false)] {
                let flags = json!([i64::from(major), i64::from(minor)]).to_string();
                block(env.db.execute(
                    "UPDATE maintenance_policies SET allow_major_version_updates = json_extract(?1, '$[0]'), allow_minor_version_updates = json_extract(?1, '$[1]')",
                    &[flags.into()],
                ))
                .unwrap();
                let row = block(licenses::find(&env.app(), admin.account_id(), &l.id)).unwrap().unwrap();
                let cur = current.and_then(|c| c.parse::<Version>().ok());
                let want = max_release::computed(published.iter().map(|(v, at)| (v, *at)), end, cur.as_ref(), major, minor);
                assert_eq!(
                    row.computed_max_release_version,
                    want.map(|v| v.to_string()),
                    "end day {end_day:?}, current {current:?}, major {major}, minor {minor}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 9 * 7 * 4);
}

#[test]
fn the_license_renders_it_and_the_gate_uses_it_with_backports() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let (_, pol) = env.maintained_policy(&admin, &p, "P1M", json!({}));
    let l = env.license(&admin, &pol, json!({"currentReleaseVersion": "1.4.0"}));
    let mut ids = Vec::new();
    for v in ["1.4.0", "1.9.0"] {
        env.clock.advance(DAY);
        ids.push((release(&env, &admin, &p.id, v), v));
    }
    // After the window (one month): a backport, a patch above the cap, and a new major.
    env.clock.advance(40 * DAY);
    for v in ["1.4.3", "1.9.1", "2.0.0"] {
        ids.push((release(&env, &admin, &p.id, v), v));
    }
    let row = block(licenses::find(&env.app(), admin.account_id(), &l.id)).unwrap().unwrap();
    assert_eq!(row.computed_max_release_version.as_deref(), Some("1.9.0"));
    let doc = shared::api::licenses::license(&row, T0);
    assert_eq!(doc.attributes["maxAllowedReleaseVersion"], "1.9.0", "rendered");
    let lic = Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: l.id.clone() }, token_id: None, permissions: None };
    let shown = |c: &Caller| -> Vec<(&str, u16)> {
        ids.iter().map(|(id, v)| (*v, block(releases::show(&env.app(), c, id, &Query::default())).map_or_else(|e| e.status, |_| 200))).collect()
    };
    assert_eq!(shown(&lic), [("1.4.0", 200), ("1.9.0", 200), ("1.4.3", 200), ("1.9.1", 403), ("2.0.0", 403)], "the backport 1.4.3 passes the window");
    let up = block(upgrades::upgrade(&env.app(), &lic, &ids[0].0, &Query::default())).unwrap();
    assert_eq!(up.next.version, "1.9.0", "the newest the license may get");
    // The vendor's own value wins over the computed one (and `null` returns to it).
    let body = json!({"data":{"type":"licenses","attributes":{"maxAllowedReleaseVersion":"1.4.0"}}}).to_string();
    let row = block(licenses::update(&env.app(), &admin, &l.id, licenses::parse(body.as_bytes(), false).unwrap())).unwrap();
    assert_eq!(shared::api::licenses::license(&row, T0).attributes["maxAllowedReleaseVersion"], "1.4.0");
    assert_eq!(shown(&lic)[1], ("1.9.0", 403));
    let body = json!({"data":{"type":"licenses","attributes":{"maxAllowedReleaseVersion":null}}}).to_string();
    let row = block(licenses::update(&env.app(), &admin, &l.id, licenses::parse(body.as_bytes(), false).unwrap())).unwrap();
    assert_eq!(shared::api::licenses::license(&row, T0).attributes["maxAllowedReleaseVersion"], "1.9.0");
    // Without a maintenance window nothing is computed.
    let free = env.policy(&admin, &p, json!({}));
    let plain = env.license(&admin, &free, json!({}));
    assert_eq!(plain.computed_max_release_version, None);
}

//! Parity: where SQL repeats a domain rule (the `status` filter of `GET /licenses`, the
//! `status` filter of `GET /machines`, the cull job's scans), a grid of rows around every
//! boundary is stored and the SQL must select exactly the rows the Rust rule names. Changing
//! either side alone (a window, a precedence, a default) makes these fail.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use shared::api::licenses::license_status;
use shared::domain::heartbeat::{self, HeartbeatStatus};
use shared::domain::license::{LicenseStatus, EXPIRING_WITHIN_MS, INACTIVE_AFTER_MS};
use shared::domain::policy::PolicyConfig;
use shared::service::catalogue::policies;
use shared::service::Caller;
use shared::store::rows::{LicenseRow, MachineRow, PolicyRow};
use shared::store::{fetch_all, sql, Db};

use crate::support::{block, Env, T0};

const NOW: i64 = T0 + 400 * 86_400_000;

fn exec(env: &Env, q: &str, params: Vec<Value>) {
    block(env.db.execute(q, &params)).unwrap();
}

fn ids<T>(rows: &[T], id: impl Fn(&T) -> &str) -> BTreeSet<String> {
    rows.iter().map(|r| id(r).to_owned()).collect()
}

fn license_list(env: &Env, account: &str, status: Value) -> Vec<LicenseRow> {
    // ?15/?16 are the query operators, ?17 the organization, ?18–?28 Keygen's further scopes,
    // ?29 the reseller (NULL here); ?30 limit, ?31 offset.
    let mut p = vec![Value::Null; 31];
    p[0] = account.into();
    p[7] = status;
    p[8] = NOW.into();
    p[29] = 100_000.into();
    p[30] = 0.into();
    block(fetch_all(&env.db, sql::licenses::LIST, &p)).unwrap()
}

#[test]
fn license_status_filter_selects_what_the_rust_rule_renders() {
    let env = Env::new();
    let admin = env.admin();
    let account = admin.account_id().to_owned();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    for (id, banned) in [("u-ok", Value::Null), ("u-banned", Value::from(NOW - 5))] {
        exec(
            &env,
            "INSERT INTO users (id, account_id, email, banned_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            vec![id.into(), account.clone().into(), format!("{id}@example.test").into(), banned, T0.into()],
        );
    }
    let expiries =
        [None, Some(NOW - 1), Some(NOW), Some(NOW + 1), Some(NOW + EXPIRING_WITHIN_MS - 1), Some(NOW + EXPIRING_WITHIN_MS), Some(NOW + EXPIRING_WITHIN_MS + 1)];
    let idle = NOW - INACTIVE_AFTER_MS;
    // (created_at, last validated, last check-in, last check-out)
    let activity = [
        (idle - 1, None, None, None),
        (idle, None, None, None),
        (idle + 1, None, None, None),
        (idle - 10, Some(idle - 1), Some(idle + 1), None),
        (idle - 10, None, Some(idle - 1), Some(idle - 2)),
        (idle - 10, Some(idle), None, None),
        (idle - 10, None, None, Some(idle + 1)),
    ];
    let owners = [None, Some("u-ok"), Some("u-banned")];
    let mut n = 0;
    for expiry in expiries {
        for (created, validated, check_in, check_out) in activity {
            for suspended in [0, 1] {
                for owner in owners {
                    let l = env.license(&admin, &policy, json!({}));
                    exec(
                        &env,
                        "UPDATE licenses SET expiry = ?2, created_at = ?3, last_validated_at = ?4, last_check_in_at = ?5, last_check_out_at = ?6, suspended = ?7, owner_id = ?8 WHERE id = ?1",
                        vec![l.id.into(), expiry.into(), created.into(), validated.into(), check_in.into(), check_out.into(), suspended.into(), owner.into()],
                    );
                    n += 1;
                }
            }
        }
    }
    let all = license_list(&env, &account, Value::Null);
    assert_eq!(all.len(), n);
    let mut seen = BTreeSet::new();
    for s in LicenseStatus::ALL {
        let rust: Vec<&LicenseRow> = all.iter().filter(|l| license_status(l, NOW) == s.as_str()).collect();
        let sql_rows = license_list(&env, &account, s.as_str().into());
        assert_eq!(ids(&sql_rows, |l| &l.id), rust.iter().map(|l| l.id.clone()).collect(), "status {s}: SQL filter and Rust rule disagree");
        assert!(!rust.is_empty(), "the grid must cover {s}");
        seen.extend(rust.iter().map(|l| l.id.clone()));
    }
    assert_eq!(seen.len(), n, "every row has exactly one status");
}

/// Policies covering every heartbeat strategy combination the policy rules accept.
fn heartbeat_policies(env: &Env, admin: &Caller) -> Vec<PolicyRow> {
    let product = env.product(admin, "Heartbeats");
    let mut out = Vec::new();
    for revive in ["NO_REVIVE", "1_MINUTE_REVIVE", "2_MINUTE_REVIVE", "5_MINUTE_REVIVE", "10_MINUTE_REVIVE", "15_MINUTE_REVIVE", "ALWAYS_REVIVE"] {
        for cull in ["DEACTIVATE_DEAD", "KEEP_DEAD"] {
            for require in [false, true] {
                for duration in [None, Some(120)] {
                    let mut a = json!({"name": "P", "floating": true, "maxMachines": 1000, "maxProcesses": 1000, "requireHeartbeat": require,
                        "heartbeatResurrectionStrategy": revive, "heartbeatCullStrategy": cull});
                    if let Some(d) = duration {
                        a["heartbeatDuration"] = d.into();
                    }
                    let body = json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
                    let parsed = policies::parse(body.to_string().as_bytes(), true);
                    if let Ok(p) = parsed.and_then(|p| block(policies::create(&env.app(), admin, p))) {
                        out.push(p);
                    }
                }
            }
        }
    }
    assert!(out.len() >= 40, "most combinations are valid policies ({})", out.len());
    out
}

/// Heartbeat instants around every boundary of `cfg` at [`NOW`].
fn instants(cfg: &PolicyConfig) -> Vec<i64> {
    let dur = cfg.heartbeat_duration_secs() * 1000;
    let ttl = cfg.lazarus_ttl_secs().unwrap_or(0) * 1000;
    let mut v = Vec::new();
    for base in [NOW - dur, NOW - dur - ttl, NOW] {
        v.extend([base - 1, base, base + 1]);
    }
    v
}

#[test]
fn cull_scans_select_exactly_what_the_rust_cull_rule_acts_on() {
    let env = Env::new();
    let admin = env.admin();
    let account = admin.account_id().to_owned();
    let (mut want_m, mut want_p) = (BTreeSet::new(), BTreeSet::new());
    let (mut alive, mut dead) = (BTreeSet::new(), BTreeSet::new());
    let mut n = 0;
    for p in heartbeat_policies(&env, &admin) {
        let cfg = p.config();
        let l = env.license(&admin, &p, json!({}));
        let mut grid: Vec<(i64, Option<i64>)> = instants(&cfg).into_iter().map(|t| (t, None)).collect();
        grid.extend(instants(&cfg).into_iter().map(|t| (NOW - 86_400_000, Some(t))));
        for (created, hb) in grid {
            for death in [None, hb.map(|h| h - 1), hb, hb.map(|h| h + 1), Some(NOW - 1)] {
                n += 1;
                let id = format!("m{n:05}");
                exec(
                    &env,
                    "INSERT INTO machines (id, account_id, license_id, product_id, policy_id, fingerprint, last_heartbeat_at, last_death_event_at, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?1, ?6, ?7, ?8, ?8)",
                    vec![id.clone().into(), account.clone().into(), l.id.clone().into(), p.product_id.clone().into(), p.id.clone().into(), hb.into(), death.into(), created.into()],
                );
                if heartbeat::cull_machine(&cfg, created, hb, death, NOW).is_some_and(|d| d.has_work()) {
                    want_m.insert(id.clone());
                }
                match heartbeat::machine_status_for(&cfg, created, hb, NOW) {
                    HeartbeatStatus::Dead => dead.insert(id.clone()),
                    _ => alive.insert(id.clone()),
                };
                if let Some(hb) = hb {
                    let pid = format!("p{n:05}");
                    exec(
                        &env,
                        "INSERT INTO processes (id, account_id, machine_id, license_id, pid, last_heartbeat_at, last_death_event_at, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?1, ?5, ?6, ?5, ?5)",
                        vec![pid.clone().into(), account.clone().into(), id.into(), l.id.clone().into(), hb.into(), death.into()],
                    );
                    if heartbeat::cull_process(&cfg, hb, death, NOW).is_some_and(|d| d.has_work()) {
                        want_p.insert(pid);
                    }
                }
            }
        }
    }
    let scan = |q: &str| -> BTreeSet<String> {
        let rows = block(env.db.query(q, &[String::new().into(), NOW.into(), 1_000_000.into()])).unwrap();
        rows.iter().map(|r| r["id"].as_str().unwrap_or_default().to_owned()).collect()
    };
    assert!(!want_m.is_empty() && !want_p.is_empty(), "the grid covers rows to cull");
    assert_eq!(scan(sql::jobs::CULL_MACHINES), want_m, "machine cull: SQL scan and Rust rule disagree");
    assert_eq!(scan(sql::jobs::CULL_PROCESSES), want_p, "process cull: SQL scan and Rust rule disagree");

    let list = |status: &str| -> BTreeSet<String> {
        // ?13 is the query operators, ?14 the organization, ?15–?17 metadata/ip/hostname, ?18
        // the reseller, ?19 a user's email (NULL here); ?20 limit, ?21 offset.
        let mut p = vec![Value::Null; 21];
        p[0] = account.clone().into();
        p[7] = status.into();
        p[8] = NOW.into();
        p[19] = 1_000_000.into();
        p[20] = 0.into();
        let rows: Vec<MachineRow> = block(fetch_all(&env.db, sql::machines::LIST, &p)).unwrap();
        ids(&rows, |m| &m.id)
    };
    assert!(!alive.is_empty() && !dead.is_empty());
    assert_eq!(list("ALIVE"), alive, "machine status filter ALIVE: SQL and Rust disagree");
    assert_eq!(list("DEAD"), dead, "machine status filter DEAD: SQL and Rust disagree");
}

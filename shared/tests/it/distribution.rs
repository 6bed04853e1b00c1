//! Distribution on SQLite with the real migrations: releases ordered by precedence through the
//! stored sort key, version/tag uniqueness, upgrades within channels and constraints, the
//! release access rule applied to licenses (maintenance window included), uploads settling
//! once, multipart parts in the in-memory bucket, and the stale-upload sweep.

use serde_json::json;
use shared::api::query::Query;
use shared::domain::release::ArtifactStatus;
use shared::service::distribution::{artifacts, releases, transfer, upgrades};
use shared::service::{Bearer, Caller};
use shared::store::distribution::{Blobs, MemoryBlobs, Part, MIN_PART_BYTES};
use shared::store::Db;

use crate::support::{block, Env};

fn release(env: &Env, admin: &Caller, product: &str, version: &str, channel: &str, status: &str) -> shared::store::distribution::ReleaseRow {
    let body = json!({"data":{"type":"releases","attributes":{"version":version,"channel":channel,"status":status},
        "relationships":{"product":{"data":{"type":"products","id":product}}}}});
    let i = releases::parse(body.to_string().as_bytes(), true, shared::Clock::now_ms(&env.clock)).unwrap();
    block(releases::create(&env.app(), admin, i)).unwrap()
}

#[test]
fn releases_sort_by_precedence_in_sql_and_upgrades_stay_in_channel() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let open = json!({"data":{"type":"products","attributes":{"distributionStrategy":"OPEN"}}});
    block(shared::service::catalogue::products::update(
        &env.app(),
        &admin,
        &p.id,
        shared::service::catalogue::products::parse(open.to_string().as_bytes(), false).unwrap(),
    ))
    .unwrap();
    for (v, c) in [("1.10.0", "stable"), ("1.2.0", "stable"), ("1.2.0-rc.1", "rc"), ("1.2.0-beta.11", "beta"), ("1.2.0-beta.2", "beta"), ("2.0.0-dev.1", "dev")]
    {
        release(&env, &admin, &p.id, v, c, "PUBLISHED");
    }
    let base = release(&env, &admin, &p.id, "1.0.0", "stable", "PUBLISHED");
    let rows = block(env.db.query("SELECT version FROM releases ORDER BY semver_key", &[])).unwrap();
    let order: Vec<&str> = rows.iter().map(|r| r["version"].as_str().unwrap()).collect();
    assert_eq!(order, ["1.0.0", "1.2.0-beta.2", "1.2.0-beta.11", "1.2.0-rc.1", "1.2.0", "1.10.0", "2.0.0-dev.1"]);
    let anon = Caller { account: admin.account.clone(), bearer: Bearer::Anonymous, token_id: None, permissions: None };
    let up = |q: &str| block(upgrades::upgrade(&env.app(), &anon, &base.id, &Query::parse(q))).map(|u| u.next.version);
    assert_eq!(up("").unwrap(), "1.10.0");
    assert_eq!(up("constraint=1.2.0").unwrap(), "1.2.0");
    assert_eq!(up("channel=dev").unwrap(), "2.0.0-dev.1");
    assert_eq!(up("constraint=2").unwrap_err().status, 404);
    // Uniqueness: version (normalized) and tag per product and package.
    let body = json!({"data":{"type":"releases","attributes":{"version":"v1.10","channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":p.id}}}}});
    let e = block(releases::create(&env.app(), &admin, releases::parse(body.to_string().as_bytes(), true, 0).unwrap())).unwrap_err();
    assert_eq!(e.code, "VERSION_TAKEN");
}

#[test]
fn the_access_rule_gates_licenses_including_the_maintenance_window() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 5}));
    let l = env.license(&admin, &pol, json!({}));
    let r = release(&env, &admin, &p.id, "1.0.0", "stable", "PUBLISHED");
    let lic = Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: l.id.clone() }, token_id: None, permissions: None };
    assert!(block(releases::show(&env.app(), &lic, &r.id, &Query::default())).is_ok());
    // Cryptlex's maintenance window: a release published after it is refused.
    block(env.db.execute("UPDATE licenses SET maintenance_expiry = ?1 WHERE id = ?2", &[(r.created_at - 1).into(), l.id.clone().into()])).unwrap();
    let e = block(releases::show(&env.app(), &lic, &r.id, &Query::default())).unwrap_err();
    assert_eq!(e.status, 403);
    assert!(e.detail.contains("maintenance"), "{}", e.detail);
    // A draft is hidden (404), and a license of another product sees nothing.
    let d = release(&env, &admin, &p.id, "1.1.0", "stable", "DRAFT");
    assert_eq!(block(releases::show(&env.app(), &lic, &d.id, &Query::default())).unwrap_err().status, 404);
}

#[test]
fn an_upload_settles_once_and_a_mismatch_fails() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let r = release(&env, &admin, &p.id, "1.0.0", "stable", "PUBLISHED");
    let body =
        json!({"data":{"type":"artifacts","attributes":{"filename":"a.bin","filesize":3},"relationships":{"release":{"data":{"type":"releases","id":r.id}}}}});
    let (a, link) = block(artifacts::create(&env.app(), &admin, artifacts::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
    assert!(link.starts_with(transfer::PREFIX));
    let dup = block(artifacts::create(&env.app(), &admin, artifacts::parse(body.to_string().as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(dup.code, "FILENAME_TAKEN");
    let settled = block(transfer::settle(&env.app(), &a, "k1", 3, true)).unwrap();
    assert_eq!((settled.status, settled.r2_key.as_str()), (ArtifactStatus::Uploaded, "k1"), "the winner's object is the one recorded");
    assert_eq!(block(transfer::settle(&env.app(), &a, "k1", 3, true)).unwrap_err().status, 409, "a second upload cannot settle it again");
    let body =
        json!({"data":{"type":"artifacts","attributes":{"filename":"b.bin","filesize":3},"relationships":{"release":{"data":{"type":"releases","id":r.id}}}}});
    let (b, _) = block(artifacts::create(&env.app(), &admin, artifacts::parse(body.to_string().as_bytes(), true).unwrap())).unwrap();
    assert_eq!(block(transfer::settle(&env.app(), &b, "k2", 4, true)).unwrap_err().code, "FILESIZE_INVALID");
    let events: Vec<String> = env.events().into_iter().map(|(e, _)| e).collect();
    assert_eq!(events.iter().filter(|e| *e == "artifact.uploaded").count(), 1);
    assert_eq!(events.iter().filter(|e| *e == "artifact.upload.failed").count(), 1);
}

#[test]
fn the_memory_bucket_enforces_r2_part_sizes() {
    let b = MemoryBlobs::default();
    let id = block(b.create_multipart("k")).unwrap();
    let p1 = block(b.upload_part("k", &id, 1, vec![1; 10])).unwrap();
    let p2 = block(b.upload_part("k", &id, 2, vec![2; 10])).unwrap();
    assert!(block(b.complete_multipart("k", &id, vec![p1, p2])).is_err(), "a small non-final part is refused");
    let id = block(b.create_multipart("k")).unwrap();
    let p1 = block(b.upload_part("k", &id, 1, vec![1; MIN_PART_BYTES])).unwrap();
    let p2: Part = block(b.upload_part("k", &id, 2, vec![2; 3])).unwrap();
    block(b.complete_multipart("k", &id, vec![p1, p2])).unwrap();
    assert_eq!(block(b.head("k")).unwrap().map(|h| h.size), Some(MIN_PART_BYTES as u64 + 3));
    assert_eq!(block(b.get("k", Some((MIN_PART_BYTES as u64, MIN_PART_BYTES as u64 + 9)))).unwrap(), Some(vec![2; 3]));
}

#[test]
fn the_daily_cron_deletes_stale_waiting_artifacts_only() {
    use shared::service::lifecycle::http_fake::RecordingHttp;
    use shared::service::lifecycle::jobs;
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let r = release(&env, &admin, &p.id, "1.0.0", "stable", "PUBLISHED");
    let make = |name: &str| {
        let body = json!({"data":{"type":"artifacts","attributes":{"filename":name},"relationships":{"release":{"data":{"type":"releases","id":r.id}}}}});
        block(artifacts::create(&env.app(), &admin, artifacts::parse(body.to_string().as_bytes(), true).unwrap())).unwrap().0
    };
    let (stale, done) = (make("stale.bin"), make("done.bin"));
    block(transfer::settle(&env.app(), &done, "k3", 0, true)).unwrap();
    env.clock.advance(shared::clock::DAY_MS + 1);
    let fresh = make("fresh.bin");
    let run = || block(jobs::run(&env.app(), &RecordingHttp::default(), jobs::CRON_DAILY, &jobs::Settings::free(false)));
    let rep = run();
    let job = rep.jobs.iter().find(|j| j.job == "prune-stale-uploads").expect("the job is in the report");
    assert_eq!((job.deleted, job.done), (1, true));
    let left = block(env.db.query("SELECT id FROM artifacts ORDER BY created_at", &[])).unwrap();
    let ids: Vec<&str> = left.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [done.id.as_str(), fresh.id.as_str()]);
    assert!(!ids.contains(&stale.id.as_str()));
    assert_eq!(run().jobs.iter().find(|j| j.job == "prune-stale-uploads").map(|j| j.deleted), Some(0), "idempotent");
}

#[test]
fn release_versions_are_gated_by_max_allowed_and_the_maintenance_policy_flags() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let (_, pol) = env.maintained_policy(&admin, &p, "P1Y", json!({}));
    let l = env.license(&admin, &pol, json!({"currentReleaseVersion": "1.4.0", "maxAllowedReleaseVersion": "2.5.0"}));
    let lic = Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: l.id.clone() }, token_id: None, permissions: None };
    let ids: Vec<(String, &str)> =
        ["1.4.2", "1.9.0", "2.1.0", "2.6.0"].iter().map(|v| (release(&env, &admin, &p.id, v, "stable", "PUBLISHED").id, *v)).collect();
    let shown = |c: &Caller| -> Vec<(&str, u16)> {
        ids.iter().map(|(id, v)| (*v, block(releases::show(&env.app(), c, id, &Query::default())).map_or_else(|e| e.status, |_| 200))).collect()
    };
    assert_eq!(shown(&lic), [("1.4.2", 200), ("1.9.0", 200), ("2.1.0", 200), ("2.6.0", 403)], "past maxAllowedReleaseVersion");
    let up = |c: &Caller| block(upgrades::upgrade(&env.app(), c, &ids[0].0, &Query::parse(""))).map(|u| u.next.version).map_err(|e| e.status);
    assert_eq!(up(&lic), Ok("2.1.0".to_owned()), "the newest the license may get, not 2.6.0");
    // The maintenance policy refuses major, then minor updates (relative to 1.4.0).
    block(env.db.execute("UPDATE maintenance_policies SET allow_major_version_updates = 0", &[])).unwrap();
    assert_eq!(shown(&lic), [("1.4.2", 200), ("1.9.0", 200), ("2.1.0", 403), ("2.6.0", 403)]);
    block(env.db.execute("UPDATE maintenance_policies SET allow_minor_version_updates = 0", &[])).unwrap();
    assert_eq!(shown(&lic), [("1.4.2", 200), ("1.9.0", 403), ("2.1.0", 403), ("2.6.0", 403)]);
    let e = block(releases::show(&env.app(), &lic, &ids[1].0, &Query::default())).unwrap_err();
    assert!(e.detail.contains("release version is not allowed"), "{}", e.detail);
    // The vendor sees every release; upgrades from 1.4.2 stop at what the license may get.
    assert_eq!(shown(&admin), [("1.4.2", 200), ("1.9.0", 200), ("2.1.0", 200), ("2.6.0", 200)]);
    assert_eq!(up(&lic), Err(404), "no allowed upgrade past 1.4.2");
    assert_eq!(up(&admin), Ok("2.6.0".to_owned()));
}

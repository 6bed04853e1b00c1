//! Distribution on the real runtime: releases, artifacts uploaded through the Worker's own
//! signed link into R2 (single put and multipart), downloads with `Range`, checksum mismatch,
//! yank, upgrades, and the release access rule for each bearer and product strategy.

#[path = "distribution/support.rs"]
mod support;

use serde_json::json;
use sha2::{Digest as _, Sha256};
use support::{id, Dist};

#[test]
fn upload_then_download_with_range_and_no_redirect() {
    let d = Dist::new();
    let p = d.product("LICENSED");
    let (_, tok) = d.license(&d.policy(&p, json!({})), json!({}));
    let r = d.release(&p, "1.0.0", "stable", json!({}));
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let sum = hex::encode(Sha256::digest(&bytes));
    let (a, url) = d.artifact(&r, "app-1.0.0.tar.gz", json!({"filetype":"gz","platform":"Linux","arch":"x86_64","filesize":1000,"checksum":sum}));
    assert!(url.contains("/v1/transfers/"), "{url}");
    let up = d.put(&url, &bytes);
    assert_eq!(up.status, 200, "{}", up.text());
    // The link is spent: the artifact is no longer WAITING.
    assert_eq!(d.put(&url, &bytes).status, 422);
    let show = d.get(&format!("/artifacts/{a}"), d.acct.admin());
    assert_eq!(show.status, 303, "{}", show.json);
    assert_eq!(show.json["data"]["attributes"]["status"], "UPLOADED");
    assert_eq!(show.json["data"]["attributes"]["platform"], "linux");
    // A license of the product downloads, by id, by filename and through the vanity URL.
    for path in [
        format!("/artifacts/{a}"),
        "/artifacts/app-1.0.0.tar.gz".to_owned(),
        format!("/artifacts/{a}/app-1.0.0.tar.gz"),
        format!("/releases/{r}/artifacts/app-1.0.0.tar.gz"),
    ] {
        let res = d.get(&path, Some(&tok));
        assert_eq!(res.status, 303, "{path}: {}", res.json);
    }
    let loc = d.get(&format!("/artifacts/{a}"), Some(&tok)).header("location").unwrap_or_default().to_owned();
    let full = d.get_url(&loc, &[]);
    assert_eq!((full.status, full.body.len()), (200, 1000));
    assert_eq!(full.body, bytes);
    let part = d.get_url(&loc, &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some("bytes 10-19/1000"));
    assert_eq!(part.body, bytes[10..20].to_vec());
    let tail = d.get_url(&loc, &[("Range", "bytes=-5")]);
    assert_eq!((tail.status, tail.body.clone()), (206, bytes[995..].to_vec()));
    let past = d.get_url(&loc, &[("Range", "bytes=1000-")]);
    assert_eq!((past.status, past.json["errors"][0]["code"].as_str()), (416, Some("RANGE_NOT_SATISFIABLE")));
    // A tampered link is refused; no-redirect answers 200 with the Location.
    let bad = d.get_url(&loc.replace("signature=", "signature=0"), &[]);
    assert_eq!((bad.status, bad.json["errors"][0]["code"].as_str()), (403, Some("LINK_INVALID")));
    let nr = d.c.raw("GET", &d.acct.path(&format!("/artifacts/{a}")), &[("Authorization", &format!("Bearer {tok}")), ("Prefer", "no-redirect")], None);
    assert_eq!(nr.status, 200);
    assert!(nr.header("location").is_some_and(|l| l.contains("/download?")));
    // ttl is bounded (and only admins and products choose it).
    assert_eq!(d.get(&format!("/artifacts/{a}?ttl=5"), d.acct.admin()).status, 400);
    assert_eq!(d.get(&format!("/artifacts/{a}?ttl=3600"), d.acct.admin()).status, 303);
}

#[test]
fn a_large_upload_goes_multipart_and_a_bad_checksum_fails_the_artifact() {
    let d = Dist::new();
    let p = d.product("OPEN");
    let r = d.release(&p, "2.0.0", "stable", json!({}));
    let big: Vec<u8> = (0..(11 * 1024 * 1024 + 123)).map(|i: usize| (i % 251) as u8).collect();
    let (a, url) = d.artifact(&r, "big.bin", json!({"checksum": hex::encode(Sha256::digest(&big))}));
    d.put(&url, &big).assert_status(200);
    let loc = d.get(&format!("/artifacts/{a}"), None).header("location").unwrap_or_default().to_owned();
    let got = d.get_url(&loc, &[]);
    assert_eq!(got.body.len(), big.len());
    assert!(got.body == big, "multipart bytes differ");
    let mid = d.get_url(&loc, &[("Range", "bytes=6291456-6291465")]);
    assert_eq!(mid.body, big[6_291_456..6_291_466].to_vec());
    // Checksum mismatch → 422 CHECKSUM_INVALID and FAILED; filesize mismatch likewise.
    let (bad, url) = d.artifact(&r, "bad.bin", json!({"checksum": hex::encode(Sha256::digest(b"other"))}));
    let res = d.put(&url, b"these are not the bytes");
    assert_eq!((res.status, res.json["errors"][0]["code"].as_str()), (422, Some("CHECKSUM_INVALID")), "{}", res.text());
    let shown = d.get(&format!("/artifacts/{bad}"), d.acct.admin());
    assert_eq!((shown.status, shown.json["data"]["attributes"]["status"].as_str()), (200, Some("FAILED")));
    assert_eq!(d.get(&format!("/artifacts/{bad}"), None).status, 404, "a failed artifact is nobody's download");
    let (sized, url) = d.artifact(&r, "sized.bin", json!({"filesize": 3}));
    assert_eq!(d.put(&url, b"four").json["errors"][0]["code"], "FILESIZE_INVALID");
    assert_eq!(d.get(&format!("/artifacts/{sized}"), d.acct.admin()).json["data"]["attributes"]["status"], "FAILED");
}

#[test]
fn who_may_download_follows_the_strategy_and_the_license() {
    let d = Dist::new();
    let bytes = b"payload";
    let open = d.product("OPEN");
    let licensed = d.product("LICENSED");
    let closed = d.product("CLOSED");
    let (_, open_a) = d.uploaded(&open, "1.0.0", json!({}), bytes);
    let (_, lic_a) = d.uploaded(&licensed, "1.0.0", json!({}), bytes);
    let (_, closed_a) = d.uploaded(&closed, "1.0.0", json!({}), bytes);
    let (_, tok) = d.license(&d.policy(&licensed, json!({})), json!({}));
    let (_, other) = d.license(&d.policy(&open, json!({})), json!({}));
    let (_, closed_tok) = d.license(&d.policy(&closed, json!({})), json!({}));
    let st = |a: &str, who: Option<&str>| d.get(&format!("/artifacts/{a}"), who).status;
    // (artifact, bearer, status)
    let table: [(&str, Option<&str>, u16); 9] = [
        (&open_a, None, 303),
        (&open_a, Some(&tok), 303),
        (&lic_a, None, 404),
        (&lic_a, Some(&tok), 303),
        (&lic_a, Some(&other), 404),
        (&closed_a, None, 404),
        (&closed_a, Some(&closed_tok), 404),
        (&closed_a, d.acct.admin(), 303),
        (&lic_a, d.acct.admin(), 303),
    ];
    for (i, (a, who, want)) in table.iter().enumerate() {
        assert_eq!(st(a, *who), *want, "row {i}");
    }
    // Releases follow the same rule: lists are scoped.
    let n = |who: Option<&str>| d.get("/releases", who).json["data"].as_array().map_or(0, Vec::len);
    assert_eq!((n(None), n(Some(&tok)), n(d.acct.admin())), (1, 2, 3));
}

#[test]
fn suspended_expired_and_entitlement_rules() {
    let d = Dist::new();
    let p = d.product("LICENSED");
    let hour = 3_600_000i64;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_millis() as i64);
    let iso = |ms: i64| {
        let secs = ms.div_euclid(1000);
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // civil-from-days (Howard Hinnant)
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
    };
    // Released now; another backdated before the licenses expired.
    let (_, now_a) = d.uploaded(&p, "2.0.0", json!({}), b"x");
    let (_, old_a) = d.uploaded(&p, "1.0.0", json!({"backdated": iso(now - 3 * hour)}), b"x");
    let expired = iso(now - 2 * hour);
    let st = |a: &str, who: &str| {
        let r = d.get(&format!("/artifacts/{a}"), Some(who));
        (r.status, r.json["errors"][0]["code"].as_str().map(str::to_owned), r.json["errors"][0]["detail"].as_str().map(str::to_owned))
    };
    for (strategy, now_status, old_status) in
        [("RESTRICT_ACCESS", 403, 303), ("MAINTAIN_ACCESS", 403, 303), ("ALLOW_ACCESS", 303, 303), ("REVOKE_ACCESS", 403, 403)]
    {
        let (_, tok) = d.license(&d.policy(&p, json!({"expirationStrategy": strategy, "duration": 86_400})), json!({"expiry": expired}));
        let (s_now, code, detail) = st(&now_a, &tok);
        assert_eq!((s_now, st(&old_a, &tok).0), (now_status, old_status), "{strategy}: {code:?} {detail:?}");
        if strategy == "REVOKE_ACCESS" {
            assert_eq!(code.as_deref(), Some("LICENSE_EXPIRED"), "refused at authentication, as Keygen");
        } else if s_now == 403 {
            assert!(detail.is_some_and(|d| d.contains("license expiry falls outside of access window")));
        }
    }
    // Suspended: a license bearer is refused at authentication; a user through the rule.
    let pol = d.policy(&p, json!({}));
    let user = id(&d.admin_post("/users", json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", e2e::unique_tag())}}})));
    let l = id(&d.admin_post(
        "/licenses",
        json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol}},"owner":{"data":{"type":"users","id":user}}}}}),
    ));
    let ut = d.admin_post(&format!("/users/{user}/tokens"), json!({"data":{"type":"tokens","attributes":{}}}));
    let ut = ut["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(st(&now_a, &ut).0, 303);
    d.admin_post(&format!("/licenses/{l}/actions/suspend"), json!(null));
    let (s, _, detail) = st(&now_a, &ut);
    assert_eq!(s, 403);
    assert!(detail.is_some_and(|d| d.contains("license is suspended")));
    // Entitlement constraints: every one is needed.
    let e1 = id(&d.admin_post("/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"E1","code":e2e::unique_tag()}}})));
    let r = d.release(&p, "3.0.0", "stable", json!({}));
    let (gated, url) = d.artifact(&r, "gated.bin", json!({}));
    d.put(&url, b"g").assert_status(200);
    let c = d.c.post(
        &d.acct.path(&format!("/releases/{r}/constraints")),
        d.acct.admin(),
        Some(json!({"data":[{"type":"constraints","relationships":{"entitlement":{"data":{"type":"entitlements","id":e1}}}}]})),
    );
    assert_eq!(c.status, 200, "{}", c.json);
    let (lid, tok) = d.license(&pol, json!({}));
    let (s, _, detail) = st(&gated, &tok);
    assert_eq!(s, 403);
    assert!(detail.is_some_and(|d| d.contains("license is missing entitlements")));
    d.admin_post(&format!("/licenses/{lid}/entitlements"), json!({"data":[{"type":"entitlements","id":e1}]}));
    assert_eq!(st(&gated, &tok).0, 303);
    let listed = d.get(&format!("/releases/{r}/constraints"), d.acct.admin());
    let cid = listed.json["data"][0]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(listed.json["data"][0]["relationships"]["entitlement"]["data"]["id"], e1.as_str());
    let del = d.c.delete(&d.acct.path(&format!("/releases/{r}/constraints")), d.acct.admin(), Some(json!({"data":[{"type":"constraints","id":cid}]})));
    assert_eq!(del.status, 204);
    let again = d.c.delete(&d.acct.path(&format!("/releases/{r}/constraints")), d.acct.admin(), Some(json!({"data":[{"type":"constraints","id":cid}]})));
    assert_eq!((again.status, again.json["errors"][0]["source"]["pointer"].as_str()), (422, Some("/data/0")));
}

#[test]
fn yank_hides_a_release_and_upgrades_pick_the_newest_accessible() {
    let d = Dist::new();
    let p = d.product("OPEN");
    let v100 = d.release(&p, "1.0.0", "stable", json!({}));
    d.release(&p, "1.1.0", "stable", json!({}));
    let v120b = d.release(&p, "1.2.0-beta.1", "beta", json!({}));
    d.release(&p, "2.0.0", "stable", json!({"tag":"latest"}));
    let up = |q: &str| d.get(&format!("/releases/{v100}/upgrade{q}"), None);
    let r = up("");
    assert_eq!((r.status, r.json["meta"]["next"].as_str()), (200, Some("2.0.0")), "{}", r.json);
    assert_eq!(up("?constraint=1").json["meta"]["next"], "1.1.0");
    assert_eq!(up("?constraint=1&channel=beta").json["meta"]["next"], "1.2.0-beta.1");
    let bad = up("?constraint=one");
    assert_eq!(
        (bad.status, bad.json["errors"][0]["code"].as_str(), bad.json["errors"][0]["source"]["parameter"].as_str()),
        (400, Some("CONSTRAINT_INVALID"), Some("constraint"))
    );
    // Lookup by version and tag.
    assert_eq!(d.get("/releases/latest", None).json["data"]["attributes"]["version"], "2.0.0");
    assert_eq!(d.get("/releases/1.1.0/upgrade", None).json["meta"]["next"], "2.0.0");
    // Yank 2.0.0: hidden from anonymous callers and upgrades; the admin still sees it.
    let y = d.c.post(&d.acct.path("/releases/latest/actions/yank"), d.acct.admin(), None);
    assert_eq!(y.json["data"]["attributes"]["status"], "YANKED");
    assert_eq!(d.get("/releases/latest", None).status, 404);
    assert_eq!(d.get("/releases/latest", d.acct.admin()).status, 200);
    assert_eq!(up("").json["meta"]["next"], "1.1.0");
    // Up to date → 404 NOT_FOUND (Keygen ≥ 1.1).
    let none = d.get("/releases/1.1.0/upgrade", None);
    assert_eq!((none.status, none.error_code()), (404, Some("NOT_FOUND")));
    // Version rules.
    let bad = d.c.post(
        &d.acct.path("/releases"),
        d.acct.admin(),
        Some(json!({"data":{"type":"releases","attributes":{"version":"3.0.0-beta.1","channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":p}}}}})),
    );
    assert_eq!((bad.status, bad.error_code()), (422, Some("VERSION_CHANNEL_INVALID")));
    let taken = d.c.post(
        &d.acct.path("/releases"),
        d.acct.admin(),
        Some(json!({"data":{"type":"releases","attributes":{"version":"v1.1","channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":p}}}}})),
    );
    assert_eq!((taken.status, taken.error_code()), (422, Some("VERSION_TAKEN")));
    // A draft is invisible to anonymous callers; publishing shows it.
    let draft = id(&d.admin_post(
        "/releases",
        json!({"data":{"type":"releases","attributes":{"version":"1.3.0","channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":p}}}}}),
    ));
    assert_eq!(d.get(&format!("/releases/{draft}"), None).status, 404);
    d.c.post(&d.acct.path(&format!("/releases/{draft}/actions/publish")), d.acct.admin(), None).assert_status(200);
    assert_eq!(d.get(&format!("/releases/{draft}"), None).status, 200);
    assert_eq!(d.get(&format!("/releases/{v120b}"), None).json["data"]["attributes"]["channel"], "beta");
}

#[test]
fn concurrent_uploads_to_one_link_settle_once() {
    let d = Dist::new();
    let p = d.product("OPEN");
    let r = d.release(&p, "1.0.0", "stable", json!({}));
    let (aid, url) = d.artifact(&r, "race.bin", json!({}));
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..6).map(|_| s.spawn(|| d.put(&url, b"same bytes").status)).collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| matches!(s, 200 | 409 | 422)), "{statuses:?}");
    assert_eq!(d.get(&format!("/artifacts/{aid}"), d.acct.admin()).json["data"]["attributes"]["status"], "UPLOADED");
}

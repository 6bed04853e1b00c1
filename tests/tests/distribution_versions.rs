//! Release versions a license may get (issue 10 §5 follow-up, Cryptlex's maintenance policy) on
//! the real runtime: `maxAllowedReleaseVersion` and the maintenance policy's
//! `allowMajorVersionUpdates` / `allowMinorVersionUpdates` (relative to `currentReleaseVersion`)
//! gate release reads, artifact downloads and upgrades for the license (403 `FORBIDDEN` with its
//! own reason; upgrades pick the newest version the license may get); admins see everything.

#[path = "distribution/support.rs"]
mod support;

use serde_json::json;
use support::{id, Dist};

#[test]
fn max_allowed_and_major_updates_gate_downloads_and_upgrades() {
    let d = Dist::new();
    let p = d.product("LICENSED");
    let bytes = b"payload";
    let (r142, a142) = d.uploaded(&p, "1.4.2", json!({}), bytes);
    let (r190, a190) = d.uploaded(&p, "1.9.0", json!({}), bytes);
    let (r210, a210) = d.uploaded(&p, "2.1.0", json!({}), bytes);
    let download = |a: &str, who: Option<&str>| d.get(&format!("/artifacts/{a}"), who).status;
    let read = |r: &str, who: Option<&str>| d.get(&format!("/releases/{r}"), who).status;
    let upgrade = |who: Option<&str>| {
        let r = d.get(&format!("/releases/{r142}/upgrade"), who);
        (r.status, r.json["meta"]["next"].as_str().map(str::to_owned))
    };

    // maxAllowedReleaseVersion 1.8.0: nothing newer, in any form.
    let (_, capped) = d.license(&d.policy(&p, json!({})), json!({"currentReleaseVersion": "1.4.0", "maxAllowedReleaseVersion": "1.8.0"}));
    assert_eq!([download(&a142, Some(&capped)), download(&a190, Some(&capped)), download(&a210, Some(&capped))], [303, 403, 403]);
    assert_eq!([read(&r142, Some(&capped)), read(&r190, Some(&capped)), read(&r210, Some(&capped))], [200, 403, 403]);
    let refused = d.get(&format!("/artifacts/{a190}"), Some(&capped));
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.json);
    let detail = refused.json["errors"][0]["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("release version is not allowed for the license"), "{detail}");
    assert_eq!(upgrade(Some(&capped)).0, 404, "no upgrade the license may get");
    assert_eq!(upgrade(d.acct.admin()), (200, Some("2.1.0".to_owned())), "the vendor sees every release");

    // A maintenance policy without major updates: minors yes, the next major no.
    let mp = d.admin_post(
        "/maintenance-policies",
        json!({"data":{"type":"maintenance-policies","attributes":{"name":"NoMajor","subscriptionInterval":"P1Y","allowMajorVersionUpdates":false},
            "relationships":{"product":{"data":{"type":"products","id":p}}}}}),
    );
    let pol = d.policy(&p, json!({}));
    let link = d.c.put(
        &d.acct.path(&format!("/policies/{pol}/maintenance-policy")),
        d.acct.admin(),
        Some(json!({"data":{"type":"maintenance-policies","id":id(&mp)}})),
    );
    link.assert_status(200);
    let (_, minor_only) = d.license(&pol, json!({"currentReleaseVersion": "1.4.0"}));
    assert_eq!([download(&a142, Some(&minor_only)), download(&a190, Some(&minor_only)), download(&a210, Some(&minor_only))], [303, 303, 403]);
    assert_eq!(upgrade(Some(&minor_only)), (200, Some("1.9.0".to_owned())), "the newest allowed, not 2.1.0");
    // The allowed download really serves the bytes.
    let loc = d.get(&format!("/artifacts/{a190}"), Some(&minor_only)).header("location").unwrap_or_default().to_owned();
    let got = d.get_url(&loc, &[]);
    assert_eq!((got.status, got.body.as_slice()), (200, &bytes[..]));
    // Without a current version the flags have nothing to compare: everything in the window.
    let (_, unversioned) = d.license(&pol, json!({}));
    assert_eq!(download(&a210, Some(&unversioned)), 303);
    assert_eq!(read(&r210, d.acct.admin()), 200);
}

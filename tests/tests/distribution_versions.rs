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

/// Computed `maxAllowedReleaseVersion` (issue 10 follow-up, c10): without a vendor value the
/// license's cap is the newest release published inside its maintenance window (here 2 s from
/// creation), rendered on the license and in validation; a backport published after the window
/// at or below it downloads, anything newer does not.
#[test]
fn the_computed_max_allowed_version_gates_downloads_and_lets_backports_through() {
    let d = Dist::new();
    let p = d.product("LICENSED");
    let bytes = b"payload";
    let mp = d.admin_post(
        "/maintenance-policies",
        json!({"data":{"type":"maintenance-policies","attributes":{"name":"Short","subscriptionInterval":"PT2S"},
            "relationships":{"product":{"data":{"type":"products","id":p}}}}}),
    );
    let pol = d.policy(&p, json!({}));
    d.c.put(&d.acct.path(&format!("/policies/{pol}/maintenance-policy")), d.acct.admin(), Some(json!({"data":{"type":"maintenance-policies","id":id(&mp)}})))
        .assert_status(200);
    let (_, a140) = d.uploaded(&p, "1.4.0", json!({}), bytes);
    let (r190, a190) = d.uploaded(&p, "1.9.0", json!({}), bytes);
    let (lic, token) = d.license(&pol, json!({"currentReleaseVersion": "1.4.0"}));
    let shown = |path: &str| d.get(path, d.acct.admin()).json["data"]["attributes"]["maxAllowedReleaseVersion"].clone();
    assert_eq!(shown(&format!("/licenses/{lic}")), json!("1.9.0"), "computed inside the window");
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let (_, a143) = d.uploaded(&p, "1.4.3", json!({}), bytes);
    let (_, a191) = d.uploaded(&p, "1.9.1", json!({}), bytes);
    let (_, a200) = d.uploaded(&p, "2.0.0", json!({}), bytes);
    assert_eq!(shown(&format!("/licenses/{lic}")), json!("1.9.0"), "releases after the window do not raise it");
    let download = |a: &str| d.get(&format!("/artifacts/{a}"), Some(&token)).status;
    assert_eq!([download(&a140), download(&a190), download(&a143), download(&a191), download(&a200)], [303, 303, 303, 403, 403]);
    let refused = d.get(&format!("/artifacts/{a191}"), Some(&token));
    // Published after the window and above the computed cap: the window refuses it.
    assert!(refused.json["errors"][0]["detail"].as_str().unwrap_or_default().contains("maintenance expiry falls outside of access window"), "{}", refused.json);
    let up = d.get(&format!("/releases/{r190}/upgrade"), Some(&token));
    assert_eq!(up.status, 404, "nothing past 1.9.0 for this license: {}", up.json);
    // Validation renders the same value.
    let key = d.get(&format!("/licenses/{lic}"), d.acct.admin()).json["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned();
    let v = d.c.post(&d.acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta":{"key":key}})));
    assert_eq!(v.assert_status(200).json["data"]["attributes"]["maxAllowedReleaseVersion"], "1.9.0");
    // The vendor's own value wins; `null` returns to the computed one.
    let set = |v: serde_json::Value| {
        d.c.patch(
            &d.acct.path(&format!("/licenses/{lic}")),
            d.acct.admin(),
            Some(json!({"data":{"type":"licenses","attributes":{"maxAllowedReleaseVersion":v}}})),
        )
        .assert_status(200)
        .json["data"]["attributes"]["maxAllowedReleaseVersion"]
            .clone()
    };
    assert_eq!(set(json!("1.4.0")), json!("1.4.0"));
    assert_eq!(download(&a190), 403);
    assert_eq!(set(serde_json::Value::Null), json!("1.9.0"));
    assert_eq!(download(&a190), 303);
}

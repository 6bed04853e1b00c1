//! Licensing: every `License` method, each asserted on what Latchkey answers.

use keygen_rs::license::{
    License, LicenseCheckoutOpts, LicenseCreateRequest, LicenseListOptions, LicenseTokenCreateRequest, LicenseUpdateRequest, LicenseValidationRequest,
};
use keygen_rs::token::TokenKind;
use serde_json::{json, Value};

use crate::board::{Board, World};
use crate::{ensure, r};

/// Set-up keygen-rs has no single call for: a product, a check-in policy (daily, 30-day
/// duration), a second policy of the same product, two users, a group and two entitlements.
pub struct Fixture {
    pub policy: String,
    pub alt_policy: String,
    pub users: [String; 2],
    pub group: String,
    pub entitlements: [String; 2],
}

pub fn rel(kind: &str, id: &str) -> Value {
    json!({"data":{"type":kind,"id":id}})
}

impl Fixture {
    pub fn new(w: &World) -> Fixture {
        let product = w.post("/products", json!({"data":{"type":"products","attributes":{"name":"L"}}}));
        let policy = |name: &str| {
            w.post(
                "/policies",
                json!({"data":{"type":"policies","attributes":{"name":name,"duration":2592000,"maxMachines":5,"floating":true,"requireCheckIn":true,"checkInInterval":"day","checkInIntervalCount":1},
                "relationships":{"product":rel("products", &product)}}}),
            )
        };
        let user = || w.post("/users", json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", e2e::unique_tag())}}}));
        let ent = || w.post("/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"E","code":format!("E{}", e2e::unique_tag())}}}));
        Fixture {
            policy: policy("main"),
            alt_policy: policy("alt"),
            users: [user(), user()],
            group: w.post("/groups", json!({"data":{"type":"groups","attributes":{"name":"G"}}})),
            entitlements: [ent(), ent()],
        }
    }
}

pub async fn run(w: &World, b: &mut Board) {
    let fx = Fixture::new(w);
    w.admin();
    let m = "licenses";
    let mut created = None;
    b.run(m, "License::create", async {
        let l = r!(License::create(LicenseCreateRequest::new(fx.policy.clone()).with_name("SDK license".into()).with_max_machines(4)));
        ensure!(
            l.name.as_deref() == Some("SDK license") && l.policy.as_deref() == Some(fx.policy.as_str()) && l.max_machines == Some(4) && !l.key.is_empty(),
            "{l:?}"
        );
        created = Some(l);
        Ok(())
    })
    .await;
    let lic = created.expect("license created");
    b.run(m, "License::get", async {
        let l = r!(License::get(&lic.id));
        ensure!(l.key == lic.key && l.status.as_deref() == Some("ACTIVE"), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::list", async {
        let page = r!(License::list(Some(&LicenseListOptions { policy: Some(fx.policy.clone()), ..Default::default() })));
        ensure!(page.data.len() == 1 && page.data[0].id == lic.id, "{:?}", page.data);
        Ok(())
    })
    .await;
    b.run(m, "License::update", async {
        let l = r!(lic.update(LicenseUpdateRequest::new().with_name("SDK license 2".into()).with_max_uses(10)));
        ensure!(l.name.as_deref() == Some("SDK license 2") && l.max_uses == Some(10), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::validate", async {
        let v = r!(lic.validate(&LicenseValidationRequest::for_fingerprint("sdk-fp-1".into())));
        // Not activated yet: a floating license with no machines: NO_MACHINES.
        ensure!(!v.meta.valid && v.meta.code == "NO_MACHINES" && v.license.as_ref().map(|l| l.id.as_str()) == Some(lic.id.as_str()), "{:?}", v.meta);
        Ok(())
    })
    .await;
    let mut machine = None;
    b.run(m, "License::activate", async {
        let mach = r!(lic.activate("sdk-fp-1", &[]));
        ensure!(mach.fingerprint == "sdk-fp-1" && mach.license_id.as_deref() == Some(lic.id.as_str()), "{mach:?}");
        machine = Some(mach.id);
        Ok(())
    })
    .await;
    let machine = machine.unwrap_or_default();
    b.run(m, "License::validate_key", async {
        let v = r!(lic.validate_key(&LicenseValidationRequest::for_fingerprint("sdk-fp-1".into())));
        ensure!(v.meta.valid && v.meta.code == "VALID", "{:?}", v.meta);
        Ok(())
    })
    .await;
    b.run(m, "License::machine", async {
        let mach = r!(lic.machine(&machine));
        ensure!(mach.id == machine && mach.fingerprint == "sdk-fp-1", "{mach:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::machines", async {
        let page = r!(lic.machines(None));
        ensure!(page.data.len() == 1 && page.data[0].id == machine, "{:?}", page.data);
        Ok(())
    })
    .await;
    let [e1, e2] = fx.entitlements.clone();
    b.run(m, "License::attach_entitlements", async {
        r!(lic.attach_entitlements(std::slice::from_ref(&e1)));
        let page = r!(lic.entitlements(None));
        ensure!(page.data.iter().map(|e| e.id.as_str()).collect::<Vec<_>>() == [e1.as_str()], "{:?}", page.data);
        Ok(())
    })
    .await;
    b.run(m, "License::attach_entitlements_with_response", async {
        let att = r!(lic.attach_entitlements_with_response(std::slice::from_ref(&e2)));
        ensure!(att.len() == 1 && att[0].entitlement_id.as_deref() == Some(e2.as_str()) && att[0].license_id.as_deref() == Some(lic.id.as_str()), "{att:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::entitlements", async {
        let page = r!(lic.entitlements(None));
        let mut ids: Vec<_> = page.data.iter().map(|e| e.id.clone()).collect();
        ids.sort();
        let mut want = vec![e1.clone(), e2.clone()];
        want.sort();
        ensure!(ids == want, "{ids:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::detach_entitlements", async {
        r!(lic.detach_entitlements(&[e1.clone(), e2.clone()]));
        ensure!(r!(lic.entitlements(None)).data.is_empty(), "entitlements left after detach");
        Ok(())
    })
    .await;
    b.run(m, "License::checkout", async {
        let file = r!(lic.checkout(&LicenseCheckoutOpts::with_ttl(3600)));
        ensure!(file.certificate.starts_with("-----BEGIN LICENSE FILE-----") && file.ttl == 3600, "{file:?}");
        // keygen-rs verifies the file with the account's public key and decodes the dataset.
        file.verify().map_err(|e| format!("license file signature: {e:?}"))?;
        let dataset = file.decode().map_err(|e| format!("{e:?}"))?;
        ensure!(dataset.license.id == lic.id, "{:?}", dataset.license);
        Ok(())
    })
    .await;
    b.run(m, "License::checkout_certificate", async {
        let cert = r!(lic.checkout_certificate(&LicenseCheckoutOpts::new()));
        ensure!(cert.starts_with("-----BEGIN LICENSE FILE-----") && cert.trim_end().ends_with("-----END LICENSE FILE-----"), "{cert}");
        Ok(())
    })
    .await;
    b.run(m, "License::check_in", async {
        let l = r!(lic.check_in());
        ensure!(l.last_check_in.is_some() && l.next_check_in > l.last_check_in, "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::suspend", async {
        let l = r!(lic.suspend());
        ensure!(l.suspended == Some(true) && l.status.as_deref() == Some("SUSPENDED"), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::reinstate", async {
        let l = r!(lic.reinstate());
        ensure!(l.suspended == Some(false) && l.status.as_deref() == Some("ACTIVE"), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::renew", async {
        let before = r!(License::get(&lic.id)).expiry;
        let l = r!(lic.renew());
        ensure!(before.is_some() && l.expiry.is_some() && l.expiry > before, "{before:?} -> {:?}", l.expiry);
        Ok(())
    })
    .await;
    b.run(m, "License::increment_usage", async {
        let l = r!(lic.increment_usage(Some(3)));
        ensure!(l.uses == Some(3), "{:?}", l.uses);
        Ok(())
    })
    .await;
    b.run(m, "License::decrement_usage", async {
        let l = r!(lic.decrement_usage(Some(2)));
        ensure!(l.uses == Some(1), "{:?}", l.uses);
        Ok(())
    })
    .await;
    b.run(m, "License::reset_usage", async {
        let l = r!(lic.reset_usage());
        ensure!(l.uses == Some(0), "{:?}", l.uses);
        Ok(())
    })
    .await;
    b.run(m, "License::generate_token", async {
        let t = r!(lic.generate_token(Some(LicenseTokenCreateRequest { name: Some("device".into()), max_activations: Some(2), ..Default::default() })));
        ensure!(matches!(t.kind, TokenKind::ActivationToken) && t.name.as_deref() == Some("device") && t.token.is_some(), "{t:?}");
        Ok(())
    })
    .await;
    let [u1, u2] = fx.users.clone();
    b.run(m, "License::attach_users", async {
        r!(lic.attach_users(std::slice::from_ref(&u1)));
        ensure!(r!(lic.users(None)).data.iter().any(|u| u.id == u1), "attached user not listed");
        Ok(())
    })
    .await;
    b.run(m, "License::attach_users_with_response", async {
        let att = r!(lic.attach_users_with_response(std::slice::from_ref(&u2)));
        ensure!(att.len() == 1 && att[0].user_id.as_deref() == Some(u2.as_str()) && att[0].license_id.as_deref() == Some(lic.id.as_str()), "{att:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::users", async {
        let page = r!(lic.users(None));
        ensure!(page.data.len() == 2, "{:?}", page.data);
        Ok(())
    })
    .await;
    b.run(m, "License::detach_users", async {
        r!(lic.detach_users(&[u1.clone(), u2.clone()]));
        ensure!(r!(lic.users(None)).data.is_empty(), "users left after detach");
        Ok(())
    })
    .await;
    b.run(m, "License::change_policy", async {
        let l = r!(lic.change_policy(&fx.alt_policy));
        ensure!(l.policy.as_deref() == Some(fx.alt_policy.as_str()), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::change_owner", async {
        let l = r!(lic.change_owner(&u1));
        ensure!(l.owner_id.as_deref() == Some(u1.as_str()), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::change_group", async {
        let l = r!(lic.change_group(&fx.group));
        ensure!(l.group_id.as_deref() == Some(fx.group.as_str()), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "License::deactivate", async {
        r!(lic.deactivate(&machine));
        ensure!(r!(lic.machines(None)).data.is_empty(), "machine left after deactivate");
        Ok(())
    })
    .await;
    b.run(m, "License::revoke", async {
        let doomed = r!(License::create(LicenseCreateRequest::new(fx.policy.clone())));
        r!(doomed.revoke());
        ensure!(License::get(&doomed.id).await.is_err(), "revoked license still reads");
        Ok(())
    })
    .await;
    b.run(m, "License::delete", async {
        let doomed = r!(License::create(LicenseCreateRequest::new(fx.policy.clone())));
        r!(doomed.delete());
        ensure!(License::get(&doomed.id).await.is_err(), "deleted license still reads");
        Ok(())
    })
    .await;
}

//! Licensing through `KeygenClient::licenses()`: every `LicenseService` method (the by-id form
//! of `License`'s methods, on a client that carries its own configuration rather than the
//! global one), each asserted on what Latchkey answers.

use keygen_rs::license::{
    LicenseCheckoutOpts, LicenseCreateRequest, LicenseListOptions, LicenseTokenCreateRequest, LicenseUpdateRequest, LicenseValidationRequest,
};
use keygen_rs::token::TokenKind;
use keygen_rs::KeygenClient;

use crate::board::{Board, World};
use crate::licenses::Fixture;
use crate::{ensure, r};

pub async fn run(w: &World, b: &mut Board) {
    let fx = Fixture::new(w);
    // The global configuration points elsewhere: the service must use its own client's.
    w.configure(None, None);
    let client = KeygenClient::new(w.config(Some(w.acct.admin_token.clone()), None)).expect("client");
    let s = client.licenses();
    let m = "license_service";
    let mut created = None;
    b.run(m, "LicenseService::create", async {
        let l = r!(s.create(LicenseCreateRequest::new(fx.policy.clone()).with_name("svc".into())));
        ensure!(l.name.as_deref() == Some("svc") && l.policy.as_deref() == Some(fx.policy.as_str()), "{l:?}");
        created = Some(l);
        Ok(())
    })
    .await;
    let lic = created.expect("license created");
    let id = lic.id.as_str();
    b.run(m, "LicenseService::get", async {
        let l = r!(s.get(id));
        ensure!(l.key == lic.key, "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::list", async {
        let page = r!(s.list(Some(&LicenseListOptions { policy: Some(fx.policy.clone()), ..Default::default() })));
        ensure!(page.data.len() == 1 && page.data[0].id == id, "{:?}", page.data);
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::update", async {
        let l = r!(s.update(id, LicenseUpdateRequest::new().with_max_users(3)));
        ensure!(l.max_users == Some(3), "{l:?}");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::validate", async {
        let v = r!(s.validate(id, &LicenseValidationRequest::for_fingerprint("svc-fp".into())));
        ensure!(!v.meta.valid && v.meta.code == "NO_MACHINES", "{:?}", v.meta);
        Ok(())
    })
    .await;
    let mut machine = String::new();
    b.run(m, "LicenseService::activate", async {
        let mach = r!(s.activate(id, "svc-fp", &[]));
        ensure!(mach.fingerprint == "svc-fp" && mach.license_id.as_deref() == Some(id), "{mach:?}");
        machine = mach.id;
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::validate_key", async {
        let v = r!(s.validate_key(&lic.key, &LicenseValidationRequest::for_fingerprint("svc-fp".into())));
        ensure!(v.meta.valid && v.meta.code == "VALID", "{:?}", v.meta);
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::machine", async {
        ensure!(r!(s.machine(id, &machine)).fingerprint == "svc-fp", "wrong machine");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::machines", async {
        let page = r!(s.machines(id, None));
        ensure!(page.data.len() == 1 && page.data[0].id == machine, "{:?}", page.data);
        Ok(())
    })
    .await;
    let ents = fx.entitlements.to_vec();
    b.run(m, "LicenseService::attach_entitlements", async {
        r!(s.attach_entitlements(id, &ents[..1]));
        ensure!(r!(s.entitlements(id, None)).data.len() == 1, "one entitlement attached");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::attach_entitlements_with_response", async {
        let att = r!(s.attach_entitlements_with_response(id, &ents[1..]));
        ensure!(att.len() == 1 && att[0].entitlement_id.as_deref() == Some(ents[1].as_str()), "{att:?}");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::entitlements", async {
        let page = r!(s.entitlements(id, None));
        ensure!(page.data.len() == 2 && ents.iter().all(|e| page.data.iter().any(|d| &d.id == e)), "{:?}", page.data);
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::detach_entitlements", async {
        r!(s.detach_entitlements(id, &ents));
        ensure!(r!(s.entitlements(id, None)).data.is_empty(), "entitlements left");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::checkout", async {
        let file = r!(s.checkout(id, &LicenseCheckoutOpts::new()));
        file.verify().map_err(|e| format!("license file signature: {e:?}"))?;
        ensure!(file.decode().map_err(|e| format!("{e:?}"))?.license.id == id, "dataset of another license");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::checkout_certificate", async {
        let cert = r!(s.checkout_certificate(id, &LicenseCheckoutOpts::new()));
        ensure!(cert.starts_with("-----BEGIN LICENSE FILE-----"), "{cert}");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::check_in", async {
        ensure!(r!(s.check_in(id)).last_check_in.is_some(), "no lastCheckIn");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::suspend", async {
        ensure!(r!(s.suspend(id)).suspended == Some(true), "not suspended");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::reinstate", async {
        ensure!(r!(s.reinstate(id)).suspended == Some(false), "still suspended");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::renew", async {
        let before = r!(s.get(id)).expiry;
        let after = r!(s.renew(id)).expiry;
        ensure!(before.is_some() && after > before, "{before:?} -> {after:?}");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::increment_usage", async {
        ensure!(r!(s.increment_usage(id, None)).uses == Some(1), "uses after +1");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::decrement_usage", async {
        ensure!(r!(s.decrement_usage(id, None)).uses == Some(0), "uses after -1");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::reset_usage", async {
        r!(s.increment_usage(id, Some(4)));
        ensure!(r!(s.reset_usage(id)).uses == Some(0), "uses after reset");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::generate_token", async {
        let t = r!(s.generate_token(id, Some(LicenseTokenCreateRequest { name: Some("svc".into()), ..Default::default() })));
        ensure!(matches!(t.kind, TokenKind::ActivationToken) && t.token.is_some(), "{t:?}");
        Ok(())
    })
    .await;
    let users = fx.users.to_vec();
    b.run(m, "LicenseService::attach_users", async {
        r!(s.attach_users(id, &users[..1]));
        ensure!(r!(s.users(id, None)).data.len() == 1, "one user attached");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::attach_users_with_response", async {
        let att = r!(s.attach_users_with_response(id, &users[1..]));
        ensure!(att.len() == 1 && att[0].user_id.as_deref() == Some(users[1].as_str()), "{att:?}");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::users", async {
        let page = r!(s.users(id, None));
        ensure!(page.data.len() == 2 && users.iter().all(|u| page.data.iter().any(|d| &d.id == u)), "{:?}", page.data);
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::detach_users", async {
        r!(s.detach_users(id, &users));
        ensure!(r!(s.users(id, None)).data.is_empty(), "users left");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::change_policy", async {
        ensure!(r!(s.change_policy(id, &fx.alt_policy)).policy.as_deref() == Some(fx.alt_policy.as_str()), "policy unchanged");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::change_owner", async {
        ensure!(r!(s.change_owner(id, &users[0])).owner_id.as_deref() == Some(users[0].as_str()), "owner unchanged");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::change_group", async {
        ensure!(r!(s.change_group(id, &fx.group)).group_id.as_deref() == Some(fx.group.as_str()), "group unchanged");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::deactivate_machine", async {
        r!(s.deactivate_machine(id, &machine));
        ensure!(r!(s.machines(id, None)).data.is_empty(), "machine left");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::revoke", async {
        let doomed = r!(s.create(LicenseCreateRequest::new(fx.policy.clone())));
        r!(s.revoke(&doomed.id));
        ensure!(s.get(&doomed.id).await.is_err(), "revoked license still reads");
        Ok(())
    })
    .await;
    b.run(m, "LicenseService::delete", async {
        let doomed = r!(s.create(LicenseCreateRequest::new(fx.policy.clone())));
        r!(s.delete(&doomed.id));
        ensure!(s.get(&doomed.id).await.is_err(), "deleted license still reads");
        Ok(())
    })
    .await;
}

//! Fleet: every `Machine` and `Component` function, each asserted on what Latchkey answers.

use std::collections::HashMap;

use keygen_rs::component::{Component, CreateComponentRequest, ListComponentsOptions, UpdateComponentRequest};
use keygen_rs::machine::{Machine, MachineCheckoutOpts, MachineCreateRequest, MachineListFilters, MachineUpdateRequest};
use serde_json::json;

use crate::board::{Board, World};
use crate::licenses::{rel, Fixture};
use crate::{ensure, r};

fn create_request(license: &str, fingerprint: &str) -> MachineCreateRequest {
    MachineCreateRequest {
        fingerprint: fingerprint.into(),
        name: Some("box".into()),
        platform: Some("linux".into()),
        hostname: None,
        ip: None,
        cores: Some(4),
        metadata: None,
        license_id: license.into(),
    }
}

pub async fn run(w: &World, b: &mut Board) {
    let fx = Fixture::new(w);
    let owner = fx.users[0].clone();
    let license = w.post("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":rel("policies", &fx.policy),"owner":rel("users", &owner)}}}));
    w.admin();
    let m = "machines";
    let mut created = None;
    b.run(m, "Machine::create", async {
        let mach = r!(Machine::create(create_request(&license, "fleet-fp")));
        ensure!(
            mach.fingerprint == "fleet-fp"
                && mach.cores == Some(4)
                && mach.platform.as_deref() == Some("linux")
                && mach.license_id.as_deref() == Some(license.as_str()),
            "{mach:?}"
        );
        created = Some(mach);
        Ok(())
    })
    .await;
    let mach = created.expect("machine created");
    b.run(m, "Machine::get", async {
        let got = r!(Machine::get(&mach.id));
        ensure!(got.id == mach.id && got.name.as_deref() == Some("box"), "{got:?}");
        Ok(())
    })
    .await;
    b.run(m, "Machine::list", async {
        let all = r!(Machine::list(Some(MachineListFilters { license: Some(license.clone()), ..Default::default() })));
        ensure!(all.len() == 1 && all[0].id == mach.id, "{all:?}");
        Ok(())
    })
    .await;
    b.run(m, "Machine::update", async {
        let req = MachineUpdateRequest {
            name: Some("renamed".into()),
            platform: None,
            hostname: Some("host-1".into()),
            ip: None,
            cores: None,
            metadata: Some(HashMap::from([("rack".into(), json!(7))])),
        };
        let got = r!(mach.update(req));
        ensure!(
            got.name.as_deref() == Some("renamed")
                && got.hostname.as_deref() == Some("host-1")
                && got.metadata.as_ref().and_then(|m| m.get("rack")) == Some(&json!(7)),
            "{got:?}"
        );
        Ok(())
    })
    .await;
    b.run(m, "Machine::checkout", async {
        let file = r!(mach.checkout(&MachineCheckoutOpts::with_ttl(3600)));
        ensure!(file.certificate.starts_with("-----BEGIN MACHINE FILE-----") && file.ttl == 3600, "{file:?}");
        file.verify().map_err(|e| format!("machine file signature: {e:?}"))?;
        Ok(())
    })
    .await;
    b.run(m, "Machine::ping", async {
        // `ping` reads the configuration the machine carries (MissingConfiguration otherwise),
        // unlike the other methods, which fall back to the global one.
        let got = r!(mach.clone().with_config(w.config(Some(w.acct.admin_token.clone()), None)).ping());
        ensure!(got.heartbeat_status == "ALIVE", "{got:?}");
        Ok(())
    })
    .await;
    b.run(m, "Machine::reset", async {
        let got = r!(mach.reset());
        ensure!(got.heartbeat_status == "NOT_STARTED", "{got:?}");
        Ok(())
    })
    .await;
    b.run(m, "Machine::change_owner", async {
        let got = r!(mach.change_owner(&owner));
        ensure!(got.owner_id.as_deref() == Some(owner.as_str()), "{got:?}");
        Ok(())
    })
    .await;
    b.run(m, "Machine::change_group", async {
        let got = r!(mach.change_group(&fx.group));
        ensure!(got.group_id.as_deref() == Some(fx.group.as_str()), "{got:?}");
        Ok(())
    })
    .await;

    let c = "components";
    let mut comp = None;
    b.run(c, "Component::create", async {
        let got = r!(Component::create(CreateComponentRequest::new("gpu-0".into(), "GPU".into(), mach.id.clone())));
        // keygen-rs reads a component's machine from `relationships.machines`, but Keygen's
        // component serializer (and Latchkey) render it as `machine`: `machine_id` stays None
        // in keygen-rs 0.14, so the machine is checked on the raw document.
        ensure!(got.fingerprint == "gpu-0" && got.name == "GPU" && got.license_id.as_deref() == Some(license.as_str()), "{got:?}");
        let doc = w.get(&format!("/components/{}", got.id));
        ensure!(doc["data"]["relationships"]["machine"]["data"]["id"] == mach.id.as_str(), "{doc}");
        comp = Some(got);
        Ok(())
    })
    .await;
    let comp = comp.expect("component created");
    b.run(c, "Component::get", async {
        let got = r!(Component::get(&comp.id));
        ensure!(got.id == comp.id && got.fingerprint == "gpu-0", "{got:?}");
        Ok(())
    })
    .await;
    b.run(c, "Component::list", async {
        let all = r!(Component::list(Some(ListComponentsOptions { machine: Some(mach.id.clone()), ..Default::default() })));
        ensure!(all.len() == 1 && all[0].id == comp.id, "{all:?}");
        Ok(())
    })
    .await;
    b.run(c, "Component::update", async {
        let got = r!(comp.update(UpdateComponentRequest { name: Some("GPU 0".into()), metadata: None }));
        ensure!(got.name == "GPU 0" && got.fingerprint == "gpu-0", "{got:?}");
        Ok(())
    })
    .await;
    b.run(c, "Component::delete", async {
        r!(comp.delete());
        ensure!(Component::get(&comp.id).await.is_err(), "deleted component still reads");
        Ok(())
    })
    .await;
    b.run(m, "Machine::deactivate", async {
        r!(mach.deactivate());
        ensure!(Machine::get(&mach.id).await.is_err(), "deactivated machine still reads");
        Ok(())
    })
    .await;
}

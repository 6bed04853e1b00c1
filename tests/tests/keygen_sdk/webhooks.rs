//! Webhooks: every `WebhookEndpoint` and `WebhookEventRecord` function. The endpoint points at a
//! closed loopback port (allowed in development mode), so deliveries fail and stay on record.

use std::time::{Duration, Instant};

use keygen_rs::license::{License, LicenseCreateRequest};
use keygen_rs::webhook::endpoint::{SignatureAlgorithm, WebhookEndpoint, WebhookEndpointCreateRequest, WebhookEndpointUpdateRequest};
use keygen_rs::webhook::event::WebhookEventRecord;
use keygen_rs::webhook::event_types::WebhookEvent;

use crate::board::{Board, World};
use crate::licenses::Fixture;
use crate::{ensure, r};

const HOOK: &str = "http://127.0.0.1:9/sdk-hook";

pub async fn run(w: &World, b: &mut Board) {
    let fx = Fixture::new(w);
    w.admin();
    let m = "webhooks";
    let mut created = None;
    b.run(m, "WebhookEndpoint::create", async {
        let req = WebhookEndpointCreateRequest {
            subscriptions: Some(vec![WebhookEvent::LicenseCreated]),
            signature_algorithm: Some(SignatureAlgorithm::Ed25519),
            ..WebhookEndpointCreateRequest::new(HOOK.into())
        };
        let e = r!(WebhookEndpoint::create(req));
        ensure!(e.url == HOOK && e.subscriptions == ["license.created"] && matches!(e.signature_algorithm, SignatureAlgorithm::Ed25519), "{e:?}");
        created = Some(e);
        Ok(())
    })
    .await;
    let endpoint = created.expect("endpoint created");
    b.run(m, "WebhookEndpoint::get", async {
        let e = r!(WebhookEndpoint::get(&endpoint.id));
        ensure!(e.id == endpoint.id && e.url == HOOK, "{e:?}");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEndpoint::list", async {
        let all = r!(WebhookEndpoint::list(None));
        ensure!(all.iter().any(|e| e.id == endpoint.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEndpoint::update", async {
        let req = WebhookEndpointUpdateRequest { subscriptions: Some(vec![WebhookEvent::LicenseCreated, WebhookEvent::LicenseDeleted]), ..Default::default() };
        let e = r!(endpoint.update(req));
        ensure!(e.subscriptions.len() == 2 && e.subscriptions.iter().any(|s| s == "license.deleted"), "{e:?}");
        Ok(())
    })
    .await;
    // One license.created event for the endpoint; wait until the queue consumer recorded it.
    let license = License::create(LicenseCreateRequest::new(fx.policy.clone())).await.map(|l| l.id).unwrap_or_default();
    let mut event = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    while event.is_none() && Instant::now() < deadline {
        let all = WebhookEventRecord::list(None).await.unwrap_or_default();
        event = all.into_iter().find(|e| e.event == "license.created" && e.payload.to_string().contains(&license));
        if event.is_none() {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    b.run(m, "WebhookEventRecord::list", async {
        let e = event.as_ref().ok_or("no license.created event recorded within 20 s")?;
        // keygen-rs maps the event's `endpoint` attribute: the URL it was delivered to.
        ensure!(e.endpoint == HOOK, "{e:?}");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEventRecord::get", async {
        let e = event.as_ref().ok_or("no event")?;
        let got = r!(WebhookEventRecord::get(&e.id));
        ensure!(got.id == e.id && got.event == "license.created", "{got:?}");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEndpoint::events", async {
        let e = event.as_ref().ok_or("no event")?;
        let all = r!(endpoint.events(None));
        ensure!(all.iter().any(|x| x.id == e.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEventRecord::retry", async {
        let e = event.as_ref().ok_or("no event")?;
        let got = r!(e.retry());
        ensure!(got.event == "license.created" && got.endpoint == HOOK, "{got:?}");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEndpoint::retry_event", async {
        let e = event.as_ref().ok_or("no event")?;
        let got = r!(endpoint.retry_event(&e.id));
        ensure!(got.event == "license.created" && got.endpoint == HOOK, "{got:?}");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEventRecord::delete", async {
        let e = event.as_ref().ok_or("no event")?;
        r!(e.delete());
        ensure!(WebhookEventRecord::get(&e.id).await.is_err(), "deleted event still reads");
        Ok(())
    })
    .await;
    b.run(m, "WebhookEndpoint::delete", async {
        r!(endpoint.delete());
        ensure!(WebhookEndpoint::get(&endpoint.id).await.is_err(), "deleted endpoint still reads");
        Ok(())
    })
    .await;
}

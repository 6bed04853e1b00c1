//! The measure of issue #8: every public, non-distribution async function of keygen-rs 0.14 is
//! called against Latchkey with response-signature verification on (`public_key` set,
//! `verify_keygen_signature`), and what each returns is asserted. The catalogue below is the
//! list read from keygen-rs's source (`pub async fn` in license.rs, machine.rs, user.rs, policy.rs,
//! group.rs, product.rs, entitlement.rs, component.rs, token.rs, environment.rs, service.rs,
//! lib.rs, keygen_client.rs, webhook/); the run checks that every catalogued function was called
//! exactly once and prints a per-module table. Distribution (release, artifact, package, channel,
//! platform, arch) is covered by `distribution_keygen_rs.rs`. keygen-rs keeps its configuration
//! in a global, so everything runs in one test.

#[path = "keygen_sdk/board.rs"]
mod board;
#[path = "keygen_sdk/catalogue.rs"]
mod catalogue;
#[path = "keygen_sdk/fleet.rs"]
mod fleet;
#[path = "keygen_sdk/identity.rs"]
mod identity;
#[path = "keygen_sdk/license_service.rs"]
mod license_service;
#[path = "keygen_sdk/licenses.rs"]
mod licenses;
#[path = "keygen_sdk/products.rs"]
mod products;
#[path = "keygen_sdk/webhooks.rs"]
mod webhooks;

use board::{Board, World};

#[test]
fn every_keygen_rs_function_against_latchkey() {
    let world = World::new();
    let mut b = Board::default();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        products::run(&world, &mut b).await;
        licenses::run(&world, &mut b).await;
        license_service::run(&world, &mut b).await;
        fleet::run(&world, &mut b).await;
        identity::run(&world, &mut b).await;
        webhooks::run(&world, &mut b).await;
    });
    b.finish(catalogue::FUNCTIONS);
}

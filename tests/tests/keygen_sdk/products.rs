//! Catalogue: products, policies, entitlements and groups through keygen-rs.

use keygen_rs::entitlement::{CreateEntitlementRequest, Entitlement, UpdateEntitlementRequest};
use keygen_rs::group::{CreateGroupRequest, Group, UpdateGroupRequest};
use keygen_rs::policy::{CreatePolicyRequest, Policy, UpdatePolicyRequest};
use keygen_rs::product::{CreateProductRequest, Product, UpdateProductRequest};
use keygen_rs::token::{CreateTokenRequest, TokenKind};
use serde_json::json;

use crate::board::{Board, World};
use crate::{ensure, r};

fn product_request(name: &str) -> CreateProductRequest {
    CreateProductRequest { name: name.into(), code: None, distribution_strategy: None, url: None, platforms: None, permissions: None, metadata: None }
}

pub async fn run(w: &World, b: &mut Board) {
    w.admin();
    let mut product = None;
    b.run("products", "Product::create", async {
        let code = format!("sdk-{}", e2e::unique_tag());
        let p = r!(Product::create(CreateProductRequest { code: Some(code.clone()), ..product_request("SDK product") }));
        ensure!(p.name == "SDK product" && p.code.as_deref() == Some(code.as_str()), "{p:?}");
        product = Some(p);
        Ok(())
    })
    .await;
    let product = product.expect("product created");
    b.run("products", "Product::get", async {
        let p = r!(Product::get(&product.id));
        ensure!(p.id == product.id && p.name == "SDK product", "{p:?}");
        Ok(())
    })
    .await;
    b.run("products", "Product::list", async {
        let all = r!(Product::list(None));
        ensure!(all.iter().any(|p| p.id == product.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run("products", "Product::update", async {
        let req = UpdateProductRequest {
            name: Some("SDK product 2".into()),
            code: None,
            distribution_strategy: None,
            url: Some("https://example.com".into()),
            platforms: None,
            permissions: None,
            metadata: None,
        };
        let p = r!(product.update(req));
        ensure!(p.name == "SDK product 2" && p.url.as_deref() == Some("https://example.com"), "{p:?}");
        Ok(())
    })
    .await;
    b.run("products", "Product::generate_token", async {
        let token = r!(product.generate_token());
        // The token is a product bearer: it reads its own product.
        w.configure(Some(token), None);
        let p = Product::get(&product.id).await.map_err(|e| format!("{e:?}"));
        w.admin();
        ensure!(p?.id == product.id, "product token reads its product");
        Ok(())
    })
    .await;
    b.run("products", "Product::generate_token_with_options", async {
        let t = r!(product.generate_token_with_options(Some(CreateTokenRequest { name: Some("ci".into()), ..Default::default() })));
        ensure!(matches!(t.kind, TokenKind::ProductToken) && t.name.as_deref() == Some("ci") && t.token.is_some(), "{t:?}");
        Ok(())
    })
    .await;
    b.run("products", "Product::delete", async {
        let doomed = r!(Product::create(product_request("doomed")));
        r!(doomed.delete());
        ensure!(Product::get(&doomed.id).await.is_err(), "deleted product still reads");
        Ok(())
    })
    .await;

    let mut ent = None;
    b.run("entitlements", "Entitlement::create", async {
        let code = format!("FEATURE_{}", e2e::unique_tag());
        let e = r!(Entitlement::create(CreateEntitlementRequest { name: Some("Feature".into()), code: code.clone(), metadata: None }));
        ensure!(e.code == code && e.name.as_deref() == Some("Feature"), "{e:?}");
        ent = Some(e);
        Ok(())
    })
    .await;
    let ent = ent.expect("entitlement created");
    b.run("entitlements", "Entitlement::get", async {
        let e = r!(Entitlement::get(&ent.id));
        ensure!(e.id == ent.id && e.code == ent.code, "{e:?}");
        Ok(())
    })
    .await;
    b.run("entitlements", "Entitlement::list", async {
        let all = r!(Entitlement::list(None));
        ensure!(all.iter().any(|e| e.id == ent.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run("entitlements", "Entitlement::update", async {
        let e = r!(ent.update(UpdateEntitlementRequest { name: Some("Feature 2".into()), code: None, metadata: None }));
        ensure!(e.name.as_deref() == Some("Feature 2") && e.code == ent.code, "{e:?}");
        Ok(())
    })
    .await;
    b.run("entitlements", "Entitlement::delete", async {
        let doomed =
            r!(Entitlement::create(CreateEntitlementRequest { name: Some("Gone".into()), code: format!("GONE_{}", e2e::unique_tag()), metadata: None }));
        r!(doomed.delete());
        ensure!(Entitlement::get(&doomed.id).await.is_err(), "deleted entitlement still reads");
        Ok(())
    })
    .await;

    let policy_req = |name: &str| CreatePolicyRequest { name: name.into(), product_id: product.id.clone(), ..Default::default() };
    let mut policy = None;
    b.run("policies", "Policy::create", async {
        let p = r!(Policy::create(CreatePolicyRequest { floating: Some(true), max_machines: Some(3), duration: Some(2 * 86_400), ..policy_req("SDK policy") }));
        ensure!(p.name == "SDK policy" && p.max_machines == Some(3) && p.duration == Some(2 * 86_400), "{p:?}");
        policy = Some(p);
        Ok(())
    })
    .await;
    let policy = policy.expect("policy created");
    b.run("policies", "Policy::get", async {
        let p = r!(Policy::get(&policy.id));
        ensure!(p.id == policy.id && p.max_machines == Some(3), "{p:?}");
        Ok(())
    })
    .await;
    b.run("policies", "Policy::list", async {
        let all = r!(Policy::list(None));
        ensure!(all.iter().any(|p| p.id == policy.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run("policies", "Policy::update", async {
        let p = r!(policy.update(UpdatePolicyRequest { name: Some("SDK policy 2".into()), max_machines: Some(5), ..Default::default() }));
        ensure!(p.name == "SDK policy 2" && p.max_machines == Some(5), "{p:?}");
        Ok(())
    })
    .await;
    b.run("policies", "Policy::attach_entitlements", async {
        r!(policy.attach_entitlements(std::slice::from_ref(&ent.id)));
        let linked = w.get(&format!("/policies/{}/entitlements", policy.id));
        ensure!(linked["data"][0]["id"] == ent.id.as_str(), "{linked}");
        Ok(())
    })
    .await;
    b.run("policies", "Policy::entitlements", async {
        let all = r!(policy.entitlements(None));
        ensure!(all.len() == 1 && all.iter().any(|e| e.id == ent.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run("policies", "Policy::detach_entitlements", async {
        r!(policy.detach_entitlements(std::slice::from_ref(&ent.id)));
        let all = r!(policy.entitlements(None));
        ensure!(all.is_empty(), "{all:?}");
        Ok(())
    })
    .await;
    b.run("policies", "Policy::pop_key", async {
        let pool = r!(Policy::create(CreatePolicyRequest { use_pool: Some(true), ..policy_req("pooled") }));
        let key = format!("POOLED-{}", e2e::unique_tag());
        w.post("/keys", json!({"data":{"type":"keys","attributes":{"key":key},"relationships":{"policy":{"data":{"type":"policies","id":pool.id}}}}}));
        let popped = r!(pool.pop_key());
        ensure!(popped == key, "popped {popped}, pooled {key}");
        ensure!(pool.pop_key().await.is_err(), "an empty pool pops nothing");
        // Concurrent pops on the real runtime: 3 keys, 6 pops, each key handed out once.
        let keys: Vec<String> = (0..3).map(|i| format!("RACE-{i}-{}", e2e::unique_tag())).collect();
        for k in &keys {
            w.post("/keys", json!({"data":{"type":"keys","attributes":{"key":k},"relationships":{"policy":{"data":{"type":"policies","id":pool.id}}}}}));
        }
        let path = w.acct.path(&format!("/policies/{}/pool", pool.id));
        let answers: Vec<(u16, String)> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..6).map(|_| s.spawn(|| w.acct.client().delete(&path, w.acct.admin(), None))).collect();
            hs.into_iter()
                .filter_map(|h| h.join().ok())
                .map(|r| (r.status, r.json["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned()))
                .collect()
        });
        let mut popped: Vec<String> = answers.iter().filter(|(st, _)| *st == 200).map(|(_, k)| k.clone()).collect();
        popped.sort();
        ensure!(popped == keys && answers.iter().filter(|(st, _)| *st == 422).count() == 3, "{answers:?}");
        Ok(())
    })
    .await;
    b.run("policies", "Policy::delete", async {
        let doomed = r!(Policy::create(policy_req("doomed")));
        r!(doomed.delete());
        ensure!(Policy::get(&doomed.id).await.is_err(), "deleted policy still reads");
        Ok(())
    })
    .await;
    groups(w, b, &policy.id).await;
}

async fn groups(w: &World, b: &mut Board, policy: &str) {
    let mut group = None;
    b.run("groups", "Group::create", async {
        let g =
            r!(Group::create(CreateGroupRequest { name: "SDK group".into(), max_users: Some(10), max_licenses: Some(20), max_machines: None, metadata: None }));
        ensure!(g.name == "SDK group" && g.max_users == Some(10) && g.max_licenses == Some(20), "{g:?}");
        group = Some(g);
        Ok(())
    })
    .await;
    let group = group.expect("group created");
    b.run("groups", "Group::get", async {
        let g = r!(Group::get(&group.id));
        ensure!(g.id == group.id && g.max_users == Some(10), "{g:?}");
        Ok(())
    })
    .await;
    b.run("groups", "Group::list", async {
        let all = r!(Group::list(None));
        ensure!(all.iter().any(|g| g.id == group.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run("groups", "Group::update", async {
        let g = r!(group.update(UpdateGroupRequest {
            name: Some("SDK group 2".into()),
            max_users: None,
            max_licenses: None,
            max_machines: Some(7),
            metadata: None
        }));
        ensure!(g.name == "SDK group 2" && g.max_machines == Some(7), "{g:?}");
        Ok(())
    })
    .await;
    let rel = |kind: &str, id: &str| json!({"data":{"type":kind,"id":id}});
    let user = w.post("/users", json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", e2e::unique_tag())}}}));
    w.acct.client().put(&w.acct.path(&format!("/users/{user}/group")), w.acct.admin(), Some(rel("groups", &group.id))).assert_status(200);
    // Latchkey takes a group on create neither for licenses nor users (see the report): set it after.
    let license = w.post("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":rel("policies", policy)}}}));
    let machine =
        w.post("/machines", json!({"data":{"type":"machines","attributes":{"fingerprint":"group-fp"},"relationships":{"license":rel("licenses", &license)}}}));
    for path in [format!("/licenses/{license}/group"), format!("/machines/{machine}/group")] {
        w.acct.client().put(&w.acct.path(&path), w.acct.admin(), Some(rel("groups", &group.id))).assert_status(200);
    }
    b.run("groups", "Group::owners", async {
        // A fresh group has no owners; Keygen answers an empty list.
        let owners = r!(group.owners(None));
        ensure!(owners.is_empty(), "{owners:?}");
        Ok(())
    })
    .await;
    b.run("groups", "Group::users", async {
        let users = r!(group.users(None));
        ensure!(users.len() == 1 && users.iter().any(|u| u.id == user), "{users:?}");
        Ok(())
    })
    .await;
    b.run("groups", "Group::licenses", async {
        let all = r!(group.licenses(None));
        ensure!(all.len() == 1 && all.iter().any(|l| l.id == license), "{all:?}");
        Ok(())
    })
    .await;
    b.run("groups", "Group::machines", async {
        let all = r!(group.machines(None));
        ensure!(all.len() == 1 && all.iter().any(|m| m.id == machine), "{all:?}");
        Ok(())
    })
    .await;
    b.run("groups", "Group::delete", async {
        let doomed = r!(Group::create(CreateGroupRequest { name: "doomed".into(), max_users: None, max_licenses: None, max_machines: None, metadata: None }));
        r!(doomed.delete());
        ensure!(Group::get(&doomed.id).await.is_err(), "deleted group still reads");
        Ok(())
    })
    .await;
}

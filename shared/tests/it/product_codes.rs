//! Products addressed by `code` on SQLite with the real migrations: an update by code writes
//! the product it found (it once answered 200 and wrote nothing, the UPDATE matching the code
//! against the id column).

use serde_json::json;
use shared::service::catalogue::products;

use crate::support::{block, Env};

#[test]
fn an_update_by_code_changes_the_product() {
    let env = Env::new();
    let admin = env.admin();
    let body = json!({"data": {"type": "products", "attributes": {"name": "App", "code": "desktop"}}}).to_string();
    let created = block(products::create(&env.app(), &admin, products::parse(body.as_bytes(), true).unwrap())).unwrap();
    let body = json!({"data": {"type": "products", "attributes": {"name": "Renamed"}}}).to_string();
    let updated = block(products::update(&env.app(), &admin, "desktop", products::parse(body.as_bytes(), false).unwrap())).unwrap();
    assert_eq!((updated.id.as_str(), updated.name.as_str()), (created.id.as_str(), "Renamed"));
    assert_eq!(block(products::show(&env.app(), &admin, &created.id)).unwrap().name, "Renamed");
    assert!(env.events().iter().any(|(e, id)| e == "product.updated" && *id == created.id));
}

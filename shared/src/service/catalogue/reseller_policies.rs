//! A reseller's allotted policies (issue 10 §7): `GET|POST|DELETE /resellers/{id}/policies`
//! (attach and detach all-or-none, as Keygen's policy entitlements) and `GET
//! /resellers/{id}/products` (the products of those policies). A reseller admin creates
//! licenses only of these policies.

use serde_json::{json, Value};

use crate::access::{self, Action};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::catalogue::entitlements::{first, ids_in, parse_identifiers};
use crate::service::catalogue::{policies, products};
use crate::service::identity::resellers::{self, event};
use crate::service::{events, fetch_page, pin_reseller, App, Caller};
use crate::store::rows::{PolicyRow, ProductRow};
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// `GET /resellers/{id}/policies`: the policy list (its `product` filter too) pinned to the
/// reseller's allotment.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<PolicyRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let r = resellers::show(app, caller, id).await?;
    let mut f = policies::list_filters(caller, q)?;
    pin_reseller(&mut f, sql::policies::RESELLER_SLOT, &r.id)?;
    fetch_page(app.db, sql::policies::LIST, sql::policies::COUNT, f, page).await
}

/// `GET /resellers/{id}/products`: the product list pinned to the reseller's allotment.
pub async fn products<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<ProductRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let r = resellers::show(app, caller, id).await?;
    access::require(caller, Action::ProductRead)?;
    let mut f = products::list_filters(caller, None);
    pin_reseller(&mut f, sql::products::RESELLER_SLOT, &r.id)?;
    products::fetch_page_of(app, f, page).await
}

/// `POST /resellers/{id}/policies` with `policies` identifiers (1–100): all or none
/// (`reseller.policies.attached`); returns the reseller, the ids attached and when.
///
/// # Errors
/// 422 `POLICY_NOT_FOUND` / `POLICY_TAKEN` (already allotted or named twice) at `/data/<i>`;
/// nothing is written.
pub async fn attach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<crate::service::catalogue::entitlements::Attached> {
    let ids = parse_identifiers(body, "policies")?;
    let r = resellers::authorize(app, caller, id, Action::ResellerPoliciesChange).await?;
    let acc = caller.account_id();
    let existing = ids_in(app, sql::resellers::EXISTING_POLICIES, acc, None, &ids).await?;
    if let Some((i, _)) = first(&ids, &existing, false) {
        return Err(Error::attribute("policy", AttrFault::NotFound, "must exist").pointer(format!("/data/{i}")));
    }
    let allotted = ids_in(app, sql::resellers::ALLOTTED_IN, acc, Some(&r.id), &ids).await?;
    let repeated = ids.iter().enumerate().find(|(i, x)| ids.get(..*i).is_some_and(|before| before.contains(x))).map(|(i, _)| i);
    if let Some(i) = first(&ids, &allotted, true).map(|(i, _)| i).or(repeated) {
        return Err(Error::attribute("policy", AttrFault::Taken, "already exists").pointer(format!("/data/{i}")));
    }
    write(app, caller, sql::resellers::ALLOT, "reseller.policies.attached", &r.id, &ids).await?;
    Ok((r.id, ids, app.now()))
}

/// `DELETE /resellers/{id}/policies`: all or none (`reseller.policies.detached`, whose
/// `changes.licenses` counts the reseller's licenses left on them at the withdrawal: they stay,
/// and a create racing it is refused by the license insert).
///
/// # Errors
/// 422 `UNPROCESSABLE_ENTITY` at `/data/<i>` for a policy that is not allotted.
pub async fn detach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<()> {
    let ids = parse_identifiers(body, "policies")?;
    let r = resellers::authorize(app, caller, id, Action::ResellerPoliciesChange).await?;
    let allotted = ids_in(app, sql::resellers::ALLOTTED_IN, caller.account_id(), Some(&r.id), &ids).await?;
    if let Some((i, p)) = first(&ids, &allotted, false) {
        return Err(Error::new(Code::UnprocessableEntity, format!("cannot detach policy '{p}' (policy is not attached)")).pointer(format!("/data/{i}")));
    }
    write(app, caller, sql::resellers::WITHDRAW, "reseller.policies.detached", &r.id, &ids).await
}

async fn write<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, sql: &'static str, name: &str, reseller: &str, ids: &[String]) -> Result<()> {
    let acc = caller.account_id();
    let mut params: Vec<Value> = vec![acc.into(), reseller.into(), Value::from(ids.to_vec()).to_string().into()];
    if !sql.starts_with("DELETE") {
        params.push(app.now().into());
    }
    let ev = event(name, "resellers", reseller, Some(json!({"policies": ids})));
    // A withdrawal's event also counts the reseller's licenses it leaves on those policies.
    let record = if sql.starts_with("DELETE") {
        events::record_allotments_withdrawn(app, acc, &caller.bearer, ev)
    } else {
        events::record_if_changed(app, acc, &caller.bearer, ev)
    };
    app.db.batch(vec![Stmt::new(sql, params), record]).await?;
    Ok(())
}

/// Whether policy `policy` is allotted to reseller `reseller`.
pub async fn is_allotted<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, reseller: &str, policy: &str) -> Result<bool> {
    let p = [account_id.into(), reseller.into(), policy.into()];
    Ok(fetch_one::<Value>(app.db, sql::resellers::IS_ALLOTTED, &p).await?.is_some())
}

/// Whether product `product` has a policy allotted to reseller `reseller`.
pub async fn product_allotted<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, reseller: &str, product: &str) -> Result<bool> {
    let p = [account_id.into(), reseller.into(), product.into()];
    Ok(fetch_one::<Value>(app.db, sql::resellers::PRODUCT_ALLOTTED, &p).await?.is_some())
}

//! Relationship reads (`GET /{resources}/{id}/{relation}`): the caller must be allowed to read
//! the parent (its read Action in the access table); the to-one relation is then rendered,
//! and a to-many relation is the child's own list with the parent as a filter (so it stays
//! scoped to what the caller may list). They join licenses, the catalogue, the fleet and
//! identity, so they live in licensing, which may use all three.

use crate::access::{self, Action, Ownership};
use crate::api::query::{Page, Query};
use crate::error::Error;
use crate::service::catalogue::{entitlements, groups, policies, products};
use crate::service::fleet::{components, machines, processes};
use crate::service::identity::{tokens, users};
use crate::service::licensing::licenses;
use crate::service::{App, Bearer, Caller};
use crate::store::rows::IdRow;
use crate::store::rows::{ComponentRow, EntitlementRow, GroupRow, LicenseRow, MachineRow, PolicyRow, ProcessRow, ProductRow, TokenRow, UserRow};
use crate::store::{fetch_all, sql, Db, Kv};
use crate::Result;

/// A list page.
pub type Listed<T> = (Vec<T>, u64, Page);

/// The product `id` (it exists: every license, machine, process, component and policy has one).
async fn product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ProductRow> {
    products::find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("product", id))
}

async fn group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: Option<&str>) -> Result<Option<GroupRow>> {
    match id {
        Some(id) => groups::find(app, caller.account_id(), id).await,
        None => Ok(None),
    }
}

async fn user<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: Option<&str>) -> Result<Option<UserRow>> {
    match id {
        Some(id) => users::find(app, caller.account_id(), id).await,
        None => Ok(None),
    }
}

async fn license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    licenses::find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("license", id))
}

async fn machine<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<MachineRow> {
    machines::find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("machine", id))
}

/// `GET /licenses/{id}/product`.
pub async fn license_product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ProductRow> {
    let l = licenses::show(app, caller, id).await?;
    product(app, caller, &l.product_id).await
}

/// `GET /licenses/{id}/group` (`None`: no group).
pub async fn license_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<GroupRow>> {
    let l = licenses::show(app, caller, id).await?;
    group(app, caller, l.group_id.as_deref()).await
}

/// `GET /licenses/{id}/owner` (`None`: no owner).
pub async fn license_owner<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<UserRow>> {
    let l = licenses::show(app, caller, id).await?;
    user(app, caller, l.owner_id.as_deref()).await
}

/// `GET /machines/{id}/product`.
pub async fn machine_product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ProductRow> {
    let m = machines::show(app, caller, id).await?;
    product(app, caller, &m.product_id).await
}

/// `GET /machines/{id}/group`.
pub async fn machine_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<GroupRow>> {
    let m = machines::show(app, caller, id).await?;
    group(app, caller, m.group_id.as_deref()).await
}

/// `GET /machines/{id}/owner`.
pub async fn machine_owner<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<UserRow>> {
    let m = machines::show(app, caller, id).await?;
    user(app, caller, m.owner_id.as_deref()).await
}

/// Route diff (issue 8): Keygen's pre-1.6 `GET /machines/{id}/user` (`v1x5`): the owner of
/// the machine's **license** (not the machine's own owner), as the parent's read.
pub async fn machine_license_owner<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<UserRow>> {
    let m = machines::show(app, caller, id).await?;
    let l = license(app, caller, &m.license_id).await?;
    user(app, caller, l.owner_id.as_deref()).await
}

/// What a process or component belongs to: its machine, license and product.
pub enum Parent {
    /// `…/machine` (rows are boxed: they are several times a product's).
    Machine(Box<MachineRow>),
    /// `…/license`.
    License(Box<LicenseRow>),
    /// `…/product`.
    Product(ProductRow),
}

/// Which parent to read.
#[derive(Debug, Clone, Copy)]
pub enum Up {
    /// The machine.
    Machine,
    /// The machine's license.
    License,
    /// The license's product.
    Product,
}

async fn parent<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, up: Up, ids: (&str, &str, &str)) -> Result<Parent> {
    Ok(match up {
        Up::Machine => Parent::Machine(Box::new(machine(app, caller, ids.0).await?)),
        Up::License => Parent::License(Box::new(license(app, caller, ids.1).await?)),
        Up::Product => Parent::Product(product(app, caller, ids.2).await?),
    })
}

/// `GET /processes/{id}/machine|license|product` (reading the process is reading its machine).
pub async fn process_parent<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, up: Up) -> Result<Parent> {
    let p: ProcessRow = processes::show(app, caller, id).await?;
    parent(app, caller, up, (&p.machine_id, &p.license_id, &p.product_id)).await
}

/// `GET /components/{id}/machine|license|product`.
pub async fn component_parent<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, up: Up) -> Result<Parent> {
    let c: ComponentRow = components::show(app, caller, id).await?;
    parent(app, caller, up, (&c.machine_id, &c.license_id, &c.product_id)).await
}

/// `GET /policies/{id}/product`.
pub async fn policy_product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ProductRow> {
    let p: PolicyRow = policies::show(app, caller, id).await?;
    product(app, caller, &p.product_id).await
}

/// `GET /users/{id}/group`.
pub async fn user_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<GroupRow>> {
    let u = users::show(app, caller, id).await?;
    group(app, caller, u.group_id.as_deref()).await
}

/// `GET /machines/{id}/components`.
pub async fn machine_components<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<ComponentRow>> {
    let m = machines::show(app, caller, id).await?;
    components::list(app, caller, &q.with("machine", m.id)).await
}

/// `GET /machines/{id}/processes`.
pub async fn machine_processes<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<ProcessRow>> {
    let m = machines::show(app, caller, id).await?;
    processes::list(app, caller, &q.with("machine", m.id)).await
}

/// `GET /users/{id}/licenses` (owned or as a licensee).
pub async fn user_licenses<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<LicenseRow>> {
    let u = users::show(app, caller, id).await?;
    licenses::list(app, caller, &q.with("user", u.id)).await
}

/// `GET /users/{id}/machines`.
pub async fn user_machines<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<MachineRow>> {
    let u = users::show(app, caller, id).await?;
    machines::list(app, caller, &q.with("user", u.id)).await
}

/// `GET /users/{id}/products` (the products of the user's licenses).
pub async fn user_products<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<ProductRow>> {
    let u = users::show(app, caller, id).await?;
    products::list_of_user(app, caller, &u.id, q).await
}

/// `GET /products/{id}/policies`.
pub async fn product_policies<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<PolicyRow>> {
    let p = products::show(app, caller, id).await?;
    policies::list(app, caller, &q.with("product", p.id)).await
}

/// `GET /products/{id}/licenses`.
pub async fn product_licenses<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<LicenseRow>> {
    let p = products::show(app, caller, id).await?;
    licenses::list(app, caller, &q.with("product", p.id)).await
}

/// `GET /products/{id}/machines`.
pub async fn product_machines<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<MachineRow>> {
    let p = products::show(app, caller, id).await?;
    machines::list(app, caller, &q.with("product", p.id)).await
}

/// `GET /products/{id}/users` (users with a license of the product).
pub async fn product_users<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<UserRow>> {
    let p = products::show(app, caller, id).await?;
    users::list_of_product(app, caller, Some(&p.id), q).await
}

/// `GET /policies/{id}/licenses`.
pub async fn policy_licenses<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<Listed<LicenseRow>> {
    let p = policies::show(app, caller, id).await?;
    licenses::list(app, caller, &q.with("policy", p.id)).await
}

/// `GET /products/{id}/tokens`, `GET /users/{id}/tokens`: the tokens of a bearer the caller
/// may read, for admins, or for that bearer itself (`TokenRead` is `own`: another bearer's
/// tokens are someone else's, 404).
pub async fn bearer_tokens<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, bearer: (&str, &str), q: &Query) -> Result<Listed<TokenRow>> {
    let (ty, id) = bearer;
    let target = match ty {
        "products" => products::show(app, caller, id).await?.id,
        _ => users::show(app, caller, id).await?.id,
    };
    let own = match &caller.bearer {
        Bearer::Admin { .. } | Bearer::Environment { .. } => true,
        Bearer::Product { product_id } => ty == "products" && *product_id == target,
        Bearer::User { user_id } => ty == "users" && *user_id == target,
        // Resellers (issue 10 §7).
        Bearer::ResellerAdmin { user_id, .. } => ty == "users" && *user_id == target,
        Bearer::License { .. } | Bearer::Anonymous => false,
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => ty == "users" && *user_id == target,
    };
    access::check(caller, Action::TokenRead, Ownership::of(own), ty.trim_end_matches('s'), id)?;
    tokens::list(app, caller, &q.with("bearer[type]", ty.to_owned()).with("bearer[id]", target)).await
}

/// `child` if it belongs to the parent (`ok`), else 404 for the child: the per-child read below
/// a relation (`GET /machines/{id}/processes/{process}`…) is the parent's read, the child's
/// own read, and membership.
pub(crate) fn member<T>(child: T, ok: impl FnOnce(&T) -> bool, kind: &str, id: &str) -> Result<T> {
    if ok(&child) {
        Ok(child)
    } else {
        Err(Error::not_found(kind, id))
    }
}

/// `GET /machines/{id}/processes/{process}`.
pub async fn machine_process<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<ProcessRow> {
    let m = machines::show(app, caller, id).await?;
    member(processes::show(app, caller, child).await?, |p| p.machine_id == m.id, "process", child)
}

/// `GET /machines/{id}/components/{component}`.
pub async fn machine_component<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<ComponentRow> {
    let m = machines::show(app, caller, id).await?;
    member(components::show(app, caller, child).await?, |c| c.machine_id == m.id, "component", child)
}

/// `GET /licenses/{id}/machines/{machine}`.
pub async fn license_machine<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<MachineRow> {
    let l = licenses::show(app, caller, id).await?;
    member(machines::show(app, caller, child).await?, |m| m.license_id == l.id, "machine", child)
}

/// `GET /users/{id}/licenses/{license}` (owned or as a licensee).
pub async fn user_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<LicenseRow> {
    let u = users::show(app, caller, id).await?;
    let l = licenses::show(app, caller, child).await?;
    let of = licenses::is_user_of(app, &l, &u.id).await?;
    member(l, |_| of, "license", child)
}

/// `GET /products/{id}/policies/{policy}`.
pub async fn product_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<PolicyRow> {
    let p = products::show(app, caller, id).await?;
    member(policies::show(app, caller, child).await?, |x| x.product_id == p.id, "policy", child)
}

/// `GET /products/{id}/licenses/{license}`.
pub async fn product_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<LicenseRow> {
    let p = products::show(app, caller, id).await?;
    member(licenses::show(app, caller, child).await?, |l| l.product_id == p.id, "license", child)
}

/// `GET /products/{id}/machines/{machine}`.
pub async fn product_machine<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<MachineRow> {
    let p = products::show(app, caller, id).await?;
    member(machines::show(app, caller, child).await?, |m| m.product_id == p.id, "machine", child)
}

/// `GET /policies/{id}/licenses/{license}`.
pub async fn policy_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<LicenseRow> {
    let p = policies::show(app, caller, id).await?;
    member(licenses::show(app, caller, child).await?, |l| l.policy_id == p.id, "license", child)
}

/// `GET /groups/{id}/licenses/{license}` (a group owner: any of the group's).
pub async fn group_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<LicenseRow> {
    let (g, view) = groups::members_view(app, caller, id, Action::GroupLicenseRead).await?;
    member(licenses::show(app, &view, child).await?, |l| l.group_id.as_deref() == Some(g.id.as_str()), "license", child)
}

/// `GET /groups/{id}/machines/{machine}` (a group owner: any of the group's).
pub async fn group_machine<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<MachineRow> {
    let (g, view) = groups::members_view(app, caller, id, Action::GroupMachineRead).await?;
    member(machines::show(app, &view, child).await?, |m| m.group_id.as_deref() == Some(g.id.as_str()), "machine", child)
}

// Per-child reads (issue 8): the rest of Keygen's `…/{child}` shows in its licensing core.
/// `GET /groups/{id}/users/{user}` (a group owner: any of the group's).
pub async fn group_user<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<UserRow> {
    let (g, view) = groups::members_view(app, caller, id, Action::GroupUserRead).await?;
    member(users::show(app, &view, child).await?, |u| u.group_id.as_deref() == Some(g.id.as_str()), "user", child)
}

/// `GET /users/{id}/machines/{machine}` (the machines of the user's licenses, or its own).
pub async fn user_machine<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<MachineRow> {
    let u = users::show(app, caller, id).await?;
    let m = machines::show(app, caller, child).await?;
    let l = license(app, caller, &m.license_id).await?;
    let of = m.owner_id.as_deref() == Some(u.id.as_str()) || licenses::is_user_of(app, &l, &u.id).await?;
    member(m, |_| of, "machine", child)
}

/// `GET /users/{id}/products/{product}` (a product of one of the user's licenses; like the
/// list, the user's read suffices: a user reads its own products though `ProductRead` is not a
/// user's).
pub async fn user_product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<ProductRow> {
    let u = users::show(app, caller, id).await?;
    let p = product(app, caller, child).await?;
    let q = Query::default().with("product", p.id.clone());
    let (_, n, _) = licenses::list(app, caller, &q.with("user", u.id)).await?;
    member(p, |_| n > 0, "product", child)
}

/// `GET /products/{id}/users/{user}` (a user with a license of the product).
pub async fn product_user<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<UserRow> {
    let p = products::show(app, caller, id).await?;
    let u = users::show(app, caller, child).await?;
    let q = Query::default().with("product", p.id);
    let (_, n, _) = licenses::list(app, caller, &q.with("user", u.id.clone())).await?;
    member(u, |_| n > 0, "user", child)
}

/// `GET /licenses/{id}/users/{user}` (a licensee of the license, Keygen's license users).
pub async fn license_user<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<UserRow> {
    let l = licenses::show(app, caller, id).await?;
    let acc = caller.account_id();
    let u = users::find(app, acc, child).await?.ok_or_else(|| Error::not_found("user", child))?;
    let ids = serde_json::Value::from(vec![u.id.clone()]).to_string();
    let of = !fetch_all::<IdRow>(app.db, sql::license_actions::ATTACHED_LICENSEES, &[acc.into(), l.id.into(), ids.into()]).await?.is_empty();
    member(u, |_| of, "user", child)
}
/// `GET /licenses/{id}/entitlements/{entitlement}` (by id or code: one of the license's
/// effective entitlements, as its list shows them).
pub async fn license_entitlement<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<EntitlementRow> {
    let l = licenses::show(app, caller, id).await?;
    let all = entitlements::all_for_license(app, caller.account_id(), &l.id).await?;
    all.into_iter().find(|e| e.id == child || e.code == child).ok_or_else(|| Error::not_found("entitlement", child))
}

/// `GET /policies/{id}/entitlements/{entitlement}` (by id or code).
pub async fn policy_entitlement<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, child: &str) -> Result<EntitlementRow> {
    let p = policies::show(app, caller, id).await?;
    let acc = caller.account_id();
    let e = entitlements::find(app, acc, child).await?.ok_or_else(|| Error::not_found("entitlement", child))?;
    let of = !entitlements::ids_in(app, sql::entitlements::ATTACHED_TO_POLICY, acc, Some(&p.id), std::slice::from_ref(&e.id)).await?.is_empty();
    member(e, |_| of, "entitlement", child)
}
// end per-child reads

/// `GET /products|users/{id}/tokens/{token}`: the bearer's read, the token's own read (admins,
/// or the bearer itself) and membership.
pub async fn bearer_token<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, bearer: (&str, &str), child: &str) -> Result<TokenRow> {
    let (ty, id) = bearer;
    let target = match ty {
        "products" => products::show(app, caller, id).await?.id,
        _ => users::show(app, caller, id).await?.id,
    };
    member(tokens::show(app, caller, child).await?, |t| t.bearer_id == target, "token", child)
}

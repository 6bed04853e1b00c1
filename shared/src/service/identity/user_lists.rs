//! Users' lists: `GET /users` and `GET /products/{id}/users`, with Keygen's filters (`roles[]`,
//! `status`, `metadata[key]`, `license`, `group`, `assigned`, query operators) and the users
//! export's rows. Without `roles[]` the list holds users, not staff (Keygen's default scope).

use serde_json::Value;

use crate::access::Action;
use crate::api::query::{Page, Query};
use crate::domain::states::UserRole;
use crate::error::{Code, Error};
use crate::service::{App, Caller};
use crate::store::rows::UserRow;
use crate::store::{opt, sql, Db, Kv};
use crate::Result;

/// Lists users the caller may see; filters `roles[]`/`role`, `status` (`ACTIVE`/`BANNED`).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<UserRow>, u64, Page)> {
    list_of_product(app, caller, None, q).await
}

/// Lists users the caller may see, only users with a license of `product` when given
/// (`GET /products/{id}/users`; a product bearer is always limited to its own).
pub async fn list_of_product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, product: Option<&str>, q: &Query) -> Result<(Vec<UserRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let f = list_filters(caller, product, q)?;
    crate::service::fetch_page(app.db, sql::users::LIST, sql::users::COUNT, f, page).await
}

/// The filters of [`list_of_product`] (and the users export) as the statement's parameters
/// ?1–?12 (?12 the reseller: `sql::users::RESELLER_SLOT`).
///
/// # Errors
/// 401/403 from the access table; 400 `PARAMETER_INVALID` naming a bad filter.
pub fn list_filters(caller: &Caller, product: Option<&str>, q: &Query) -> Result<Vec<Value>> {
    let scope = caller.list_scope(Action::UserRead, &Query::default())?;
    let (only, mut product_filter, organization, reseller) = (scope.user, scope.product, scope.organization, scope.reseller);
    if let (Some(p), Value::Null) = (product, &product_filter) {
        product_filter = p.into();
    }
    let product = product_filter;
    let role = roles_filter(q)?;
    let banned = match q.get("status") {
        None => Value::Null,
        Some("BANNED") => 1.into(),
        Some("ACTIVE") => 0.into(),
        Some(_) => return Err(Error::new(Code::ParameterInvalid, "must be ACTIVE or BANNED").parameter("status")),
    };
    // Query operators.
    let ops = crate::api::filters::time_operators(q, &["created", "updated"])?;
    // Keygen's users scopes (issue 8): metadata, license (id or key), group, assigned/active.
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let assigned = match q.flag("assigned")? {
        Some(a) => Some(a),
        None => q.flag("active")?,
    };
    // Resellers (issue 10 §7): ?12.
    let extra = [crate::service::metadata_param(q)?, get("license"), get("group"), opt(assigned.map(i64::from)), reseller];
    let mut f = vec![caller.account_id().into(), only, product, role, banned, ops, organization];
    f.extend(extra);
    Ok(f)
}

/// `roles[]=…` (repeatable) or `role=…`: a JSON array of roles, `Null` for none.
///
/// # Errors
/// 400 `PARAMETER_INVALID` (parameter `roles[]`) for an unknown role.
fn roles_filter(q: &Query) -> Result<Value> {
    let mut roles: Vec<&'static str> = Vec::new();
    for r in q.all("roles[]").chain(q.all("roles")).chain(q.all("role")) {
        let role = r.parse::<UserRole>().map_err(|_| {
            Error::new(Code::ParameterInvalid, "must be one of: user, admin, developer, sales-agent, support-agent, read-only").parameter("roles[]")
        })?;
        if !roles.contains(&role.as_str()) {
            roles.push(role.as_str());
        }
    }
    // None named: Keygen's default scope (`roles: [:user]`), the account's users and not its
    // staff; Cryptlex's customer-admin roles are users too.
    if roles.is_empty() {
        roles = UserRole::ALL.iter().filter(|r| !r.is_staff()).map(|r| r.as_str()).collect();
    }
    Ok(Value::from(roles).to_string().into())
}

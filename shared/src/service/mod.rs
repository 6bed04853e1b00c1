//! Use cases: one module per resource or action. Each is a function over an [`App`] (the
//! injected database, KV, clock, randomness, password KDF and deployment secret) and a [`Caller`] (the
//! resolved account and who is calling). Handlers in `functions/` parse, call one of these,
//! and render; no rule lives there.
//!
//! Capabilities import one way: lifecycle (and distribution) may use licensing, licensing may
//! use catalogue and fleet (peers that use neither each other nor anything above them), and
//! everything may use identity; never back. `tests/it/layering.rs` scans this folder's source and
//! fails on any path against that direction. What the lower layers need from a higher one is
//! not a use case but a fact: typed row lookups live in the store (`store::licenses::find`,
//! `find_by_key`, `is_user_of`; `store::groups::find`; `store::products::find`) and a license's
//! [`Ownership`] for the access table in [`ownership`], usable by all like [`events`] and this
//! module's plumbing. Use cases that act on a license through another capability's resources
//! live in licensing: activation and deactivation (`licensing::activation`, counting against
//! the license and its token) and a license's relations (`licensing::relations`: its
//! entitlements and group, its machines, a group's licenses and machines).

// Activation logs (write side).
pub mod activation_log;
pub mod catalogue;
pub mod distribution;
pub mod events;
pub mod fleet;
pub mod identity;
pub mod licensing;
pub mod lifecycle;
pub mod ownership;

use serde_json::Value;

use crate::access::{self, Action, Ownership};
use crate::clock::{Clock, Millis};
use crate::kdf::Pbkdf2;
use crate::rng::{uuid_v4, Random};
use crate::store::rows::AccountRow;
use crate::store::{Db, Kv};

/// Everything a use case may touch, injected.
pub struct App<'a, D: Db, K: Kv> {
    /// D1 or SQLite.
    pub db: &'a D,
    /// Workers KV or memory.
    pub kv: &'a K,
    /// "Now".
    pub clock: &'a dyn Clock,
    /// Randomness.
    pub rng: &'a dyn Random,
    /// The deployment secret: seals account keys and keys token digests.
    pub secret: &'a str,
    /// Password hashing (WebCrypto PBKDF2 in the Worker) and the configured iteration count.
    pub kdf: &'a dyn Pbkdf2,
    /// The request being served (`X-Request-Id`, its request log's id), recorded on the events
    /// it writes (Keygen's `request_log_id`); `None` for scheduled jobs and native callers.
    pub request_id: Option<&'a str>,
}

impl<D: Db, K: Kv> App<'_, D, K> {
    /// Current time.
    pub fn now(&self) -> Millis {
        self.clock.now_ms()
    }
    /// A fresh UUID.
    pub fn uuid(&self) -> String {
        uuid_v4(self.rng)
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bearer {
    /// No credentials.
    Anonymous,
    /// A staff user (Keygen's admin, developer, sales-agent, support-agent or read-only role):
    /// sees the whole account; what it may do is its role's row of the access table.
    Admin {
        /// The user id.
        user_id: String,
        /// Its role (never `user`).
        role: crate::domain::states::UserRole,
    },
    /// A product token.
    Product {
        /// The product.
        product_id: String,
    },
    /// An end user.
    User {
        /// The user.
        user_id: String,
    },
    /// A license, by key (`License <key>`) or license token.
    License {
        /// The license.
        license_id: String,
    },
    /// An environment token (Keygen EE, issue 8): sees its whole environment (a tenant of the
    /// account), with Keygen's environment permission set.
    Environment {
        /// The environment.
        environment_id: String,
    },
    // organization admins (issue 10 §7)
    /// A user with Cryptlex's `organization-admin` role who belongs to an organization: a plain
    /// user for its own licenses and machines, and the manager of its organization's users and
    /// license assignments (the access table's `organization-admin` column).
    OrganizationAdmin {
        /// The user.
        user_id: String,
        /// Its organization.
        organization_id: String,
    },
    // Resellers (issue 10 §7).
    /// A user of role `reseller-admin` with a reseller (Cryptlex 3.67): manages its reseller's
    /// customers, organizations and licenses of the policies allotted to it.
    ResellerAdmin {
        /// The user id.
        user_id: String,
        /// Its reseller.
        reseller_id: String,
    },
}

impl Bearer {
    /// The bearer a user's token or password makes: staff roles see the whole account.
    pub fn of_user(u: &crate::store::rows::UserRow) -> Self {
        if u.role.is_staff() {
            Bearer::Admin { user_id: u.id.clone(), role: u.role }
        } else if let (crate::domain::states::UserRole::OrganizationAdmin, Some(org)) = (u.role, &u.organization_id) {
            // organization admins (issue 10 §7): without an organization, a plain user.
            Bearer::OrganizationAdmin { user_id: u.id.clone(), organization_id: org.clone() }
        } else if let (crate::domain::states::UserRole::ResellerAdmin, Some(r)) = (u.role, &u.reseller_id) {
            // Resellers (issue 10 §7); without a reseller it acts as a plain user.
            Bearer::ResellerAdmin { user_id: u.id.clone(), reseller_id: r.clone() }
        } else {
            Bearer::User { user_id: u.id.clone() }
        }
    }

    /// `(type, id)` as recorded in events (`whodunnit`).
    pub fn whodunnit(&self) -> (Value, Value) {
        match self {
            Bearer::Anonymous => (Value::Null, Value::Null),
            Bearer::Admin { user_id, .. } | Bearer::User { user_id } => ("users".into(), user_id.clone().into()),
            // Resellers (issue 10 §7).
            Bearer::ResellerAdmin { user_id, .. } => ("users".into(), user_id.clone().into()),
            Bearer::Product { product_id } => ("products".into(), product_id.clone().into()),
            Bearer::License { license_id } => ("licenses".into(), license_id.clone().into()),
            Bearer::Environment { environment_id } => ("environments".into(), environment_id.clone().into()),
            // organization admins (issue 10 §7)
            Bearer::OrganizationAdmin { user_id, .. } => ("users".into(), user_id.clone().into()),
        }
    }
}

/// The account a request is for and the authenticated bearer.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The resolved account.
    pub account: AccountRow,
    /// Who is calling.
    pub bearer: Bearer,
    /// The token used, if token-authenticated.
    pub token_id: Option<String>,
    /// The bearer's user's and token's `permissions`, intersected (`None`: unrestricted, the
    /// role's or kind's row alone decides). Resolved at authentication.
    pub permissions: Option<Vec<String>>,
}

impl Caller {
    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.account.id
    }
}

/// Shared list plumbing: the page and the account scope.
pub use crate::api::query::{Page, Query};

/// What a list shows the caller, as nullable filter parameters: the requested `product` and
/// `user` filters, replaced by the bearer's own for product and user bearers, and the one
/// license a license bearer sees (`Null` for everyone else).
#[derive(Debug, Clone)]
pub struct ListScope {
    /// Only this license (license bearers).
    pub license: Value,
    /// Only this product.
    pub product: Value,
    /// Only what this user owns or is licensed to.
    pub user: Value,
    /// Organization admins (issue 10 §7): also what belongs to this organization (its users,
    /// its licenses and their machines), in union with `user`; `Null` for every other bearer.
    pub organization: Value,
    /// Resellers (issue 10 §7): only what belongs to this reseller (its users, its licenses and
    /// their machines, its allotted policies and their products); a reseller admin's, `Null` for
    /// every other bearer. Every list a reseller admin may read applies it in its own SQL.
    pub reseller: Value,
}

impl Caller {
    /// The [`ListScope`] of a list request for `action` with query `q`.
    ///
    /// # Errors
    /// 401 for anonymous callers, 403 for bearers the access table refuses `action`.
    pub fn list_scope(&self, action: Action, q: &Query) -> crate::Result<ListScope> {
        access::require(self, action)?;
        let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
        let (mut license, mut product, mut user, mut organization, mut reseller) = (Value::Null, get("product"), get("user"), Value::Null, Value::Null);
        match &self.bearer {
            Bearer::Admin { .. } | Bearer::Environment { .. } => {}
            Bearer::Product { product_id } => product = product_id.clone().into(),
            Bearer::User { user_id } => user = user_id.clone().into(),
            Bearer::License { license_id } => license = license_id.clone().into(),
            Bearer::Anonymous => {}
            // organization admins (issue 10 §7)
            Bearer::OrganizationAdmin { user_id, organization_id } => {
                user = user_id.clone().into();
                organization = organization_id.clone().into();
            }
            // Resellers (issue 10 §7): its reseller's, whatever `user` the query names (the
            // filter stays: a customer's licenses among its reseller's).
            Bearer::ResellerAdmin { reseller_id, .. } => reseller = reseller_id.clone().into(),
        }
        Ok(ListScope { license, product, user, organization, reseller })
    }
}

/// Resellers (issue 10 §7): a list's filters pinned to reseller `id` at `slot` (the index of
/// the list statement's reseller parameter, `sql::<table>::RESELLER_SLOT`): `GET
/// /resellers/{id}/users|licenses`, the reseller's own list with every filter of the list.
///
/// # Errors
/// 500 when `slot` is outside the filters (a statement and its slot out of step).
pub fn pin_reseller(filters: &mut [Value], slot: usize, id: &str) -> crate::Result<()> {
    *filters.get_mut(slot).ok_or_else(|| crate::Error::internal("reseller slot outside the list's filters"))? = id.into();
    Ok(())
}

/// One page of a list: `list` with `filters` then the page's limit and offset, and `count` with
/// `filters` (the total for `meta.count` and pagination links).
pub async fn fetch_page<T: serde::de::DeserializeOwned, D: Db>(
    db: &D,
    list: &str,
    count: &str,
    filters: Vec<Value>,
    page: Page,
) -> crate::Result<(Vec<T>, u64, Page)> {
    let mut p = filters.clone();
    p.extend([page.size.into(), page.offset().into()]);
    let rows = crate::store::fetch_all(db, list, &p).await?;
    let n = crate::store::fetch_one::<crate::store::rows::CountRow>(db, count, &filters).await?.map_or(0, |c| c.n as u64);
    Ok((rows, n, page))
}

/// A resource the caller may act on: the access table's [`access::gate`] before any read
/// (401 for anonymous callers), 404 `kind` when `find` finds nothing, then the table's answer
/// for the [`Ownership`] that `ownership` computes (404 for someone else's, so ids never leak).
pub async fn readable<T>(
    caller: &Caller,
    action: Action,
    kind: &str,
    id: &str,
    find: impl std::future::Future<Output = crate::Result<Option<T>>>,
    ownership: impl AsyncFnOnce(&T) -> crate::Result<Ownership>,
) -> crate::Result<T> {
    access::gate(caller, action)?;
    let row = find.await?.ok_or_else(|| crate::Error::not_found(kind, id))?;
    access::check(caller, action, ownership(&row).await?, kind, id)?;
    Ok(row)
}

/// Environments (issue 8): Keygen's `verify_environment!` on one record whose tenant is
/// `tenant`. Only a SHARED environment's reads reach a record of another tenant (the global
/// one, `sql::visible!`); Keygen's reads (and validations) are non-strict, every other action
/// strict: a global record is read-only from inside a shared environment.
///
/// # Errors
/// 403 `FORBIDDEN` `record environment is not compatible with the current environment`.
pub fn compatible(caller: &Caller, action: Action, tenant: &str) -> crate::Result<()> {
    let p = action.permission();
    if tenant == caller.account_id() || p.ends_with(".read") || p == "license.validate" {
        return Ok(());
    }
    Err(crate::Error::new(crate::error::Code::Forbidden, "record environment is not compatible with the current environment"))
}

/// Serialises metadata for storage.
pub fn metadata_text(m: &serde_json::Map<String, Value>) -> String {
    Value::Object(m.clone()).to_string()
}

/// The `metadata[key]=value` list filters of `q` as one parameter (`sql::metadata_equals!`):
/// NULL without any, else a JSON object.
///
/// # Errors
/// 400 `PARAMETER_INVALID` (parameter `metadata[key]`) for a bad key or value.
pub fn metadata_param(q: &crate::api::query::Query) -> crate::Result<serde_json::Value> {
    let meta = q.metadata_filters()?;
    Ok(if meta.is_empty() { serde_json::Value::Null } else { serde_json::Value::Object(meta).to_string().into() })
}

//! `GET /me` and `GET /profile`: the authenticated bearer as a resource.

use crate::access::Ownership;
use crate::access::{self, Action};
use crate::service::identity::{environment_admins, environments, tokens, users};
use crate::service::{readable, App, Bearer, Caller};
use crate::store::rows::{EnvironmentRow, LicenseRow, ProductRow, TokenRow, UserRow};
use crate::store::{self, Db, Kv};
use crate::{Error, Result};

/// The bearer's resource.
#[derive(Debug)]
pub enum Profile {
    /// An admin or user.
    User(UserRow),
    /// A product.
    Product(ProductRow),
    /// A license.
    License(Box<LicenseRow>),
    /// An environment (its token; Keygen's `GET /me` answers the environment).
    Environment(EnvironmentRow),
}

/// The caller's own resource and, when token-authenticated, its token.
///
/// # Errors
/// 401 `TOKEN_MISSING` for anonymous callers.
pub async fn me<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<(Profile, Option<TokenRow>)> {
    access::require(caller, Action::ProfileRead)?;
    let profile = match &caller.bearer {
        Bearer::Anonymous => return Err(Error::forbidden()),
        Bearer::Environment { .. } => Profile::Environment(environments::current(app, caller).await?),
        // Environments (issue 8): inside one, an admin may be one of the account's global admins.
        Bearer::Admin { user_id, .. } => {
            Profile::User(environment_admins::find_user(app, caller.account_id(), user_id).await?.ok_or_else(|| Error::not_found("user", user_id))?)
        }
        Bearer::User { user_id } => Profile::User(users::show(app, caller, user_id).await?),
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => Profile::User(users::show(app, caller, user_id).await?),
        // Resellers (issue 10 §7).
        Bearer::ResellerAdmin { user_id, .. } => Profile::User(users::show(app, caller, user_id).await?),
        Bearer::Product { product_id } => Profile::Product(
            readable(
                caller,
                Action::ProductRead,
                "product",
                product_id,
                async { Ok(store::products::find(app.db, caller.account_id(), product_id).await?) },
                async |p| Ok(Ownership::of(p.id == *product_id)),
            )
            .await?,
        ),
        Bearer::License { license_id } => Profile::License(Box::new(
            store::licenses::find(app.db, caller.account_id(), license_id).await?.ok_or_else(|| Error::not_found("license", license_id))?,
        )),
    };
    let token = match &caller.token_id {
        Some(id) => Some(tokens::find(app, caller.account_id(), id).await?),
        None => None,
    };
    Ok((profile, token))
}

//! Ownership facts the access table needs about a license, usable by every capability (fleet
//! decides a machine's ownership through its license) without importing the licensing use cases.

use crate::access::{organization_admins, Ownership};
use crate::service::{App, Bearer, Caller};
use crate::store::rows::LicenseRow;
use crate::store::{self, Db, Kv};
use crate::Result;

/// License `l` relative to the bearer: its product's, itself, or one a user owns or is
/// licensed to; `OwnLocked` when a user's license is protected (by itself or its policy).
pub async fn license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, l: &LicenseRow) -> Result<Ownership> {
    Ok(match &caller.bearer {
        Bearer::Admin { .. } | Bearer::Environment { .. } => Ownership::Own,
        Bearer::Product { product_id } => Ownership::of(*product_id == l.product_id),
        Bearer::License { license_id } => Ownership::of(*license_id == l.id),
        Bearer::User { user_id } => Ownership::locked_if(store::licenses::is_user_of(app.db, l, user_id).await?, is_protected(l)),
        Bearer::Anonymous => Ownership::Foreign,
        // organization admins (issue 10 §7): a user's, and its organization's licenses (`OwnLocked` when it holds none).
        Bearer::OrganizationAdmin { user_id, organization_id } => organization_admins::license_ownership(
            Ownership::locked_if(store::licenses::is_user_of(app.db, l, user_id).await?, is_protected(l)),
            l.organization_id.as_deref() == Some(organization_id),
        ),
        // Resellers (issue 10 §7): its reseller's licenses.
        Bearer::ResellerAdmin { reseller_id, .. } => Ownership::of(l.reseller_id.as_deref() == Some(reseller_id.as_str())),
    })
}

/// Whether the license (or, unset, its policy) is protected.
pub fn is_protected(l: &LicenseRow) -> bool {
    l.protected.map_or(l.config().protected, |p| p != 0)
}

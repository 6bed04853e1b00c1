//! A license's own entitlement set (issue 10 §3): `PUT|GET /licenses/{id}/entitlement-set`. It
//! replaces its policy's set in the license's features (`domain::features`); `null` clears it,
//! and the policy's set applies again.

use serde_json::json;

use crate::access::Action;
use crate::api::input::to_one_body;
use crate::service::catalogue::entitlement_sets;
use crate::service::licensing::licenses;
use crate::service::{events, App, Caller};
use crate::store::rows::{EntitlementSetRow, LicenseRow};
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// `PUT /licenses/{id}/entitlement-set` with an `entitlement-sets` identifier or `null`
/// (admins and the license's product). Recorded as `license.updated`.
///
/// # Errors
/// 422 `ENTITLEMENT_SET_NOT_FOUND` (`/data`) for an unknown set.
pub async fn set<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<LicenseRow> {
    let target = to_one_body(body, "entitlement-sets")?;
    let l = licenses::authorize(app, caller, id, Action::LicenseUpdate).await?;
    let acc = caller.account_id();
    let now = app.now();
    let changes = json!({"entitlementSet": [l.entitlement_set_id, target]});
    let stmts = vec![
        Stmt::new(sql::entitlement_sets::SET_FOR_LICENSE, vec![acc.into(), l.id.clone().into(), opt(target.clone()), now.into()]),
        events::record_if_changed(
            app,
            acc,
            &caller.bearer,
            events::Event { name: "license.updated", resource_type: "licenses", resource_id: &l.id, changes: Some(changes), meta: None },
        ),
    ];
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(entitlement_sets::not_found());
    }
    Ok(LicenseRow { entitlement_set_id: target, updated_at: now, ..l })
}

/// `GET /licenses/{id}/entitlement-set`: the license's own set (`None`: it has none; its
/// policy's applies, read at `GET /policies/{id}/entitlement-set`). Access: the license's read.
pub async fn of_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str) -> Result<Option<EntitlementSetRow>> {
    let l = licenses::show(app, caller, license_id).await?;
    match l.entitlement_set_id.as_deref() {
        Some(id) => entitlement_sets::find(app, caller.account_id(), id).await,
        None => Ok(None),
    }
}

//! Actions on a license's state and relationships: `suspend` / `reinstate`, `renew`, policy
//! transfer (`PUT /licenses/{id}/policy`) and owner change (`PUT /licenses/{id}/owner`). Each
//! is one guarded write with its events in the same batch.

use serde_json::json;

use crate::access::Action;
use crate::api::input::to_one_body;
use crate::domain::strategy::TransferStrategy;
use crate::error::{AttrFault, Code, Error};
use crate::service::licensing::licenses::{authorize, expiry_event};
use crate::service::licensing::subscription_logs::{self, Cause, Change};
use crate::service::licensing::usage::Written;
use crate::service::{catalogue::policies, events, identity::users, App, Caller};
use crate::store::rows::LicenseRow;
use crate::store::{flag, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// Suspends (`true`) or reinstates a license.
///
/// # Errors
/// 422 `STATE_INVALID` when it already is in that state.
pub async fn set_suspended<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, suspended: bool) -> Result<LicenseRow> {
    let l = authorize(app, caller, id, Action::LicenseSuspend).await?;
    if l.is_suspended() == suspended {
        return Err(Error::new(Code::StateInvalid, if suspended { "license is already suspended" } else { "license is not suspended" }));
    }
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::licenses::SET_SUSPENDED, vec![caller.account_id().into(), l.id.clone().into(), flag(suspended), app.now().into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event {
                    name: if suspended { "license.suspended" } else { "license.reinstated" },
                    resource_type: "licenses",
                    resource_id: &l.id,
                    changes: None,
                    meta: None,
                },
            ),
        ])
        .await?;
    match Written::of(&res, 0)? {
        Some(w) => Ok(w.apply(l)),
        // A concurrent request made the same change first (and recorded its event).
        None => Err(Error::new(Code::StateInvalid, if suspended { "license is already suspended" } else { "license is not suspended" })),
    }
}

/// Renews a license per its policy's `renewalBasis`. The new expiry is written only over the
/// expiry it was computed from (compare-and-set), so two concurrent renewals both extend the
/// license and each event's `changes.expiry` is its own write's before → after; a lost race is
/// recomputed from the fresh row (a few times, then 422 `STATE_INVALID`).
///
/// # Errors
/// 422 `POLICY_DURATION_MISSING` when the policy has no duration.
pub async fn renew<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    for _ in 0..RENEW_ATTEMPTS {
        let l = authorize(app, caller, id, Action::LicenseRenew).await?;
        let expiry = l.config().expiry_for_renewal(app.now(), l.expiry)?;
        let res = app
            .db
            .batch(
                [
                    Stmt::new(
                        sql::licenses::SET_EXPIRY_FROM,
                        vec![caller.account_id().into(), l.id.clone().into(), expiry.into(), app.now().into(), opt(l.expiry)],
                    ),
                    events::record_if_changed(
                        app,
                        caller.account_id(),
                        &caller.bearer,
                        events::Event { name: "license.renewed", resource_type: "licenses", resource_id: &l.id, changes: None, meta: None },
                    ),
                    events::record_if_changed(app, caller.account_id(), &caller.bearer, expiry_event(&l.id, l.expiry, Some(expiry))),
                ]
                .into_iter()
                .chain(subscription_logs::record_if_changed(app, &caller.bearer, &l, Cause::Renewed, &Change::expiry(l.expiry, Some(expiry))))
                .collect(),
            )
            .await?;
        if let Some(w) = Written::of(&res, 0)? {
            return Ok(w.apply(l));
        }
    }
    Err(Error::new(Code::StateInvalid, "the license changed while renewing; retry the request"))
}

/// How often [`renew`] recomputes after a concurrent change of the expiry.
const RENEW_ATTEMPTS: usize = 4;

/// Moves a license to another policy of the same product (`PUT /licenses/{id}/policy`).
///
/// # Errors
/// 422 `POLICY_NOT_FOUND`; 422 `POLICY_NOT_COMPATIBLE` when product, scheme, encryption or pool
/// differ.
pub async fn transfer<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = authorize(app, caller, id, Action::LicensePolicyChange).await?;
    let target_id = parse_identifier(body, "policies")?;
    let target = policies::find(app, caller.account_id(), &target_id)
        .await?
        .ok_or_else(|| Error::attribute("policy", AttrFault::NotFound, "must exist").pointer("/data"))?;
    // The license's own subscription overrides stay with it on the new policy.
    let (from, to) = (l.config(), target.config().with_subscription(l.subscription_interval.as_deref(), l.subscription_start_trigger.as_deref()));
    if target.product_id != l.product_id || from.scheme != to.scheme || from.encrypted != to.encrypted || from.use_pool != to.use_pool {
        return Err(Error::new(Code::PolicyNotCompatible, "cannot change to a policy with a different product, scheme, encryption or pool").pointer("/data"));
    }
    let now = app.now();
    let expiry = if from.transfer_strategy == TransferStrategy::ResetExpiry { to.expiry_from(now) } else { l.expiry };
    let mut stmts = vec![
        Stmt::new(
            sql::licenses::TRANSFER,
            vec![caller.account_id().into(), l.id.clone().into(), target.id.clone().into(), opt(expiry), now.into(), l.policy_id.clone().into(), opt(l.expiry)],
        ),
        events::record_if_changed(
            app,
            caller.account_id(),
            &caller.bearer,
            events::Event {
                name: "license.policy.updated",
                resource_type: "licenses",
                resource_id: &l.id,
                changes: Some(json!({"policy": [l.policy_id, target.id]})),
                meta: None,
            },
        ),
    ];
    if expiry != l.expiry {
        stmts.push(events::record_if_changed(app, caller.account_id(), &caller.bearer, expiry_event(&l.id, l.expiry, expiry)));
    }
    let interval = |c: &crate::domain::policy::PolicyConfig| c.subscription_interval.map(|d| d.to_string());
    if expiry != l.expiry || interval(&from) != interval(&to) {
        let change = Change { expiry: Some((l.expiry, expiry)), interval: Some((interval(&from), interval(&to))), ..Change::default() };
        stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, Cause::PolicyChanged, &change));
    }
    // After the events: it may move no machine, and the events follow the license's change.
    stmts.push(Stmt::new(sql::licenses::TRANSFER_MACHINES, vec![caller.account_id().into(), l.id.clone().into(), target.id.clone().into()]));
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(changed_concurrently("transferring"));
    }
    // Exactly what the guarded write set (it applied only over the values read).
    let mut l = l;
    (l.policy_id, l.policy_config, l.expiry, l.updated_at) = (target.id, target.config, expiry, now);
    Ok(l)
}

/// A guarded write found the license changed since it was read: nothing was written.
fn changed_concurrently(doing: &str) -> Error {
    Error::new(Code::StateInvalid, format!("the license changed while {doing}; retry the request"))
}

/// Changes (or clears, with `data: null`) the owner (`PUT /licenses/{id}/owner`).
pub async fn change_owner<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = authorize(app, caller, id, Action::LicenseOwnerChange).await?;
    let user = match to_one_body(body, "users")? {
        Some(u) => Some(
            users::find(app, caller.account_id(), &u).await?.ok_or_else(|| Error::attribute("owner", AttrFault::NotFound, "must exist").pointer("/data"))?,
        ),
        None => None,
    };
    // Organization admins (issue 10 §7): its organization's license, to one of its members.
    crate::access::organization_admins::assignable(caller, l.organization_id.as_deref(), user.as_ref(), || {
        Error::attribute("owner", AttrFault::NotFound, "must exist").pointer("/data")
    })?;
    // Resellers (issue 10 §7): a reseller admin assigns its licenses to its customers only.
    crate::service::licensing::resellers::check_owner(caller, user.as_ref(), "/data")?;
    let owner = user.as_ref().map(|u| u.id.clone());
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::licenses::SET_OWNER, vec![caller.account_id().into(), l.id.clone().into(), opt(owner.clone()), now.into(), opt(l.owner_id.clone())]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event {
                    name: "license.owner.updated",
                    resource_type: "licenses",
                    resource_id: &l.id,
                    changes: Some(json!({"owner": [l.owner_id, owner]})),
                    meta: None,
                },
            ),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(changed_concurrently("changing its owner"));
    }
    let mut l = l;
    (l.owner_id, l.owner_email, l.owner_banned_at, l.updated_at) = (owner, user.as_ref().map(|u| u.email.clone()), user.and_then(|u| u.banned_at), now);
    Ok(l)
}

fn parse_identifier(body: &[u8], ty: &str) -> Result<String> {
    to_one_body(body, ty)?.ok_or_else(|| Error::new(Code::ParameterMissing, "must not be null").pointer("/data"))
}

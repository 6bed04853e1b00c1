//! Subscriptions on licenses (issue 10 §5, Cryptlex 3.78–3.81): the license-level
//! `subscriptionInterval` / `subscriptionStartTrigger` overrides of its policy's, and
//! `PATCH /licenses/{id}/expires-at`. The expiry itself is always computed by the one rule,
//! [`crate::domain::policy::PolicyConfig::expiry_from`], on the license's effective config
//! ([`LicenseRow::config`]); every change is logged by [`subscription_logs`].

use serde_json::Value;

use crate::access::Action;
use crate::api::input::{parse_meta, Field, Members};
use crate::clock::{parse_iso8601, Millis};
use crate::domain::duration::IsoDuration;
use crate::domain::policy::{PolicyConfig, StartTrigger};
use crate::error::{AttrFault, Code, Error};
use crate::service::licensing::licenses::{authorize, expiry_event};
use crate::service::licensing::subscription_logs::{self, Cause, Change};
use crate::service::{events, App, Caller};
use crate::store::rows::LicenseRow;
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// A license document's subscription overrides (`null` = back to the policy's).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `subscriptionInterval`.
    pub interval: Field<IsoDuration>,
    /// `subscriptionStartTrigger`.
    pub trigger: Field<StartTrigger>,
}

impl Overrides {
    /// Whether the document sets either.
    pub fn is_present(&self) -> bool {
        self.interval.is_present() || self.trigger.is_present()
    }

    /// `config` (the policy's) under these overrides, for a license being created.
    pub fn apply_to(&self, config: PolicyConfig) -> PolicyConfig {
        let interval = self.interval.clone().set().map(|i| i.to_string());
        let trigger = self.trigger.clone().set().map(StartTrigger::as_str);
        config.with_subscription(interval.as_deref(), trigger)
    }
}

/// Takes `subscriptionInterval` and `subscriptionStartTrigger` from license attributes.
///
/// # Errors
/// 400 `PARAMETER_INVALID` for a non-string; 422 `SUBSCRIPTION_INTERVAL_INVALID` for a bad
/// ISO-8601 duration; 422 `SUBSCRIPTION_START_TRIGGER_NOT_ALLOWED` for an unknown trigger.
pub fn parse_overrides(attrs: &mut Members) -> Result<Overrides> {
    let interval = match attrs.string("subscriptionInterval")? {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(s) => {
            Field::Set(s.parse().map_err(|e: crate::domain::duration::InvalidDuration| Error::attribute("subscriptionInterval", AttrFault::Invalid, e.0))?)
        }
    };
    let trigger = match attrs.string("subscriptionStartTrigger")? {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(s) => {
            Field::Set(s.parse().map_err(|_| Error::attribute("subscriptionStartTrigger", AttrFault::NotAllowed, "must be one of: creation, activation"))?)
        }
    };
    Ok(Overrides { interval, trigger })
}

/// The statements that store a new license's overrides, for its creation batch (after the
/// INSERT); empty when the document has none.
pub fn create_stmts(account_id: &str, license_id: &str, o: &Overrides, now: Millis) -> Vec<Stmt> {
    let interval = o.interval.clone().set().map(|i| i.to_string());
    let trigger = o.trigger.clone().set().map(|t| t.as_str().to_owned());
    if interval.is_none() && trigger.is_none() {
        return Vec::new();
    }
    vec![Stmt::new(
        sql::subscriptions::SET_LICENSE_SUBSCRIPTION,
        vec![account_id.into(), license_id.into(), opt(interval), opt(trigger), now.into(), Value::Null, Value::Null],
    )]
}

/// The statements of a license update that changes its overrides: the guarded write, its
/// subscription log (`subscription-updated`, the effective interval before → after) and
/// event; empty when the document sets neither. Does not move the expiry (the new interval
/// applies from the next renewal or lazy start, as in Cryptlex).
pub fn update_stmts<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, l: &LicenseRow, o: &Overrides) -> Vec<Stmt> {
    if !o.is_present() {
        return Vec::new();
    }
    let interval = o.interval.clone().into_update().map_or(l.subscription_interval.clone(), |i| i.map(|d| d.to_string()));
    let trigger = o.trigger.clone().into_update().map_or(l.subscription_start_trigger.clone(), |t| t.map(|t| t.as_str().to_owned()));
    let before = l.config().subscription_interval.map(|d| d.to_string());
    let after = LicenseRow { subscription_interval: interval.clone(), subscription_start_trigger: trigger.clone(), ..l.clone() }
        .config()
        .subscription_interval
        .map(|d| d.to_string());
    let mut stmts = vec![Stmt::new(
        sql::subscriptions::SET_LICENSE_SUBSCRIPTION,
        vec![
            caller.account_id().into(),
            l.id.clone().into(),
            opt(interval),
            opt(trigger),
            app.now().into(),
            opt(l.subscription_interval.clone()),
            opt(l.subscription_start_trigger.clone()),
        ],
    )];
    let change = Change { interval: Some((before, after)), ..Change::default() };
    stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, l, Cause::SubscriptionUpdated, &change));
    stmts
}

/// `meta.expiry` of `PATCH /licenses/{id}/expires-at`: an ISO-8601 time, or null for none.
///
/// # Errors
/// 400 `PARAMETER_MISSING` without it, 400 `PARAMETER_INVALID` for a non-string, 422
/// `EXPIRY_INVALID` for a string that is no timestamp.
pub fn parse_expiry(body: &[u8]) -> Result<Option<Millis>> {
    let mut meta = parse_meta(body)?;
    let v = match meta.string("expiry")? {
        Field::Absent => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/meta/expiry")),
        Field::Null => None,
        Field::Set(s) => Some(
            parse_iso8601(&s).ok_or_else(|| Error::attribute("expiry", AttrFault::Invalid, "must be a valid ISO-8601 timestamp").pointer("/meta/expiry"))?,
        ),
    };
    meta.finish()?;
    Ok(v)
}

/// `PATCH|PUT /licenses/{id}/expires-at` (Cryptlex 3.80; admins and the license's product):
/// sets an exact expiry (or none), written only over the expiry it was read with, with its
/// subscription log and `license.expiry.updated` in the same batch.
///
/// # Errors
/// As [`parse_expiry`]; 422 `STATE_INVALID` when a concurrent write changed the expiry first.
pub async fn set_expiry<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = authorize(app, caller, id, Action::LicenseExpiryChange).await?;
    let expiry = parse_expiry(body)?;
    if expiry == l.expiry {
        return Ok(l);
    }
    let now = app.now();
    let mut stmts =
        vec![Stmt::new(sql::licenses::SET_EXPIRY_FROM, vec![caller.account_id().into(), l.id.clone().into(), opt(expiry), now.into(), opt(l.expiry)])];
    stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, Cause::ExpiryUpdated, &Change::expiry(l.expiry, expiry)));
    stmts.push(events::record_if_changed(app, caller.account_id(), &caller.bearer, expiry_event(&l.id, l.expiry, expiry)));
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::StateInvalid, "the license's expiry changed while setting it; retry the request"));
    }
    Ok(LicenseRow { expiry, updated_at: now, ..l })
}

/// `GET /licenses/{id}/maintenance-policy`: the license's maintenance policy (`None`: none).
/// Access: the license's read, like every relationship route.
///
/// # Errors
/// 404 when the caller may not read the license.
pub async fn maintenance_policy_of<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    license_id: &str,
) -> Result<Option<crate::store::rows::MaintenancePolicyRow>> {
    let l = authorize(app, caller, license_id, Action::LicenseRead).await?;
    match l.maintenance_policy_id.as_deref() {
        Some(id) => crate::service::catalogue::maintenance_policies::find(app, caller.account_id(), id).await,
        None => Ok(None),
    }
}

//! License check-in and usage: `actions/check-in`, `increment-usage`, `decrement-usage` and
//! `reset-usage`. Usage limits hold in one guarded statement; the event is written in the same
//! batch only when the guarded statement changed the row (`events::record_if_changed`).

use serde::Deserialize;
use serde_json::Value;

use crate::access::Action;
use crate::api::input::{parse_body, type_mismatch, Members};
use crate::clock::Millis;
use crate::domain::strategy::ExpirationBasis;
use crate::error::{AttrFault, Code, Error};
use crate::service::licensing::subscription_logs;
use crate::service::{events, licensing::licenses, App, Caller};
use crate::store::rows::LicenseRow;
use crate::store::{sql, Db, Kv, Stmt, StmtResult, StoreError};
use crate::Result;

/// Reads the optional `meta.<name>` amount of a usage request (default 1, at least 1).
///
/// # Errors
/// 400 `PARAMETER_INVALID` for a non-integer or a value below 1, `PARAMETER_UNPERMITTED` for
/// other members.
pub fn parse_amount(body: &[u8], name: &str) -> Result<i64> {
    let mut top = Members::new(parse_body(body)?, "");
    let meta = top.raw("meta");
    top.finish()?;
    let mut meta = match meta {
        None | Some(Value::Null) => return Ok(1),
        Some(Value::Object(m)) => Members::new(m, "/meta"),
        Some(v) => return Err(type_mismatch("/meta", &v, "object")),
    };
    let n = meta.int(name)?.set().unwrap_or(1);
    meta.finish()?;
    if !(1..=i64::from(i32::MAX)).contains(&n) {
        return Err(Error::new(Code::ParameterInvalid, "must be between 1 and 2147483647").pointer(format!("/meta/{name}")));
    }
    Ok(n)
}

fn event<'a>(name: &'a str, l: &'a LicenseRow, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: "licenses", resource_id: &l.id, changes, meta: None }
}

/// The columns a guarded license write returned (`UPDATE … RETURNING`): the response shows
/// what that write left, never a re-read that a concurrent write may have overtaken.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Written {
    uses: Option<i64>,
    expiry: Option<Millis>,
    suspended: Option<i64>,
    last_check_in_at: Option<Millis>,
    updated_at: Option<Millis>,
}

impl Written {
    /// The row statement `i` of a batch returned, if it returned one.
    pub(crate) fn of(res: &[StmtResult], i: usize) -> Result<Option<Self>> {
        match res.get(i).and_then(|r| r.rows.first()) {
            None => Ok(None),
            Some(row) => Ok(Some(serde_json::from_value(Value::Object(row.clone())).map_err(StoreError::from)?)),
        }
    }

    /// `l` as the write left it: the returned columns over the row read before it.
    pub(crate) fn apply(self, mut l: LicenseRow) -> LicenseRow {
        l.uses = self.uses.unwrap_or(l.uses);
        l.expiry = self.expiry.or(l.expiry);
        l.suspended = self.suspended.unwrap_or(l.suspended);
        l.last_check_in_at = self.last_check_in_at.or(l.last_check_in_at);
        l.updated_at = self.updated_at.unwrap_or(l.updated_at);
        l
    }
}

/// `l` after a batch whose statements `writes` are guarded writes on it with `RETURNING`.
fn written(l: LicenseRow, res: &[StmtResult], writes: &[usize]) -> Result<LicenseRow> {
    let mut l = l;
    for &i in writes {
        if let Some(w) = Written::of(res, i)? {
            l = w.apply(l);
        }
    }
    Ok(l)
}

/// `POST /licenses/{id}/actions/check-in` (admins, its product, the license itself).
///
/// # Errors
/// 422 `UNPROCESSABLE_ENTITY` when the policy does not require check-ins (as Keygen).
pub async fn check_in<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseCheckIn).await?;
    if !l.config().require_check_in {
        return Err(Error::new(Code::UnprocessableEntity, "cannot be checked in because the policy does not require it"));
    }
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::license_actions::CHECK_IN, vec![caller.account_id().into(), l.id.clone().into(), now.into()]),
            events::record_if_changed(app, caller.account_id(), &caller.bearer, event("license.checked-in", &l, None)),
        ])
        .await?;
    if res.first().is_none_or(|r| r.rows.is_empty()) {
        return Err(Error::not_found("license", id));
    }
    written(l, &res, &[0])
}

/// `POST /licenses/{id}/actions/increment-usage` with `meta.increment` (admins, its product,
/// the license itself). Under `FROM_FIRST_USE` the first increment starts the expiry clock in
/// the same batch. The event's `changes.uses` and the response's `uses` are the guarded
/// write's own before → after (its `RETURNING`), so concurrent increments never share a value.
///
/// # Errors
/// 422 `USES_LIMIT_EXCEEDED` when uses + increment would pass the effective `maxUses`
/// (nothing is written).
pub async fn increment<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, by: i64) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseUsageIncrement).await?;
    let (now, cfg) = (app.now(), l.config());
    let (acc, lid) = (caller.account_id(), l.id.clone());
    let mut stmts = vec![
        Stmt::new(sql::license_actions::INCREMENT_USES, vec![acc.into(), lid.clone().into(), by.into(), now.into()]),
        events::record_uses_change_if_changed(app, acc, &caller.bearer, event("license.usage.incremented", &l, None), by),
    ];
    let first_use_expiry = if cfg.expiration_basis == ExpirationBasis::FromFirstUse && l.expiry.is_none() { cfg.expiry_from(now) } else { None };
    if let Some(expiry) = first_use_expiry {
        stmts.push(Stmt::new(sql::license_actions::SET_EXPIRY_IF_UNSET_AFTER_CHANGE, vec![acc.into(), lid.clone().into(), expiry.into(), now.into()]));
        stmts.push(events::record_if_changed(app, acc, &caller.bearer, crate::service::licensing::licenses::expiry_event(&lid, None, Some(expiry))));
        let change = subscription_logs::Change::expiry(None, Some(expiry));
        stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, subscription_logs::Cause::FirstUsed, &change));
    }
    let res = app.db.batch(stmts).await?;
    if res.first().is_none_or(|r| r.rows.is_empty()) {
        let max = l.max_uses.or(cfg.max_uses).unwrap_or_default();
        return Err(Error::new(Code::UsesLimitExceeded, format!("usage exceeds maximum allowed by current policy ({max})")).pointer("/data/attributes/uses"));
    }
    written(l, &res, &[0, 2])
}

/// `POST /licenses/{id}/actions/decrement-usage` with `meta.decrement` (admins and its product).
///
/// # Errors
/// 422 `USES_INVALID` when uses would go below zero (nothing is written).
pub async fn decrement<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, by: i64) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseUsageReset).await?;
    let acc = caller.account_id();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::license_actions::DECREMENT_USES, vec![acc.into(), l.id.clone().into(), by.into(), app.now().into()]),
            events::record_uses_change_if_changed(app, acc, &caller.bearer, event("license.usage.decremented", &l, None), -by),
        ])
        .await?;
    if res.first().is_none_or(|r| r.rows.is_empty()) {
        return Err(Error::attribute("uses", AttrFault::Invalid, "must be greater than or equal to 0"));
    }
    written(l, &res, &[0])
}

/// `POST /licenses/{id}/actions/reset-usage` (admins and its product). The event, written just
/// before the reset in the same batch, records the count the reset overwrites.
pub async fn reset<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseUsageReset).await?;
    let acc = caller.account_id();
    let res = app
        .db
        .batch(vec![
            events::record_uses_reset(app, acc, &caller.bearer, event("license.usage.reset", &l, None)),
            Stmt::new(sql::license_actions::RESET_USES, vec![acc.into(), l.id.clone().into(), app.now().into()]),
        ])
        .await?;
    if res.get(1).is_none_or(|r| r.rows.is_empty()) {
        return Err(Error::not_found("license", id));
    }
    written(l, &res, &[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_default_to_one_and_must_be_positive_integers() {
        assert_eq!(parse_amount(b"", "increment").unwrap(), 1);
        assert_eq!(parse_amount(br#"{"meta":{"increment":5}}"#, "increment").unwrap(), 5);
        let e = parse_amount(br#"{"meta":{"increment":0}}"#, "increment").unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("PARAMETER_INVALID", 400));
        let e = parse_amount(br#"{"meta":{"increment":"2"}}"#, "increment").unwrap_err();
        assert_eq!(e.code, "PARAMETER_INVALID");
        let e = parse_amount(br#"{"meta":{"decrement":2}}"#, "increment").unwrap_err();
        assert_eq!(e.code, "PARAMETER_UNPERMITTED");
    }
}

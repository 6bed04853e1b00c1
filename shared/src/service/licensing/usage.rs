//! License check-in and usage: `actions/check-in`, `increment-usage`, `decrement-usage` and
//! `reset-usage`. Usage limits hold in one guarded statement; the event is written in the same
//! batch only when the guarded statement changed the row (`events::record_if_changed`).

use serde_json::{json, Value};

use crate::access::Action;
use crate::api::input::{parse_body, type_mismatch, Members};
use crate::domain::strategy::ExpirationBasis;
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, licensing::licenses, App, Caller};
use crate::store::rows::LicenseRow;
use crate::store::{sql, Db, Kv, Stmt};
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

async fn reload<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    licenses::find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("license", id))
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
    app.db
        .batch(vec![
            Stmt::new(sql::license_actions::CHECK_IN, vec![caller.account_id().into(), l.id.clone().into(), now.into()]),
            events::record_if_changed(app, caller.account_id(), &caller.bearer, event("license.checked-in", &l, None)),
        ])
        .await?;
    reload(app, caller, &l.id).await
}

/// `POST /licenses/{id}/actions/increment-usage` with `meta.increment` (admins, its product,
/// the license itself). Under `FROM_FIRST_USE` the first increment starts the expiry clock in
/// the same batch.
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
        events::record_if_changed(app, acc, &caller.bearer, event("license.usage.incremented", &l, Some(json!({"uses": [l.uses, l.uses + by]})))),
    ];
    let first_use_expiry = if cfg.expiration_basis == ExpirationBasis::FromFirstUse && l.expiry.is_none() { cfg.expiry_from(now) } else { None };
    if let Some(expiry) = first_use_expiry {
        stmts.push(Stmt::new(sql::license_actions::SET_EXPIRY_IF_UNSET_AFTER_CHANGE, vec![acc.into(), lid.clone().into(), expiry.into(), now.into()]));
        stmts.push(events::record_if_changed(app, acc, &caller.bearer, crate::service::licensing::licenses::expiry_event(&lid, None, Some(expiry))));
    }
    let res = app.db.batch(stmts).await?;
    if res[0].rows.is_empty() {
        let max = l.max_uses.or(cfg.max_uses).unwrap_or_default();
        return Err(Error::new(Code::UsesLimitExceeded, format!("usage exceeds maximum allowed by current policy ({max})")).pointer("/data/attributes/uses"));
    }
    reload(app, caller, &lid).await
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
            events::record_if_changed(app, acc, &caller.bearer, event("license.usage.decremented", &l, Some(json!({"uses": [l.uses, l.uses - by]})))),
        ])
        .await?;
    if res[0].rows.is_empty() {
        return Err(Error::attribute("uses", AttrFault::Invalid, "must be greater than or equal to 0"));
    }
    reload(app, caller, &l.id).await
}

/// `POST /licenses/{id}/actions/reset-usage` (admins and its product).
pub async fn reset<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, id, Action::LicenseUsageReset).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::license_actions::RESET_USES, vec![acc.into(), l.id.clone().into(), app.now().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("license.usage.reset", &l, Some(json!({"uses": [l.uses, 0]})))),
        ])
        .await?;
    reload(app, caller, &l.id).await
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

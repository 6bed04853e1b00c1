//! Bulk deactivation (Cryptlex 3.80's `DELETE /activations` by date range, as a license action):
//! `POST /licenses/{id}/actions/deactivate-machines` deletes the license's machines created in
//! `[createdAfter, createdBefore)` — all of them or none: one atomic batch logs them
//! (`bulk-deactivated`), deletes them and records one `machine.deleted` each, and fails whole if
//! any changed meanwhile. At most [`MAX_MACHINES`] per request.

use serde_json::{Map, Value};

use crate::access::Action;
use crate::api::input::{parse_meta, Field};
use crate::clock::{parse_iso8601, Millis};
use crate::error::{Code, Error};
use crate::service::activation_log::Origin;
use crate::service::events::{self, Event};
use crate::service::{fleet::leases, licensing::licenses, App, Caller};
use crate::store::rows::IdRow;
use crate::store::{fetch_all, sql, Db, Kv, Stmt};
use crate::Result;

/// The most machines one request deactivates (each also drops its KV lease).
pub const MAX_MACHINES: i64 = 100;

/// The range: created at or after the first, before the second.
pub type Range = (Option<Millis>, Option<Millis>);

/// Parses `{"meta":{"createdAfter":"<ISO-8601>","createdBefore":"<ISO-8601>"}}` (each optional).
///
/// # Errors
/// 400 `PARAMETER_INVALID` pointing at the member; 400 `PARAMETER_UNPERMITTED` for others.
pub fn parse(body: &[u8]) -> Result<Range> {
    let mut meta = parse_meta(body)?;
    let mut time = |k: &str| -> Result<Option<Millis>> {
        match meta.string(k)? {
            Field::Set(s) => {
                parse_iso8601(&s).map(Some).ok_or_else(|| Error::new(Code::ParameterInvalid, "must be an ISO-8601 time").pointer(format!("/meta/{k}")))
            }
            _ => Ok(None),
        }
    };
    let range = (time("createdAfter")?, time("createdBefore")?);
    meta.finish()?;
    Ok(range)
}

/// Deactivates the license's machines created in `range`; the ids deactivated.
///
/// # Errors
/// 404 (license), 422 `UNPROCESSABLE_ENTITY` (pointer `/meta`) when more than
/// [`MAX_MACHINES`] match, 409 `CONFLICT` when the set changed during the request.
pub async fn deactivate_machines<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, range: Range, origin: &Origin) -> Result<Vec<String>> {
    let l = licenses::authorize(app, caller, license_id, Action::MachineBulkDeactivate).await?;
    let acc = caller.account_id();
    let opt = |v: Option<Millis>| v.map_or(Value::Null, Value::from);
    let params = [acc.into(), l.id.clone().into(), opt(range.0), opt(range.1), (MAX_MACHINES + 1).into()];
    let ids: Vec<String> = fetch_all::<IdRow>(app.db, sql::activation_logs::MACHINES_IN_RANGE, &params).await?.into_iter().map(|r| r.id).collect();
    if ids.len() as i64 > MAX_MACHINES {
        return Err(Error::new(Code::UnprocessableEntity, format!("more than {MAX_MACHINES} machines match: narrow the range")).pointer("/meta"));
    }
    if ids.is_empty() {
        return Ok(ids);
    }
    let logs: Map<String, Value> = ids.iter().map(|id| (id.clone(), Value::from(app.uuid()))).collect();
    let logs = Value::Object(logs).to_string();
    let o = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
    let evs: Vec<(&str, Event<'_>)> =
        ids.iter().map(|id| (acc, Event { name: "machine.deleted", resource_type: "machines", resource_id: id, changes: None, meta: None })).collect();
    let batch = vec![
        Stmt::new(
            sql::activation_logs::LOG_BULK_DEACTIVATED,
            vec![logs.clone().into(), l.id.clone().into(), acc.into(), o(&origin.ip), o(&origin.country), o(&origin.user_agent), app.now().into()],
        ),
        Stmt::new(sql::activation_logs::DELETE_MACHINES_IN, vec![logs.into(), l.id.clone().into(), acc.into()]),
        // Rolls the batch back unless the delete removed exactly these machines.
        events::record_many(app, &caller.bearer, &evs, Some(ids.len() as u64)),
    ];
    if let Err(e) = app.db.batch(batch).await {
        // A concurrent change to the set fails the batch's count check: say so; anything else
        // is a store failure.
        let now: Vec<String> = fetch_all::<IdRow>(app.db, sql::activation_logs::MACHINES_IN_RANGE, &params).await?.into_iter().map(|r| r.id).collect();
        if now != ids {
            return Err(Error::new(Code::ConcurrentUpdate, "the license's machines changed during the request; retry"));
        }
        return Err(e.into());
    }
    for id in &ids {
        leases::remove(app, acc, id).await;
    }
    Ok(ids)
}

//! Meter attributes (Cryptlex 3.38, issue 10 §2): named usage meters on a license
//! (`POST /licenses/{id}/meters`, `PATCH|DELETE /licenses/{id}/meters/{name}`,
//! `POST /licenses/{id}/meters/{name}/actions/reset`) and a machine's uses of them
//! (`POST /machines/{id}/actions/increment-meter|decrement-meter`). An increment is ONE guarded
//! `UPDATE` (`sql::meters::INCREMENT`) followed in its batch by the machine's share only if it
//! changed a row, so concurrent increments never pass `allowedUses`. Floating meters get a
//! machine's uses back in the batch that deletes the machine ([`release_stmts`]). Increments,
//! decrements and resets record `license.meter.incremented|decremented|reset` (Cryptlex has no
//! meter events; named like Keygen's `license.usage.*`), guarded like the write they follow.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::access::Action;
use crate::api::input::{parse_meta, Field, Members, ResourceInput};
use crate::domain::meters::{self, NameFault, MAX_ALLOWED_USES, MAX_METERS_PER_LICENSE, MAX_STEP};
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, fleet::machines, licensing::licenses, App, Caller};
use crate::store::rows::{CountRow, LicenseRow, MachineRow};
use crate::store::{fetch_one, flag, opt, sql, Db, Kv, Stmt, StmtResult};
use crate::Result;

/// A parsed meter create or update.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MeterInput {
    name: Option<String>,
    allowed_uses: Option<i64>,
    floating: Option<bool>,
    visible: Option<bool>,
}

fn name_error(f: NameFault, ptr: &str) -> Error {
    let detail = match f {
        NameFault::Blank => "can't be blank",
        NameFault::TooLong => "is too long (maximum is 64 characters)",
        NameFault::Character => "may only contain A-Z, a-z, 0-9, '_', '-' and '.'",
    };
    Error::new(Code::ParameterInvalid, detail).pointer(ptr)
}

fn non_null<T>(f: Field<T>, ptr: &str) -> Result<Option<T>> {
    match f {
        Field::Null => Err(Error::new(Code::ParameterInvalid, "can't be null").pointer(ptr)),
        f => Ok(f.set()),
    }
}

/// Parses `{"data":{"type":"meters","attributes":{name, allowedUses, floating, visible}}}`:
/// on create `name` and `allowedUses` are required; on update `name` may not be sent.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID` / `PARAMETER_UNPERMITTED` with the pointer.
pub fn parse(body: &[u8], creating: bool) -> Result<MeterInput> {
    let mut r = ResourceInput::parse(body, "meters")?;
    let a = &mut r.attrs;
    let name = if creating {
        let ptr = a.ptr("name");
        let n = non_null(a.string("name")?, &ptr)?.ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer(&ptr))?;
        meters::check_name(&n).map_err(|f| name_error(f, &ptr))?;
        Some(n)
    } else {
        None
    };
    let ptr = a.ptr("allowedUses");
    let allowed_uses = non_null(a.int_in("allowedUses", -1, MAX_ALLOWED_USES)?, &ptr)?;
    if creating && allowed_uses.is_none() {
        return Err(Error::new(Code::ParameterMissing, "is missing").pointer(ptr));
    }
    let (fp, vp) = (a.ptr("floating"), a.ptr("visible"));
    let floating = non_null(a.bool("floating")?, &fp)?;
    let visible = non_null(a.bool("visible")?, &vp)?;
    r.finish()?;
    Ok(MeterInput { name, allowed_uses, floating, visible })
}

/// Parses `{"meta":{"name":…,"<step>":n}}` of `increment-meter` / `decrement-meter`
/// (`step` is `increment` or `decrement`; default 1, between 1 and 2147483647).
///
/// # Errors
/// 400 with the pointer for a missing or malformed name or amount, or other members.
pub fn parse_step(body: &[u8], step: &str) -> Result<(String, i64)> {
    let mut meta: Members = parse_meta(body)?;
    let ptr = meta.ptr("name");
    let name = non_null(meta.string("name")?, &ptr)?.ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer(&ptr))?;
    meters::check_name(&name).map_err(|f| name_error(f, &ptr))?;
    let sptr = meta.ptr(step);
    let n = non_null(meta.int(step)?, &sptr)?.unwrap_or(1);
    meta.finish()?;
    if !(1..=MAX_STEP).contains(&n) {
        return Err(Error::new(Code::ParameterInvalid, "must be between 1 and 2147483647").pointer(sptr));
    }
    Ok((name, n))
}

async fn reread<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow) -> Result<LicenseRow> {
    licenses::find(app, &l.account_id, &l.id).await?.ok_or_else(|| Error::not_found("license", &l.id))
}

fn changed(res: &[StmtResult], i: usize) -> bool {
    res.get(i).is_some_and(|r| !r.rows.is_empty() || r.changes > 0)
}

/// `POST /licenses/{id}/meters` (admins and the license's product).
///
/// # Errors
/// 422 `NAME_TAKEN` for a name the license already has, `METER_ATTRIBUTES_LIMIT_EXCEEDED`
/// past [`MAX_METERS_PER_LICENSE`].
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license: &str, m: MeterInput) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, license, Action::LicenseMeterManage).await?;
    let name = m.name.ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer("/data/attributes/name"))?;
    let (acc, now) = (caller.account_id(), app.now());
    let params = vec![
        acc.into(),
        l.id.clone().into(),
        name.clone().into(),
        m.allowed_uses.unwrap_or(-1).into(),
        flag(m.floating.unwrap_or(false)),
        flag(m.visible.unwrap_or(true)),
        now.into(),
        (MAX_METERS_PER_LICENSE as i64).into(),
    ];
    let res = app.db.batch(vec![Stmt::new(sql::meters::INSERT, params)]).await?;
    if !changed(&res, 0) {
        #[derive(Deserialize)]
        struct Count {
            taken: i64,
        }
        let c = fetch_one::<Count>(app.db, sql::meters::COUNT, &[acc.into(), l.id.clone().into(), name.into()]).await?;
        if c.is_some_and(|c| c.taken != 0) {
            return Err(Error::attribute("name", AttrFault::Taken, "has already been taken"));
        }
        return Err(Error::new(Code::MeterAttributesLimitExceeded, format!("a license has at most {MAX_METERS_PER_LICENSE} meter attributes")).pointer("/data"));
    }
    reread(app, &l).await
}

/// One write on meter `name` of license `license` (update, delete, reset): 404 when the
/// license has no such meter.
async fn on_meter<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    license: &str,
    name: &str,
    stmts: impl FnOnce(&LicenseRow) -> Vec<Stmt>,
) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, license, Action::LicenseMeterManage).await?;
    let res = app.db.batch(stmts(&l)).await?;
    if !changed(&res, 0) {
        return Err(Error::not_found("meter attribute", name));
    }
    Ok(l)
}

/// `PATCH /licenses/{id}/meters/{name}`: `allowedUses`, `floating`, `visible`. Lowering
/// `allowedUses` below `totalUses` is allowed (further increments are refused).
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license: &str, name: &str, m: MeterInput) -> Result<LicenseRow> {
    let (acc, now) = (caller.account_id().to_owned(), app.now());
    let l = on_meter(app, caller, license, name, |l| {
        let p = vec![acc.into(), l.id.clone().into(), name.into(), opt(m.allowed_uses), opt(m.floating.map(flag)), opt(m.visible.map(flag)), now.into()];
        vec![Stmt::new(sql::meters::UPDATE, p)]
    })
    .await?;
    reread(app, &l).await
}

/// `DELETE /licenses/{id}/meters/{name}` (the machines' uses of it go with it).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license: &str, name: &str) -> Result<()> {
    let acc = caller.account_id().to_owned();
    on_meter(app, caller, license, name, |l| vec![Stmt::new(sql::meters::DELETE, vec![acc.into(), l.id.clone().into(), name.into()])]).await?;
    Ok(())
}

/// `POST /licenses/{id}/meters/{name}/actions/reset`: `totalUses` and every machine's share
/// to zero in one batch; `grossUses` keeps the lifetime count.
pub async fn reset<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license: &str, name: &str) -> Result<LicenseRow> {
    let (acc, now) = (caller.account_id().to_owned(), app.now());
    let l = on_meter(app, caller, license, name, |l| {
        let p: Vec<Value> = vec![acc.clone().into(), l.id.clone().into(), name.into(), now.into()];
        let ev = meter_event("license.meter.reset", &l.id, json!({"meter": name}));
        vec![Stmt::new(sql::meters::RESET, p.clone()), events::record_if_changed(app, &acc, &caller.bearer, ev), Stmt::new(sql::meters::RESET_MACHINES, p)]
    })
    .await?;
    reread(app, &l).await
}

/// What a meter step left: the machine's uses and the license meter's `totalUses`, from the
/// guarded writes' own `RETURNING` (never a re-read a concurrent step could have overtaken).
#[derive(Debug, Clone)]
pub struct Stepped {
    /// The machine (re-read, for the document).
    pub machine: MachineRow,
    /// The meter's name.
    pub name: String,
    /// The machine's uses after the step.
    pub uses: i64,
    /// The license meter's `totalUses` after the step.
    pub total_uses: i64,
}

impl Stepped {
    /// The document `meta` of a step response.
    pub fn meta(&self) -> Value {
        json!({"meter": {"name": self.name, "uses": self.uses, "totalUses": self.total_uses}})
    }
}

fn returned(res: &[StmtResult], i: usize, col: &str) -> i64 {
    res.get(i).and_then(|r| r.rows.first()).and_then(|row| row.get(col)).and_then(Value::as_i64).unwrap_or_default()
}

async fn meter_or_missing<D: Db, K: Kv>(app: &App<'_, D, K>, m: &MachineRow, name: &str) -> Result<meters::Meter> {
    fetch_one::<meters::Meter>(app.db, sql::meters::FIND, &[m.account_id.clone().into(), m.license_id.clone().into(), name.into()])
        .await?
        .ok_or_else(|| Error::new(Code::MeterNotFound, format!("the license has no meter attribute '{name}'")).pointer("/meta/name"))
}

/// `POST /machines/{id}/actions/increment-meter` (admins, its product, its license).
///
/// # Errors
/// 422 `METER_USES_LIMIT_EXCEEDED` (pointer `/meta/increment`) when `totalUses + increment`
/// would pass `allowedUses` — nothing is written; 422 `METER_NOT_FOUND` for an unknown name.
pub async fn increment<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, machine: &str, name: &str, by: i64) -> Result<Stepped> {
    let m = machines::authorize(app, caller, machine, Action::MachineMeterIncrement).await?;
    let p: Vec<Value> = vec![m.account_id.clone().into(), m.id.clone().into(), name.into(), by.into(), app.now().into()];
    let ev = meter_event("license.meter.incremented", &m.license_id, json!({"meter": name, "machine": m.id, "increment": by}));
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::meters::INCREMENT, p.clone()),
            Stmt::new(sql::meters::ADD_MACHINE_USES, p),
            events::record_if_changed(app, &m.account_id, &caller.bearer, ev),
        ])
        .await?;
    if !changed(&res, 0) {
        let meter = meter_or_missing(app, &m, name).await?;
        return Err(Error::new(Code::MeterUsesLimitExceeded, format!("meter attribute '{name}' uses exceed the maximum allowed ({})", meter.allowed_uses))
            .pointer("/meta/increment"));
    }
    let (uses, total_uses) = (returned(&res, 1, "uses"), returned(&res, 0, "total_uses"));
    let machine = machines::find(app, &m.account_id, &m.id).await?.unwrap_or(m);
    Ok(Stepped { machine, name: name.to_owned(), uses, total_uses })
}

/// `POST /machines/{id}/actions/decrement-meter` (admins and its product).
///
/// # Errors
/// 422 `METER_USES_INVALID` (pointer `/meta/decrement`) when the machine's uses would go below
/// zero; 422 `METER_NOT_FOUND` for an unknown name.
pub async fn decrement<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, machine: &str, name: &str, by: i64) -> Result<Stepped> {
    let m = machines::authorize(app, caller, machine, Action::MachineMeterDecrement).await?;
    let p: Vec<Value> = vec![m.account_id.clone().into(), m.id.clone().into(), name.into(), by.into(), app.now().into()];
    let ev = meter_event("license.meter.decremented", &m.license_id, json!({"meter": name, "machine": m.id, "decrement": by}));
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::meters::SUBTRACT_MACHINE_USES, p.clone()),
            Stmt::new(sql::meters::DECREMENT, p),
            events::record_if_changed(app, &m.account_id, &caller.bearer, ev),
        ])
        .await?;
    if !changed(&res, 0) {
        meter_or_missing(app, &m, name).await?;
        let have = fetch_one::<CountRow>(app.db, sql::meters::MACHINE_USES, &[m.account_id.clone().into(), m.id.clone().into(), name.into()])
            .await?
            .map_or(0, |c| c.n);
        return Err(Error::new(Code::MeterUsesInvalid, format!("the machine has {have} uses of meter attribute '{name}'")).pointer("/meta/decrement"));
    }
    let (uses, total_uses) = (returned(&res, 0, "uses"), returned(&res, 1, "total_uses"));
    let machine = machines::find(app, &m.account_id, &m.id).await?.unwrap_or(m);
    Ok(Stepped { machine, name: name.to_owned(), uses, total_uses })
}

/// A meter event of license `license_id` (its `meta` names the meter and the step).
fn meter_event<'a>(name: &'a str, license_id: &'a str, meta: Value) -> events::Event<'a> {
    events::Event { name, resource_type: "licenses", resource_id: license_id, changes: None, meta: Some(meta) }
}

/// The statements that, placed after a batch's machine delete (and its events), give the uses
/// of the deleted machines of `ids` back to their floating meters and drop their shares.
/// Machines of `ids` that still exist (a refused delete) are untouched.
pub fn release_stmts(ids: &Map<String, Value>) -> [Stmt; 2] {
    let ids = Value::Object(ids.clone()).to_string();
    [Stmt::new(sql::meters::RELEASE_GONE_MACHINES, vec![ids.clone().into()]), Stmt::new(sql::meters::PURGE_GONE_MACHINES, vec![ids.into()])]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<impl std::fmt::Debug>) -> (String, String) {
        let e = r.unwrap_err();
        let ptr = match &e.source {
            Some(crate::error::Source::Pointer(p)) => p.clone(),
            _ => String::new(),
        };
        (e.code.to_string(), ptr)
    }

    #[test]
    fn parse_table() {
        let ok = parse(br#"{"data":{"type":"meters","attributes":{"name":"calls","allowedUses":-1,"floating":true}}}"#, true).unwrap();
        assert_eq!(ok, MeterInput { name: Some("calls".into()), allowed_uses: Some(-1), floating: Some(true), visible: None });
        let table: &[(&[u8], bool, &str, &str)] = &[
            (br#"{"data":{"type":"meters","attributes":{"allowedUses":1}}}"#, true, "PARAMETER_MISSING", "/data/attributes/name"),
            (br#"{"data":{"type":"meters","attributes":{"name":"a"}}}"#, true, "PARAMETER_MISSING", "/data/attributes/allowedUses"),
            (br#"{"data":{"type":"meters","attributes":{"name":"a b","allowedUses":1}}}"#, true, "PARAMETER_INVALID", "/data/attributes/name"),
            (br#"{"data":{"type":"meters","attributes":{"name":"a","allowedUses":-2}}}"#, true, "ALLOWED_USES_INVALID", "/data/attributes/allowedUses"),
            (br#"{"data":{"type":"meters","attributes":{"name":"a","allowedUses":null}}}"#, true, "PARAMETER_INVALID", "/data/attributes/allowedUses"),
            (br#"{"data":{"type":"meters","attributes":{"name":"a","allowedUses":1,"x":1}}}"#, true, "PARAMETER_UNPERMITTED", "/data/attributes/x"),
            (br#"{"data":{"type":"meters","attributes":{"name":"a"}}}"#, false, "PARAMETER_UNPERMITTED", "/data/attributes/name"),
            (br#"{"data":{"type":"meters","attributes":{"visible":"yes"}}}"#, false, "PARAMETER_INVALID", "/data/attributes/visible"),
            (br#"{"data":{"type":"licenses","attributes":{}}}"#, false, "PARAMETER_INVALID", "/data/type"),
        ];
        for (body, creating, want_code, want_ptr) in table {
            assert_eq!(code(parse(body, *creating)), ((*want_code).to_owned(), (*want_ptr).to_owned()), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn parse_step_table() {
        assert_eq!(parse_step(br#"{"meta":{"name":"a"}}"#, "increment").unwrap(), ("a".into(), 1));
        assert_eq!(parse_step(br#"{"meta":{"name":"a","increment":7}}"#, "increment").unwrap(), ("a".into(), 7));
        let table: &[(&[u8], &str, &str)] = &[
            (b"", "PARAMETER_MISSING", "/meta/name"),
            (br#"{"meta":{"increment":1}}"#, "PARAMETER_MISSING", "/meta/name"),
            (br#"{"meta":{"name":"a","increment":0}}"#, "PARAMETER_INVALID", "/meta/increment"),
            (br#"{"meta":{"name":"a","increment":2147483648}}"#, "PARAMETER_INVALID", "/meta/increment"),
            (br#"{"meta":{"name":"a","increment":"1"}}"#, "PARAMETER_INVALID", "/meta/increment"),
            (br#"{"meta":{"name":"a","decrement":1}}"#, "PARAMETER_UNPERMITTED", "/meta/decrement"),
            (br#"{"meta":{"name":"../x"}}"#, "PARAMETER_INVALID", "/meta/name"),
        ];
        for (body, want_code, want_ptr) in table {
            assert_eq!(code(parse_step(body, "increment")), ((*want_code).to_owned(), (*want_ptr).to_owned()), "{}", String::from_utf8_lossy(body));
        }
    }
}

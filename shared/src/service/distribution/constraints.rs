//! Release entitlement constraints (`GET|POST|DELETE /releases/{id}/constraints`): the
//! entitlements a license must all hold to access the release. Attach and detach are atomic:
//! every item is checked first, then one batch writes them all with their events.

use serde_json::Value;

use super::releases;
use super::viewer::Viewer;
use crate::access::{self, Action};
use crate::api::input::{parse_body, type_mismatch, Members};
use crate::api::query::{Page, Query};
use crate::error::{Code, Error};
use crate::service::{catalogue::entitlements, events, App, Caller};
use crate::store::distribution::ConstraintRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// The most constraints one request attaches (Keygen: 20 per release create).
pub const MAX_ATTACH: usize = 20;

/// Parses `{"data":[{"type":"constraints","relationships":{"entitlement":{"data":{"type":"entitlements","id":…}}}}]}`.
///
/// # Errors
/// 400 with a pointer for a bad shape; 1 to [`MAX_ATTACH`] items.
pub fn parse_attach(body: &[u8]) -> Result<Vec<String>> {
    let mut top = Members::new(parse_body(body)?, "");
    let data = top.raw("data");
    top.raw("meta");
    top.finish()?;
    let items = match data {
        Some(Value::Array(a)) => a,
        Some(v) => return Err(type_mismatch("/data", &v, "array")),
        None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data")),
    };
    if items.is_empty() || items.len() > MAX_ATTACH {
        return Err(Error::new(Code::ParameterInvalid, format!("must contain between 1 and {MAX_ATTACH} items")).pointer("/data"));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let ptr = format!("/data/{i}");
            let Value::Object(o) = v else { return Err(type_mismatch(&ptr, &v, "object")) };
            let mut m = Members::new(o, ptr.clone());
            match m.string("type")? {
                crate::api::input::Field::Set(t) if t == "constraints" || t == "constraint" => {}
                _ => return Err(Error::new(Code::ParameterInvalid, "type mismatch (expected constraints)").pointer(format!("{ptr}/type"))),
            }
            let rels = match m.raw("relationships") {
                Some(Value::Object(r)) => r,
                Some(v) => return Err(type_mismatch(&format!("{ptr}/relationships"), &v, "object")),
                None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/relationships"))),
            };
            m.finish()?;
            let body = serde_json::to_vec(&serde_json::json!({"data":{"type":"constraints","relationships":rels}})).map_err(Error::internal)?;
            let mut r = crate::api::input::ResourceInput::parse(&body, "constraints").map_err(|e| reprefix(e, &ptr))?;
            let ent = r.rels.one("entitlement", "entitlements").map_err(|e| reprefix(e, &ptr))?;
            r.finish().map_err(|e| reprefix(e, &ptr))?;
            ent.set().ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/relationships/entitlement")))
        })
        .collect()
}

/// An error from parsing one item re-pointed from `/data/…` to `{ptr}/…`.
fn reprefix(mut e: Error, ptr: &str) -> Error {
    if let Some(crate::error::Source::Pointer(p)) = e.source.clone() {
        e = e.pointer(p.replacen("/data", ptr, 1));
    }
    e
}

/// The constraints of a release the caller may see (authentication always required).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<ConstraintRow>, u64, Page)> {
    access::gate(caller, Action::ConstraintRead)?;
    let acc = caller.account_id();
    let r = releases::find(app, acc, id, None, None).await?.ok_or_else(|| Error::not_found("release", id))?;
    let cons = releases::constraint_ids(app, acc, &r.id).await?;
    let mut v = Viewer::load(app, caller).await?;
    if !v.privileged_for(&r.product_id) && matches!(caller.bearer, crate::service::Bearer::Product { .. }) {
        return Err(Error::not_found("release", id));
    }
    v.require(app, &r, &cons, "release", id).await?;
    let page = Page::from_query(q)?;
    crate::service::fetch_page(app.db, sql::releases::LIST_CONSTRAINTS, sql::releases::COUNT_CONSTRAINTS, vec![acc.into(), r.id.into()], page).await
}

fn event<'a>(name: &'a str, id: &'a str, entitlement: &str) -> events::Event<'a> {
    events::Event { name, resource_type: "releases", resource_id: id, changes: None, meta: Some(serde_json::json!({"entitlement": entitlement})) }
}

/// Attaches entitlements as constraints; answers the new constraints.
///
/// # Errors
/// 422 `CONSTRAINTS_ENTITLEMENT_NOT_FOUND` / `CONSTRAINTS_ENTITLEMENT_CONFLICT` pointing at the
/// item; nothing is written then.
pub async fn attach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<Vec<ConstraintRow>> {
    let r = releases::writable(app, caller, id, Action::ConstraintManage).await?;
    let ents = parse_attach(body)?;
    let acc = caller.account_id();
    let existing = releases::constraint_ids(app, acc, &r.id).await?;
    let mut stmts = Vec::new();
    let mut ids = Vec::new();
    for (i, e) in ents.iter().enumerate() {
        let item = |code: &'static str, detail: &str| {
            let mut err = Error::new(Code::UnprocessableEntity, detail.to_owned()).pointer(format!("/data/{i}/relationships/entitlement"));
            err.code = std::borrow::Cow::Borrowed(code);
            err
        };
        let Some(ent) = entitlements::find(app, acc, e).await? else { return Err(item("CONSTRAINTS_ENTITLEMENT_NOT_FOUND", "entitlement must exist")) };
        if existing.contains(&ent.id) || ents.iter().take(i).any(|x| x == e || *x == ent.id) {
            return Err(item("CONSTRAINTS_ENTITLEMENT_CONFLICT", "entitlement is already attached"));
        }
        let cid = app.uuid();
        stmts.push(Stmt::new(
            sql::releases::ATTACH_CONSTRAINT,
            vec![acc.into(), r.id.clone().into(), cid.clone().into(), ent.id.clone().into(), app.now().into()],
        ));
        stmts.push(events::record_if_changed(app, acc, &caller.bearer, event("release.constraints.attached", &r.id, &ent.id)));
        ids.push(cid);
    }
    app.db.batch(stmts).await?;
    let mut out = Vec::new();
    for cid in ids {
        out.extend(fetch_one::<ConstraintRow>(app.db, sql::releases::FIND_CONSTRAINT, &[acc.into(), r.id.clone().into(), cid.into()]).await?);
    }
    Ok(out)
}

/// Detaches constraints by id.
///
/// # Errors
/// 422 "cannot detach constraint '…' (constraint is not attached)" pointing at `/data/{i}`.
pub async fn detach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<()> {
    let r = releases::writable(app, caller, id, Action::ConstraintManage).await?;
    let ids = entitlements::parse_identifiers(body, "constraints")?;
    let acc = caller.account_id();
    let mut stmts = Vec::new();
    for (i, cid) in ids.iter().enumerate() {
        let Some(c) = fetch_one::<ConstraintRow>(app.db, sql::releases::FIND_CONSTRAINT, &[acc.into(), r.id.clone().into(), cid.clone().into()]).await? else {
            return Err(
                Error::new(Code::UnprocessableEntity, format!("cannot detach constraint '{cid}' (constraint is not attached)")).pointer(format!("/data/{i}"))
            );
        };
        stmts.push(Stmt::new(sql::releases::DETACH_CONSTRAINT, vec![acc.into(), r.id.clone().into(), c.id.clone().into()]));
        stmts.push(events::record_if_changed(app, acc, &caller.bearer, event("release.constraints.detached", &r.id, &c.entitlement_id)));
    }
    app.db.batch(stmts).await?;
    Ok(())
}

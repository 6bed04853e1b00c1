//! Products: admins manage them; a product token reads its own product.

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::states::{BearerType, DistributionStrategy};
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, metadata_text, readable, App, Bearer, Caller};
use crate::store::rows::{json_object, ProductRow};
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// Attributes of a create or update.
#[derive(Debug, Default)]
pub struct ProductInput {
    id: Option<String>,
    name: Field<String>,
    code: Field<String>,
    url: Field<String>,
    distribution_strategy: Field<String>,
    platforms: Option<Vec<Value>>,
    metadata: Field<Map<String, Value>>,
}

/// Parses a product document.
pub fn parse(body: &[u8], creating: bool) -> Result<ProductInput> {
    let mut r = ResourceInput::parse(body, "products")?;
    let mut p = ProductInput { id: r.client_id()?, ..Default::default() };
    p.name = r.attrs.string("name")?;
    p.code = r.attrs.string("code")?;
    p.url = r.attrs.string("url")?;
    p.distribution_strategy = r.attrs.string("distributionStrategy")?;
    p.platforms = match r.attrs.raw("platforms") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => Some(a),
        Some(v) => return Err(crate::api::input::type_mismatch("/data/attributes/platforms", &v, "array of strings")),
    };
    p.metadata = r.attrs.object("metadata")?;
    r.attrs.raw("permissions");
    r.finish()?;
    if creating && !matches!(&p.name, Field::Set(n) if !n.trim().is_empty()) {
        return Err(Error::attribute("name", AttrFault::Missing, "must not be blank"));
    }
    if let Field::Set(s) = &p.distribution_strategy {
        if s.parse::<DistributionStrategy>().is_err() {
            return Err(Error::attribute("distributionStrategy", AttrFault::NotAllowed, "unsupported distribution strategy"));
        }
    }
    Ok(p)
}

/// A product of the account by id, unchecked (callers authorize).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<ProductRow>> {
    Ok(crate::store::products::find(app.db, account_id, id).await?)
}

/// Whether `p` is the bearer's own product.
async fn ownership<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, p: &ProductRow) -> Result<Ownership> {
    // Resellers (issue 10 §7): a reseller admin reads the products of its allotted policies.
    if let Some(r) = crate::service::identity::resellers::of_bearer(caller) {
        return crate::service::catalogue::reseller_policies::product_allotted(app, caller.account_id(), r, &p.id).await.map(Ownership::of);
    }
    Ok(Ownership::of(matches!(&caller.bearer, Bearer::Product { product_id } if *product_id == p.id)))
}

/// A product the caller may see.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ProductRow> {
    authorize(app, caller, id, Action::ProductRead).await
}

/// The product `id` if the access table lets the caller do `action` on it.
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<ProductRow> {
    readable(caller, action, "product", id, find(app, caller.account_id(), id), async |p| {
        crate::service::compatible(caller, action, &p.account_id)?;
        ownership(app, caller, p).await
    })
    .await
}

/// Lists products the caller may see.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<ProductRow>, u64, Page)> {
    access::require(caller, Action::ProductRead)?;
    fetch(app, caller, None, q).await
}

/// The products of the licenses of `user` (owned or as a licensee), for a caller the access
/// table already let read that user (`GET /users/{id}/products`: the parent's read); a product
/// bearer still sees only its own.
pub async fn list_of_user<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user: &str, q: &Query) -> Result<(Vec<ProductRow>, u64, Page)> {
    fetch(app, caller, Some(user), q).await
}

async fn fetch<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user: Option<&str>, q: &Query) -> Result<(Vec<ProductRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    fetch_page_of(app, list_filters(caller, user), page).await
}

/// The filters of the product list (?1–?4): a product bearer its own, a reseller admin the
/// products of its allotted policies (issue 10 §7), `user`'s licenses' products when given.
pub fn list_filters(caller: &Caller, user: Option<&str>) -> Vec<Value> {
    let only = match &caller.bearer {
        Bearer::Product { product_id } => product_id.clone().into(),
        _ => Value::Null,
    };
    let reseller = crate::service::identity::resellers::of_bearer(caller).map_or(Value::Null, Value::from);
    vec![caller.account_id().into(), only, user.map_or(Value::Null, Value::from), reseller]
}

/// One page of the product list with `filters` ([`list_filters`]).
pub async fn fetch_page_of<D: Db, K: Kv>(app: &App<'_, D, K>, filters: Vec<Value>, page: Page) -> Result<(Vec<ProductRow>, u64, Page)> {
    crate::service::fetch_page(app.db, sql::products::LIST, sql::products::COUNT, filters, page).await
}

/// Creates a product (admins).
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: ProductInput) -> Result<ProductRow> {
    access::require(caller, Action::ProductCreate)?;
    let now = app.now();
    let id = input.id.clone().unwrap_or_else(|| app.uuid());
    let res = app
        .db
        .batch(vec![
            Stmt::new(
                sql::products::INSERT,
                vec![
                    id.clone().into(),
                    caller.account_id().into(),
                    input.name.set().unwrap_or_default().into(),
                    opt(input.code.set()),
                    opt(input.url.set()),
                    input.distribution_strategy.set().unwrap_or_else(|| DistributionStrategy::default().as_str().to_owned()).into(),
                    Value::Array(input.platforms.unwrap_or_default()).to_string().into(),
                    metadata_text(&input.metadata.set().unwrap_or_default()).into(),
                    now.into(),
                ],
            ),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "product.created", resource_type: "products", resource_id: &id, changes: None, meta: None },
            ),
        ])
        .await;
    // `ON CONFLICT DO NOTHING`: no row changed is the id or code in use; a store error is a 500.
    match res?.first().map_or(0, |r| r.changes) {
        1 => show(app, caller, &id).await,
        _ => Err(conflict(&id)),
    }
}

fn conflict(id: &str) -> Error {
    Error::new(Code::IdConflict, format!("must not conflict with another product ({id}) or code")).pointer("/data/id")
}

/// Updates a product (admins).
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: ProductInput) -> Result<ProductRow> {
    let p = authorize(app, caller, id, Action::ProductUpdate).await?;
    let name = match input.name {
        Field::Set(n) if !n.trim().is_empty() => n,
        Field::Absent => p.name.clone(),
        _ => return Err(Error::attribute("name", AttrFault::Missing, "must not be blank")),
    };
    let code = input.code.into_update().unwrap_or(p.code.clone());
    let url = input.url.into_update().unwrap_or(p.url.clone());
    let ds = input.distribution_strategy.set().unwrap_or_else(|| p.distribution_strategy.as_str().to_owned());
    let platforms = input.platforms.map_or(p.platforms.clone(), |a| Value::Array(a).to_string());
    let metadata = input.metadata.into_update().map_or(p.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let changes = json!({"name": name, "code": code, "url": url, "distributionStrategy": ds});
    app.db
        .batch(vec![
            Stmt::new(
                sql::products::UPDATE,
                vec![
                    caller.account_id().into(),
                    p.id.clone().into(),
                    name.into(),
                    opt(code),
                    opt(url),
                    ds.into(),
                    platforms.into(),
                    metadata.into(),
                    app.now().into(),
                ],
            ),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "product.updated", resource_type: "products", resource_id: &p.id, changes: Some(changes), meta: None },
            ),
        ])
        .await?;
    show(app, caller, &p.id).await
}

/// Deletes a product (admins). Refused while licenses use it.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let p = authorize(app, caller, id, Action::ProductDelete).await?;
    app.db
        .batch(vec![
            Stmt::new(sql::tokens::DELETE_FOR_BEARER, vec![caller.account_id().into(), BearerType::Product.as_str().into(), p.id.clone().into()]),
            Stmt::new(sql::products::DELETE, vec![caller.account_id().into(), p.id.clone().into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "product.deleted", resource_type: "products", resource_id: &p.id, changes: None, meta: None },
            ),
        ])
        .await
        .map_err(|e| {
            let mut err = Error::new(Code::StateInvalid, "cannot delete a product that still has licenses");
            err.cause = Some(e.to_string());
            err
        })?;
    Ok(())
}

/// Parsed platforms and metadata for rendering.
pub fn render_parts(p: &ProductRow) -> (Value, Map<String, Value>) {
    (serde_json::from_str(&p.platforms).unwrap_or(Value::Array(vec![])), json_object(&p.metadata))
}

//! Policies: admins and the owning product manage them; rules live in [`PolicyConfig`].

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::policy::PolicyConfig;
use crate::domain::strategy::Scheme;
use crate::error::{AttrFault, Code, Error};
use crate::service::{catalogue::entitlement_sets, catalogue::products, events, metadata_text, readable, App, Bearer, Caller};
use crate::store::rows::{CountRow, PolicyRow};
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// A parsed policy document.
#[derive(Debug)]
pub struct PolicyInput {
    id: Option<String>,
    name: Field<String>,
    metadata: Field<Map<String, Value>>,
    product: Field<String>,
    /// The `entitlementSet` relationship, on create only (issue 10 §3).
    entitlement_set: Field<String>,
    config_attrs: Map<String, Value>,
}

/// Parses a policy document; config attributes are validated against the policy in
/// [`create`]/[`update`].
pub fn parse(body: &[u8], creating: bool) -> Result<PolicyInput> {
    let mut r = ResourceInput::parse(body, "policies")?;
    let id = r.client_id()?;
    let name = r.attrs.string("name")?;
    let metadata = r.attrs.object("metadata")?;
    let product = r.rels.one("product", "products")?;
    if !creating && product.is_present() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer("/data/relationships/product"));
    }
    if creating && !matches!(product, Field::Set(_)) {
        return Err(Error::new(Code::ParameterMissing, "product relationship is required").pointer("/data/relationships/product"));
    }
    let entitlement_set = r.rels.one("entitlementSet", "entitlement-sets")?;
    if !creating && entitlement_set.is_present() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter (use PUT /policies/{id}/entitlement-set)")
            .pointer("/data/relationships/entitlementSet"));
    }
    r.rels.finish()?;
    let config_attrs = r.attrs.into_map();
    Ok(PolicyInput { id, name, metadata, product, entitlement_set, config_attrs })
}

/// Applies and checks config attributes; leftover keys are unpermitted.
fn apply_config(cfg: &mut PolicyConfig, mut attrs: Map<String, Value>, creating: bool) -> Result<()> {
    attrs.remove("permissions");
    cfg.apply(&mut attrs, creating)?;
    if let Some(k) = attrs.keys().next() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer(format!("/data/attributes/{k}")));
    }
    if let Some(s) = cfg.scheme {
        if s == Scheme::LegacyEncrypt {
            return Err(Error::attribute(
                "scheme",
                AttrFault::NotAllowed,
                format!("{} is not supported by Latchkey (supported: the ED25519, ECDSA and RSA_2048 schemes, or none for unsigned keys)", s.as_str()),
            ));
        }
    }
    Ok(())
}

/// A policy without access checks.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<PolicyRow>> {
    Ok(fetch_one(app.db, sql::policies::FIND, &[account_id.into(), id.into()]).await?)
}

/// Whether `p` belongs to the bearer's product (a reseller admin's: whether it is allotted to
/// its reseller, issue 10 §7).
async fn ownership<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, p: &PolicyRow) -> Result<Ownership> {
    if let Some(r) = crate::service::identity::resellers::of_bearer(caller) {
        return crate::service::catalogue::reseller_policies::is_allotted(app, caller.account_id(), r, &p.id).await.map(Ownership::of);
    }
    Ok(product_ownership(caller, &p.product_id))
}

/// Whether product `product_id` is the bearer's product.
fn product_ownership(caller: &Caller, product_id: &str) -> Ownership {
    Ownership::of(matches!(&caller.bearer, Bearer::Product { product_id: own } if own == product_id))
}

/// A policy the caller may see (admins, its product).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<PolicyRow> {
    authorize(app, caller, id, Action::PolicyRead).await
}

/// The policy `id` if the access table lets the caller do `action` on it.
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<PolicyRow> {
    readable(caller, action, "policy", id, find(app, caller.account_id(), id), async |p| {
        crate::service::compatible(caller, action, &p.account_id)?;
        ownership(app, caller, p).await
    })
    .await
}

/// Lists policies (filter `product`).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<PolicyRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let f = list_filters(caller, q)?;
    crate::service::fetch_page(app.db, sql::policies::LIST, sql::policies::COUNT, f, page).await
}

/// The filters of [`list`] (?1–?3): the `product` filter (a product bearer's own), a reseller
/// admin's allotted policies (issue 10 §7, `sql::policies::RESELLER_SLOT`).
///
/// # Errors
/// 401/403 from the access table.
pub fn list_filters(caller: &Caller, q: &Query) -> Result<Vec<Value>> {
    let scope = caller.list_scope(Action::PolicyRead, q)?;
    Ok(vec![caller.account_id().into(), scope.product, scope.reseller])
}

/// Creates a policy.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: PolicyInput) -> Result<PolicyRow> {
    access::gate(caller, Action::PolicyCreate)?;
    let product_id = input.product.set().unwrap_or_default();
    // Looked up without access checks (the bearer is checked next); a store error stays a 500.
    let product = products::find(app, caller.account_id(), &product_id).await?.ok_or_else(|| Error::attribute("product", AttrFault::NotFound, "must exist"))?;
    access::check(caller, Action::PolicyCreate, product_ownership(caller, &product.id), "product", &product.id).map_err(|e| {
        if e.is(Code::NotFound) {
            Error::attribute("product", AttrFault::NotFound, "must exist")
        } else {
            e
        }
    })?;
    let name = match input.name {
        Field::Set(n) if !n.trim().is_empty() => n,
        _ => return Err(Error::attribute("name", AttrFault::Missing, "must not be blank")),
    };
    let mut cfg = PolicyConfig::default();
    apply_config(&mut cfg, input.config_attrs, true)?;
    let set = entitlement_sets::for_new(app, caller.account_id(), &input.entitlement_set).await?;
    let id = input.id.unwrap_or_else(|| app.uuid());
    let config = serde_json::to_string(&cfg).map_err(Error::internal)?;
    let mut stmts = vec![
        Stmt::new(
            sql::policies::INSERT,
            vec![
                id.clone().into(),
                caller.account_id().into(),
                product.id.clone().into(),
                name.into(),
                config.into(),
                metadata_text(&input.metadata.set().unwrap_or_default()).into(),
                app.now().into(),
            ],
        ),
        events::record_if_changed(
            app,
            caller.account_id(),
            &caller.bearer,
            events::Event { name: "policy.created", resource_type: "policies", resource_id: &id, changes: None, meta: None },
        ),
    ];
    if let Some(s) = &set {
        stmts.insert(1, entitlement_sets::attach_on_create(entitlement_sets::NewHolder::Policy, caller.account_id(), &id, s));
    }
    let res = match app.db.batch(stmts).await {
        Ok(res) => res,
        Err(e) => return Err(entitlement_sets::creation_failed(app, caller.account_id(), set.as_deref(), e).await),
    };
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::IdConflict, "must not conflict with another policy").pointer("/data/id"));
    }
    show(app, caller, &id).await
}

/// Updates a policy's name, metadata and rules.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: PolicyInput) -> Result<PolicyRow> {
    let p = authorize(app, caller, id, Action::PolicyUpdate).await?;
    let name = match input.name {
        Field::Set(n) if !n.trim().is_empty() => n,
        Field::Absent => p.name.clone(),
        _ => return Err(Error::attribute("name", AttrFault::Missing, "must not be blank")),
    };
    let mut cfg = p.config();
    let changed: Vec<String> = input.config_attrs.keys().cloned().collect();
    apply_config(&mut cfg, input.config_attrs, false)?;
    let metadata = input.metadata.into_update().map_or(p.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let config = serde_json::to_string(&cfg).map_err(Error::internal)?;
    app.db
        .batch(vec![
            Stmt::new(
                sql::policies::UPDATE,
                vec![caller.account_id().into(), p.id.clone().into(), name.into(), config.into(), metadata.into(), app.now().into()],
            ),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "policy.updated", resource_type: "policies", resource_id: &p.id, changes: Some(json!(changed)), meta: None },
            ),
        ])
        .await?;
    show(app, caller, &p.id).await
}

/// Deletes a policy; refused (422) while licenses use it.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let p = authorize(app, caller, id, Action::PolicyDelete).await?;
    let in_use = fetch_one::<CountRow>(app.db, sql::policies::HAS_LICENSES, &[caller.account_id().into(), p.id.clone().into()]).await?.map_or(0, |c| c.n);
    let refused = || Error::new(Code::StateInvalid, "cannot delete a policy that still has licenses");
    if in_use > 0 {
        return Err(refused());
    }
    app.db
        .batch(vec![
            Stmt::new(sql::policies::DELETE, vec![caller.account_id().into(), p.id.clone().into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event { name: "policy.deleted", resource_type: "policies", resource_id: &p.id, changes: None, meta: None },
            ),
        ])
        .await
        .map_err(|e| {
            // A license created between the check and the batch: the FK aborted everything.
            let mut err = refused();
            err.cause = Some(e.to_string());
            err
        })?;
    Ok(())
}

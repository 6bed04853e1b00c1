//! Trial policies (Cryptlex's `/trial-policies`): per product, how long its trial lasts
//! (`trialLength` days or an ISO-8601 `subscriptionInterval`), how often one machine may
//! (re)activate it, which machines may take it and whether it needs a user; at most one per
//! product is the `default`, the one `POST /trial-activations` uses. Admins manage every
//! product's, a product its own.

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::strategy::MatchingStrategy;
use crate::domain::trial::parse_interval;
use crate::error::{AttrFault, Code, Error};
use crate::rng::is_uuid;
use crate::service::{catalogue::products, events, metadata_text, readable, App, Bearer, Caller};
use crate::store::sql::trials::TrialPolicyRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// A parsed trial-policy document (every member optional; [`create`] fills defaults).
#[derive(Debug, Default)]
pub struct TrialPolicyInput {
    id: Option<String>,
    product: Field<String>,
    name: Field<String>,
    trial_length: Field<i64>,
    subscription_interval: Field<String>,
    allowed_activations: Field<i64>,
    strategy: Field<MatchingStrategy>,
    allow_vm: Field<bool>,
    allow_container: Field<bool>,
    user_locked: Field<bool>,
    default: Field<bool>,
    metadata: Field<Map<String, Value>>,
}

/// The settings a trial policy row holds, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    name: String,
    trial_length: Option<i64>,
    subscription_interval: Option<String>,
    allowed_activations: i64,
    strategy: String,
    allow_vm: bool,
    allow_container: bool,
    user_locked: bool,
    metadata: String,
}

/// Parses a trial-policy document (`product` relationship required on create and refused on
/// update; `trialLength` 1–3650 days or `subscriptionInterval`, not both).
///
/// # Errors
/// 400 for a bad shape or unknown member; 422 `<ATTR>_INVALID` for a value out of range.
pub fn parse(body: &[u8], creating: bool) -> Result<TrialPolicyInput> {
    let mut r = ResourceInput::parse(body, "trial-policies")?;
    let a = &mut r.attrs;
    let strategy = match a.string("fingerprintMatchingStrategy")? {
        Field::Set(s) => Field::Set(s.parse::<MatchingStrategy>().map_err(|_| {
            Error::attribute("fingerprintMatchingStrategy", AttrFault::NotAllowed, "must be one of MATCH_ANY, MATCH_TWO, MATCH_MOST, MATCH_ALL")
        })?),
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    };
    let mut input = TrialPolicyInput {
        id: r.id.take(),
        product: Field::Absent,
        name: a.string("name")?,
        trial_length: a.int_in("trialLength", 1, 3650)?,
        subscription_interval: a.string("subscriptionInterval")?,
        allowed_activations: a.int_in("allowedActivations", 1, 1000)?,
        strategy,
        allow_vm: a.bool("allowVmActivation")?,
        allow_container: a.bool("allowContainerActivation")?,
        user_locked: a.bool("userLocked")?,
        default: a.bool("default")?,
        metadata: a.object("metadata")?,
    };
    input.product = r.rels.one("product", "products")?;
    if !creating && input.product.is_present() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer("/data/relationships/product"));
    }
    if creating && !matches!(input.product, Field::Set(_)) {
        return Err(Error::new(Code::ParameterMissing, "product relationship is required").pointer("/data/relationships/product"));
    }
    r.finish()?;
    if let Field::Set(s) = &input.subscription_interval {
        if parse_interval(s).is_none() {
            return Err(Error::attribute(
                "subscriptionInterval",
                AttrFault::Invalid,
                "must be an ISO-8601 duration of weeks, days, hours, minutes or seconds (e.g. P14D, PT36H), at most 3650 days",
            ));
        }
    }
    if let Some(id) = &input.id {
        if !is_uuid(id) {
            return Err(Error::new(Code::ParameterInvalid, "must be a valid UUID").pointer("/data/id"));
        }
    }
    Ok(input)
}

fn bool_of(f: Field<bool>, old: bool) -> bool {
    match f {
        Field::Set(b) => b,
        Field::Null | Field::Absent => old,
    }
}

/// Merges `input` over `old` (the defaults on create).
fn settings(input: &mut TrialPolicyInput, old: Settings) -> Result<Settings> {
    let name = match std::mem::take(&mut input.name) {
        Field::Set(s) if !s.trim().is_empty() => s,
        Field::Absent => old.name,
        _ => return Err(Error::attribute("name", AttrFault::Missing, "must not be blank")),
    };
    // Setting one length clears the other: exactly one holds.
    let (trial_length, subscription_interval) = match (std::mem::take(&mut input.trial_length), std::mem::take(&mut input.subscription_interval)) {
        (Field::Set(_), Field::Set(_)) => {
            return Err(Error::attribute("subscriptionInterval", AttrFault::Invalid, "cannot be set together with trialLength"));
        }
        (Field::Set(d), _) => (Some(d), None),
        (_, Field::Set(s)) => (None, Some(s)),
        (Field::Null, Field::Absent | Field::Null) | (Field::Absent, Field::Null) => {
            return Err(Error::attribute("trialLength", AttrFault::Missing, "a trial needs a trialLength or a subscriptionInterval"));
        }
        (Field::Absent, Field::Absent) => (old.trial_length, old.subscription_interval),
    };
    if trial_length.is_none() && subscription_interval.is_none() {
        return Err(Error::attribute("trialLength", AttrFault::Missing, "a trial needs a trialLength or a subscriptionInterval"));
    }
    Ok(Settings {
        name,
        trial_length,
        subscription_interval,
        allowed_activations: std::mem::take(&mut input.allowed_activations).set().unwrap_or(old.allowed_activations),
        strategy: std::mem::take(&mut input.strategy).set().map_or(old.strategy, |s| s.as_str().to_owned()),
        allow_vm: bool_of(std::mem::take(&mut input.allow_vm), old.allow_vm),
        allow_container: bool_of(std::mem::take(&mut input.allow_container), old.allow_container),
        user_locked: bool_of(std::mem::take(&mut input.user_locked), old.user_locked),
        metadata: std::mem::take(&mut input.metadata).into_update().map_or(old.metadata, |m| metadata_text(&m.unwrap_or_default())),
    })
}

fn current(p: &TrialPolicyRow) -> Settings {
    Settings {
        name: p.name.clone(),
        trial_length: p.trial_length,
        subscription_interval: p.subscription_interval.clone(),
        allowed_activations: p.allowed_activations,
        strategy: p.fingerprint_matching_strategy.clone(),
        allow_vm: p.allow_vm_activation == 1,
        allow_container: p.allow_container_activation == 1,
        user_locked: p.user_locked == 1,
        metadata: p.metadata.clone(),
    }
}

fn params(acc: &str, id: &str, product: &str, s: &Settings, make_default: bool, now: i64) -> Vec<Value> {
    vec![
        id.into(),
        acc.into(),
        product.into(),
        s.name.clone().into(),
        s.trial_length.map_or(Value::Null, Value::from),
        s.subscription_interval.clone().map_or(Value::Null, Value::from),
        s.allowed_activations.into(),
        s.strategy.clone().into(),
        i64::from(s.allow_vm).into(),
        i64::from(s.allow_container).into(),
        i64::from(s.user_locked).into(),
        i64::from(make_default).into(),
        s.metadata.clone().into(),
        now.into(),
    ]
}

/// A trial policy without access checks.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<TrialPolicyRow>> {
    Ok(fetch_one(app.db, sql::trials::FIND_POLICY, &[account_id.into(), id.into()]).await?)
}

/// Product `product_id`'s default trial policy, without access checks.
pub async fn find_default<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, product_id: &str) -> Result<Option<TrialPolicyRow>> {
    Ok(fetch_one(app.db, sql::trials::FIND_DEFAULT_POLICY, &[account_id.into(), product_id.into()]).await?)
}

/// Whether `product_id` is the bearer's product.
pub fn ownership(caller: &Caller, product_id: &str) -> Ownership {
    Ownership::of(matches!(&caller.bearer, Bearer::Product { product_id: own } if own == product_id))
}

async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<TrialPolicyRow> {
    readable(caller, action, "trial policy", id, find(app, caller.account_id(), id), async |p| Ok(ownership(caller, &p.product_id))).await
}

/// A trial policy (admins, its product).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<TrialPolicyRow> {
    authorize(app, caller, id, Action::TrialPolicyRead).await
}

/// Lists trial policies (filter `product`; a product sees its own).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<TrialPolicyRow>, u64, Page)> {
    let scope = caller.list_scope(Action::TrialPolicyRead, q)?;
    let page = Page::from_query(q)?;
    let f = vec![caller.account_id().into(), scope.product];
    crate::service::fetch_page(app.db, sql::trials::LIST_POLICIES, sql::trials::COUNT_POLICIES, f, page).await
}

fn event<'a>(name: &'a str, id: &'a str, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: "trial-policies", resource_id: id, changes, meta: None }
}

/// Creates a trial policy for a product (the product's default when asked to, or when it has
/// none yet; a new default replaces the old one in the same batch).
///
/// # Errors
/// 422 `PRODUCT_NOT_FOUND` (also for another product's, for a product bearer),
/// `TRIAL_LENGTH_MISSING`; 409 `ID_CONFLICT`.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, mut input: TrialPolicyInput) -> Result<TrialPolicyRow> {
    access::gate(caller, Action::TrialPolicyCreate)?;
    let acc = caller.account_id();
    let product_id = std::mem::take(&mut input.product).set().unwrap_or_default();
    let missing = || Error::attribute("product", AttrFault::NotFound, "must exist");
    let product = products::find(app, acc, &product_id).await?.ok_or_else(missing)?;
    access::check(caller, Action::TrialPolicyCreate, ownership(caller, &product.id), "product", &product.id).map_err(|e| {
        if e.is(Code::NotFound) {
            missing()
        } else {
            e
        }
    })?;
    let defaults = Settings {
        name: String::new(),
        trial_length: None,
        subscription_interval: None,
        allowed_activations: 1,
        strategy: MatchingStrategy::MatchAny.as_str().to_owned(),
        allow_vm: true,
        allow_container: true,
        user_locked: false,
        metadata: "{}".into(),
    };
    let s = settings(&mut input, defaults)?;
    let id = match input.id.take() {
        Some(id) if find(app, acc, &id).await?.is_some() => {
            return Err(Error::new(Code::IdConflict, "must not conflict with another trial policy").pointer("/data/id"))
        }
        Some(id) => id,
        None => app.uuid(),
    };
    let make_default = input.default.set().unwrap_or(false);
    let now = app.now();
    let mut batch = Vec::new();
    if make_default {
        batch.push(Stmt::new(sql::trials::UNSET_DEFAULT, vec![acc.into(), product.id.clone().into(), now.into(), id.clone().into()]));
    }
    batch.push(Stmt::new(sql::trials::INSERT_POLICY, params(acc, &id, &product.id, &s, make_default, now)));
    batch.push(events::record_if_changed(app, acc, &caller.bearer, event("trial-policy.created", &id, None)));
    let res = app.db.batch(batch).await?;
    if res.iter().rev().nth(1).map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::IdConflict, "must not conflict with another trial policy").pointer("/data/id"));
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("trial policy vanished after insert"))
}

/// Updates a trial policy (`default: true` makes it its product's default; `false` is refused
/// for the default: make another one the default instead).
///
/// # Errors
/// 422 `DEFAULT_INVALID`, as [`parse`].
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, mut input: TrialPolicyInput) -> Result<TrialPolicyRow> {
    let p = authorize(app, caller, id, Action::TrialPolicyUpdate).await?;
    let before = current(&p);
    let s = settings(&mut input, before.clone())?;
    let make_default = match input.default {
        Field::Set(true) => true,
        Field::Set(false) if p.is_default == 1 => {
            return Err(Error::attribute("default", AttrFault::Invalid, "make another trial policy the default instead"));
        }
        _ => false,
    };
    let (acc, now) = (caller.account_id(), app.now());
    let changes = json!({"name": [before.name, s.name], "trialLength": [before.trial_length, s.trial_length],
        "subscriptionInterval": [before.subscription_interval, s.subscription_interval], "allowedActivations": [before.allowed_activations, s.allowed_activations]});
    let mut batch = Vec::new();
    if make_default {
        batch.push(Stmt::new(sql::trials::UNSET_DEFAULT, vec![acc.into(), p.product_id.clone().into(), now.into(), p.id.clone().into()]));
    }
    batch.push(Stmt::new(sql::trials::UPDATE_POLICY, params(acc, &p.id, &p.product_id, &s, make_default, now)));
    batch.push(events::record_if_changed(app, acc, &caller.bearer, event("trial-policy.updated", &p.id, Some(changes))));
    app.db.batch(batch).await?;
    find(app, acc, &p.id).await?.ok_or_else(|| Error::not_found("trial policy", id))
}

/// Deletes a trial policy. Its trial activations keep their expiry; the product has no
/// default until another policy is made one.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let p = authorize(app, caller, id, Action::TrialPolicyDelete).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::trials::DELETE_POLICY, vec![acc.into(), p.id.clone().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("trial-policy.deleted", &p.id, None)),
        ])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(attrs: Value) -> Vec<u8> {
        json!({"data": {"type": "trial-policies", "attributes": attrs, "relationships": {"product": {"data": {"type": "products", "id": "p"}}}}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn parse_bounds_and_names_each_attribute() {
        let e = parse(&doc(json!({"trialLength": 0})), true).unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("TRIAL_LENGTH_INVALID", 422));
        let e = parse(&doc(json!({"subscriptionInterval": "P1M"})), true).unwrap_err();
        assert_eq!(e.code, "SUBSCRIPTION_INTERVAL_INVALID");
        let e = parse(&doc(json!({"fingerprintMatchingStrategy": "FUZZY"})), true).unwrap_err();
        assert_eq!(e.code, "FINGERPRINT_MATCHING_STRATEGY_NOT_ALLOWED");
        let e = parse(&doc(json!({"allowedActivations": 1001})), true).unwrap_err();
        assert_eq!(e.code, "ALLOWED_ACTIVATIONS_INVALID");
        let e = parse(&doc(json!({"bogus": 1})), true).unwrap_err();
        assert_eq!(e.code, "PARAMETER_UNPERMITTED");
        assert!(parse(&doc(json!({"name": "T", "trialLength": 14})), false).is_err(), "product is refused on update");
    }

    #[test]
    fn exactly_one_length_holds() {
        let defaults = || Settings {
            name: "T".into(),
            trial_length: Some(14),
            subscription_interval: None,
            allowed_activations: 1,
            strategy: "MATCH_ANY".into(),
            allow_vm: true,
            allow_container: true,
            user_locked: false,
            metadata: "{}".into(),
        };
        let mut i = parse(&doc(json!({"trialLength": 7, "subscriptionInterval": "P7D"})), true).unwrap();
        assert_eq!(settings(&mut i, defaults()).unwrap_err().code, "SUBSCRIPTION_INTERVAL_INVALID");
        let mut i = parse(&doc(json!({"subscriptionInterval": "P7D"})), true).unwrap();
        let s = settings(&mut i, defaults()).unwrap();
        assert_eq!((s.trial_length, s.subscription_interval.as_deref()), (None, Some("P7D")));
        let mut i = parse(&doc(json!({"trialLength": null})), true).unwrap();
        assert_eq!(settings(&mut i, defaults()).unwrap_err().code, "TRIAL_LENGTH_MISSING");
        let mut i = parse(&doc(json!({"name": "x"})), true).unwrap();
        let none = Settings { trial_length: None, ..defaults() };
        assert_eq!(settings(&mut i, none).unwrap_err().code, "TRIAL_LENGTH_MISSING");
    }
}

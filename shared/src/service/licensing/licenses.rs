//! Licenses: create (with unsigned, vendor-supplied or `ED25519_SIGN` keys), read by id or
//! key, list with Keygen's filters, update, delete and revoke. State actions and relationship
//! changes live in [`crate::service::licensing::license_actions`] (re-exported here); license-key authentication in
//! [`crate::service::identity::auth`].

pub use crate::service::licensing::license_actions::{change_owner, renew, set_suspended, transfer};
pub use crate::service::licensing::license_lists::{list, list_filters};

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::clock::{iso8601, parse_iso8601, Millis};
use crate::crypto::scheme_keys::{self, SchemeFault};
use crate::crypto::signer::{Pair, RSA_MAX_ENCRYPT_BYTES};
use crate::crypto::{keys, license_key};
use crate::domain::activation_rules;
use crate::domain::policy::{INT4_MAX, MAX_SAFE_INT};
use crate::domain::strategy::{ExpirationBasis, Scheme};
use crate::error::{AttrFault, Code, Error};
use crate::service::identity::account_keys;
use crate::service::licensing::resellers;
use crate::service::licensing::subscription_logs::{self, Cause, Change};
use crate::service::{catalogue::entitlement_sets, catalogue::policies, events, identity::users, metadata_text, readable, App, Bearer, Caller};
use crate::store::rows::{AccountRow, LicenseRow};
use crate::store::{fetch_one, flag, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// Per-license limit overrides, in the order of the `max_*` columns.
const LIMITS: [&str; 7] = ["maxMachines", "maxProcesses", "maxUsers", "maxCores", "maxMemory", "maxDisk", "maxUses"];

/// A parsed license document.
#[derive(Debug, Default)]
pub struct LicenseInput {
    id: Option<String>,
    name: Field<String>,
    key: Field<String>,
    expiry: Field<Millis>,
    suspended: Field<bool>,
    protected: Field<bool>,
    limits: [Field<i64>; 7],
    metadata: Field<Map<String, Value>>,
    policy: Field<String>,
    owner: Field<String>,
    group: Field<String>,
    /// Activation-rule overrides sent, and the rules sent as `null` (issue 10 §4).
    rules: (activation_rules::Overrides, Vec<&'static str>),
    /// Subscription overrides (issue 10 §5).
    subscription: crate::service::licensing::subscriptions::Overrides,
    /// Maintenance policy and release versions (issue 10 §5).
    maintenance_policy: Field<String>,
    release_versions: crate::service::licensing::maintenance::ReleaseVersions,
    /// The license's own entitlement set, on create only (issue 10 §3).
    entitlement_set: Field<String>,
    /// Organization on create (issue 10 §7): `relationships.organization`.
    organization: Field<String>,
}

/// Parses a license document (create or update).
pub fn parse(body: &[u8], creating: bool) -> Result<LicenseInput> {
    let mut r = ResourceInput::parse(body, "licenses")?;
    let mut l = LicenseInput { id: r.client_id()?, ..Default::default() };
    l.name = r.attrs.string("name")?;
    l.key = r.attrs.string("key")?;
    l.expiry = match r.attrs.string("expiry")? {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(s) => Field::Set(parse_iso8601(&s).ok_or_else(|| Error::attribute("expiry", AttrFault::Invalid, "must be a valid ISO-8601 timestamp"))?),
    };
    l.suspended = r.attrs.bool("suspended")?;
    l.protected = r.attrs.bool("protected")?;
    for (i, k) in LIMITS.iter().enumerate() {
        let min = if *k == "maxUses" { 0 } else { 1 };
        let max = if matches!(*k, "maxMemory" | "maxDisk") { MAX_SAFE_INT } else { INT4_MAX };
        l.limits[i] = r.attrs.int_in(k, min, max)?;
    }
    l.metadata = r.attrs.object("metadata")?;
    l.subscription = crate::service::licensing::subscriptions::parse_overrides(&mut r.attrs)?;
    l.release_versions = crate::service::licensing::maintenance::parse_versions(&mut r.attrs)?;
    l.maintenance_policy = r.rels.one("maintenancePolicy", "maintenance-policies")?;
    r.attrs.raw("permissions");
    l.rules = activation_rules::take_with(|k| r.attrs.raw(k))?;
    l.policy = r.rels.one("policy", "policies")?;
    l.owner = r.rels.one("owner", "users")?;
    if !l.owner.is_present() {
        l.owner = r.rels.one("user", "users")?;
    }
    l.group = r.rels.one("group", "groups")?;
    l.entitlement_set = r.rels.one("entitlementSet", "entitlement-sets")?;
    l.organization = r.rels.one("organization", "organizations")?;
    r.finish()?;
    if creating {
        if !matches!(l.policy, Field::Set(_)) {
            return Err(Error::new(Code::ParameterMissing, "policy relationship is required").pointer("/data/relationships/policy"));
        }
    } else {
        for (f, ptr) in [
            (l.key.is_present(), "/data/attributes/key"),
            (l.policy.is_present(), "/data/relationships/policy"),
            (l.owner.is_present(), "/data/relationships/owner"),
            (l.suspended.is_present(), "/data/attributes/suspended"),
            (l.maintenance_policy.is_present(), "/data/relationships/maintenancePolicy"),
            (l.entitlement_set.is_present(), "/data/relationships/entitlementSet"),
            (l.organization.is_present(), "/data/relationships/organization"),
        ] {
            if f {
                return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter (use the actions and relationship endpoints)").pointer(ptr));
            }
        }
    }
    if let Field::Set(k) = &l.key {
        if k.len() < 6 || k.len() > 16 * 1024 {
            return Err(Error::attribute("key", AttrFault::Invalid, "must be between 6 and 16384 characters"));
        }
    }
    Ok(l)
}

/// A license by id or key.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id_or_key: &str) -> Result<Option<LicenseRow>> {
    Ok(crate::store::licenses::find(app.db, account_id, id_or_key).await?)
}

/// A license by key only.
pub async fn find_by_key<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, key: &str) -> Result<Option<LicenseRow>> {
    Ok(crate::store::licenses::find_by_key(app.db, account_id, key).await?)
}

/// License `l` relative to the bearer ([`crate::service::ownership::license`]).
pub async fn ownership<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, l: &LicenseRow) -> Result<Ownership> {
    crate::service::ownership::license(app, caller, l).await
}

pub use crate::service::ownership::is_protected;

/// Whether `user_id` owns `l` or is one of its licensees.
pub async fn is_user_of<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow, user_id: &str) -> Result<bool> {
    Ok(crate::store::licenses::is_user_of(app.db, l, user_id).await?)
}

/// A license the caller may read (404 otherwise, so ids never leak; 401 for anonymous).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    authorize(app, caller, id, Action::LicenseRead).await
}

/// The license `id` (or key) if the access table lets the caller do `action` on it.
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<LicenseRow> {
    readable(caller, action, "license", id, find(app, caller.account_id(), id), async |l| {
        crate::service::compatible(caller, action, &l.account_id)?;
        ownership(app, caller, l).await
    })
    .await
}

/// The account's signing key (unsealed with the deployment secret).
pub fn signing_key<D: Db, K: Kv>(app: &App<'_, D, K>, account: &AccountRow) -> Result<ed25519_dalek::SigningKey> {
    keys::unseal(app.secret, &account.private_key_sealed).map_err(|e| Error::internal(format!("unsealing account key: {e}")))
}

/// The key of `scheme` for `seed`, with the account's pair for the scheme (made on first use).
///
/// # Errors
/// 422 `KEY_BYTE_SIZE_EXCEEDED` / `KEY_JWT_CLAIMS_INVALID` for seeds the scheme cannot carry.
async fn scheme_key<D: Db, K: Kv>(app: &App<'_, D, K>, account: &AccountRow, scheme: Scheme, seed: &str) -> Result<String> {
    let pair = scheme_keys::pair(scheme).unwrap_or(Pair::Ed25519);
    let signer = account_keys::signer_with(app, account, pair).await?;
    scheme_keys::make_key(&signer, scheme, seed, app.rng).map_err(|f| match f {
        SchemeFault::TooLong => Error::new(Code::KeyByteSizeExceeded, format!("key exceeds maximum byte length (max size of {RSA_MAX_ENCRYPT_BYTES} bytes)"))
            .pointer("/data/attributes/key"),
        SchemeFault::ClaimsInvalid => {
            Error::new(Code::KeyJwtClaimsInvalid, "key is not a valid JWT claims payload (must be a valid JSON encoded string)").pointer("/data/attributes/key")
        }
        SchemeFault::Unsupported => Error::attribute("scheme", AttrFault::NotAllowed, format!("{} is not supported", scheme.as_str())),
        SchemeFault::Crypto(e) => Error::internal(format!("signing license key: {e}")),
    })
}

/// Creates a license.
///
/// # Errors
/// 422 `POLICY_NOT_FOUND`, `OWNER_NOT_FOUND`, `KEY_TAKEN`; 409 `ID_CONFLICT`; 403 for bearers that may not.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: LicenseInput) -> Result<LicenseRow> {
    access::gate(caller, Action::LicenseCreate)?;
    let now = app.now();
    let policy_id = input.policy.clone().set().unwrap_or_default();
    let policy = policies::find(app, caller.account_id(), &policy_id).await?.ok_or_else(|| Error::attribute("policy", AttrFault::NotFound, "must exist"))?;
    let cfg = input.subscription.apply_to(policy.config());
    let owner = match input.owner.clone().set() {
        Some(o) => Some(users::find(app, caller.account_id(), &o).await?.ok_or_else(|| Error::attribute("owner", AttrFault::NotFound, "must exist"))?),
        None => None,
    };
    // A product creates licenses of its policies; a user (as Keygen) only for itself under
    // unprotected policies, and without the restricted attributes below.
    let own = match &caller.bearer {
        Bearer::Admin { .. } | Bearer::Environment { .. } => Ownership::Own,
        Bearer::Product { product_id } => Ownership::of(*product_id == policy.product_id),
        Bearer::User { user_id } => Ownership::locked_if(owner.as_ref().is_some_and(|o| o.id == *user_id), cfg.protected),
        // organization admins (issue 10 §7): creates licenses as a user.
        Bearer::OrganizationAdmin { user_id, .. } => Ownership::locked_if(owner.as_ref().is_some_and(|o| o.id == *user_id), cfg.protected),
        // Resellers (issue 10 §7): only its allotted policies, for its customers.
        Bearer::ResellerAdmin { .. } => resellers::create_ownership(app, caller, &policy).await?,
        _ => Ownership::Foreign,
    };
    resellers::check_owner(caller, owner.as_ref(), "/data/relationships/owner")?;
    access::check(caller, Action::LicenseCreate, own, "policy", &policy_id).map_err(|e| {
        if e.is(Code::NotFound) {
            Error::attribute("policy", AttrFault::NotFound, "must exist")
        } else {
            e
        }
    })?;
    let privileged = matches!(access::decide(Action::LicenseUpdate, caller.bearer.kind(), own), access::Decision::Allow);
    if !privileged {
        let restricted = input.expiry.is_present()
            || input.suspended.is_present()
            || input.protected.is_present()
            || input.limits.iter().any(Field::is_present)
            || input.key.is_present()
            || input.subscription.is_present()
            || input.maintenance_policy.is_present()
            || input.release_versions.is_present()
            || input.entitlement_set.is_present()
            || input.group.is_present();
        if restricted {
            return Err(Error::forbidden());
        }
    }
    // Group on license create (issue 8): Keygen's `relationships.group` (admins and the
    // policy's product, like the other restricted attributes); its `maxLicenses` is guarded in
    // the insert itself.
    let group = match input.group.set() {
        Some(g) => Some(
            crate::service::catalogue::groups::find(app, caller.account_id(), &g)
                .await?
                .ok_or_else(|| Error::attribute("group", AttrFault::NotFound, "must exist").pointer("/data/relationships/group"))?,
        ),
        None => None,
    };
    // Organization on create (issue 10 §7): as `PUT /licenses/{id}/organization` (its
    // permission), written in the insert's batch.
    let organization = crate::service::identity::organizations::on_create(app, caller, input.organization.clone(), Action::LicenseOrganizationChange).await?;
    let maintenance = crate::service::licensing::maintenance::for_new_license(app, &policy, &input.maintenance_policy).await?;
    let set = entitlement_sets::for_new(app, caller.account_id(), &input.entitlement_set).await?;
    let id = input.id.clone().unwrap_or_else(|| app.uuid());
    let expiry = match input.expiry {
        Field::Set(e) => Some(e),
        Field::Null => None,
        Field::Absent if cfg.expiration_basis == ExpirationBasis::FromCreation => cfg.expiry_from(now),
        Field::Absent => None,
    };
    // Key pools (issue 8): without a supplied key, a pooled policy's license takes the oldest
    // key of the pool inside the insert itself (`INSERT_POOLED`), so two creates never get one.
    let pooled = cfg.use_pool && !input.key.is_present();
    let key = match (cfg.scheme, input.key.clone().set()) {
        (None, Some(k)) => k,
        (None, None) if pooled => String::new(),
        (None, None) => license_key::generate_unsigned(app.rng),
        // A key already signed by this account's key (an import from an account whose signing
        // key was brought along: `ed25519PrivateKey`) is kept verbatim, not signed again.
        (Some(Scheme::Ed25519Sign), Some(k)) if license_key::verify_key(&caller.account.public_key, &k).is_some() => k,
        (Some(scheme), supplied) if scheme_keys::pair(scheme).is_some() => {
            let account = &caller.account;
            let owner_pair = owner.as_ref().map(|o| (o.id.as_str(), o.email.as_str()));
            let ds_in = license_key::KeyDatasetInput {
                account_id: &account.id,
                product_id: &policy.product_id,
                policy_id: &policy.id,
                policy_duration: cfg.duration,
                user: owner_pair,
                license_id: &id,
                created_ms: now,
                expiry_ms: expiry,
            };
            let seed = match supplied {
                Some(template) => license_key::format_template(&template, &ds_in),
                None => scheme_keys::default_seed(scheme, &ds_in, &app.uuid()),
            };
            scheme_key(app, account, scheme, &seed).await?
        }
        (Some(other), _) => return Err(Error::attribute("scheme", AttrFault::NotAllowed, format!("{} is not supported", other.as_str()))),
    };
    if !pooled && find_by_key(app, caller.account_id(), &key).await?.is_some() {
        return Err(Error::attribute("key", AttrFault::Taken, "has already been taken"));
    }
    if fetch_one::<Value>(app.db, sql::licenses::EXISTS, &[caller.account_id().into(), id.clone().into()]).await?.is_some() {
        return Err(Error::new(Code::IdConflict, "must not conflict with another license").pointer("/data/id"));
    }
    let mut params: Vec<Value> = vec![
        id.clone().into(),
        caller.account_id().into(),
        policy.id.clone().into(),
        opt(owner.as_ref().map(|o| o.id.clone())),
        opt(group.as_ref().map(|g| g.id.clone())),
        key.clone().into(),
        opt(input.name.set()),
        opt(expiry),
        flag(input.suspended.set().unwrap_or(false)),
        opt(input.protected.set().map(i64::from)),
    ];
    for f in input.limits {
        params.push(opt(f.set()));
    }
    params.push(metadata_text(&input.metadata.set().unwrap_or_default()).into());
    params.push(now.into());
    // Resellers (issue 10 §7): a reseller admin's license is its reseller's, and the insert
    // writes it only while the policy is still allotted (the check above races a withdrawal).
    params.push(opt(crate::service::identity::resellers::of_bearer(caller).map(str::to_owned)));
    let mut stmts = vec![
        Stmt::new(if pooled { sql::licenses::INSERT_POOLED } else { sql::licenses::INSERT }, params),
        events::record_if_changed(
            app,
            caller.account_id(),
            &caller.bearer,
            events::Event { name: "license.created", resource_type: "licenses", resource_id: &id, changes: None, meta: None },
        ),
    ];
    if let Some(s) = &set {
        stmts.insert(1, entitlement_sets::attach_on_create(entitlement_sets::NewHolder::License, caller.account_id(), &id, s));
    }
    let log_ref = crate::service::licensing::subscription_logs::LicenseRef { account_id: caller.account_id(), id: &id, product_id: &policy.product_id };
    let maintenance_end = crate::service::licensing::maintenance::initial_expiry(maintenance.as_ref(), now);
    stmts.push(crate::service::licensing::subscription_logs::on_creation(app, &caller.bearer, log_ref, expiry, &cfg, maintenance_end));
    stmts.extend(crate::service::licensing::maintenance::initial_stmts(caller.account_id(), &id, maintenance.as_ref(), now));
    stmts.extend(input.release_versions.stmt(caller.account_id(), &id, (None, None), now));
    stmts.extend(crate::service::licensing::subscriptions::create_stmts(caller.account_id(), &id, &input.subscription, now));
    if !input.rules.0.is_empty() {
        stmts.push(rules_stmt(caller, &id, &input.rules.0, now)?);
    }
    if let Some(o) = &organization {
        stmts.push(Stmt::new(sql::licenses::SET_ORGANIZATION, vec![caller.account_id().into(), id.clone().into(), o.id.clone().into(), now.into()]));
    }
    if pooled {
        stmts.push(Stmt::new(sql::keys::DELETE_TAKEN, vec![caller.account_id().into(), id.clone().into(), policy.id.clone().into()]));
    }
    // The insert is `ON CONFLICT DO NOTHING`: no row means a conflict (or the policy went away,
    // or its pool is empty), found positively below; any other store error is a 500.
    let written = match app.db.batch(stmts).await {
        Ok(res) => res.first().map_or(0, |r| r.changes),
        Err(e) => return Err(entitlement_sets::creation_failed(app, caller.account_id(), set.as_deref(), e).await),
    };
    if written != 1 {
        if pooled && !crate::service::catalogue::keys::pool_has_key(app, caller.account_id(), &policy.id).await? {
            return Err(crate::service::catalogue::keys::pool_empty());
        }
        if let Some(g) = &group {
            if crate::service::catalogue::groups::licenses_full(app, caller.account_id(), g).await? {
                return Err(Error::new(
                    Code::GroupLicenseLimitExceeded,
                    format!("license count has exceeded maximum allowed by current group ({})", g.max_licenses.unwrap_or_default()),
                )
                .pointer("/data/relationships/group"));
            }
        }
        return Err(if !pooled && find_by_key(app, caller.account_id(), &key).await?.is_some() {
            Error::attribute("key", AttrFault::Taken, "has already been taken")
        } else if fetch_one::<Value>(app.db, sql::licenses::EXISTS, &[caller.account_id().into(), id.clone().into()]).await?.is_some() {
            Error::new(Code::IdConflict, "must not conflict with another license").pointer("/data/id")
        } else {
            Error::attribute("policy", AttrFault::NotFound, "must exist")
        });
    }
    find(app, caller.account_id(), &id).await?.ok_or_else(|| Error::internal("license vanished after insert"))
}

/// Writes license `id`'s activation-rule overrides (issue 10 §4; none: NULL).
fn rules_stmt(caller: &Caller, id: &str, rules: &activation_rules::Overrides, now: Millis) -> Result<Stmt> {
    let text = if rules.is_empty() { Value::Null } else { serde_json::to_string(rules).map_err(Error::internal)?.into() };
    Ok(Stmt::new(sql::activation_rules::SET_LICENSE_RULES, vec![caller.account_id().into(), id.into(), text, now.into()]))
}

/// Updates name, expiry, protection, limit overrides and metadata.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: LicenseInput) -> Result<LicenseRow> {
    let l = authorize(app, caller, id, Action::LicenseUpdate).await?;
    let name = input.name.into_update().unwrap_or(l.name.clone());
    let expiry = input.expiry.into_update().unwrap_or(l.expiry);
    let protected = input.protected.into_update().map_or(l.protected, |p| p.map(i64::from));
    let current = [l.max_machines, l.max_processes, l.max_users, l.max_cores, l.max_memory, l.max_disk, l.max_uses];
    let limits: Vec<Option<i64>> = input.limits.into_iter().zip(current).map(|(f, cur)| f.into_update().unwrap_or(cur)).collect();
    if let Some(max_uses) = limits[6] {
        if l.uses > max_uses {
            return Err(Error::attribute("maxUses", AttrFault::Invalid, "must be greater than or equal to the current uses"));
        }
    }
    let metadata = input.metadata.into_update().map_or(l.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let mut params: Vec<Value> = vec![caller.account_id().into(), l.id.clone().into(), opt(name), opt(expiry), opt(protected)];
    params.extend(limits.into_iter().map(opt));
    params.push(metadata.into());
    params.push(app.now().into());
    let mut stmts = vec![
        Stmt::new(sql::licenses::UPDATE, params),
        events::record_if_changed(
            app,
            caller.account_id(),
            &caller.bearer,
            events::Event { name: "license.updated", resource_type: "licenses", resource_id: &l.id, changes: None, meta: None },
        ),
    ];
    if expiry != l.expiry {
        stmts.push(events::record_if_changed(app, caller.account_id(), &caller.bearer, expiry_event(&l.id, l.expiry, expiry)));
        stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, Cause::ExpiryUpdated, &Change::expiry(l.expiry, expiry)));
    }
    let stored = activation_rules::Overrides::decode(l.activation_rules.as_deref()).map_err(Error::internal)?;
    let rules = activation_rules::apply_to_license(&stored, &input.rules.0, &input.rules.1);
    if rules != stored {
        stmts.push(rules_stmt(caller, &l.id, &rules, app.now())?);
    }
    stmts.extend(crate::service::licensing::subscriptions::update_stmts(app, caller, &l, &input.subscription));
    let versions_now = (l.current_release_version.clone(), l.max_allowed_release_version.clone());
    stmts.extend(input.release_versions.stmt(caller.account_id(), &l.id, versions_now, app.now()));
    app.db.batch(stmts).await?;
    reload(app, caller, &l.id).await
}

/// `license.expiry.updated`, Latchkey's name for Cryptlex's `license.expiresAt.updated`.
pub(crate) fn expiry_event(id: &str, from: Option<Millis>, to: Option<Millis>) -> events::Event<'_> {
    events::Event {
        name: "license.expiry.updated",
        resource_type: "licenses",
        resource_id: id,
        changes: Some(json!({"expiry": [from.map(iso8601), to.map(iso8601)]})),
        meta: None,
    }
}

pub(crate) async fn reload<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("license", id))
}

/// Deletes a license (`DELETE /licenses/{id}` → `license.deleted`, or the `revoke` action →
/// `license.revoked`).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, revoke: bool) -> Result<()> {
    let l = authorize(app, caller, id, Action::LicenseDelete).await?;
    app.db
        .batch(vec![
            Stmt::new(sql::licenses::DELETE_TOKENS, vec![caller.account_id().into(), l.id.clone().into()]),
            Stmt::new(sql::licenses::DELETE, vec![caller.account_id().into(), l.id.clone().into()]),
            events::record_if_changed(
                app,
                caller.account_id(),
                &caller.bearer,
                events::Event {
                    name: if revoke { "license.revoked" } else { "license.deleted" },
                    resource_type: "licenses",
                    resource_id: &l.id,
                    changes: None,
                    meta: None,
                },
            ),
        ])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_refuse_key_and_policy() {
        let e = parse(br#"{"data":{"type":"licenses","attributes":{"key":"ABCDEFG"}}}"#, false).unwrap_err();
        assert_eq!(e.code, "PARAMETER_UNPERMITTED");
        let e = parse(br#"{"data":{"type":"licenses","attributes":{}}}"#, true).unwrap_err();
        assert_eq!(e.code, "PARAMETER_MISSING");
        let e = parse(br#"{"data":{"type":"licenses","attributes":{"maxMachines":0},"relationships":{"policy":{"data":{"type":"policies","id":"x"}}}}}"#, true)
            .unwrap_err();
        assert_eq!(e.code, "MAX_MACHINES_INVALID");
    }
}

//! License validation (`reference/keygen-wire.md` §2): `GET|POST /licenses/{id|key}/actions/validate`
//! and `POST /licenses/actions/validate-key`. Everything the engine reads is loaded in ONE
//! statement (one D1 round trip, `sql::licenses::FIND_FOR_VALIDATION`): the license with its policy config, its machines with component
//! fingerprints and alive process counts, its licensees and its entitlement codes. Scoped
//! machines that D1 sees as not alive are double-checked against their KV lease (a ping at
//! another location may not have reached a lagging read replica yet). The writes —
//! `last_validated_at`, the lazy `FROM_FIRST_VALIDATION` expiry and the
//! `license.validation.succeeded|failed` event — come back as one [`Pending`] batch the caller
//! runs after responding (the Worker uses `wait_until`).

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::clock::{iso8601, Millis};
use crate::domain::heartbeat::HeartbeatStatus;
use crate::domain::strategy::ExpirationBasis;
use crate::domain::validation::{validate, LicenseFacts, Limits, MachineFacts, Outcome, Scope, UserRef, ValidationInput};
use crate::domain::{activation_rules, features, license};
use crate::error::{Code, Error};
use crate::service::licensing::subscription_logs;
use crate::service::{events, fleet::leases, App, Bearer, Caller};
use crate::store::rows::{LicenseRow, UserRefRow, ValidationMachineRow};
use crate::store::{sql, Db, Kv, Stmt, StoreError};
use crate::Result;

/// Members `meta.scope` may have.
const SCOPE_MEMBERS: [&str; 11] =
    ["product", "policy", "user", "machine", "fingerprint", "fingerprints", "components", "entitlements", "checksum", "version", "environment"];

/// Longest string a scope member (or array item) may be: ids, emails, fingerprints, checksums
/// and versions all fit. The scope is echoed in the response, the event log and every webhook,
/// and validate-key is anonymous, so it is bounded member by member.
pub const MAX_SCOPE_STRING: usize = 255;
/// Most items of a scope array (`fingerprints`, `components`, `entitlements`).
pub const MAX_SCOPE_ITEMS: usize = 100;

/// 400 `PARAMETER_INVALID` for the first scope member (or item) beyond the bounds.
fn check_scope_sizes(scope: &Map<String, Value>) -> Result<()> {
    let too_long = |ptr: String| Error::new(Code::ParameterInvalid, format!("must be at most {MAX_SCOPE_STRING} bytes")).pointer(ptr);
    for (k, v) in scope {
        match v {
            Value::String(s) if s.len() > MAX_SCOPE_STRING => return Err(too_long(format!("/meta/scope/{k}"))),
            Value::Array(items) if items.len() > MAX_SCOPE_ITEMS => {
                return Err(Error::new(Code::ParameterInvalid, format!("must have at most {MAX_SCOPE_ITEMS} items")).pointer(format!("/meta/scope/{k}")))
            }
            Value::Array(items) => {
                if let Some(i) = items.iter().position(|it| it.as_str().is_some_and(|s| s.len() > MAX_SCOPE_STRING)) {
                    return Err(too_long(format!("/meta/scope/{k}/{i}")));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A parsed validation request.
#[derive(Debug, Clone, Default)]
pub struct ValidationRequest {
    /// License id or key (validate by id), or the key (validate-key).
    pub license: String,
    /// Look up by key only (validate-key).
    pub by_key: bool,
    /// `GET …/actions/validate`: no scope, no event.
    pub quick: bool,
    /// `meta.scope`, parsed.
    pub scope: Option<Scope>,
    /// `meta.scope` as sent, echoed back.
    pub scope_raw: Option<Map<String, Value>>,
    /// `meta.nonce`, echoed back.
    pub nonce: Option<i64>,
    /// The request's client facts (IP, country, clock) the activation rules re-check.
    pub facts: activation_rules::Facts,
}

impl ValidationRequest {
    /// Adds what the request (not its body) says about the client (issue 10 §4).
    #[must_use]
    pub fn with_client(mut self, ip: Option<std::net::IpAddr>, country: Option<String>, clock: Option<Millis>) -> Self {
        self.facts.ip = ip;
        self.facts.country = country;
        self.facts.clock = clock;
        self
    }
}

fn parse_meta(body: &[u8], license: Option<&str>) -> Result<ValidationRequest> {
    let mut meta = crate::api::input::parse_meta(body)?;
    let key = if license.is_none() { meta.string("key")?.set() } else { None };
    let nonce = meta.int("nonce")?.set();
    let encrypted = if license.is_none() { meta.raw("encrypted") } else { None };
    let scope_raw = match meta.raw("scope") {
        None | Some(Value::Null) => None,
        Some(Value::Object(s)) => Some(s),
        Some(v) => return Err(crate::api::input::type_mismatch("/meta/scope", &v, "object")),
    };
    meta.finish()?;
    if matches!(encrypted, Some(Value::Bool(true)) | Some(Value::String(_))) {
        return Err(Error::new(Code::ParameterInvalid, "legacy encrypted keys are not supported").pointer("/meta/encrypted"));
    }
    let scope = match &scope_raw {
        None => None,
        Some(s) => {
            if let Some(k) = s.keys().find(|k| !SCOPE_MEMBERS.contains(&k.as_str())) {
                return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer(format!("/meta/scope/{k}")));
            }
            check_scope_sizes(s)?;
            Some(
                serde_json::from_value::<Scope>(Value::Object(s.clone()))
                    .map_err(|e| Error::new(Code::ParameterInvalid, format!("type mismatch ({e})")).pointer("/meta/scope"))?,
            )
        }
    };
    let license = match (license, key) {
        (Some(id), _) => id.to_owned(),
        (None, Some(k)) if !k.trim().is_empty() => k,
        (None, _) => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/meta/key")),
    };
    Ok(ValidationRequest { by_key: false, quick: false, license, scope, scope_raw, nonce, facts: activation_rules::Facts::default() })
}

/// Parses `POST /licenses/actions/validate-key`.
pub fn parse_validate_key(body: &[u8]) -> Result<ValidationRequest> {
    Ok(ValidationRequest { by_key: true, ..parse_meta(body, None)? })
}

/// Parses `POST /licenses/{id}/actions/validate` (`quick = false`) or the quick `GET`.
pub fn parse_validate(body: &[u8], id: &str, quick: bool) -> Result<ValidationRequest> {
    if quick {
        return Ok(ValidationRequest { license: id.to_owned(), quick, ..Default::default() });
    }
    parse_meta(body, Some(id))
}

/// The JSON columns of `sql::licenses::FIND_FOR_VALIDATION` beside the license's own: taken
/// out of the row as values, then checked to be text.
struct FactsRow<T = Value> {
    machines_json: T,
    licensees_json: T,
    entitlements_json: T,
}

impl FactsRow {
    fn text(self) -> std::result::Result<FactsRow<String>, serde_json::Error> {
        Ok(FactsRow {
            machines_json: serde_json::from_value(self.machines_json)?,
            licensees_json: serde_json::from_value(self.licensees_json)?,
            entitlements_json: serde_json::from_value(self.entitlements_json)?,
        })
    }
}

/// One item of `entitlements_json`: a grant of an entitlement (by code) to the license.
#[derive(serde::Deserialize)]
struct GrantFacts {
    id: String,
    code: String,
    source: features::Source,
    expires_at: Option<crate::clock::Millis>,
}

/// Writes a validation leaves behind, run as one batch after the response.
#[derive(Debug, Default)]
pub struct Pending(pub Vec<Stmt>);

impl Pending {
    /// Runs the writes (one atomic batch; nothing when there are none).
    pub async fn commit<D: Db>(self, db: &D) -> Result<()> {
        if !self.0.is_empty() {
            db.batch(self.0).await?;
        }
        Ok(())
    }
}

/// A validation's answer.
#[derive(Debug)]
pub struct Validated {
    /// The license, if found.
    pub license: Option<LicenseRow>,
    /// The outcome.
    pub outcome: Outcome,
    /// Top-level `meta` of the response.
    pub meta: Value,
    /// Writes to run after responding.
    pub pending: Pending,
}

/// License `l` relative to the bearer (the loaded licensees decide for users); the same facts
/// as [`crate::service::licensing::licenses::ownership`], without another read.
fn ownership(caller: &Caller, l: &LicenseRow, licensees: &[UserRef]) -> Ownership {
    Ownership::of(match &caller.bearer {
        Bearer::Admin { .. } | Bearer::Environment { .. } => true,
        Bearer::Product { product_id } => *product_id == l.product_id,
        Bearer::License { license_id } => *license_id == l.id,
        Bearer::User { user_id } => l.owner_id.as_deref() == Some(user_id) || licensees.iter().any(|u| u.id == *user_id),
        Bearer::Anonymous => false,
        // organization admins (issue 10 §7): a license it holds, as a user (validating its organization's others is a read).
        Bearer::OrganizationAdmin { user_id, organization_id } => {
            l.owner_id.as_deref() == Some(user_id) || licensees.iter().any(|u| u.id == *user_id) || l.organization_id.as_deref() == Some(organization_id)
        }
        // Resellers (issue 10 §7).
        Bearer::ResellerAdmin { reseller_id, .. } => l.reseller_id.as_deref() == Some(reseller_id.as_str()),
    })
}

/// The license's environment (issue 8) from its tenant id: `(id, code)`, the code read only
/// when the scope names the environment by something other than its id.
async fn license_environment<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, scope: Option<&Scope>) -> Result<Option<(String, Option<String>)>> {
    let (account, Some(env)) = crate::domain::environments::split(account_id) else { return Ok(None) };
    let code = match scope.and_then(|s| s.environment.as_ref()) {
        Some(Some(named)) if named != env => {
            let e: Option<crate::store::rows::EnvironmentRow> = crate::store::fetch_one(app.db, sql::environments::FIND, &[account.into(), env.into()]).await?;
            e.map(|e| e.code)
        }
        _ => None,
    };
    Ok(Some((env.to_owned(), code)))
}

/// Validates a license.
///
/// # Errors
/// By id: 401 for anonymous callers, 404 when the license does not exist or is not the
/// caller's. validate-key: 403 when an authenticated caller may not see the license (an unknown
/// key is a 200 with `NOT_FOUND`).
pub async fn validate_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, req: ValidationRequest) -> Result<Validated> {
    let first = validate_at(app, caller, req.clone(), false).await;
    let stale = match &first {
        Ok(v) => v.outcome.code.lag_explainable() || v.license.as_ref().is_some_and(|l| l.config().require_primary_reads),
        Err(e) => e.is(Code::NotFound),
    };
    if stale {
        validate_at(app, caller, req, true).await
    } else {
        first
    }
}

/// One validation, its facts read from a replica or (`primary`) from the primary.
async fn validate_at<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, req: ValidationRequest, primary: bool) -> Result<Validated> {
    let anonymous_key = req.by_key && caller.bearer == Bearer::Anonymous;
    access::gate(caller, if anonymous_key { Action::LicenseValidateKey } else { Action::LicenseValidate })?;
    let now = app.now();
    let account = caller.account_id();
    let by_key = i64::from(req.by_key);
    let params = [account.into(), req.license.clone().into(), by_key.into(), now.into()];
    let rows = if primary {
        app.db.query_primary(sql::licenses::FIND_FOR_VALIDATION, &params).await
    } else {
        app.db.query(sql::licenses::FIND_FOR_VALIDATION, &params).await
    };
    let row = rows?.into_iter().next();
    let (license, machine_rows, licensees, entitlements) = match row {
        None => (None, Vec::new(), Vec::new(), Vec::new()),
        Some(mut row) => {
            // The three JSON columns out first, so the license decodes from the rest unshared.
            let mut column = |name: &str| row.remove(name).unwrap_or(Value::Null);
            let facts =
                FactsRow { machines_json: column("machines_json"), licensees_json: column("licensees_json"), entitlements_json: column("entitlements_json") };
            let facts: FactsRow<String> = facts.text().map_err(StoreError::from)?;
            let license: LicenseRow = serde_json::from_value(Value::Object(row)).map_err(StoreError::from)?;
            let machines: Vec<ValidationMachineRow> = serde_json::from_str(&facts.machines_json).map_err(StoreError::from)?;
            let licensees: Vec<UserRef> = serde_json::from_str::<Vec<UserRefRow>>(&facts.licensees_json)
                .map_err(StoreError::from)?
                .into_iter()
                .map(|u| UserRef { id: u.id, email: u.email })
                .collect();
            // The effective features (issue 10 §3): an expired license feature is not held.
            let grants: Vec<GrantFacts> = serde_json::from_str(&facts.entitlements_json).map_err(StoreError::from)?;
            let grants = grants.into_iter().map(|g| features::Grant { id: g.id, source: g.source, value: None, expires_at: g.expires_at, item: g.code });
            let entitlements: Vec<String> = features::effective(grants, now).into_iter().map(|f| f.item).collect();
            (Some(license), machines, licensees, entitlements)
        }
    };
    let Some(mut l) = license else {
        if !req.by_key {
            return Err(Error::not_found("license", &req.license));
        }
        let outcome = Outcome::not_found();
        return Ok(Validated { license: None, meta: meta(&req, &outcome, now), outcome, pending: Pending::default() });
    };
    // validate-key needs no credentials; a caller that sends some may only validate its own
    // (validate-key answers 403 rather than 404: the caller holds the key, nothing leaks).
    if !anonymous_key {
        access::check(caller, Action::LicenseValidate, ownership(caller, &l, &licensees), "license", &req.license).map_err(|e| {
            if req.by_key && e.is(Code::NotFound) {
                Error::forbidden()
            } else {
                e
            }
        })?;
    }
    let cfg = l.config();
    let mut pending = Vec::new();
    if !req.quick {
        let lazy_expiry = set_expiry_if_unset(app, &caller.bearer, &l, ExpirationBasis::FromFirstValidation);
        if !lazy_expiry.is_empty() {
            l.expiry = cfg.expiry_from(now);
            pending.extend(lazy_expiry);
        }
    }
    let mut machines: Vec<MachineFacts> = machine_rows.into_iter().map(machine_facts).collect::<Result<_>>()?;
    if !req.quick {
        if let Some(scope) = &req.scope {
            refresh_from_leases(app, &l.account_id, &cfg, scope, &mut machines, now).await;
        }
    }
    let input = ValidationInput {
        license: LicenseFacts {
            id: l.id.clone(),
            product_id: l.product_id.clone(),
            policy_id: l.policy_id.clone(),
            owner: l.owner_id.clone().map(|id| UserRef { id, email: l.owner_email.clone().unwrap_or_default() }),
            owner_banned: l.owner_banned_at.is_some(),
            suspended: l.is_suspended(),
            expiry: l.expiry,
            created_at: l.created_at,
            last_check_in_at: l.last_check_in_at,
            licensees,
            entitlements,
            limits: Limits {
                max_machines: license::effective_max_machines(l.max_machines, &cfg),
                max_cores: license::effective(l.max_cores, cfg.max_cores),
                max_memory: license::effective(l.max_memory, cfg.max_memory),
                max_disk: license::effective(l.max_disk, cfg.max_disk),
                max_processes: license::effective(l.max_processes, cfg.max_processes),
                max_users: license::effective(l.max_users, cfg.max_users),
            },
            users_count: l.users_count(),
            environment: license_environment(app, &l.account_id, req.scope.as_ref()).await?,
        },
        policy: cfg,
        machines,
        quick: req.quick,
    };
    let mut outcome = validate(&input, req.scope.as_ref(), now);
    if activation_rules::checked_on_validation(caller.bearer.kind()) {
        let named = |f: fn(&MachineFacts) -> bool| req.scope.as_ref().is_some_and(|s| input.machines.iter().any(|m| s.names(m) && f(m)));
        let facts = activation_rules::Facts { vm: named(|m| m.vm), container: named(|m| m.container), ..req.facts.clone() };
        outcome = activation_rules::after_rules(outcome, activation_rules::check_on_validation(&l.activation_rules_of(&input.policy)?, &facts, now));
    }
    let meta = meta(&req, &outcome, now);
    let covered = coalesced(&l, outcome.code.as_str(), now);
    if !covered {
        // Environments (issue 8): the license's own tenant (a global one validated inside a
        // SHARED environment is touched where it lives).
        pending.insert(
            0,
            Stmt::new(sql::licenses::TOUCH_VALIDATED, vec![l.account_id.clone().into(), l.id.clone().into(), now.into(), outcome.code.as_str().into()]),
        );
    }
    if !req.quick && !covered {
        let mut ev_meta = json!({"valid": outcome.valid, "detail": outcome.detail, "code": outcome.code.as_str()});
        if let Some(s) = &req.scope_raw {
            ev_meta["scope"] = Value::Object(s.clone());
        }
        let name = if outcome.valid { "license.validation.succeeded" } else { "license.validation.failed" };
        pending.push(events::record(
            app,
            account,
            &caller.bearer,
            events::Event { name, resource_type: "licenses", resource_id: &l.id, changes: None, meta: Some(ev_meta) },
        ));
    }
    if !covered {
        l.last_validated_at = Some(now);
    }
    Ok(Validated { license: Some(l), outcome, meta, pending: Pending(pending) })
}

/// How long repeated validations with an unchanged outcome share one recorded validation.
pub const VALIDATION_COALESCE_MS: Millis = 60_000;

/// Whether this validation is already covered by the license's last recorded one: the same
/// outcome code, recorded less than [`VALIDATION_COALESCE_MS`] ago. Then it writes nothing —
/// neither `lastValidated` nor a `license.validation.*` event — which keeps the hot path
/// read-only for clients that validate often; a changed outcome is always recorded.
pub fn coalesced(l: &LicenseRow, code: &str, now: Millis) -> bool {
    l.last_validation_code.as_deref() == Some(code) && l.last_validated_at.is_some_and(|t| now - t < VALIDATION_COALESCE_MS && t <= now)
}

/// `meta` of a validation response: `ts`, `valid`, `detail`, `code`, `nonce` when sent, and
/// `scope` (echoed when sent, `{}` otherwise: keygen-rs requires the member).
fn meta(req: &ValidationRequest, o: &Outcome, now: Millis) -> Value {
    let mut m = json!({"ts": iso8601(now), "valid": o.valid, "detail": o.detail, "code": o.code.as_str()});
    if let Some(n) = req.nonce {
        m["nonce"] = n.into();
    }
    m["scope"] = Value::Object(req.scope_raw.clone().unwrap_or_default());
    m
}

/// A machine's facts; stored component fingerprints that fail to decode fail the validation
/// (a logged 500), never an empty set that a components scope would then be judged against.
fn machine_facts(r: ValidationMachineRow) -> Result<MachineFacts> {
    let components = match r.components {
        Value::Null => Vec::new(),
        Value::String(text) => serde_json::from_str(&text).map_err(StoreError::from)?,
        other => serde_json::from_value(other).map_err(StoreError::from)?,
    };
    Ok(MachineFacts {
        components,
        id: r.id,
        fingerprint: r.fingerprint,
        owner_id: r.owner_id,
        owner_email: r.owner_email,
        cores: r.cores,
        memory: r.memory,
        disk: r.disk,
        created_at: r.created_at,
        last_heartbeat_at: r.last_heartbeat_at,
        max_processes: r.max_processes,
        alive_processes: r.alive_processes,
        vm: r.vm != 0,
        container: r.container != 0,
        lease_secs: r.lease_duration,
    })
}

/// For machines the scope names that D1 sees as not alive, takes a newer heartbeat from their
/// KV lease. Only those machines are looked up, so the common path reads no KV.
async fn refresh_from_leases<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    account: &str,
    cfg: &crate::domain::policy::PolicyConfig,
    scope: &Scope,
    machines: &mut [MachineFacts],
    now: Millis,
) {
    for m in machines.iter_mut().filter(|m| scope.names(m)).take(crate::service::licensing::activation::MAX_COMPONENTS) {
        // Only a status that can change the outcome is worth a KV read: a dead machine, or one
        // whose required first heartbeat D1 has not seen. Alive machines, and machines of
        // policies without heartbeats, validate from D1 alone.
        match crate::domain::lease::status(cfg, m.lease_secs, m.created_at, m.last_heartbeat_at, now) {
            HeartbeatStatus::Dead => {}
            HeartbeatStatus::NotStarted if cfg.require_heartbeat => {}
            _ => continue,
        }
        if let Some(hb) = leases::read(app, account, &m.id).await.and_then(|l| l.heartbeat) {
            if m.last_heartbeat_at.is_none_or(|d1| hb > d1) {
                m.last_heartbeat_at = Some(hb);
            }
        }
    }
}

/// The statements setting a lazy expiry for `basis` (`FROM_FIRST_VALIDATION`, `…_ACTIVATION`,
/// `…_USE`) when `l`'s policy uses that basis, has a duration, and `l` has no expiry yet, and
/// recording `license.expiry.updated` (`changes.expiry: [null, new]`) by `who` only if it did;
/// empty otherwise. Put them in the same batch as the validation, activation or usage they
/// belong to. Idempotent under concurrency (`… AND expiry IS NULL`): the first writer wins and
/// only it records the event.
pub fn set_expiry_if_unset<D: Db, K: Kv>(app: &App<'_, D, K>, who: &Bearer, l: &LicenseRow, basis: ExpirationBasis) -> Vec<Stmt> {
    let cfg = l.config();
    if cfg.expiration_basis != basis || l.expiry.is_some() {
        return Vec::new();
    }
    let now = app.now();
    let Some(expiry) = cfg.expiry_from(now) else {
        return Vec::new();
    };
    let ev = crate::service::licensing::licenses::expiry_event(&l.id, None, Some(expiry));
    let mut stmts = vec![
        Stmt::new(sql::licenses::SET_EXPIRY_IF_UNSET, vec![l.account_id.clone().into(), l.id.clone().into(), expiry.into(), now.into()]),
        events::record_if_changed(app, &l.account_id, who, ev),
    ];
    let cause = match basis {
        ExpirationBasis::FromFirstActivation => subscription_logs::Cause::FirstActivated,
        ExpirationBasis::FromFirstUse => subscription_logs::Cause::FirstUsed,
        _ => subscription_logs::Cause::FirstValidated,
    };
    stmts.extend(subscription_logs::record_if_changed(app, who, l, cause, &subscription_logs::Change::expiry(None, Some(expiry))));
    stmts
}

//! Activation (`POST /machines`): one guarded insert enforces fingerprint uniqueness, component
//! uniqueness, the machine/core/memory/disk ceilings (with overage), the charged license
//! token's `maxActivations` and the group's `maxMachines` atomically, in the same batch as the
//! token's counter, its components, the lazy `FROM_FIRST_ACTIVATION` expiry and its events
//! (`machine.created`, `license.expiry.updated` when it starts the expiry clock,
//! `license.first-activated` for the license's first machine ever,
//! `license.activation.limit-reached` when it makes the machine count reach `maxMachines`).
//! Only when nothing was inserted does a follow-up read tell which rule refused. Deactivation
//! (`DELETE /machines/{id}`) is here too: both act on a license (its machine count, its token's
//! counters, its expiry clock), so they are licensing use cases that use fleet, not the reverse.

use serde_json::{json, Map, Value};

use crate::access::{self, Action};
use crate::api::input::{Field, Members, ResourceInput};
use crate::domain::policy::{PolicyConfig, INT4_MAX, MAX_SAFE_INT};
use crate::domain::states::ActivationAction;
use crate::domain::strategy::{ExpirationBasis, HeartbeatBasis, MachineLeasingStrategy};
use crate::domain::{activation_rules, license};
use crate::error::{AttrFault, Code, Error};
use crate::service::activation_log::{self, Change, Origin};
use crate::service::events::{self, Event, LeasedMachines};
use crate::service::fleet::machines;
use crate::service::licensing::{culling, subscription_logs};
use crate::service::{catalogue::groups, fleet::leases, identity::users, licensing::license_tokens, licensing::licenses, metadata_text, App, Caller};
use crate::store::rows::{ActivationStateRow, CountRow, LicenseRow, MachineRow};
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// At most this many components may be sent inline with an activation.
pub const MAX_COMPONENTS: usize = 20;

/// One inline component.
#[derive(Debug, Clone)]
pub struct ComponentInput {
    fingerprint: String,
    name: String,
    metadata: Map<String, Value>,
}

/// A parsed activation.
#[derive(Debug)]
pub struct Activation {
    /// Client-supplied id (`data.id`, a UUID; Keygen lets any bearer choose it).
    id: Option<String>,
    fingerprint: String,
    name: Option<String>,
    ip: Option<String>,
    hostname: Option<String>,
    platform: Option<String>,
    cores: Option<i64>,
    memory: Option<i64>,
    disk: Option<i64>,
    max_processes: Option<i64>,
    metadata: Map<String, Value>,
    license: String,
    owner: Option<String>,
    group: Option<String>,
    components: Vec<ComponentInput>,
    /// Activation rules (issue 10 §4): client-reported virtualisation and the request's facts.
    vm_name: Option<String>,
    container: Option<bool>,
    facts: crate::domain::activation_rules::Facts,
    /// The lease the client asks for, seconds (Cryptlex's `leaseDuration`; `domain::lease`).
    lease_duration: Option<i64>,
}

impl Activation {
    /// Adds what the request (not its body) says about the client: its IP address, its
    /// country and its clock (issue 10 §4).
    #[must_use]
    pub fn with_client(mut self, ip: Option<std::net::IpAddr>, country: Option<String>, clock: Option<crate::clock::Millis>) -> Self {
        self.facts.ip = ip;
        self.facts.country = country;
        self.facts.clock = clock;
        self
    }
}

fn required_string(f: Field<String>, attr: &str, ptr: &str) -> Result<String> {
    match f {
        Field::Set(s) if !s.trim().is_empty() => Ok(s),
        Field::Set(_) | Field::Null => Err(Error::attribute(attr, AttrFault::Missing, "can't be blank")),
        Field::Absent => Err(Error::new(Code::ParameterMissing, "is missing").pointer(ptr)),
    }
}

fn parse_component(v: Value, i: usize) -> Result<ComponentInput> {
    let ptr = format!("/data/relationships/components/data/{i}");
    let Value::Object(mut o) = v else { return Err(crate::api::input::type_mismatch(&ptr, &v, "object")) };
    match o.remove("type") {
        Some(Value::String(t)) if t == "components" || t == "component" => {}
        _ => return Err(Error::new(Code::ParameterInvalid, "type mismatch (expected components)").pointer(format!("{ptr}/type"))),
    }
    let attrs = match o.remove("attributes") {
        Some(Value::Object(a)) => a,
        Some(v) => return Err(crate::api::input::type_mismatch(&format!("{ptr}/attributes"), &v, "object")),
        None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/attributes"))),
    };
    Members::new(o, ptr.clone()).finish()?;
    let mut a = Members::new(attrs, format!("{ptr}/attributes"));
    let fingerprint = required_string(a.string("fingerprint")?, "components", &a.ptr("fingerprint"))?;
    let name = required_string(a.string("name")?, "components", &a.ptr("name"))?;
    let metadata = a.object("metadata")?.set().unwrap_or_default();
    a.finish()?;
    Ok(ComponentInput { fingerprint, name, metadata })
}

/// Parses `POST /machines`.
///
/// # Errors
/// 400 for unknown or missing members; 422 `FINGERPRINT_MISSING`, `CORES_INVALID`, …;
/// 422 `COMPONENTS_FINGERPRINT_CONFLICT` for a fingerprint sent twice.
pub fn parse(body: &[u8]) -> Result<Activation> {
    let mut r = ResourceInput::parse(body, "machines")?;
    let id = r.client_id()?;
    let fingerprint = required_string(r.attrs.string("fingerprint")?, "fingerprint", "/data/attributes/fingerprint")?;
    // Bounded so that no machine can overflow its license's `sum(cores|memory|disk)`.
    let mut num = |k: &str, max: i64| -> Result<Option<i64>> { Ok(r.attrs.int_in(k, 1, max)?.set()) };
    let (cores, memory, disk, max_processes) =
        (num("cores", INT4_MAX)?, num("memory", MAX_SAFE_INT)?, num("disk", MAX_SAFE_INT)?, num("maxProcesses", INT4_MAX)?);
    let a = Activation {
        id,
        fingerprint,
        name: r.attrs.string("name")?.set(),
        ip: r.attrs.string("ip")?.set(),
        hostname: r.attrs.string("hostname")?.set(),
        platform: r.attrs.string("platform")?.set(),
        cores,
        memory,
        disk,
        max_processes,
        metadata: r.attrs.object("metadata")?.set().unwrap_or_default(),
        vm_name: r.attrs.string("vmName")?.set().filter(|v| !v.trim().is_empty()),
        container: r.attrs.bool("container")?.set(),
        facts: crate::domain::activation_rules::Facts::default(),
        lease_duration: r.attrs.int_in("leaseDuration", crate::domain::lease::MIN_LEASE_SECS, INT4_MAX)?.set(),
        license: r
            .rels
            .one("license", "licenses")?
            .set()
            .ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer("/data/relationships/license"))?,
        owner: match r.rels.one("owner", "users")? {
            Field::Absent => r.rels.one("user", "users")?.set(),
            f => f.set(),
        },
        group: r.rels.one("group", "groups")?.set(),
        components: match r.rels.many("components")? {
            None => Vec::new(),
            Some(items) if items.len() > MAX_COMPONENTS => {
                return Err(
                    Error::new(Code::ParameterInvalid, format!("must have at most {MAX_COMPONENTS} components")).pointer("/data/relationships/components/data")
                )
            }
            Some(items) => items.into_iter().enumerate().map(|(i, v)| parse_component(v, i)).collect::<Result<_>>()?,
        },
    };
    r.finish()?;
    let mut seen = std::collections::BTreeSet::new();
    if a.components.iter().any(|c| !seen.insert(c.fingerprint.as_str())) {
        return Err(Error::new(Code::ComponentsFingerprintConflict, "fingerprint must be unique per machine").pointer("/data/relationships/components"));
    }
    Ok(a)
}

/// The id of user `id_or_email` if it may own a machine of `l`: the license's owner or one of
/// its licensees (a machine never belongs to a stranger to its license).
///
/// # Errors
/// 422 `OWNER_NOT_FOUND` for an unknown user, 422 `OWNER_INVALID` for one not of the license.
pub(super) async fn owner_of<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow, id_or_email: &str) -> Result<String> {
    let u = users::find(app, &l.account_id, id_or_email).await?.ok_or_else(|| Error::attribute("owner", AttrFault::NotFound, "must exist"))?;
    if !licenses::is_user_of(app, l, &u.id).await? {
        return Err(Error::attribute("owner", AttrFault::Invalid, "must be the license's owner or one of its users").pointer("/data/relationships/owner"));
    }
    Ok(u.id)
}

/// Activates a machine.
///
/// # Errors
/// 401 for anonymous callers; 422 `LICENSE_NOT_FOUND`, `OWNER_NOT_FOUND`, `GROUP_NOT_FOUND`,
/// `ACTIVATIONS_LIMIT_EXCEEDED` (license token), `FINGERPRINT_TAKEN`,
/// `COMPONENTS_FINGERPRINT_TAKEN`, `MACHINE_LIMIT_EXCEEDED`, `MACHINE_CORE_LIMIT_EXCEEDED`,
/// `MACHINE_MEMORY_LIMIT_EXCEEDED`, `MACHINE_DISK_LIMIT_EXCEEDED`,
/// `GROUP_MACHINE_LIMIT_EXCEEDED`; 403 when the bearer may not.
pub async fn activate<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, a: Activation) -> Result<MachineRow> {
    activate_from(app, caller, a, &Origin::default()).await
}

/// [`activate`], logging the request's `origin` in the activation log.
pub async fn activate_from<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, mut a: Activation, origin: &Origin) -> Result<MachineRow> {
    access::gate(caller, Action::MachineCreate)?;
    let account = caller.account_id().to_owned();
    let not_found = || Error::attribute("license", AttrFault::NotFound, "must exist");
    let l = licenses::find(app, &account, &a.license).await?.ok_or_else(not_found)?;
    let own = licenses::ownership(app, caller, &l).await?;
    access::check(caller, Action::MachineCreate, own, "license", &l.id).map_err(|e| if e.is(Code::NotFound) { not_found() } else { e })?;
    if a.group.is_some() || a.max_processes.is_some() {
        access::check(caller, Action::MachineLimitsSet, own, "license", &l.id)?;
    }
    if let Some(o) = &a.owner {
        a.owner = Some(owner_of(app, &l, o).await?);
    }
    if let Some(g) = &a.group {
        groups::find(app, &account, g).await?.ok_or_else(|| Error::attribute("group", AttrFault::NotFound, "must exist"))?;
    }
    license_tokens::check_activation(app, caller).await?;
    let cfg = l.config();
    // Activation rules (issue 10 §4), before any write.
    a.facts.vm = a.vm_name.is_some();
    a.facts.container = a.container.unwrap_or(false);
    let rules = l.activation_rules()?;
    if let Some(refusal) = crate::domain::activation_rules::check(&rules, &a.facts, app.now()) {
        return Err(refusal.error());
    }
    // Floating-seat leases (issue 10 §4 follow-up): the machine's own lease, if any.
    let lease = crate::domain::lease::lease_for(&rules, cfg.heartbeat_duration_secs(), a.lease_duration).map_err(|r| r.error())?;
    let node_locked = cfg.node_locked();
    let max_machines = license::effective_max_machines(l.max_machines, &cfg);
    let per_user = i64::from(cfg.machine_leasing_strategy == MachineLeasingStrategy::PerUser);
    let now = app.now();
    let id = a.id.clone().unwrap_or_else(|| app.uuid());
    let component_fps =
        if a.components.is_empty() { Value::Null } else { Value::from(json!(a.components.iter().map(|c| &c.fingerprint).collect::<Vec<_>>()).to_string()) };
    let head: Vec<Value> = vec![
        account.clone().into(),
        l.id.clone().into(),
        opt(a.owner.clone()),
        a.fingerprint.clone().into(),
        cfg.machine_uniqueness_strategy.as_str().into(),
        per_user.into(),
        component_fps,
        cfg.component_uniqueness_strategy.as_str().into(),
    ];
    let mut params = head.clone();
    // A lease runs from the activation, as a heartbeat basis `FROM_CREATION` does.
    let heartbeat = if cfg.heartbeat_basis() == HeartbeatBasis::FromCreation || lease.is_some() { Some(now) } else { None };
    params.extend([
        id.clone().into(),
        opt(a.group.clone()),
        opt(a.name.clone()),
        opt(a.ip.clone()),
        opt(a.hostname.clone()),
        opt(a.platform.clone()),
        opt(a.cores),
        opt(a.memory),
        opt(a.disk),
        metadata_text(&a.metadata).into(),
        opt(heartbeat),
        now.into(),
        opt(license::overage_ceiling(&cfg, max_machines, node_locked)),
        opt(license::overage_ceiling(&cfg, license::effective(l.max_cores, cfg.max_cores), false)),
        opt(license::overage_ceiling(&cfg, license::effective(l.max_memory, cfg.max_memory), false)),
        opt(license::overage_ceiling(&cfg, license::effective(l.max_disk, cfg.max_disk), false)),
        opt(a.max_processes),
        opt(license_tokens::charged_token(caller)),
        opt(a.vm_name.clone()),
        opt(a.container.map(i64::from)),
        opt(lease),
    ]);
    let mut stmts = vec![Stmt::new(sql::machines::INSERT, params), machines::event(app, caller, "machine.created", &id)];
    stmts.extend(license_tokens::activation_stmt(caller, &id));
    if !a.components.is_empty() {
        let items: Vec<Value> = a
            .components
            .iter()
            .map(|c| json!({"id": app.uuid(), "fingerprint": c.fingerprint, "name": c.name, "metadata": metadata_text(&c.metadata)}))
            .collect();
        stmts.push(Stmt::new(
            sql::machines::INSERT_COMPONENTS,
            vec![account.clone().into(), id.clone().into(), now.into(), Value::Array(items).to_string().into()],
        ));
    }
    if cfg.expiration_basis == ExpirationBasis::FromFirstActivation && l.expiry.is_none() {
        if let Some(expiry) = cfg.expiry_from(now) {
            stmts.push(Stmt::new(
                sql::machines::SET_LICENSE_EXPIRY_ON_ACTIVATION,
                vec![account.clone().into(), l.id.clone().into(), expiry.into(), now.into(), id.clone().into()],
            ));
            stmts.push(events::record_if_changed(app, &account, &caller.bearer, licenses::expiry_event(&l.id, None, Some(expiry))));
            let change = subscription_logs::Change::expiry(None, Some(expiry));
            stmts.extend(subscription_logs::record_if_changed(app, &caller.bearer, &l, subscription_logs::Cause::FirstActivated, &change));
        }
    }
    stmts.extend(crate::service::licensing::maintenance::on_activation(app, caller, &l, &id).await?);
    let license_event = |name| Event { name, resource_type: "licenses", resource_id: &l.id, changes: None, meta: None };
    stmts.push(Stmt::new(sql::machines::MARK_FIRST_ACTIVATION, vec![account.clone().into(), l.id.clone().into(), now.into(), id.clone().into()]));
    stmts.push(events::record_if_changed(app, &account, &caller.bearer, license_event("license.first-activated")));
    if let Some(limit) = max_machines {
        let leased = LeasedMachines { license_id: &l.id, machine_id: &id, per_user: per_user == 1, owner: a.owner.as_deref(), limit };
        stmts.push(events::record_if_limit_reached(app, &account, &caller.bearer, license_event("license.activation.limit-reached"), leased));
    }
    // Activation logs: written only if the machine was.
    stmts.push(activation_log::activated(app, &id, origin));
    let refused = |results: &[crate::store::StmtResult]| results.first().map_or(0, |r| r.changes) == 0;
    let mut results = app.db.batch(stmts.clone()).await?;
    if refused(&results) {
        let err = refusal(app, caller, &head, &cfg, &l, &a, max_machines).await?;
        // A seat held by a machine whose heartbeat or lease ran out is freed now (as the next
        // cull would), and the same activation tried once more (issue 10 §4).
        if !holds_seats(&err) || culling::free_expired_seats(app, &account, &l.id).await? == 0 {
            return Err(err);
        }
        results = app.db.batch(stmts).await?;
        if refused(&results) {
            return Err(refusal(app, caller, &head, &cfg, &l, &a, max_machines).await?);
        }
    }
    // The response is the machine as the guarded insert wrote it (its RETURNING), never a
    // re-read a concurrent heartbeat or deletion could have overtaken.
    let m = machines::written(&results, &l.policy_config, l.max_processes)?.ok_or_else(|| Error::internal("activation returned no row"))?;
    leases::write(app, &m).await;
    Ok(m)
}

/// Whether `e` refuses a seat that dead machines could be holding (a machine, core, memory or
/// disk limit of the license).
fn holds_seats(e: &Error) -> bool {
    [Code::MachineLimitExceeded, Code::MachineCoreLimitExceeded, Code::MachineMemoryLimitExceeded, Code::MachineDiskLimitExceeded]
        .iter()
        .any(|c| e.code == c.as_str())
}

/// Which rule refused an activation (read after the guarded insert changed nothing).
async fn refusal<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    head: &[Value],
    cfg: &PolicyConfig,
    l: &LicenseRow,
    a: &Activation,
    max_machines: Option<i64>,
) -> Result<Error> {
    if let Some(id) = &a.id {
        // `ON CONFLICT (id) DO NOTHING`: ids are global, so a machine of any account holds it.
        if fetch_one::<CountRow>(app.db, sql::machines::COUNT_ID, &[id.clone().into()]).await?.is_some_and(|c| c.n > 0) {
            return Ok(Error::new(Code::IdConflict, format!("must not conflict with another machine ({id})")).pointer("/data/id"));
        }
    }
    let Some(s) = fetch_one::<ActivationStateRow>(app.db, sql::machines::ACTIVATION_STATE, head).await? else {
        return Ok(Error::attribute("license", AttrFault::NotFound, "must exist"));
    };
    if s.fingerprint_taken != 0 {
        return Ok(Error::attribute("fingerprint", AttrFault::Taken, "has already been taken"));
    }
    if s.components_taken != 0 {
        return Ok(Error::new(Code::ComponentsFingerprintTaken, "has already been taken").pointer("/data/relationships/components"));
    }
    let over = |limit: Option<i64>, node_locked: bool, total: i64| license::over_ceiling(cfg, limit, node_locked, total);
    if let Some(max) = max_machines.filter(|_| over(max_machines, cfg.node_locked(), s.n + 1)) {
        return Ok(Error::new(Code::MachineLimitExceeded, format!("machine count has exceeded maximum allowed for license ({max})")).pointer("/data"));
    }
    let checks = [
        (license::effective(l.max_cores, cfg.max_cores), s.cores, a.cores, Code::MachineCoreLimitExceeded, "machine core count"),
        (license::effective(l.max_memory, cfg.max_memory), s.memory, a.memory, Code::MachineMemoryLimitExceeded, "machine memory"),
        (license::effective(l.max_disk, cfg.max_disk), s.disk, a.disk, Code::MachineDiskLimitExceeded, "machine disk"),
    ];
    for (limit, used, adding, code, what) in checks {
        if let (Some(max), Some(adding)) = (limit, adding) {
            if over(limit, false, used + adding) {
                return Ok(Error::new(code, format!("{what} has exceeded maximum allowed for license ({max})")).pointer("/data"));
            }
        }
    }
    // A concurrent activation with the same license token used its last activation.
    license_tokens::check_activation(app, caller).await?;
    if let Some(g) = &a.group {
        let group = groups::find(app, caller.account_id(), g).await?.ok_or_else(|| Error::attribute("group", AttrFault::NotFound, "must exist"))?;
        if let Some(max) = group.max_machines {
            let n = fetch_one::<CountRow>(app.db, sql::groups::COUNT_MACHINES, &[caller.account_id().into(), group.id.into()]).await?.map_or(0, |c| c.n);
            if n >= max {
                return Ok(Error::new(Code::GroupMachineLimitExceeded, format!("machine count has exceeded maximum allowed by current group ({max})"))
                    .pointer("/data/relationships/group"));
            }
        }
    }
    // Nothing refuses now: a concurrent deactivation freed the seat between the two reads.
    Ok(Error::new(Code::StateInvalid, "the license changed while activating; retry the request"))
}

fn deactivation_limit_error(allowed: i64) -> Error {
    Error::new(Code::DeactivationLimitReached, format!("the license has used all of its allowed deactivations ({allowed})")).pointer("/data")
}

/// The effective `allowedDeactivations` of license `license_id` (`-1`: unlimited).
///
/// # Errors
/// 422 `DEACTIVATION_LIMIT_REACHED` when none is left.
async fn deactivation_limit<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str) -> Result<i64> {
    let Some(l) = licenses::find(app, caller.account_id(), license_id).await? else { return Ok(-1) };
    let allowed = l.activation_rules()?.allowed_deactivations;
    if !activation_rules::deactivation_allowed(allowed, l.deactivations) {
        return Err(deactivation_limit_error(allowed));
    }
    Ok(allowed)
}

/// Deactivates a machine (`machine.deleted`) and drops its lease. With a license token, the
/// delete is guarded by the token's `maxDeactivations` and counted in the same batch.
///
/// # Errors
/// 422 `DEACTIVATIONS_LIMIT_EXCEEDED` when the caller's license token has none left (nothing
/// is deleted); 422 `DEACTIVATION_LIMIT_REACHED` when the license has used its
/// `allowedDeactivations` (license and user bearers only); 404 when a concurrent request
/// deactivated it first.
pub async fn deactivate<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    deactivate_from(app, caller, id, &Origin::default()).await
}

/// [`deactivate`], logging the request's `origin` in the activation log.
pub async fn deactivate_from<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, origin: &Origin) -> Result<()> {
    let m = machines::authorize(app, caller, id, Action::MachineDelete).await?;
    // organization admins (issue 10 §7): a protected license outside its organization is locked.
    if let Some(org) = access::organization_admins::organization_of(caller) {
        let l = crate::store::licenses::find(app.db, caller.account_id(), &m.license_id).await?.ok_or_else(|| Error::not_found("machine", id))?;
        access::organization_admins::protected_outside(Some(org), l.organization_id.as_deref(), crate::service::ownership::is_protected(&l))?;
    }
    license_tokens::check_deactivation(app, caller).await?;
    // allowedDeactivations (issue 10 §4): the client's deactivations, guarded in the delete.
    let limited = activation_rules::limits_deactivation(caller.bearer.kind());
    let allowed = if limited { deactivation_limit(app, caller, &m.license_id).await? } else { -1 };
    let del = vec![caller.account_id().into(), m.id.clone().into(), opt(license_tokens::charged_token(caller)), allowed.into()];
    let mut stmts = vec![Stmt::new(sql::machines::DELETE, del)];
    // Right after the delete: both the counter and the event follow it (`changes()`).
    stmts.extend(license_tokens::deactivation_stmt(caller, &m.id));
    stmts.push(machines::event(app, caller, "machine.deleted", &m.id));
    // Activation logs: right after the event, so it follows the delete too.
    stmts.push(activation_log::if_changed(app, caller, deactivated(&m), origin));
    if limited {
        // Right after the log, which was written only if the delete happened.
        stmts.push(Stmt::new(sql::activation_rules::COUNT_DEACTIVATION, vec![caller.account_id().into(), m.license_id.clone().into()]));
    }
    // Floating meters get the machine's uses back, only if the delete above happened.
    stmts.extend(crate::service::licensing::meters::release_stmts(&std::iter::once((m.id.clone(), Value::Null)).collect()));
    let results = app.db.batch(stmts).await?;
    if results.first().map_or(0, |r| r.changes) == 0 {
        license_tokens::check_deactivation(app, caller).await?;
        if allowed >= 0 && deactivation_limit(app, caller, &m.license_id).await.is_err_and(|e| e.is(Code::DeactivationLimitReached)) {
            return Err(deactivation_limit_error(allowed));
        }
        return Err(Error::not_found("machine", id));
    }
    leases::remove(app, caller.account_id(), &m.id).await;
    Ok(())
}

/// The activation log entry of a request's deactivation of `m`.
fn deactivated(m: &MachineRow) -> Change<'_> {
    Change {
        action: ActivationAction::Deactivated,
        product_id: Some(&m.product_id),
        license_id: Some(&m.license_id),
        machine_id: Some(&m.id),
        trial_activation_id: None,
        fingerprint: &m.fingerprint,
        offline: false,
        app_version: None,
        os: m.platform.as_deref(),
        hostname: m.hostname.as_deref(),
    }
}

//! Trial activations (Cryptlex's verified trials, `/trial-activations`): the client app asks
//! for its product's trial with the machine's fingerprint, anonymously (strictly rate limited),
//! and gets a signed trial certificate it verifies offline. One trial per machine per product:
//! one guarded insert (`sql::trials::INSERT_ACTIVATION`) decides, so reinstalling, or many
//! concurrent requests, never start a second trial; a repeat request counts one more
//! activation of the same trial (up to the policy's `allowedActivations`) and gets a fresh
//! certificate with the same expiry. Admins and the product list, show, extend and delete them.
//!
//! Anonymous callers learn nothing about which products exist: an unknown product, a product
//! without a default trial policy, another product's (for a product token) and a user-locked
//! trial requested without a user all answer the same 404 `TRIAL_NOT_AVAILABLE`.

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{parse_meta, type_mismatch, Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::api::trials::trial_activation;
use crate::clock::{iso8601, parse_iso8601, Millis};
use crate::crypto::license_file::{self, Encoding, FileKind};
use crate::domain::states::ActivationAction;
use crate::domain::strategy::MatchingStrategy;
use crate::domain::trial::{components_needed, TrialLength, MAX_TRIAL_MS};
use crate::error::{Code, Error};
pub use crate::service::activation_log::Origin;
use crate::service::activation_log::{self, Change};
use crate::service::licensing::{licenses, trial_policies};
use crate::service::{events, metadata_text, readable, App, Bearer, Caller};
use crate::store::sql::trials::{TrialActivationRow, TrialPolicyRow};
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// The longest fingerprint, component or descriptive string accepted.
const MAX_TEXT: usize = 255;
/// The most hardware components one request may carry.
const MAX_COMPONENTS: usize = 20;

/// A parsed trial-activation request.
#[derive(Debug, Default, Clone)]
pub struct TrialRequest {
    product: String,
    fingerprint: String,
    components: Vec<String>,
    os: Option<String>,
    os_version: Option<String>,
    hostname: Option<String>,
    vm_name: Option<String>,
    container: Option<String>,
    app_version: Option<String>,
    metadata: Map<String, Value>,
}

fn text(f: Field<String>, attr: &str) -> Result<Option<String>> {
    match f {
        Field::Set(s) if s.chars().count() > MAX_TEXT => {
            Err(Error::new(Code::ParameterInvalid, format!("must be at most {MAX_TEXT} characters")).pointer(format!("/data/attributes/{attr}")))
        }
        Field::Set(s) if s.trim().is_empty() => Ok(None),
        Field::Set(s) => Ok(Some(s)),
        Field::Null | Field::Absent => Ok(None),
    }
}

/// Parses `{"data":{"type":"trial-activations","attributes":{fingerprint, components?, os?,
/// osVersion?, hostname?, vmName?, container?, appVersion?, metadata?},"relationships":{"product":…}}}`.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID` / `PARAMETER_UNPERMITTED` with a pointer.
pub fn parse(body: &[u8]) -> Result<TrialRequest> {
    let mut r = ResourceInput::parse(body, "trial-activations")?;
    if r.id.is_some() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer("/data/id"));
    }
    let a = &mut r.attrs;
    let fingerprint = text(a.string("fingerprint")?, "fingerprint")?
        .ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer("/data/attributes/fingerprint"))?;
    let components = match a.raw("components") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) if items.len() <= MAX_COMPONENTS => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) if !s.trim().is_empty() && s.chars().count() <= MAX_TEXT => Ok(s),
                v => Err(type_mismatch(&format!("/data/attributes/components/{i}"), &v, "non-blank string of at most 255 characters")),
            })
            .collect::<Result<Vec<_>>>()?,
        Some(Value::Array(_)) => {
            return Err(Error::new(Code::ParameterInvalid, format!("must hold at most {MAX_COMPONENTS} fingerprints")).pointer("/data/attributes/components"))
        }
        Some(v) => return Err(type_mismatch("/data/attributes/components", &v, "array")),
    };
    let req = TrialRequest {
        product: String::new(),
        fingerprint,
        components,
        os: text(a.string("os")?, "os")?,
        os_version: text(a.string("osVersion")?, "osVersion")?,
        hostname: text(a.string("hostname")?, "hostname")?,
        vm_name: text(a.string("vmName")?, "vmName")?,
        container: text(a.string("container")?, "container")?,
        app_version: text(a.string("appVersion")?, "appVersion")?,
        metadata: a.object("metadata")?.set().unwrap_or_default(),
    };
    let product = r.rels.one("product", "products")?;
    r.finish()?;
    match product {
        Field::Set(p) => Ok(TrialRequest { product: p, ..req }),
        _ => Err(Error::new(Code::ParameterMissing, "product relationship is required").pointer("/data/relationships/product")),
    }
}

/// Parses an offline trial request: `{"meta":{"request":"<base64 of a trial-activation
/// document>"}}`, the document the app wrote to a file for the vendor to upload.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID` pointing at `/meta/request`, or the inner
/// document's errors.
pub fn parse_offline(body: &[u8]) -> Result<TrialRequest> {
    use base64::Engine as _;
    let mut meta = parse_meta(body)?;
    let request = match meta.raw("request") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/meta/request")),
        Some(v) => return Err(type_mismatch("/meta/request", &v, "string")),
    };
    meta.finish()?;
    let compact: String = request.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let doc = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| Error::new(Code::ParameterInvalid, "must be a base64-encoded trial-activation document").pointer("/meta/request"))?;
    parse(&doc).map_err(|e| {
        let detail = format!("the offline request is invalid: {} ({})", e.detail, e.code);
        Error::new(Code::ParameterInvalid, detail).pointer("/meta/request")
    })
}

/// A trial activation and its certificate.
#[derive(Debug)]
pub struct Issued {
    /// The trial.
    pub trial: TrialActivationRow,
    /// `-----BEGIN TRIAL FILE-----…` (`base64+ed25519`, signed with the account key over
    /// `trial/<enc>`).
    pub certificate: String,
    /// Whether this request created it (201) or re-activated it (200).
    pub created: bool,
}

fn not_available() -> Error {
    Error::new(Code::TrialNotAvailable, "no trial is available for this product").pointer("/data/relationships/product")
}

/// The product's default trial policy, if the caller may take a trial of it; otherwise the
/// one answer that tells nothing ([`not_available`]).
async fn policy_for<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, product_id: &str) -> Result<TrialPolicyRow> {
    access::gate(caller, Action::TrialActivationCreate)?;
    let policy = trial_policies::find_default(app, caller.account_id(), product_id).await?.ok_or_else(not_available)?;
    let own = match &caller.bearer {
        Bearer::Product { .. } => trial_policies::ownership(caller, product_id),
        _ => Ownership::None,
    };
    access::check(caller, Action::TrialActivationCreate, own, "product", product_id).map_err(|e| if e.is(Code::NotFound) { not_available() } else { e })?;
    if policy.user_locked == 1 && !matches!(caller.bearer, Bearer::User { .. } | Bearer::OrganizationAdmin { .. }) {
        return Err(not_available());
    }
    Ok(policy)
}

/// `POST /trial-activations` (and, with `offline`, the offline activation).
///
/// # Errors
/// 404 `TRIAL_NOT_AVAILABLE`; 422 `VM_ACTIVATION_NOT_ALLOWED` / `CONTAINER_ACTIVATION_NOT_ALLOWED`
/// (pointing at the attribute), `TRIAL_EXPIRED`, `TRIAL_ACTIVATION_LIMIT_REACHED`.
pub async fn activate<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, req: TrialRequest, origin: Origin, offline: bool) -> Result<Issued> {
    if offline {
        // Offline requests are uploaded by the vendor: admins and the product only.
        access::gate(caller, Action::TrialOfflineActivate)?;
    }
    let policy = policy_for(app, caller, &req.product).await?;
    if offline {
        access::check(caller, Action::TrialOfflineActivate, trial_policies::ownership(caller, &policy.product_id), "product", &policy.product_id)
            .map_err(|e| if e.is(Code::NotFound) { not_available() } else { e })?;
    }
    if req.vm_name.is_some() && policy.allow_vm_activation == 0 {
        return Err(Error::new(Code::VmActivationNotAllowed, "the trial policy does not allow virtual machines").pointer("/data/attributes/vmName"));
    }
    if req.container.is_some() && policy.allow_container_activation == 0 {
        return Err(Error::new(Code::ContainerActivationNotAllowed, "the trial policy does not allow containers").pointer("/data/attributes/container"));
    }
    let length = match (policy.trial_length, &policy.subscription_interval) {
        (Some(d), _) => TrialLength::Days(d),
        (None, Some(s)) => TrialLength::Interval(s.clone()),
        (None, None) => return Err(Error::internal("trial policy without a length")),
    };
    let duration = length.millis().ok_or_else(|| Error::internal("stored trial policy length does not parse"))?;
    let strategy = policy.fingerprint_matching_strategy.parse::<MatchingStrategy>().map_err(|e| Error::internal(format!("stored strategy: {e}")))?;
    let mut components = req.components.clone();
    components.sort();
    components.dedup();
    let needed = components_needed(strategy, components.len()).map_or(Value::Null, |n| Value::from(n as i64));
    let user = match &caller.bearer {
        Bearer::User { user_id } => Some(user_id.clone()),
        // organization admins (issue 10 §7)
        Bearer::OrganizationAdmin { user_id, .. } => Some(user_id.clone()),
        _ => None,
    };
    let locked_user = if policy.user_locked == 1 { user.clone().map_or(Value::Null, Value::from) } else { Value::Null };
    let (acc, now, id) = (caller.account_id(), app.now(), app.uuid());
    let components_json = Value::from(components).to_string();
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
    let params = vec![
        id.clone().into(),
        acc.into(),
        policy.product_id.clone().into(),
        policy.id.clone().into(),
        user.map_or(Value::Null, Value::from),
        req.fingerprint.clone().into(),
        components_json.clone().into(),
        opt(&req.os),
        opt(&req.os_version),
        opt(&req.hostname),
        opt(&req.vm_name),
        opt(&req.container),
        opt(&req.app_version),
        opt(&origin.ip),
        opt(&origin.country),
        opt(&origin.user_agent),
        i64::from(offline).into(),
        policy.allowed_activations.into(),
        metadata_text(&req.metadata).into(),
        (now + duration).into(),
        now.into(),
        needed.clone(),
        locked_user.clone(),
    ];
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::trials::INSERT_ACTIVATION, params),
            events::record_if_changed(app, acc, &caller.bearer, event("trial-activation.created", &id, None, Some(json!({"offline": offline})))),
            activation_log::if_changed(app, caller, log_change(&policy.product_id, &id, &req, offline), &origin),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) > 0 {
        let trial = find(app, acc, &id).await?.ok_or_else(|| Error::internal("trial activation vanished after insert"))?;
        return issue(app, caller, trial, true);
    }
    // The machine already has its trial: count one more activation of it.
    let same = [acc.into(), policy.product_id.clone().into(), req.fingerprint.clone().into(), components_json.into(), needed, locked_user];
    let trial: TrialActivationRow =
        fetch_one(app.db, sql::trials::FIND_SAME, &same).await?.ok_or_else(|| Error::new(Code::ConcurrentUpdate, "the trial changed concurrently; retry"))?;
    if trial.expires_at <= now {
        return Err(Error::new(Code::TrialExpired, format!("the trial expired at {}", iso8601(trial.expires_at))).pointer("/data/attributes/fingerprint"));
    }
    let changes = json!({"activations": [trial.activation_count, trial.activation_count + 1]});
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::trials::REACTIVATE, vec![acc.into(), trial.id.clone().into(), now.into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("trial-activation.updated", &trial.id, Some(changes), None)),
            activation_log::if_changed(app, caller, log_change(&policy.product_id, &trial.id, &req, offline), &origin),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(
            Code::TrialActivationLimitReached,
            format!("this machine has used its trial's {} allowed activations", trial.allowed_activations),
        )
        .pointer("/data/attributes/fingerprint"));
    }
    let trial = find(app, acc, &trial.id).await?.ok_or_else(|| Error::not_found("trial activation", &trial.id))?;
    issue(app, caller, trial, false)
}

/// The activation log entry of a trial (re)activation.
fn log_change<'a>(product: &'a str, trial: &'a str, req: &'a TrialRequest, offline: bool) -> Change<'a> {
    Change {
        action: ActivationAction::TrialActivated,
        product_id: Some(product),
        license_id: None,
        machine_id: None,
        trial_activation_id: Some(trial),
        fingerprint: &req.fingerprint,
        offline,
        app_version: req.app_version.as_deref(),
        os: req.os.as_deref(),
        hostname: req.hostname.as_deref(),
    }
}

/// Signs the trial certificate: `{"data": <trial activation>, "meta": {issued, expiry, ttl}}`
/// in a `TRIAL FILE` armour with the account's key, the same encoding as check-out files.
fn issue<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, trial: TrialActivationRow, created: bool) -> Result<Issued> {
    let issued = app.now();
    let ttl = (trial.expires_at - issued).max(0) / 1000;
    let doc = json!({"data": trial_activation(&trial).into_value(), "meta": {"issued": iso8601(issued), "expiry": iso8601(trial.expires_at), "ttl": ttl}});
    let key = licenses::signing_key(app, &caller.account)?;
    let certificate = license_file::encode(FileKind::Trial, &doc.to_string(), Encoding::Base64, "", &key, app.rng);
    Ok(Issued { trial, certificate, created })
}

fn event<'a>(name: &'a str, id: &'a str, changes: Option<Value>, meta: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: "trial-activations", resource_id: id, changes, meta }
}

/// A trial activation without access checks.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<TrialActivationRow>> {
    Ok(fetch_one(app.db, sql::trials::FIND_ACTIVATION, &[account_id.into(), id.into()]).await?)
}

async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<TrialActivationRow> {
    readable(caller, action, "trial activation", id, find(app, caller.account_id(), id), async |t| Ok(trial_policies::ownership(caller, &t.product_id))).await
}

/// A trial activation (admins, its product).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<TrialActivationRow> {
    authorize(app, caller, id, Action::TrialActivationRead).await
}

/// Lists trial activations (filters `product`, `fingerprint`; a product sees its own).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<TrialActivationRow>, u64, Page)> {
    let scope = caller.list_scope(Action::TrialActivationRead, q)?;
    let page = Page::from_query(q)?;
    let fp = q.get("fingerprint").map_or(Value::Null, |f| Value::from(f.to_owned()));
    let f = vec![caller.account_id().into(), scope.product, fp];
    crate::service::fetch_page(app.db, sql::trials::LIST_ACTIVATIONS, sql::trials::COUNT_ACTIVATIONS, f, page).await
}

/// Parses `PATCH /trial-activations/{id}/expires-at`: `{"data":{"type":"trial-activations",
/// "attributes":{"expiresAt":"<ISO-8601>"}}}`.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID` pointing at `expiresAt`.
pub fn parse_expiry(body: &[u8]) -> Result<Millis> {
    let mut r = ResourceInput::parse(body, "trial-activations")?;
    r.id.take();
    let at = r.attrs.string("expiresAt")?;
    r.finish()?;
    let ptr = "/data/attributes/expiresAt";
    match at {
        Field::Set(s) => parse_iso8601(&s).ok_or_else(|| Error::new(Code::ParameterInvalid, "must be an ISO-8601 time").pointer(ptr)),
        _ => Err(Error::new(Code::ParameterMissing, "is missing").pointer(ptr)),
    }
}

/// Sets a trial's expiry (extend or shorten; at most ten years from now). A new expiry in the
/// future re-arms `trial-activation.expired`.
///
/// # Errors
/// 422 `EXPIRES_AT_INVALID`; 409 `CONFLICT` when it changed concurrently.
pub async fn set_expiry<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, at: Millis) -> Result<TrialActivationRow> {
    let t = authorize(app, caller, id, Action::TrialActivationUpdate).await?;
    let now = app.now();
    if at > now + MAX_TRIAL_MS || at < 0 {
        return Err(crate::Error::attribute("expiresAt", crate::error::AttrFault::Invalid, "must be at most 3650 days from now"));
    }
    let acc = caller.account_id();
    let changes = json!({"expiresAt": [iso8601(t.expires_at), iso8601(at)]});
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::trials::SET_EXPIRY, vec![acc.into(), t.id.clone().into(), at.into(), now.into(), t.expires_at.into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("trial-activation.updated", &t.id, Some(changes), None)),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::ConcurrentUpdate, "the trial changed concurrently; retry"));
    }
    find(app, acc, &t.id).await?.ok_or_else(|| Error::not_found("trial activation", id))
}

/// Deletes a trial activation (the machine may then start a new trial).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let t = authorize(app, caller, id, Action::TrialActivationDelete).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::trials::DELETE_ACTIVATION, vec![acc.into(), t.id.clone().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("trial-activation.deleted", &t.id, None, None)),
        ])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(attrs: Value) -> Vec<u8> {
        json!({"data": {"type": "trial-activations", "attributes": attrs, "relationships": {"product": {"data": {"type": "products", "id": "p"}}}}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn parse_names_the_offending_member() {
        let ptr = |b: &[u8]| parse(b).unwrap_err().source.as_ref().map(|s| format!("{s:?}"));
        assert!(ptr(&doc(json!({}))).unwrap().contains("/data/attributes/fingerprint"));
        assert!(ptr(&doc(json!({"fingerprint": "f", "components": [""]}))).unwrap().contains("/data/attributes/components/0"));
        assert!(ptr(&doc(json!({"fingerprint": "f", "components": vec!["c"; 21]}))).unwrap().contains("/data/attributes/components"));
        assert!(ptr(&doc(json!({"fingerprint": "x".repeat(256)}))).unwrap().contains("/data/attributes/fingerprint"));
        assert!(ptr(&doc(json!({"fingerprint": "f", "vmName": 3}))).unwrap().contains("/data/attributes/vmName"));
        let no_product = json!({"data": {"type": "trial-activations", "attributes": {"fingerprint": "f"}}}).to_string();
        assert!(ptr(no_product.as_bytes()).unwrap().contains("/data/relationships/product"));
        let r = parse(&doc(json!({"fingerprint": "f", "os": "linux", "components": ["a", "b"]}))).unwrap();
        assert_eq!((r.product.as_str(), r.fingerprint.as_str(), r.components.len(), r.os.as_deref()), ("p", "f", 2, Some("linux")));
    }

    #[test]
    fn offline_requests_carry_the_document_in_base64() {
        use base64::Engine as _;
        let inner = base64::engine::general_purpose::STANDARD.encode(doc(json!({"fingerprint": "f"})));
        let r = parse_offline(json!({"meta": {"request": inner}}).to_string().as_bytes()).unwrap();
        assert_eq!(r.fingerprint, "f");
        for bad in [json!({"meta": {}}), json!({"meta": {"request": "%%%"}}), json!({"meta": {"request": 1}}), json!({"meta": {"request": "e30="}})] {
            let e = parse_offline(bad.to_string().as_bytes()).unwrap_err();
            assert_eq!(e.source.as_ref().map(|s| format!("{s:?}")).unwrap_or_default(), "Pointer(\"/meta/request\")", "{bad}");
        }
    }

    #[test]
    fn expiry_parses_iso8601() {
        let b = |v: Value| json!({"data": {"type": "trial-activations", "attributes": {"expiresAt": v}}}).to_string().into_bytes();
        assert_eq!(parse_expiry(&b(json!("2030-01-01T00:00:00.000Z"))).unwrap(), parse_iso8601("2030-01-01T00:00:00Z").unwrap());
        assert_eq!(parse_expiry(&b(json!("tomorrow"))).unwrap_err().code, "PARAMETER_INVALID");
        assert_eq!(parse_expiry(&b(json!(null))).unwrap_err().code, "PARAMETER_MISSING");
    }
}

//! Offline check-out (`POST|GET /licenses/{id}/actions/check-out`,
//! `/machines/{id}/actions/check-out`): a signed, optionally encrypted license or machine file
//! (`reference/keygen-wire.md` §4.4). The options come from the query string and, for POST,
//! from `meta` (which wins).

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::document::ResourceObject;
use crate::api::input::{parse_body, type_mismatch, Members};
use crate::api::query::Query;
use crate::api::{accounts as render, groups as render_groups, licenses as render_licenses, machines as render_machines};
use crate::clock::{iso8601, Millis};
use crate::crypto::license_file::{self, Encoding, FileKind};
use crate::crypto::scheme_keys;
use crate::crypto::signer::Algorithm;
use crate::domain::strategy::ExpirationStrategy;
use crate::error::{Code, Error};
use crate::service::identity::account_keys;
use crate::service::{catalogue::entitlements, catalogue::policies, events, fleet::machines, identity::users, licensing::licenses, readable, App, Caller};
use crate::store::rows::{ComponentRow, LicenseRow, ProductRow, UserRow};
use crate::store::{fetch_all, fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// Keygen's default file lifetime: one month (2,629,746 s).
pub const DEFAULT_TTL_SECS: i64 = 2_629_746;
/// The shortest lifetime Keygen accepts: one hour.
pub const MIN_TTL_SECS: i64 = 3_600;
/// The longest lifetime Keygen accepts: one (Gregorian) year, 31,556,952 s.
pub const MAX_TTL_SECS: i64 = 31_556_952;

const LICENSE_INCLUDES: [&str; 7] = ["entitlements", "environment", "product", "policy", "group", "owner", "users"];
const MACHINE_INCLUDES: [&str; 10] =
    ["license", "license.entitlements", "license.product", "license.policy", "license.owner", "license.users", "components", "environment", "group", "owner"];

/// Check-out options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How `data` is carried.
    pub encoding: Encoding,
    /// The signing algorithm `algorithm` named; `None` = the one the license's scheme implies.
    pub signing: Option<Algorithm>,
    /// Lifetime in seconds; `None` = no expiry (`ttl=null`).
    pub ttl: Option<i64>,
    /// Relationships to include, normalised (`user` → `owner`), in request order.
    pub include: Vec<String>,
}

/// One raw option as sent (query string or meta).
enum Raw {
    Str(String),
    Json(Value),
}

/// Parses the options for a license (`FileKind::License`) or machine file from the query string
/// and, for POST, the body's `meta`.
///
/// # Errors
/// 400 `CHECKOUT_ALGORITHM_INVALID` / `CHECKOUT_INCLUDE_INVALID` / `CHECKOUT_TTL_INVALID` with
/// `source.parameter`; 400 `PARAMETER_INVALID` for a non-boolean `encrypt`;
/// `PARAMETER_UNPERMITTED` for unknown `meta` members.
pub fn parse_options(kind: FileKind, q: &Query, body: Option<&[u8]>) -> Result<Options> {
    let mut meta = Map::new();
    if let Some(b) = body {
        let mut top = Members::new(parse_body(b)?, "");
        let m = top.raw("meta");
        top.finish()?;
        match m {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => meta = m,
            Some(v) => return Err(type_mismatch("/meta", &v, "object")),
        }
    }
    let mut meta = Members::new(meta, "/meta");
    let mut take = |k: &str| meta.raw(k).map(Raw::Json).or_else(|| q.get(k).map(|v| Raw::Str(v.to_owned())));
    let (encrypt, algorithm, ttl, include) = (take("encrypt"), take("algorithm"), take("ttl"), take("include"));
    meta.finish()?;

    let encrypt = match encrypt {
        None | Some(Raw::Json(Value::Null)) => false,
        Some(Raw::Json(Value::Bool(b))) => b,
        Some(Raw::Str(s)) if matches!(s.as_str(), "true" | "1" | "yes" | "") => true,
        Some(Raw::Str(s)) if matches!(s.as_str(), "false" | "0" | "no") => false,
        Some(_) => return Err(Error::new(Code::ParameterInvalid, "must be a boolean").parameter("encrypt")),
    };
    let (encoding, signing) = match algorithm {
        None | Some(Raw::Json(Value::Null)) => {
            if encrypt {
                (Encoding::Aes256Gcm, None)
            } else {
                (Encoding::Base64, None)
            }
        }
        Some(Raw::Json(Value::String(s)) | Raw::Str(s)) => license_file::parse_alg(&s).map(|(e, a)| (e, Some(a))).ok_or_else(invalid_algorithm)?,
        Some(Raw::Json(_)) => return Err(invalid_algorithm()),
    };
    let ttl = match ttl {
        None => Some(DEFAULT_TTL_SECS),
        Some(Raw::Json(Value::Null)) => None,
        Some(Raw::Str(s)) if s == "null" || s.is_empty() => None,
        Some(Raw::Str(s)) => Some(s.parse::<i64>().map_err(|_| invalid_ttl())?),
        Some(Raw::Json(Value::Number(n))) => Some(n.as_i64().ok_or_else(invalid_ttl)?),
        Some(Raw::Json(_)) => return Err(invalid_ttl()),
    };
    match ttl {
        Some(t) if t < MIN_TTL_SECS => return Err(ttl_error("must be greater than or equal to 3600 (1 hour)")),
        Some(t) if t > MAX_TTL_SECS => return Err(ttl_error("must be less than or equal to 31556952 (1 year)")),
        _ => {}
    }
    let names: Vec<String> = match include {
        None | Some(Raw::Json(Value::Null)) => vec![],
        Some(Raw::Str(s) | Raw::Json(Value::String(s))) => s.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
        Some(Raw::Json(Value::Array(a))) => {
            a.into_iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(|| invalid_include("must be strings"))).collect::<Result<_>>()?
        }
        Some(Raw::Json(_)) => return Err(invalid_include("must be a list of relationships")),
    };
    let allowed: &[&str] = if kind == FileKind::License { &LICENSE_INCLUDES } else { &MACHINE_INCLUDES };
    let mut include: Vec<String> = Vec::new();
    for n in names {
        let n = match n.as_str() {
            "user" if kind == FileKind::License => "owner".to_owned(),
            "license.user" if kind == FileKind::Machine => "license.owner".to_owned(),
            _ => n,
        };
        if !allowed.contains(&n.as_str()) {
            return Err(invalid_include(&format!("invalid include: {n} (allowed: {})", allowed.join(", "))));
        }
        if !include.contains(&n) {
            include.push(n);
        }
    }
    Ok(Options { encoding, signing, ttl, include })
}

fn invalid_algorithm() -> Error {
    Error::new(Code::CheckoutAlgorithmInvalid, "unsupported algorithm (supported: aes-256-gcm or base64, + ed25519, rsa-pss-sha256, rsa-sha256 or ecdsa-p256)")
        .parameter("algorithm")
}

fn invalid_ttl() -> Error {
    ttl_error("must be an integer between 3600 (1 hour) and 31556952 (1 year), or null")
}

fn ttl_error(detail: &str) -> Error {
    Error::new(Code::CheckoutTtlInvalid, detail).parameter("ttl")
}

/// A file without expiry (`ttl=null`) is a perpetual offline license: only admins and products
/// may issue one. License and user bearers (the end user's side) must take a bounded lifetime.
fn check_ttl_allowed(caller: &Caller, opts: &Options) -> Result<()> {
    if opts.ttl.is_none() && !crate::access::permits(caller, crate::access::Action::PerpetualCheckOut) {
        return Err(ttl_error("must not be null (only admins and products may check out a file without expiry)"));
    }
    Ok(())
}

fn invalid_include(detail: &str) -> Error {
    Error::new(Code::CheckoutIncludeInvalid, detail).parameter("include")
}

/// A checked-out file.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// Random id of the file resource (not stored).
    pub id: String,
    /// Account.
    pub account_id: String,
    /// The license.
    pub license_id: String,
    /// The machine, for machine files.
    pub machine_id: Option<String>,
    /// The certificate text.
    pub certificate: String,
    /// The `alg`, e.g. `aes-256-gcm+ed25519` or `base64+rsa-pss-sha256`.
    pub algorithm: String,
    /// Included relationships.
    pub includes: Vec<String>,
    /// Lifetime in seconds, `None` for none.
    pub ttl: Option<i64>,
    /// Issue time.
    pub issued: Millis,
    /// `issued + ttl`.
    pub expiry: Option<Millis>,
}

/// A license the caller may check out: admins, its product, the license itself, and its owner
/// or licensees while it is open — not protected, not suspended, and not expired under
/// `REVOKE_ACCESS` (a user's check-out must not outlive its access).
async fn checkable<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str) -> Result<LicenseRow> {
    let now = app.now();
    readable(caller, Action::LicenseCheckOut, "license", license_id, licenses::find(app, caller.account_id(), license_id), async |l| {
        let revoked = l.is_suspended() || (l.is_expired(now) && l.config().expiration_strategy == ExpirationStrategy::RevokeAccess);
        Ok(match licenses::ownership(app, caller, l).await? {
            Ownership::Own if revoked => Ownership::OwnLocked,
            o => o,
        })
    })
    .await
}

/// The `last_check_out_at` the touch at the head of a check-out batch returned (`None`: the
/// row was deleted concurrently).
fn checked_out_at(res: &[crate::store::StmtResult]) -> Option<Millis> {
    res.first().and_then(|r| r.rows.first()).and_then(|row| row.get("last_check_out_at")).and_then(Value::as_i64)
}

/// Checks out a license file.
pub async fn license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, opts: Options) -> Result<Checkout> {
    let l = checkable(app, caller, license_id).await?;
    check_ttl_allowed(caller, &opts)?;
    let now = app.now();
    let (acc, id) = (caller.account_id(), l.id.clone());
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::license_actions::TOUCH_LICENSE_CHECK_OUT, vec![acc.into(), id.clone().into(), now.into()]),
            events::record_if_changed(
                app,
                acc,
                &caller.bearer,
                events::Event { name: "license.checked-out", resource_type: "licenses", resource_id: &id, changes: None, meta: None },
            ),
        ])
        .await?;
    // The file shows this check-out's own write, not a re-read a concurrent one may overtake.
    let mut l = l;
    l.last_check_out_at = Some(checked_out_at(&res).ok_or_else(|| Error::not_found("license", &id))?);
    let mut included = Vec::new();
    for inc in &opts.include {
        license_include(app, &l, inc, &mut included).await?;
    }
    let data = render_licenses::license(&l, now);
    issue(app, caller, FileKind::License, data, included, &l.key, &opts, (&l.id, &l.policy_id, None)).await
}

/// Checks out a machine file for the machine with this id or fingerprint.
pub async fn machine<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, machine_id: &str, opts: Options) -> Result<Checkout> {
    access::gate(caller, Action::LicenseCheckOut)?;
    let acc = caller.account_id();
    let m = machines::find(app, acc, machine_id).await?.ok_or_else(|| Error::not_found("machine", machine_id))?;
    let l = checkable(app, caller, &m.license_id).await.map_err(|e| if e.is(Code::NotFound) { Error::not_found("machine", machine_id) } else { e })?;
    check_ttl_allowed(caller, &opts)?;
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::license_actions::TOUCH_MACHINE_CHECK_OUT, vec![acc.into(), m.id.clone().into(), now.into()]),
            events::record_if_changed(
                app,
                acc,
                &caller.bearer,
                events::Event { name: "machine.checked-out", resource_type: "machines", resource_id: &m.id, changes: None, meta: None },
            ),
        ])
        .await?;
    let mut m = m;
    m.last_check_out_at = Some(checked_out_at(&res).ok_or_else(|| Error::not_found("machine", machine_id))?);
    let mut included = Vec::new();
    for inc in &opts.include {
        match inc.as_str() {
            "license" => included.push(render_licenses::license(&l, now)),
            "components" => {
                let rows: Vec<ComponentRow> = fetch_all(app.db, sql::components::LIST_FOR_MACHINE, &[acc.into(), m.id.clone().into()]).await?;
                included.extend(rows.iter().map(render_machines::component));
            }
            "group" => group_include(app, acc, m.group_id.as_deref(), &mut included).await?,
            "owner" => user_include(app, acc, m.owner_id.as_deref(), &mut included).await?,
            "environment" => {}
            // `license.x` includes the license too (JSON:API full linkage, as Keygen does);
            // keygen-rs cannot open a machine file without it. `issue` drops duplicates.
            other => {
                included.push(render_licenses::license(&l, now));
                license_include(app, &l, other.trim_start_matches("license."), &mut included).await?;
            }
        }
    }
    let data = render_machines::machine(&m, now, None);
    let secret = license_file::machine_secret(&l.key, &m.fingerprint);
    issue(app, caller, FileKind::Machine, data, included, &secret, &opts, (&l.id, &l.policy_id, Some(&m.id))).await
}

async fn group_include<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, id: Option<&str>, out: &mut Vec<ResourceObject>) -> Result<()> {
    if let Some(g) = id {
        if let Some(g) = crate::service::catalogue::groups::find(app, acc, g).await? {
            out.push(render_groups::group(&g));
        }
    }
    Ok(())
}

async fn user_include<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, id: Option<&str>, out: &mut Vec<ResourceObject>) -> Result<()> {
    if let Some(u) = id {
        if let Some(u) = users::find(app, acc, u).await? {
            out.push(render::user(&u));
        }
    }
    Ok(())
}

/// Appends the resources of license include `inc` (`entitlements`, `product`, …).
async fn license_include<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow, inc: &str, out: &mut Vec<ResourceObject>) -> Result<()> {
    let acc = l.account_id.as_str();
    match inc {
        "entitlements" => out.extend(entitlements::all_for_license(app, acc, &l.id).await?.iter().map(crate::api::entitlements::entitlement)),
        "product" => {
            if let Some(p) = fetch_one::<ProductRow>(app.db, sql::products::FIND, &[acc.into(), l.product_id.clone().into()]).await? {
                out.push(render::product(&p));
            }
        }
        "policy" => {
            if let Some(p) = policies::find(app, acc, &l.policy_id).await? {
                out.push(render_licenses::policy(&p));
            }
        }
        "group" => group_include(app, acc, l.group_id.as_deref(), out).await?,
        "owner" => user_include(app, acc, l.owner_id.as_deref(), out).await?,
        "users" => {
            let rows: Vec<UserRow> = fetch_all(app.db, sql::license_actions::LIST_LICENSEES, &[acc.into(), l.id.clone().into(), 1000.into(), 0.into()]).await?;
            out.extend(rows.iter().map(render::user));
        }
        _ => {}
    }
    Ok(())
}

/// Renders the dataset, encodes and signs it.
#[expect(clippy::too_many_arguments, reason = "the parts of one certificate")]
async fn issue<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    kind: FileKind,
    data: ResourceObject,
    mut included: Vec<ResourceObject>,
    secret: &str,
    opts: &Options,
    (license_id, policy_id, machine_id): (&str, &str, Option<&str>),
) -> Result<Checkout> {
    let issued = app.now();
    let expiry = opts.ttl.map(|t| issued + t * 1000);
    let mut seen = std::collections::HashSet::new();
    included.retain(|r| seen.insert((r.ty, r.id.clone())));
    let mut doc = Map::new();
    doc.insert("data".into(), data.into_value());
    if !opts.include.is_empty() {
        doc.insert("included".into(), Value::Array(included.into_iter().map(ResourceObject::into_value).collect()));
    }
    doc.insert("meta".into(), json!({"issued": iso8601(issued), "expiry": expiry.map(iso8601), "ttl": opts.ttl}));
    if !crate::domain::meters::sees_hidden(caller.bearer.kind()) {
        crate::api::meters::hide_invisible(&mut doc);
    }
    // Without an explicit `algorithm` the license's scheme picks the signing algorithm (§4.4).
    let signing = match opts.signing {
        Some(a) => a,
        None => scheme_keys::file_algorithm(policies::find(app, caller.account_id(), policy_id).await?.and_then(|p| p.config().scheme)),
    };
    let signer = account_keys::signer_with(app, &caller.account, signing.pair()).await?;
    let certificate = license_file::encode_signed(kind, &Value::Object(doc).to_string(), (opts.encoding, signing), secret, &signer, app.rng)
        .map_err(|e| Error::internal(format!("signing certificate: {e}")))?;
    Ok(Checkout {
        id: app.uuid(),
        account_id: caller.account_id().to_owned(),
        license_id: license_id.to_owned(),
        machine_id: machine_id.map(str::to_owned),
        certificate,
        algorithm: license_file::alg_name(opts.encoding, signing),
        includes: opts.include.clone(),
        ttl: opts.ttl,
        issued,
        expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query::parse(s)
    }

    #[test]
    fn defaults_are_base64_a_month_and_nothing_included() {
        let o = parse_options(FileKind::License, &q(""), None).unwrap();
        assert_eq!(o, Options { encoding: Encoding::Base64, signing: None, ttl: Some(DEFAULT_TTL_SECS), include: vec![] });
        let o = parse_options(FileKind::License, &q("encrypt=true&ttl=null&include=user,entitlements"), None).unwrap();
        assert_eq!(o, Options { encoding: Encoding::Aes256Gcm, signing: None, ttl: None, include: vec!["owner".into(), "entitlements".into()] });
    }

    #[test]
    fn meta_wins_over_the_query_string() {
        let body = br#"{"meta":{"algorithm":"aes-256-gcm+ed25519","ttl":7200,"include":["license.user","components"]}}"#;
        let o = parse_options(FileKind::Machine, &q("ttl=3600&algorithm=base64%2Bed25519"), Some(body)).unwrap();
        assert_eq!(
            o,
            Options {
                encoding: Encoding::Aes256Gcm,
                signing: Some(Algorithm::Ed25519),
                ttl: Some(7200),
                include: vec!["license.owner".into(), "components".into()]
            }
        );
    }

    #[test]
    fn invalid_options_name_their_parameter() {
        let param = |e: &Error| match &e.source {
            Some(crate::error::Source::Parameter(p)) => p.clone(),
            _ => String::new(),
        };
        let e = parse_options(FileKind::License, &q("algorithm=rsa-sha256%2Brsa"), None).unwrap_err();
        assert_eq!((e.code.as_ref(), e.status, param(&e).as_str()), ("CHECKOUT_ALGORITHM_INVALID", 400, "algorithm"));
        for bad in ["base64%2Brsa-sha512", "aes-128-gcm%2Bed25519", "BASE64%2BED25519", "base64"] {
            let e = parse_options(FileKind::License, &q(&format!("algorithm={bad}")), None).unwrap_err();
            assert_eq!(e.code, "CHECKOUT_ALGORITHM_INVALID", "{bad}");
        }
        let o = parse_options(FileKind::License, &q("algorithm=aes-256-gcm%2Brsa-pss-sha256"), None).unwrap();
        assert_eq!((o.encoding, o.signing), (Encoding::Aes256Gcm, Some(Algorithm::RsaPssSha256)));
        let o = parse_options(FileKind::License, &q("algorithm=base64%2Becdsa-p256"), None).unwrap();
        assert_eq!((o.encoding, o.signing), (Encoding::Base64, Some(Algorithm::EcdsaP256)));
        let e = parse_options(FileKind::License, &q("ttl=3599"), None).unwrap_err();
        assert_eq!((e.code.as_ref(), param(&e).as_str()), ("CHECKOUT_TTL_INVALID", "ttl"));
        let e = parse_options(FileKind::License, &q("ttl=abc"), None).unwrap_err();
        assert_eq!(e.code, "CHECKOUT_TTL_INVALID");
        let e = parse_options(FileKind::License, &q("include=components"), None).unwrap_err();
        assert_eq!((e.code.as_ref(), param(&e).as_str()), ("CHECKOUT_INCLUDE_INVALID", "include"));
        let e = parse_options(FileKind::Machine, &q("include=license.machines"), None).unwrap_err();
        assert_eq!(e.code, "CHECKOUT_INCLUDE_INVALID");
        let e = parse_options(FileKind::License, &q(""), Some(br#"{"meta":{"bogus":1}}"#)).unwrap_err();
        assert_eq!(e.code, "PARAMETER_UNPERMITTED");
        assert_eq!(parse_options(FileKind::License, &q("ttl=3600"), None).unwrap().ttl, Some(3600));
    }

    #[test]
    fn ttl_is_bounded_by_one_year() {
        let e = parse_options(FileKind::License, &q("ttl=31556953"), None).unwrap_err();
        assert_eq!((e.code.as_ref(), e.detail.as_str()), ("CHECKOUT_TTL_INVALID", "must be less than or equal to 31556952 (1 year)"));
        assert!(matches!(&e.source, Some(crate::error::Source::Parameter(p)) if p == "ttl"));
        let e = parse_options(FileKind::Machine, &q(""), Some(br#"{"meta":{"ttl":94670856}}"#)).unwrap_err();
        assert_eq!(e.code, "CHECKOUT_TTL_INVALID");
        assert_eq!(parse_options(FileKind::License, &q("ttl=31556952"), None).unwrap().ttl, Some(MAX_TTL_SECS));
    }
}

//! No input panics: every request parser, date, query and credentials parser, and every key,
//! token, signature and license-file decoder is fed arbitrary strings, arbitrary JSON and
//! JSON:API-shaped documents with arbitrary members, and must answer Ok or Err. A panic here is
//! a dead isolate in production (`panic = "abort"`). Bad input must also never be a 5xx.
//!
//! This module holds what those properties share: the input strategies (arbitrary text, JSON,
//! JSON:API documents and request bodies) and `parse_everything`, every request-body parser in
//! one call. The properties live in `no_panic_parsers` (parsers and decoders on arbitrary input)
//! and `no_panic_sqlite` (list filters and export parameters run against SQLite).

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use shared::api::input::{parse_body, parse_meta, to_one_body, ResourceInput};
use shared::api::query::Query;
use shared::crypto::license_file::FileKind;
use shared::domain::policy::PolicyConfig;
use shared::service::catalogue::{entitlements, groups, policies, products};
use shared::service::distribution;
use shared::service::fleet::{components, machines, processes};
use shared::service::identity::{accounts, passwords, second_factors, tokens, users};
use shared::service::licensing::{activation, checkout, licenses, meters, usage, validation};
use shared::service::lifecycle::webhooks;

pub(crate) const CASES: u32 = 1024;

/// Member names the parsers know, so that arbitrary values reach the typed branches.
const KEYS: &[&str] = &[
    "name",
    "key",
    "expiry",
    "suspended",
    "protected",
    "metadata",
    "permissions",
    "maxMachines",
    "maxProcesses",
    "maxUsers",
    "maxCores",
    "maxMemory",
    "maxDisk",
    "maxUses",
    "maxLicenses",
    "duration",
    "floating",
    "strict",
    "scheme",
    "encrypted",
    "usePool",
    "dataset",
    "query",
    "op",
    "heartbeatDuration",
    "requireHeartbeat",
    "requireCheckIn",
    "checkInInterval",
    "checkInIntervalCount",
    "overageStrategy",
    "expirationBasis",
    "fingerprint",
    "fingerprints",
    "components",
    "entitlements",
    "checksum",
    "version",
    "environment",
    "cores",
    "memory",
    "disk",
    "ip",
    "hostname",
    "platform",
    "pid",
    "code",
    "url",
    "platforms",
    "distributionStrategy",
    "channel",
    "status",
    "tag",
    "backdated",
    "description",
    "filename",
    "filetype",
    "filesize",
    "arch",
    "signature",
    "engine",
    "release",
    "package",
    "entitlement",
    "email",
    "password",
    "role",
    "firstName",
    "lastName",
    "slug",
    "admins",
    "scope",
    "nonce",
    "ttl",
    "include",
    "encrypt",
    "algorithm",
    "subscriptions",
    "signatureAlgorithm",
    "apiVersion",
    "maxActivations",
    "maxDeactivations",
    "increment",
    "decrement",
    "policy",
    "owner",
    "user",
    "group",
    "license",
    "product",
    "machine",
    // Meter attributes and activation rules (issue 10 §2, §4).
    "allowedUses",
    "visible",
    "allowedIpRanges",
    "allowedCountries",
    "disallowedCountries",
    "allowVmActivation",
    "allowContainerActivation",
    "allowedClockOffset",
    "allowedDeactivations",
    "vmName",
    "container",
    "data",
    "type",
    "id",
    "attributes",
    "relationships",
    "meta",
    // Subscriptions (issue 10 §5).
    "subscriptionInterval",
    "subscriptionStartTrigger",
    "allowMajorVersionUpdates",
    "allowMinorVersionUpdates",
    "currentReleaseVersion",
    "maxAllowedReleaseVersion",
    "maintenancePolicy",
    // Features (issue 10 §3).
    "value",
    "entitlementSet",
    // CLI importers (issue 12 §2): a brought signing key.
    "ed25519PrivateKey",
    // Trials.
    "trialLength",
    "allowedActivations",
    "fingerprintMatchingStrategy",
    "expiresAt",
    "request",
    "vmName",
    "createdAfter",
    "createdBefore",
    // Floating-seat leases (issue 10 §4 follow-up, c10).
    "leaseDuration",
    "allowClientLeaseDuration",
    // Organization admins (issue 10 §7): `relationships.organization` on user and license creates.
    "organization",
    // Resellers (issue 10 §7).
    "phone",
    "address",
    "allowedUsers",
    "allowedOrganizations",
    "city",
];

/// Resource types the parsers expect (and some they do not).
const TYPES: &[&str] = &[
    "licenses",
    "policies",
    "products",
    "users",
    "machines",
    "processes",
    "components",
    "groups",
    "entitlements",
    "tokens",
    "webhook-endpoints",
    "maintenance-policies",
    "accounts",
    "license",
    "releases",
    "artifacts",
    "packages",
    "constraints",
    "meters",
    "bogus",
    // Trials.
    "trial-policies",
    "trial-activations",
    // Features and entitlement sets (issue 10 §3).
    "entitlement-sets",
    "organizations",
    // Resellers (issue 10 §7).
    "resellers",
];

pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[0-9T:+\\-.Zé ]{0,30}", Just("2024-01-01T00:00:00+aé00".to_owned()), "[a-zA-Z0-9%\\[\\]=&+\"é]{0,40}",]
}

pub(crate) fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => any::<String>()]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![0i64, -1, 1, 2_147_483_647, 2_147_483_648, 9_007_199_254_740_992, i64::MAX, i64::MIN]).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        text().prop_map(Value::String),
    ]
}

/// Arbitrary JSON, recursive.
pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

pub(crate) fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json_value()), 0..8).prop_map(|kv| kv.into_iter().collect())
}

/// `{"data":{"type","id"?,"attributes","relationships"},"meta"}` with arbitrary members.
pub(crate) fn jsonapi_doc() -> impl Strategy<Value = Value> {
    let rel = prop_oneof![
        (prop::sample::select(TYPES), json_value()).prop_map(|(t, id)| json!({"data": {"type": t, "id": id}})),
        prop::collection::vec((prop::sample::select(TYPES), text()), 0..4)
            .prop_map(|v| json!({"data": v.into_iter().map(|(t, id)| json!({"type": t, "id": id, "attributes": {}})).collect::<Vec<_>>()})),
        json_value(),
    ];
    let rels = prop::collection::vec((key(), rel), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect()));
    (prop::sample::select(TYPES), prop::option::of(json_value()), object(), rels, prop::option::of(object())).prop_map(|(t, id, attrs, rels, meta)| {
        let mut data = json!({"type": t, "attributes": attrs, "relationships": rels});
        if let Some(id) = id {
            data["id"] = id;
        }
        let mut doc = json!({ "data": data });
        if let Some(m) = meta {
            doc["meta"] = Value::Object(m);
        }
        doc
    })
}

/// A body: raw bytes, any JSON, or a JSON:API document.
pub(crate) fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        jsonapi_doc().prop_map(|v| v.to_string().into_bytes()),
        object().prop_map(|m| json!({ "meta": m }).to_string().into_bytes()),
        // Identifier arrays whose items carry `meta` (issue 10 §3: feature values and expiries).
        prop::collection::vec((prop::sample::select(TYPES), json_value(), prop::option::of(json_value())), 0..4).prop_map(|v| {
            let data: Vec<Value> = v.into_iter().map(|(t, id, meta)| json!({"type": t, "id": id, "meta": meta})).collect();
            json!({ "data": data }).to_string().into_bytes()
        }),
    ]
}

/// Every request-body parser; each may fail, none may panic, none may answer 5xx.
pub(crate) fn parse_everything(b: &[u8]) {
    fn client<T>(r: shared::Result<T>) {
        if let Err(e) = r {
            assert!((400..500).contains(&e.status), "a parser answered {} {}: {}", e.status, e.code, e.detail);
        }
    }
    client(parse_body(b));
    client(parse_meta(b));
    for t in TYPES {
        client(ResourceInput::parse(b, t).and_then(ResourceInput::finish));
        client(to_one_body(b, t));
    }
    for creating in [true, false] {
        client(licenses::parse(b, creating));
        client(policies::parse(b, creating));
        client(products::parse(b, creating));
        client(users::parse(b, creating));
        client(groups::parse(b, creating));
        client(entitlements::parse(b, creating));
        client(tokens::parse_input(b, creating));
        client(webhooks::parse(b, creating, creating));
    }
    client(accounts::parse_create(b));
    client(passwords::parse_request(b));
    client(passwords::parse_reset(b));
    client(passwords::parse_update(b));
    client(second_factors::parse_create(b));
    client(second_factors::parse_update(b));
    client(second_factors::otp_of(b));
    client(activation::parse(b));
    client(machines::parse_update(b));
    client(processes::parse(b));
    client(components::parse(b));
    // keygen-rs SDK measure (issue 8).
    client(components::parse_update(b));
    // List scopes (issue 8): Keygen's process metadata update.
    client(processes::parse_update(b));
    client(entitlements::parse_identifiers(b, "entitlements"));
    client(usage::parse_amount(b, "increment"));
    // Meter attributes (issue 10 §2).
    for creating in [true, false] {
        client(meters::parse(b, creating));
    }
    client(meters::parse_step(b, "increment"));
    client(meters::parse_step(b, "decrement"));
    if let Some(Value::Object(mut attrs)) = parse_body(b).ok().and_then(|m| m.get("data").and_then(|d| d.get("attributes")).cloned()) {
        client(shared::domain::activation_rules::take(&mut attrs));
    }
    client(validation::parse_validate_key(b));
    client(validation::parse_validate(b, "id", false));
    client(shared::service::licensing::subscriptions::parse_expiry(b));
    client(shared::service::licensing::maintenance::parse_extension(b));
    for creating in [true, false] {
        client(shared::service::catalogue::maintenance_policies::parse(b, creating));
    }
    // distribution (issue 9)
    for creating in [true, false] {
        client(distribution::releases::parse(b, creating, 1_704_067_200_000));
        client(distribution::packages::parse(b, creating));
        client(distribution::artifacts::parse(b, creating));
    }
    client(distribution::constraints::parse_attach(b));
    client(entitlements::parse_identifiers(b, "constraints"));
    for kind in [FileKind::License, FileKind::Machine] {
        client(checkout::parse_options(kind, &Query::default(), Some(b)));
    }
    // Trials.
    for creating in [true, false] {
        client(shared::service::licensing::trial_policies::parse(b, creating));
    }
    client(shared::service::licensing::trial_activations::parse(b));
    client(shared::service::licensing::trial_activations::parse_offline(b));
    client(shared::service::licensing::trial_activations::parse_expiry(b));
    // Activation logs: bulk deactivation.
    client(shared::service::licensing::bulk_deactivation::parse(b));
    // Key pools and machine proofs (issue 8).
    for creating in [true, false] {
        client(shared::service::catalogue::keys::parse(b, creating));
        client(shared::service::licensing::machine_proofs::parse_dataset(b, creating));
    }
    client(shared::service::lifecycle::search::parse(b));
    // Features and entitlement sets (issue 10 §3).
    for creating in [true, false] {
        client(shared::service::catalogue::entitlement_sets::parse(b, creating));
        client(shared::service::catalogue::grantees::parse_grantees(b, creating));
        // Environments (issue 8).
        client(shared::service::identity::environments::parse(b, creating));
    }
    // Organizations (issue 10 §7).
    for creating in [true, false] {
        client(shared::service::identity::organizations::parse(b, creating));
    }
    client(shared::api::input::to_one_body(b, "organizations"));
    // Resellers (issue 10 §7).
    for creating in [true, false] {
        client(shared::service::identity::resellers::parse(b, creating));
    }
    client(shared::api::input::to_one_body(b, "resellers"));
    client(shared::service::catalogue::entitlements::parse_identifiers(b, "policies"));
    if let Ok(mut m) = parse_body(b) {
        for creating in [true, false] {
            let _ = PolicyConfig::default().apply(&mut m, creating);
        }
        if let Some(Value::Object(mut attrs)) = m.get("data").and_then(|d| d.get("attributes")).cloned() {
            let _ = PolicyConfig::default().apply(&mut attrs, true);
        }
    }
}

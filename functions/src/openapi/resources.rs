//! The attribute descriptors of every resource type the renderers of `shared::api` produce:
//! `(attribute, JSON type)` per type, the precise schemas of the OpenAPI document. A native test
//! (`openapi_tests.rs`) renders each resource with `shared`'s own renderer and fails when a key
//! is renamed, added or dropped there without the row here, or when a value's type differs.
//! A type without a descriptor (a new resource) is described by the generic resource schema.

/// The JSON type of one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum J {
    /// A string.
    Str,
    /// A string or `null`.
    OptStr,
    /// An integer.
    Int,
    /// An integer or `null`.
    OptInt,
    /// A boolean.
    Bool,
    /// A boolean or `null`.
    OptBool,
    /// A JSON object (metadata, payload structures).
    Obj,
    /// An array of strings.
    Strs,
    /// An ISO-8601 timestamp string.
    Time,
    /// An ISO-8601 timestamp or `null`.
    OptTime,
    /// Any JSON value (an attribute whose shape is the caller's, e.g. a webhook payload).
    Any,
}

/// One resource type: its JSON:API `type` and its attributes. `optional` attributes are rendered
/// only sometimes (a token's clear value right after creation, an activation token's counters).
pub struct Resource {
    /// JSON:API `type`.
    pub ty: &'static str,
    /// Always-rendered attributes.
    pub attributes: &'static [(&'static str, J)],
    /// Attributes rendered only in some responses.
    pub optional: &'static [(&'static str, J)],
}

use J::{Any, Bool, Int, Obj, OptBool, OptInt, OptStr, OptTime, Str, Strs, Time};

const STAMPS: [(&str, J); 2] = [("created", Time), ("updated", Time)];

macro_rules! attrs {
    ($($k:literal: $t:expr),* $(,)?) => { &[$(($k, $t),)* STAMPS[0], STAMPS[1]] };
}

/// A check-out's file: no `created` / `updated` (it is not stored).
const FILE: &[(&str, J)] = &[("certificate", Str), ("algorithm", Str), ("includes", Strs), ("ttl", OptInt), ("expiry", OptTime), ("issued", Time)];

/// Every described resource type.
pub static RESOURCES: &[Resource] = &[
    Resource { ty: "accounts", attributes: attrs!["name": Str, "slug": Str, "apiVersion": Str, "metadata": Obj], optional: &[] },
    Resource {
        ty: "users",
        attributes: attrs!["fullName": OptStr, "firstName": OptStr, "lastName": OptStr, "email": Str, "status": Str, "role": Str, "permissions": Strs, "metadata": Obj],
        optional: &[],
    },
    Resource { ty: "second-factors", attributes: attrs!["enabled": Bool], optional: &[("uri", Str)] },
    Resource {
        ty: "tokens",
        attributes: attrs!["kind": Str, "name": OptStr, "expiry": OptTime, "permissions": Strs],
        optional: &[("token", Str), ("maxActivations", OptInt), ("activations", Int), ("maxDeactivations", OptInt), ("deactivations", Int)],
    },
    Resource {
        ty: "products",
        attributes: attrs!["name": Str, "code": OptStr, "url": OptStr, "distributionStrategy": Str, "platforms": Any, "permissions": Strs, "metadata": Obj],
        optional: &[],
    },
    Resource { ty: "event-logs", attributes: attrs!["event": Str, "metadata": Obj], optional: &[] },
    Resource {
        ty: "policies",
        attributes: attrs![
            "name": Str, "metadata": Obj, "duration": OptInt, "strict": Bool, "floating": Bool, "usePool": Bool, "protected": Bool,
            "encrypted": Bool, "scheme": OptStr, "maxMachines": OptInt, "maxProcesses": OptInt, "maxUsers": OptInt, "maxCores": OptInt,
            "maxMemory": OptInt, "maxDisk": OptInt, "maxUses": OptInt, "machineUniquenessStrategy": Str, "machineMatchingStrategy": Str,
            "componentUniquenessStrategy": Str, "componentMatchingStrategy": Str, "expirationStrategy": Str, "expirationBasis": Str,
            "renewalBasis": Str, "transferStrategy": Str, "authenticationStrategy": Str, "machineLeasingStrategy": Str,
            "processLeasingStrategy": Str, "overageStrategy": Str, "heartbeatCullStrategy": Str, "heartbeatResurrectionStrategy": Str,
            "heartbeatBasis": OptStr, "heartbeatDuration": OptInt, "requireHeartbeat": Bool, "requireProductScope": Bool,
            "requirePolicyScope": Bool, "requireMachineScope": Bool, "requireFingerprintScope": Bool, "requireComponentsScope": Bool,
            "requireUserScope": Bool, "requireChecksumScope": Bool, "requireVersionScope": Bool, "requireCheckIn": Bool,
            "requirePrimaryReads": Bool, "requireEnvironmentScope": Bool, "checkInInterval": OptStr, "checkInIntervalCount": OptInt, "expiringSoonEventOffset": Int,
            "allowedIpRanges": Strs, "allowedCountries": Strs, "disallowedCountries": Strs, "allowVmActivation": Bool,
            "allowContainerActivation": Bool, "allowedClockOffset": Int, "allowedDeactivations": Int, "subscriptionInterval": OptStr,
            "subscriptionStartTrigger": OptStr,
            // Floating-seat leases (issue 10 §4 follow-up, c10).
            "leaseDuration": Int, "allowClientLeaseDuration": Bool,
        ],
        optional: &[],
    },
    Resource {
        ty: "licenses",
        attributes: attrs![
            "name": OptStr, "key": Str, "expiry": OptTime, "maintenanceExpiry": OptTime, "status": Str, "uses": Int, "suspended": Bool,
            "scheme": OptStr, "encrypted": Bool, "strict": Bool, "floating": Bool, "protected": Bool, "version": OptStr,
            "maxMachines": OptInt, "maxProcesses": OptInt, "maxUsers": OptInt, "maxCores": OptInt, "maxMemory": OptInt, "maxDisk": OptInt,
            "maxUses": OptInt, "requireHeartbeat": Bool, "requireCheckIn": Bool, "lastValidated": OptTime, "lastCheckIn": OptTime,
            "nextCheckIn": OptTime, "lastCheckOut": OptTime, "permissions": Strs, "metadata": Obj, "subscriptionInterval": OptStr,
            "subscriptionStartTrigger": OptStr, "currentReleaseVersion": OptStr, "maxAllowedReleaseVersion": OptStr,
            "meterAttributes": Any, "allowedIpRanges": Strs, "allowedCountries": Strs, "disallowedCountries": Strs,
            "allowVmActivation": Bool, "allowContainerActivation": Bool, "allowedClockOffset": Int, "allowedDeactivations": Int,
            "deactivations": Int,
            // Floating-seat leases (issue 10 §4 follow-up, c10).
            "leaseDuration": Int, "allowClientLeaseDuration": Bool,
        ],
        optional: &[],
    },
    Resource {
        ty: "machines",
        attributes: attrs![
            "fingerprint": Str, "cores": OptInt, "memory": OptInt, "disk": OptInt, "ip": OptStr, "hostname": OptStr, "platform": OptStr,
            "name": OptStr, "requireHeartbeat": Bool, "heartbeatStatus": Str, "heartbeatDuration": OptInt, "maxProcesses": OptInt,
            "lastCheckOut": OptTime, "lastHeartbeat": OptTime, "nextHeartbeat": OptTime, "metadata": Obj, "meterAttributes": Any,
            "vmName": OptStr, "container": OptBool,
        ],
        optional: &[],
    },
    Resource {
        ty: "processes",
        attributes: attrs!["pid": Str, "status": Str, "interval": OptInt, "lastHeartbeat": OptTime, "nextHeartbeat": OptTime, "metadata": Obj],
        optional: &[],
    },
    Resource { ty: "components", attributes: attrs!["fingerprint": Str, "name": OptStr, "metadata": Obj], optional: &[] },
    Resource { ty: "entitlements", attributes: attrs!["name": OptStr, "code": Str, "value": Any, "metadata": Obj], optional: &[] },
    Resource {
        ty: "groups",
        attributes: attrs!["name": Str, "maxUsers": OptInt, "maxLicenses": OptInt, "maxMachines": OptInt, "metadata": Obj],
        optional: &[],
    },
    Resource {
        ty: "webhook-endpoints",
        attributes: attrs!["url": Str, "subscriptions": Strs, "signatureAlgorithm": Str, "apiVersion": OptStr, "suspended": Bool],
        optional: &[],
    },
    Resource {
        ty: "webhook-events",
        attributes: attrs![
            "endpoint": Str, "apiVersion": Str, "payload": Str, "event": Str, "status": Str, "lastResponseCode": OptInt,
            "lastResponseBody": OptStr,
        ],
        optional: &[],
    },
    // Key pools (issue 8).
    Resource { ty: "keys", attributes: attrs!["key": Str], optional: &[] },
    // Organizations (issue 10 §7).
    Resource {
        ty: "organizations",
        attributes: attrs!["name": Str, "email": OptStr, "description": OptStr, "address": Obj, "allowedUsers": Int, "metadata": Obj],
        optional: &[],
    },
    // Resellers (issue 10 §7).
    Resource {
        ty: "resellers",
        attributes: attrs![
            "name": Str,
            "email": OptStr,
            "phone": OptStr,
            "description": OptStr,
            "address": Obj,
            "allowedUsers": Int,
            "allowedOrganizations": Int,
            "metadata": Obj
        ],
        optional: &[],
    },
    Resource { ty: "license-files", attributes: FILE, optional: &[] },
    Resource { ty: "machine-files", attributes: FILE, optional: &[] },
];

/// The descriptor of `ty`, if there is one.
pub fn find(ty: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.ty == ty)
}

/// The resource type a relationship or collection segment names: a plural type as is
/// (`machines`), a to-one name by [`TO_ONE`] (`owner` → `users`); `None` when unknown.
pub fn type_of(segment: &str) -> Option<&'static str> {
    RESOURCES.iter().map(|r| r.ty).find(|t| *t == segment).or_else(|| TO_ONE.iter().find(|(n, _)| *n == segment).map(|(_, t)| *t))
}

/// To-one relationship names and the type they hold, as the renderers name them.
pub const TO_ONE: &[(&str, &str)] = &[
    ("account", "accounts"),
    ("product", "products"),
    ("policy", "policies"),
    ("group", "groups"),
    ("owner", "users"),
    ("user", "users"),
    ("license", "licenses"),
    ("machine", "machines"),
    ("webhookEndpoint", "webhook-endpoints"),
    // Organizations (issue 10 §7).
    ("organization", "organizations"),
    // Resellers (issue 10 §7).
    ("reseller", "resellers"),
];

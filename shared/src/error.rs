//! The one error type of the domain, and the table every JSON:API error code comes from.
//!
//! Adding an error means adding a row to [`error_codes!`]. Codes are Keygen's upper-snake codes
//! (`reference/keygen-wire.md` §7.1) so SDKs map them. Attribute validation errors build their
//! code from the attribute, as Keygen does (`DURATION_INVALID`, `NAME_MISSING`, `KEY_TAKEN`).

use std::borrow::Cow;
use std::fmt;

use crate::store::StoreError;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident, $status:expr, $code:expr, $title:expr;)*) => {
        /// Every fixed error code Latchkey answers with: status, code and title in one row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($(#[$doc])* $variant,)* }

        impl Code {
            /// Every code, for tests and docs.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
            /// HTTP status.
            pub fn status(self) -> u16 { match self { $(Code::$variant => $status,)* } }
            /// The JSON:API `code` member.
            pub fn as_str(self) -> &'static str { match self { $(Code::$variant => $code,)* } }
            /// The JSON:API `title` member.
            pub fn title(self) -> &'static str { match self { $(Code::$variant => $title,)* } }
        }
    };
}

error_codes! {
    /// 400: the body is not valid JSON or not a JSON:API document.
    JsonInvalid,            400, "JSON_INVALID",            "Bad request";
    /// 400: a member that the endpoint does not accept.
    ParameterUnpermitted,   400, "PARAMETER_UNPERMITTED",   "Bad request";
    /// 400: a required member is absent.
    ParameterMissing,       400, "PARAMETER_MISSING",       "Bad request";
    /// 400: a member has the wrong JSON type or shape.
    ParameterInvalid,       400, "PARAMETER_INVALID",       "Bad request";
    /// 400: `Keygen-Version` names a version this server does not speak.
    InvalidApiVersion,      400, "INVALID_API_VERSION",     "Bad request";
    /// 400: a malformed `Keygen-Accept-Signature` header.
    SignatureInvalid,       400, "SIGNATURE_INVALID",       "Bad request";
    /// 400: `Keygen-Environment` was sent; environments are not supported (as Keygen CE answers).
    EnvironmentNotSupported, 400, "ENVIRONMENT_NOT_SUPPORTED", "Bad request";
    /// 400: check-out `algorithm` unknown.
    CheckoutAlgorithmInvalid, 400, "CHECKOUT_ALGORITHM_INVALID", "Bad request";
    /// 400: check-out `include` names a relationship that cannot be included.
    CheckoutIncludeInvalid, 400, "CHECKOUT_INCLUDE_INVALID", "Bad request";
    /// 400: check-out `ttl` below 3600 s or not an integer.
    CheckoutTtlInvalid,     400, "CHECKOUT_TTL_INVALID",    "Bad request";
    /// 401: no credentials where they are required.
    TokenMissing,           401, "TOKEN_MISSING",           "Unauthorized";
    /// 401: the token is unknown or revoked.
    TokenInvalid,           401, "TOKEN_INVALID",           "Unauthorized";
    /// 401: the token is not in a format Latchkey issues.
    TokenFormatInvalid,     401, "TOKEN_FORMAT_INVALID",    "Unauthorized";
    /// 401: the token has expired.
    TokenExpired,           401, "TOKEN_EXPIRED",           "Unauthorized";
    /// 401: `License <key>` names no license.
    LicenseInvalid,         401, "LICENSE_INVALID",         "Unauthorized";
    /// 401: Basic credentials without an email.
    EmailRequired,          401, "EMAIL_REQUIRED",          "Unauthorized";
    /// 401: no user with that email.
    EmailInvalid,           401, "EMAIL_INVALID",           "Unauthorized";
    /// 401: Basic credentials without a password.
    PasswordRequired,       401, "PASSWORD_REQUIRED",       "Unauthorized";
    /// 401: wrong password.
    PasswordInvalid,        401, "PASSWORD_INVALID",        "Unauthorized";
    /// 401: the user has no password (cannot log in with one).
    PasswordNotSupported,   401, "PASSWORD_NOT_SUPPORTED",  "Unauthorized";
    /// 401: email/password failure as API ≤1.7 reports it.
    CredentialsInvalid,     401, "CREDENTIALS_INVALID",     "Unauthorized";
    /// 401: the user has an enabled second factor and the request sent no `meta.otp`.
    OtpRequired,            401, "OTP_REQUIRED",            "Unauthorized";
    /// 401: `meta.otp` is not a current, unused code of the user's second factor.
    OtpInvalid,             401, "OTP_INVALID",             "Unauthorized";
    /// 403: the bearer may not do this.
    Forbidden,              403, "FORBIDDEN",               "Access denied";
    /// 403: the user is banned.
    UserBanned,             403, "USER_BANNED",             "Access denied";
    /// 403: the license's owner is banned.
    LicenseBanned,          403, "LICENSE_BANNED",          "Access denied";
    /// 403: the license is suspended.
    LicenseSuspended,       403, "LICENSE_SUSPENDED",       "Access denied";
    /// 403: the license expired under `REVOKE_ACCESS`.
    LicenseExpired,         403, "LICENSE_EXPIRED",         "Access denied";
    /// 403: the policy does not allow license-key authentication.
    LicenseNotAllowed,      403, "LICENSE_NOT_ALLOWED",     "Access denied";
    /// 403: the policy does not allow license-token authentication.
    TokenNotAllowed,        403, "TOKEN_NOT_ALLOWED",       "Access denied";
    /// 404: no such resource in this account (another account's ids answer this too).
    NotFound,               404, "NOT_FOUND",               "Not found";
    /// 405: the route exists but not with this method.
    NotSupported,           405, "NOT_SUPPORTED",           "Not supported";
    /// 409: a client-supplied id is already in use.
    IdConflict,             409, "ID_CONFLICT",             "Conflict";
    /// 413: the body is larger than the endpoint accepts.
    PayloadTooLarge,        413, "PAYLOAD_TOO_LARGE",       "Payload too large";
    /// 415: the body is not JSON.
    ContentTypeInvalid,     415, "CONTENT_TYPE_INVALID",    "Unsupported media type";
    /// 422: the fingerprint is already activated in the uniqueness scope.
    FingerprintTaken,       422, "FINGERPRINT_TAKEN",       "Unprocessable resource";
    /// 422: activating would exceed the license's machine limit.
    MachineLimitExceeded,   422, "MACHINE_LIMIT_EXCEEDED",  "Unprocessable resource";
    /// 422: activating would exceed the core limit.
    MachineCoreLimitExceeded, 422, "MACHINE_CORE_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: activating would exceed the memory limit.
    MachineMemoryLimitExceeded, 422, "MACHINE_MEMORY_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: activating would exceed the disk limit.
    MachineDiskLimitExceeded, 422, "MACHINE_DISK_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: spawning would exceed the process limit.
    MachineProcessLimitExceeded, 422, "MACHINE_PROCESS_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: a component fingerprint is taken in its uniqueness scope.
    ComponentsFingerprintTaken, 422, "COMPONENTS_FINGERPRINT_TAKEN", "Unprocessable resource";
    /// 422: the same component fingerprint twice in one request.
    ComponentsFingerprintConflict, 422, "COMPONENTS_FINGERPRINT_CONFLICT", "Unprocessable resource";
    /// 422: a process with that pid already runs on the machine.
    PidTaken,               422, "PID_TAKEN",               "Unprocessable resource";
    /// 422: the machine's heartbeat is dead and cannot be revived.
    MachineHeartbeatDead,   422, "MACHINE_HEARTBEAT_DEAD",  "Unprocessable resource";
    /// 422: the process's heartbeat is dead and cannot be revived.
    ProcessHeartbeatDead,   422, "PROCESS_HEARTBEAT_DEAD",  "Unprocessable resource";
    /// 422: usage would exceed `maxUses`.
    UsesLimitExceeded,      422, "USES_LIMIT_EXCEEDED",     "Unprocessable resource";
    /// 422: attaching would exceed `maxUsers`.
    UserLimitExceeded,      422, "USER_LIMIT_EXCEEDED",     "Unprocessable resource";
    /// 422: the target policy is not compatible for a transfer.
    PolicyNotCompatible,    422, "POLICY_NOT_COMPATIBLE",   "Unprocessable resource";
    /// 422: the license's policy has no duration, so it cannot be renewed.
    PolicyDurationMissing,  422, "POLICY_DURATION_MISSING", "Unprocessable resource";
    /// 422: a license token has used all of its `maxActivations`.
    ActivationsLimitExceeded, 422, "ACTIVATIONS_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: a license token has used all of its `maxDeactivations`.
    DeactivationsLimitExceeded, 422, "DEACTIVATIONS_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: the group already holds `maxLicenses` licenses.
    GroupLicenseLimitExceeded, 422, "GROUP_LICENSE_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: the group already holds `maxUsers` users.
    GroupUserLimitExceeded, 422, "GROUP_USER_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: the machine's group has no room under its `maxMachines`.
    GroupMachineLimitExceeded, 422, "GROUP_MACHINE_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: Keygen's generic unprocessable entity (check-in not required, detaching what is
    /// not attached), which Keygen renders without a code.
    UnprocessableEntity,    422, "UNPROCESSABLE_ENTITY",    "Unprocessable entity";
    // Meter attributes and activation rules (issue 10 §2, §4; Cryptlex's names).
    /// 422: the increment would take a meter's `totalUses` past its `allowedUses`.
    MeterUsesLimitExceeded, 422, "METER_USES_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: the decrement would take the machine's uses of a meter below zero.
    MeterUsesInvalid,       422, "METER_USES_INVALID",      "Unprocessable resource";
    /// 422: the license has no meter of that name.
    MeterNotFound,          422, "METER_NOT_FOUND",         "Unprocessable resource";
    /// 422: the license already has the most meters it may have.
    MeterAttributesLimitExceeded, 422, "METER_ATTRIBUTES_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: the client's IP address is outside the policy's `allowedIpRanges`.
    IpAddressNotAllowed,    422, "IP_ADDRESS_NOT_ALLOWED",  "Unprocessable resource";
    /// 422: the client's country is not allowed (`allowedCountries` / `disallowedCountries`).
    CountryNotAllowed,      422, "COUNTRY_NOT_ALLOWED",     "Unprocessable resource";
    /// 422: the machine reports a virtual machine and `allowVmActivation` is false.
    VmActivationNotAllowed, 422, "VM_ACTIVATION_NOT_ALLOWED", "Unprocessable resource";
    /// 422: the machine reports a container and `allowContainerActivation` is false.
    ContainerActivationNotAllowed, 422, "CONTAINER_ACTIVATION_NOT_ALLOWED", "Unprocessable resource";
    /// 422: the client's clock differs from the server's by more than `allowedClockOffset`.
    ClockOffsetExceeded,    422, "CLOCK_OFFSET_EXCEEDED",   "Unprocessable resource";
    /// 422: the license has used all of its `allowedDeactivations`.
    DeactivationLimitReached, 422, "DEACTIVATION_LIMIT_REACHED", "Unprocessable resource";
    // Floating-seat leases (issue 10 §4 follow-up, c10; Cryptlex's leaseDuration).
    /// 422: the client asked for a lease duration and `allowClientLeaseDuration` is false.
    LeaseDurationNotAllowed, 422, "LEASE_DURATION_NOT_ALLOWED", "Unprocessable resource";
    /// 422: the client asked for a lease longer than the license's `leaseDuration`.
    LeaseDurationInvalid,   422, "LEASE_DURATION_INVALID",  "Unprocessable resource";
    // end floating-seat leases
    /// 422: the license has no maintenance policy, so maintenance cannot be renewed (issue 10 §5;
    /// replaced POLICY_MAINTENANCE_DURATION_MISSING with the per-policy maintenanceDuration).
    MaintenancePolicyMissing, 422, "MAINTENANCE_POLICY_MISSING", "Unprocessable resource";
    // Trials (Cryptlex's verified trials; the VM and container refusals are shared with §4).
    /// 404: no trial for this product (unknown product or no default trial policy: the same answer).
    TrialNotAvailable,      404, "TRIAL_NOT_AVAILABLE",     "Not found";
    /// 422: the fingerprint has used the trial policy's `allowedActivations`.
    TrialActivationLimitReached, 422, "TRIAL_ACTIVATION_LIMIT_REACHED", "Unprocessable resource";
    /// 422: the trial has expired.
    TrialExpired,           422, "TRIAL_EXPIRED",           "Unprocessable resource";
    /// 409: a concurrent change won (retry the request).
    ConcurrentUpdate,       409, "CONFLICT",                "Conflict";
    /// 422: the entity is in a state that forbids the action.
    StateInvalid,           422, "STATE_INVALID",           "Unprocessable resource";
    /// 429: rate limited.
    TooManyRequests,        429, "TOO_MANY_REQUESTS",       "Too many requests";
    // distribution (issue 9)
    /// 403: an artifact upload or download link whose signature is wrong or has expired.
    LinkInvalid,            403, "LINK_INVALID",            "Access denied";
    /// 416: a `Range` that starts past the end of the artifact.
    RangeNotSatisfiable,    416, "RANGE_NOT_SATISFIABLE",   "Range not satisfiable";
    /// 400: an upgrade `constraint` that is not `[op] MAJOR[.MINOR[.PATCH]][-PRE]`.
    ConstraintInvalid,      400, "CONSTRAINT_INVALID",      "Bad request";
    // end distribution
    /// 500: an internal failure; the cause is logged, never sent.
    Internal,               500, "INTERNAL_ERROR",          "Internal server error";
    /// 503: a binding or secret is missing from the deployment.
    ConfigInvalid,          503, "CONFIG_INVALID",          "Service unavailable";
    // package engines (issue 9)
    /// 406: `Accept` admits no representation the engine serves (PEP 691, OCI manifests).
    NotAcceptable,          406, "NOT_ACCEPTABLE",          "Not acceptable";
    // end package engines
    // Key pools (issue 8).
    /// 422: the policy's key pool has no key left for a new license.
    PolicyPoolEmpty,        422, "POLICY_POOL_EMPTY",       "Unprocessable resource";
    /// 422: a key added to a policy that does not use a pool.
    PolicyNotSupported,     422, "POLICY_NOT_SUPPORTED",    "Unprocessable resource";
    /// 422: a pooled key that is already a license's key or id.
    KeyConflict,            422, "KEY_CONFLICT",            "Unprocessable resource";
    // end key pools
    // Roles and permissions
    /// 422: the change would leave the account without an admin (Keygen's `ADMINS_REQUIRED`).
    AccountAdminsRequired,  422, "ACCOUNT_ADMINS_REQUIRED", "Unprocessable resource";
    // end Roles and permissions
    // key schemes (issue 8)
    /// 422: an `RSA_2048_PKCS1_ENCRYPT` seed longer than 245 bytes.
    KeyByteSizeExceeded,    422, "KEY_BYTE_SIZE_EXCEEDED",  "Unprocessable resource";
    /// 422: an `RSA_2048_JWT_RS256` seed that is not a JSON object of claims.
    KeyJwtClaimsInvalid,    422, "KEY_JWT_CLAIMS_INVALID",  "Unprocessable resource";
    // end key schemes
    // Features and entitlement sets (issue 10 §3).
    /// 422: the entitlement set is a policy's or a license's set; detach it first.
    EntitlementSetInUse,    422, "ENTITLEMENT_SET_IN_USE",  "Unprocessable resource";
    // Environments (issue 8, Keygen EE).
    /// 400: `Keygen-Environment` (or `?environment=`) names no environment of the account.
    EnvironmentInvalid,     400, "ENVIRONMENT_INVALID",     "Bad request";
    /// 422: a relationship names a record of another environment (Keygen's `must be
    /// compatible with <association> environment`).
    EnvironmentNotAllowed,  422, "ENVIRONMENT_NOT_ALLOWED", "Unprocessable resource";
    // end environments
    // Organizations (issue 10 §7).
    /// 422: the organization already holds `allowedUsers` users (or would, after an update).
    OrganizationUserLimitExceeded, 422, "ORGANIZATION_USER_LIMIT_EXCEEDED", "Unprocessable resource";
    // Organization admins (issue 10 §7).
    /// 422: staff users never belong to an organization (moving one in, creating one in it, or
    /// giving a staff role to a member).
    OrganizationStaffNotAllowed, 422, "ORGANIZATION_STAFF_NOT_ALLOWED", "Unprocessable resource";
    // Resellers (issue 10 §7).
    /// 422: the reseller already holds `allowedUsers` customers (or would, after an update).
    ResellerUserLimitExceeded, 422, "RESELLER_USER_LIMIT_EXCEEDED", "Unprocessable resource";
    /// 422: the reseller already holds `allowedOrganizations` organizations (or would, after an update).
    ResellerOrganizationLimitExceeded, 422, "RESELLER_ORGANIZATION_LIMIT_EXCEEDED", "Unprocessable resource";
}

/// Where in the request an error points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A JSON pointer into the body, e.g. `/data/attributes/fingerprint`.
    Pointer(String),
    /// A query parameter.
    Parameter(String),
    /// A request header.
    Header(String),
}

/// What an attribute validation failure is, which decides the code suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrFault {
    /// `_INVALID` (422): out of range or malformed.
    Invalid,
    /// `_MISSING` (422): blank.
    Missing,
    /// `_NOT_ALLOWED` (422): not one of the allowed values.
    NotAllowed,
    /// `_TAKEN` (422): must be unique.
    Taken,
    /// `_NOT_FOUND` (422 for relationships): the related resource does not exist.
    NotFound,
}

/// A failure with everything needed to render one JSON:API error object. Boxed so `Result`s
/// on the request path stay one pointer wide; fields read through `Deref`.
#[derive(Debug)]
pub struct Error(Box<ErrorInner>);

/// The contents of an [`Error`].
#[derive(Debug)]
pub struct ErrorInner {
    /// HTTP status.
    pub status: u16,
    /// JSON:API `title`.
    pub title: &'static str,
    /// JSON:API `code`.
    pub code: Cow<'static, str>,
    /// Human-readable detail. For 5xx this is generic; the cause goes in `cause`.
    pub detail: String,
    /// What in the request is at fault.
    pub source: Option<Source>,
    /// Internal cause, logged with the request id and never rendered.
    pub cause: Option<String>,
}

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of a fixed code.
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self(Box::new(ErrorInner {
            status: code.status(),
            title: code.title(),
            code: Cow::Borrowed(code.as_str()),
            detail: detail.into(),
            source: None,
            cause: None,
        }))
    }

    /// Points the error at a body member.
    pub fn pointer(mut self, p: impl Into<String>) -> Self {
        self.source = Some(Source::Pointer(p.into()));
        self
    }

    /// Points the error at a query parameter.
    pub fn parameter(mut self, p: impl Into<String>) -> Self {
        self.source = Some(Source::Parameter(p.into()));
        self
    }

    /// Points the error at a header.
    pub fn header(mut self, h: impl Into<String>) -> Self {
        self.source = Some(Source::Header(h.into()));
        self
    }

    /// A 422 on one attribute, coded like Keygen's model validations: `<ATTR>_<FAULT>` with
    /// the attribute in upper snake case, pointing at `/data/attributes/<attr>` (or at
    /// `/data/relationships/<rel>` for `NotFound`).
    pub fn attribute(attr: &str, fault: AttrFault, detail: impl Into<String>) -> Self {
        let suffix = match fault {
            AttrFault::Invalid => "INVALID",
            AttrFault::Missing => "MISSING",
            AttrFault::NotAllowed => "NOT_ALLOWED",
            AttrFault::Taken => "TAKEN",
            AttrFault::NotFound => "NOT_FOUND",
        };
        let pointer = match fault {
            AttrFault::NotFound => format!("/data/relationships/{attr}"),
            _ => format!("/data/attributes/{attr}"),
        };
        Self(Box::new(ErrorInner {
            status: 422,
            title: "Unprocessable resource",
            code: Cow::Owned(format!("{}_{suffix}", upper_snake(attr))),
            detail: detail.into(),
            source: Some(Source::Pointer(pointer)),
            cause: None,
        }))
    }

    /// 404 for a resource of `kind` (`license`, `machine`, …) looked up by `id`.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(Code::NotFound, format!("The requested {kind} '{id}' was not found"))
    }

    /// 403 with Keygen's generic authorization detail.
    pub fn forbidden() -> Self {
        Self::new(Code::Forbidden, "You do not have permission to complete the request (ensure the token or license is allowed to access this resource)")
    }

    /// 500 whose cause is kept for the log only.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(Code::Internal, "An unexpected error occurred");
        e.cause = Some(cause.to_string());
        e
    }

    /// True when the error is of fixed code `code`.
    pub fn is(&self, code: Code) -> bool {
        self.code == code.as_str()
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorInner;
    fn deref(&self) -> &ErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInner {
        &mut self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.detail)?;
        if let Some(c) = &self.cause {
            write!(f, " ({c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Self::internal(e)
    }
}

/// `maxMachines` → `MAX_MACHINES`, `heartbeat_duration` → `HEARTBEAT_DURATION`.
pub fn upper_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        if c == '-' || c == '.' || c == '/' {
            out.push('_');
        } else {
            out.push(c.to_ascii_uppercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_errors_are_coded_like_keygen() {
        let e = Error::attribute("maxMachines", AttrFault::Invalid, "must be greater than or equal to 1");
        assert_eq!(e.code, "MAX_MACHINES_INVALID");
        assert_eq!(e.status, 422);
        assert_eq!(e.source, Some(Source::Pointer("/data/attributes/maxMachines".into())));
        let e = Error::attribute("policy", AttrFault::NotFound, "must exist");
        assert_eq!(e.code, "POLICY_NOT_FOUND");
        assert_eq!(e.source, Some(Source::Pointer("/data/relationships/policy".into())));
    }

    #[test]
    fn every_code_is_upper_snake_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(c.as_str().bytes().all(|b| b.is_ascii_uppercase() || b == b'_'), "{}", c.as_str());
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!((400..600).contains(&c.status()));
        }
    }

    #[test]
    fn internal_errors_keep_the_cause_out_of_the_detail() {
        let e = Error::internal("D1_ERROR: no such table: licenses");
        assert_eq!(e.status, 500);
        assert!(!e.detail.contains("D1"));
        assert!(e.cause.as_deref().unwrap().contains("no such table"));
    }
}

//! The license validation engine: Keygen's `LicenseValidationService#validate!` as one pure
//! function (`reference/keygen-wire.md` §2.2). The caller loads a [`ValidationInput`] in one
//! query batch, parses `meta.scope` into a [`Scope`], and renders the [`Outcome`] as
//! `meta.valid`, `meta.detail` and `meta.code`.
//!
//! Rules are checked in the table's order and the first that matches wins. Latchkey has no
//! environments and no releases yet, so an environment scope other than `null` never matches,
//! and a checksum or version scope never matches an accessible artifact or release.
//!
//! The engine is split by what it holds: [`ValidationCode`] and [`Outcome`] (`outcome`), the
//! facts it reads (`facts`), the request's [`Scope`] (`scope`), and the checks in precedence
//! order: rules 2–5 in [`validate`] here, 6–15 in `scope_checks`, 16–27 in `limit_checks`.

mod facts;
mod limit_checks;
mod outcome;
mod scope;
mod scope_checks;

pub use facts::{LicenseFacts, Limits, MachineFacts, UserRef, ValidationInput};
pub use outcome::{Outcome, ValidationCode, LAG_EXPLAINABLE};
pub use scope::Scope;

use crate::clock::Millis;
use limit_checks::check_limits;
use scope_checks::check_scope;

/// Validates a license, implementing Keygen's precedence table (§2.2, rules 2–27; rule 1 is
/// [`Outcome::not_found`]). `scope` is `meta.scope`; `None` means an empty scope, so the
/// policy's `require*Scope` rules still apply unless `input.quick`.
///
/// `ENVIRONMENT_SCOPE_REQUIRED` follows the policy's `requireEnvironmentScope` (Keygen keeps
/// the column DB-only; a Latchkey attribute here, issue 8).
pub fn validate(input: &ValidationInput, scope: Option<&Scope>, now: Millis) -> Outcome {
    use ValidationCode as C;
    let (license, policy) = (&input.license, &input.policy);
    let expired = license.expiry.is_some_and(|e| e < now);

    // 2–5: standing of the license itself.
    if license.owner_banned {
        return Outcome::new(false, "is banned", C::Banned);
    }
    if license.suspended {
        return Outcome::new(false, "is suspended", C::Suspended);
    }
    if expired && policy.expiration_strategy == super::strategy::ExpirationStrategy::RevokeAccess {
        return Outcome::new(false, "is expired", C::Expired);
    }
    if policy.next_check_in_at(license.created_at, license.last_check_in_at).is_some_and(|due| due < now) {
        return Outcome::new(false, "is overdue for check in", C::Overdue);
    }

    // 6–15: the scope block, skipped for quick validation.
    let empty = Scope::default();
    let scope = if input.quick { None } else { Some(scope.unwrap_or(&empty)) };
    if let Some(scope) = scope {
        if let Some(outcome) = check_scope(input, scope, now) {
            return outcome;
        }
    }

    // 16–27: limits.
    check_limits(input, scope, expired).unwrap_or_else(|| {
        if expired {
            Outcome::new(policy.expiration_strategy.expired_is_valid(), "is expired", C::Expired)
        } else {
            Outcome::new(true, "is valid", C::Valid)
        }
    })
}

#[cfg(test)]
mod tests;

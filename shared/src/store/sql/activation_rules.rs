//! Activation rules (issue 10 §4): a license's overrides and its deactivation count. The
//! `allowedDeactivations` guard itself is part of `machines::DELETE` (one statement).

/// Sets license ?2's activation-rule overrides to ?3 (JSON; NULL: the policy's), at ?4.
pub const SET_LICENSE_RULES: &str = "UPDATE licenses SET activation_rules = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2";

/// Counts one deactivation against license ?2, only if the statement right before it in the
/// batch (the `machine.deleted` event, written only when the guarded delete happened) changed
/// a row: a refused or concurrent second deactivation is never counted.
pub const COUNT_DEACTIVATION: &str = "UPDATE licenses SET deactivations = deactivations + 1 WHERE account_id = ?1 AND id = ?2 AND changes() > 0";

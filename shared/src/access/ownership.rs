//! [`Ownership`]: where the target resource stands relative to the bearer, the input that
//! turns a row of the access table into Allow, 403 or 404 ([`super::decide`]).

/// The target resource relative to the bearer, computed by the service that loaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The bearer's own (its product's, its license, a license it owns or is licensed to, itself).
    Own,
    /// The bearer's own, but locked for users: a protected license (or policy), or for
    /// check-out a suspended license or one expired under `REVOKE_ACCESS`.
    OwnLocked,
    /// Someone else's.
    Foreign,
    /// No single target (a list, scoped to what the bearer may see, or a create).
    None,
}

impl Ownership {
    /// `Own` or `Foreign`.
    pub fn of(own: bool) -> Self {
        if own {
            Ownership::Own
        } else {
            Ownership::Foreign
        }
    }
    /// `Own`, `OwnLocked` or `Foreign`.
    pub fn locked_if(own: bool, locked: bool) -> Self {
        match (own, locked) {
            (false, _) => Ownership::Foreign,
            (true, false) => Ownership::Own,
            (true, true) => Ownership::OwnLocked,
        }
    }
}

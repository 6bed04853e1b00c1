//! Endpoints of Identity: accounts, authentication, tokens, users and profiles. Every capability may use it.
pub mod accounts;
// Environments (issue 8).
pub mod environments;
// Organizations (issue 10 §7).
pub mod organizations;
pub mod passwords;
pub mod profiles;
// Resellers (issue 10 §7).
pub mod resellers;
pub mod second_factors;
pub mod tokens;
pub mod users;

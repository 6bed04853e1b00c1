//! Identity: accounts, authentication, tokens, users and profiles. Every capability may use it.
pub mod account_keys;
pub mod accounts;
pub mod auth;
// Environments (issue 8).
pub mod environment_admins;
pub mod environment_compat;
pub mod environment_leftovers;
pub mod environments;
// Organizations (issue 10 §7).
pub mod organizations;
pub mod passwords;
pub mod profiles;
// Resellers (issue 10 §7).
pub mod reseller_members;
pub mod resellers;
pub mod second_factors;
pub mod tokens;
pub mod user_lists;
pub mod users;

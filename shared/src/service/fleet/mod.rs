//! Fleet: machines, components, processes, heartbeats and their KV leases.
pub mod components;
pub mod heartbeats;
pub mod leases;
pub mod machines;
pub mod processes;

use serde_json::Value;

use crate::access::Action;
use crate::api::query::Query;
use crate::service::{Caller, ListScope};

/// The filters a machine's parts' lists (`GET /components`, `GET /processes`) share, as their
/// statements' ?1–?10: the account, Keygen's `machine`, `license`, `product` and `user` (id; an
/// email goes to ?10) scopes within the caller's reach, the license bearer's own license, the
/// organization and reseller admins' scopes, and `owner` (the machine's owner).
///
/// # Errors
/// 401/403 from the access table.
pub fn part_list_filters(caller: &Caller, q: &Query) -> crate::Result<Vec<Value>> {
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let ListScope { license: only, product, mut user, organization, reseller } = caller.list_scope(Action::MachineRead, q)?;
    // A bearer's own scope is always an id: an email is the query's `user`, matched by email.
    let email = match user.as_str() {
        Some(u) if u.contains('@') => std::mem::take(&mut user),
        _ => Value::Null,
    };
    // Organizations and resellers (issue 10 §7): an organization admin's machines, a reseller
    // admin's, as the machine list scopes them.
    Ok(vec![caller.account_id().into(), get("machine"), get("license"), product, user, only, organization, reseller, get("owner"), email])
}

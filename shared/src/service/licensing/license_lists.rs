//! Licenses' list, `GET /licenses` (and its export), with Keygen's scopes
//! (`licenses_controller.rb`'s `has_scope`): `product`, `policy`, `user` and `owner` (id or
//! email), `machine`, `group`, `status`, `metadata[key]`, `suspended`, `expiring`,
//! `expired` (a flag, or `expired[within|in|before|after|on]`), `expires[within|in|before|
//! after|on]`, `activity[inside|outside|before|after]`, `assigned`, `unassigned`, `activated`,
//! `activations[eq|gt|gte|lt|lte]`, and the query operators. Each is parsed once here into a
//! bound parameter of `sql::licenses::LIST`; a bad value is a 400 naming it (Keygen answers an
//! empty list instead).

use serde_json::Value;

use crate::access::Action;
use crate::api::filters::{self, keygen_day, keygen_duration, keygen_time};
use crate::api::query::{Page, Query};
use crate::clock::Millis;
use crate::domain::license::LicenseStatus;
use crate::error::{Code, Error};
use crate::service::{fetch_page, App, Caller, ListScope};
use crate::store::rows::LicenseRow;
use crate::store::{opt, sql, Db, Kv};
use crate::Result;

const DURATION: &str = "must be a number of seconds or an ISO-8601 duration (P90D, PT12H; also 3d, 2w, 1h)";
const TIME: &str = "must be an ISO-8601 time or a Unix time in seconds";
const DAY: &str = "must be an ISO-8601 date";

/// Lists the licenses the caller may see, with the filters of [`list_filters`].
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<LicenseRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let f = list_filters(caller, q, app.now())?;
    fetch_page(app.db, sql::licenses::LIST, sql::licenses::COUNT, f, page).await
}

/// The filters of [`list`] (and its export) as the statement's parameters ?1–?29.
///
/// # Errors
/// 401/403 from the access table; 400 `PARAMETER_INVALID` naming a bad filter.
pub fn list_filters(caller: &Caller, q: &Query, now: Millis) -> Result<Vec<Value>> {
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let ListScope { license: only, product, mut user, organization, reseller } = caller.list_scope(Action::LicenseRead, q)?;
    // Keygen's `for_user` takes an id or an email: a bearer's own scope is always an id, so an
    // email here is the query's and is matched by email (?28) instead.
    let user_email = match user.as_str() {
        Some(u) if u.contains('@') => std::mem::take(&mut user),
        _ => Value::Null,
    };
    let status = match q.get("status") {
        None => Value::Null,
        Some(s) if s.parse::<LicenseStatus>().is_ok() => s.into(),
        Some(_) => return Err(Error::new(Code::ParameterInvalid, "must be one of ACTIVE, INACTIVE, EXPIRING, EXPIRED, SUSPENDED, BANNED").parameter("status")),
    };
    let (expires_lo, expires_hi) = expires(q, now)?;
    let (expired_lo, expired_hi) = expired(q, now)?;
    let (active_since, inactive_before) = activity(q, now)?;
    let (activations_op, activations_n) = activations(q)?;
    let assigned = match (q.flag("assigned")?, q.flag("unassigned")?) {
        (Some(a), Some(u)) if a == u => Some(-1),
        (Some(a), _) => Some(i64::from(a)),
        (None, Some(u)) => Some(i64::from(!u)),
        (None, None) => None,
    };
    let f = vec![
        caller.account_id().into(),
        only,
        product,
        get("policy"),
        user,
        opt(q.flag("suspended")?.map(i64::from)),
        opt(q.flag("expired")?.map(i64::from)),
        status,
        now.into(),
        opt(expires_hi),
        opt(expires_lo),
        crate::service::metadata_param(q)?,
        get("owner"),
        get("group"),
        // Query operators.
        filters::time_operators(q, &["created", "updated", "expiry", "lastValidated"])?,
        filters::in_list(q, "status", &LicenseStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())?,
        // organization admins (issue 10 §7)
        organization,
        // Keygen's further scopes (issue 8): `sql::licenses::license_scopes!`.
        get("machine"),
        opt(active_since),
        opt(inactive_before),
        opt(activations_op),
        opt(activations_n),
        opt(assigned),
        opt(q.flag("activated")?.map(i64::from)),
        opt(q.flag("expiring")?.map(i64::from)),
        opt(expired_lo),
        opt(expired_hi),
        user_email,
        // Resellers (issue 10 §7).
        reseller,
    ];
    Ok(f)
}

/// Narrows `bound` to `v`: the larger of the two for a lower bound (`lower`), else the smaller.
fn narrow(bound: &mut Option<Millis>, v: Millis, lower: bool) {
    *bound = Some(bound.map_or(v, |b| if lower { b.max(v) } else { b.min(v) }));
}

/// `expires[within|in|before|after|on]` as inclusive (low, high) bounds on the expiry. As
/// Keygen's `expires` scope: `within`/`in`, `before` and `after` only match licenses that have
/// not expired yet (expiry ≥ now), `on` the expiries of that UTC day. Several narrow together.
fn expires(q: &Query, now: Millis) -> Result<(Option<Millis>, Option<Millis>)> {
    let (mut lo, mut hi) = (None, None);
    for k in ["expires[within]", "expires[in]"] {
        if let Some(d) = filters::read(q, k, keygen_duration, DURATION)? {
            narrow(&mut lo, now, true);
            narrow(&mut hi, now.saturating_add(d), false);
        }
    }
    if let Some(t) = filters::read(q, "expires[before]", keygen_time, TIME)? {
        narrow(&mut lo, now, true);
        narrow(&mut hi, t, false);
    }
    if let Some(t) = filters::read(q, "expires[after]", keygen_time, TIME)? {
        narrow(&mut lo, now.max(t), true);
    }
    if let Some((start, end)) = filters::read(q, "expires[on]", keygen_day, DAY)? {
        narrow(&mut lo, start, true);
        narrow(&mut hi, end, false);
    }
    Ok((lo, hi))
}

/// `expired[within|in|before|after|on]` (Keygen's `expired` scope with a hash) as inclusive
/// (low, high) bounds on the expiry of licenses that have expired: within the last duration,
/// at or before / at or after a time, on a UTC day. `expired=true|false` is the plain flag.
fn expired(q: &Query, now: Millis) -> Result<(Option<Millis>, Option<Millis>)> {
    let (mut lo, mut hi) = (None, None);
    for k in ["expired[within]", "expired[in]"] {
        if let Some(d) = filters::read(q, k, keygen_duration, DURATION)? {
            narrow(&mut lo, now.saturating_sub(d), true);
        }
    }
    if let Some(t) = filters::read(q, "expired[before]", keygen_time, TIME)? {
        narrow(&mut hi, t, false);
    }
    if let Some(t) = filters::read(q, "expired[after]", keygen_time, TIME)? {
        narrow(&mut lo, t, true);
    }
    if let Some((start, end)) = filters::read(q, "expired[on]", keygen_day, DAY)? {
        narrow(&mut lo, start, true);
        narrow(&mut hi, end, false);
    }
    Ok((lo, hi))
}

/// `activity[inside|outside|before|after]` (Keygen's `activity` scope; the first given of
/// the four, in that order, applies, and every given one must parse): (active since, inactive
/// before). `inside` = active within the last duration, `outside` = inactive for it,
/// `before` = inactive since a time, `after` = active since it.
fn activity(q: &Query, now: Millis) -> Result<(Option<Millis>, Option<Millis>)> {
    let inside = filters::read(q, "activity[inside]", keygen_duration, DURATION)?;
    let outside = filters::read(q, "activity[outside]", keygen_duration, DURATION)?;
    let before = filters::read(q, "activity[before]", keygen_time, TIME)?;
    let after = filters::read(q, "activity[after]", keygen_time, TIME)?;
    Ok(match (inside, outside, before, after) {
        (Some(d), ..) => (Some(now.saturating_sub(d)), None),
        (None, Some(d), ..) => (None, Some(now.saturating_sub(d))),
        (None, None, Some(t), _) => (None, Some(t)),
        (None, None, None, Some(t)) => (Some(t), None),
        _ => (None, None),
    })
}

/// `activations[eq|gt|gte|lt|lte]` (Keygen's `activations` scope on the machine count; the
/// first given, in that order, applies, and every given one must be an integer).
fn activations(q: &Query) -> Result<(Option<&'static str>, Option<i64>)> {
    let mut found = None;
    for op in ["eq", "gt", "gte", "lt", "lte"] {
        let name = format!("activations[{op}]");
        if let Some(n) = filters::read(q, &name, |v| v.parse::<i64>().ok(), "must be an integer")? {
            found = found.or(Some((op, n)));
        }
    }
    Ok(found.map_or((None, None), |(op, n)| (Some(op), Some(n))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_bounds_narrow_as_keygens_scopes_read() {
        let now = 1_000_000_000_000;
        let q = Query::parse("expires[within]=P2D&expires[before]=1000100000");
        assert_eq!(expires(&q, now).unwrap(), (Some(now), Some(1_000_100_000_000)));
        assert_eq!(expires(&Query::parse("expires[after]=1"), now).unwrap(), (Some(now), None));
        assert_eq!(expired(&Query::parse("expired[within]=60"), now).unwrap(), (Some(now - 60_000), None));
        assert_eq!(activity(&Query::parse("activity[outside]=P1D&activity[after]=5"), now).unwrap(), (None, Some(now - 86_400_000)));
        assert_eq!(activations(&Query::parse("activations[lt]=3&activations[gt]=1")).unwrap(), (Some("gt"), Some(1)));
        for (bad, param) in [("expires[on]=soon", "expires[on]"), ("activity[inside]=often", "activity[inside]"), ("activations[eq]=1.5", "activations[eq]")] {
            let q = Query::parse(bad);
            let e = expires(&q, now).and(expired(&q, now)).and(activity(&q, now)).and(activations(&q).map(|_| (None::<Millis>, None::<Millis>))).unwrap_err();
            assert_eq!((e.status, format!("{:?}", e.source)), (400, format!("Some(Parameter({param:?}))")), "{bad}");
        }
    }
}

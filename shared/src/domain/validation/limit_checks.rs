//! Rules 16–27 of the precedence table: users, machines, cores, memory, disk and processes
//! against the license's effective limits, and the non-strict stop.

use super::facts::{MachineFacts, ValidationInput};
use super::outcome::{Outcome, ValidationCode};
use super::scope::Scope;
use crate::domain::strategy::{MachineLeasingStrategy, ProcessLeasingStrategy};

/// Whose machines count under `PER_USER` leasing: the scoped user (by alias) when the scope
/// names one, else the license owner (machines without an owner when there is none).
enum Lessee<'a> {
    Alias(&'a str),
    Owner(Option<&'a str>),
}

impl Lessee<'_> {
    fn holds(&self, m: &MachineFacts) -> bool {
        match self {
            Lessee::Alias(a) => m.owned_by_alias(a),
            Lessee::Owner(id) => m.owner_id.as_deref() == *id,
        }
    }
}

/// Rules 16–25 (and the non-strict stop of rule 17). `None` when no limit is exceeded.
pub(super) fn check_limits(input: &ValidationInput, scope: Option<&Scope>, expired: bool) -> Option<Outcome> {
    use ValidationCode as C;
    let (license, policy, machines) = (&input.license, &input.policy, &input.machines);
    let limits = license.limits;
    let over =
        |count: i64, limit: i64, node_locked: bool, detail: &str, code| Some(Outcome::new(policy.overage_allows(count, limit, node_locked), detail, code));

    // 16
    if let Some(max) = limits.max_users {
        if license.users_count > max {
            return over(license.users_count, max, false, "has too many associated users", C::TooManyUsers);
        }
    }

    // 17: non-strict policies stop here.
    if !policy.strict {
        return Some(if expired {
            Outcome::new(policy.expiration_strategy.expired_is_valid(), "is expired", C::Expired)
        } else {
            Outcome::new(true, "is valid", C::Valid)
        });
    }

    let lessee = match scope.and_then(|s| s.user.as_ref()) {
        Some(Some(alias)) => Lessee::Alias(alias),
        _ => Lessee::Owner(license.owner.as_ref().map(|o| o.id.as_str())),
    };
    let per_user = policy.machine_leasing_strategy == MachineLeasingStrategy::PerUser;
    let leased: Vec<&MachineFacts> = machines.iter().filter(|m| !per_user || lessee.holds(m)).collect();
    let count = i64::try_from(leased.len()).unwrap_or(i64::MAX);

    // 18–21
    if policy.node_locked() {
        if machines.is_empty() {
            return Some(Outcome::new(false, "must have exactly 1 associated machine", C::NoMachine));
        }
        if let Some(max) = limits.max_machines {
            if count > max {
                return over(count, max, true, "has too many associated machines", C::TooManyMachines);
            }
        }
    } else {
        if machines.is_empty() {
            return Some(Outcome::new(false, "must have at least 1 associated machine", C::NoMachines));
        }
        if let Some(max) = limits.max_machines {
            if count > max {
                return over(count, max, false, "has too many associated machines", C::TooManyMachines);
            }
        }
    }

    // 22–24
    let sum = |f: fn(&MachineFacts) -> Option<i64>| leased.iter().filter_map(|m| f(m)).fold(0i64, i64::saturating_add);
    let resources: [(Option<i64>, i64, &str, ValidationCode); 3] = [
        (limits.max_cores, sum(|m| m.cores), "has too many associated machine cores", C::TooManyCores),
        (limits.max_memory, sum(|m| m.memory), "has too much associated machine memory", C::TooMuchMemory),
        (limits.max_disk, sum(|m| m.disk), "has too much associated machine disk", C::TooMuchDisk),
    ];
    for (limit, total, detail, code) in resources {
        if let Some(max) = limit {
            if total > max {
                return over(total, max, false, detail, code);
            }
        }
    }

    // 25
    let processes = match policy.process_leasing_strategy {
        ProcessLeasingStrategy::PerMachine => {
            scope.and_then(|s| scoped_machine(machines, s)).and_then(|m| m.max_processes.or(limits.max_processes).map(|max| (m.alive_processes, max)))
        }
        ProcessLeasingStrategy::PerLicense => limits.max_processes.map(|max| (machines.iter().map(|m| m.alive_processes).sum(), max)),
        ProcessLeasingStrategy::PerUser => limits.max_processes.map(|max| (machines.iter().filter(|m| lessee.holds(m)).map(|m| m.alive_processes).sum(), max)),
    };
    if let Some((count, max)) = processes {
        if count > max {
            return over(count, max, false, "has too many associated processes", C::TooManyProcesses);
        }
    }
    None
}

/// The machine a `PER_MACHINE` process limit applies to: the scoped machine, else the first
/// machine matching the scoped fingerprint(s).
fn scoped_machine<'a>(machines: &'a [MachineFacts], scope: &Scope) -> Option<&'a MachineFacts> {
    if let Some(id) = &scope.machine {
        return machines.iter().find(|m| m.id == *id);
    }
    let given = scope.fingerprint.as_ref().map(std::slice::from_ref).or(scope.fingerprints.as_deref())?;
    machines.iter().find(|m| given.contains(&m.fingerprint))
}

//! Native integration tests: use cases on a fresh SQLite database with the real migrations.

mod access;
mod accounts;
mod activation_logs;
mod activation_rules;
mod auth;
mod conflicts;
mod distribution;
mod engines;
// Features and entitlement sets (issue 10 §3).
mod entitlement_sets;
// entitlementSet on POST (issue 10 §3, c10).
mod entitlement_sets_on_create;
mod entitlements;
// Environments (issue 8).
mod environments;
// Exports.
mod exports;
// Signed exports in bounded parts (issue 10 follow-up, c10).
mod export_parts;
mod features;
// Keygen's list scopes of components, processes and event logs; process updates (issue 8).
mod fleet_lists;
mod identity_security;
mod imports;
mod input;
// Key pools and machine proofs (issue 8).
mod key_pools;
// Group owners and per-child reads (issue 8).
mod group_owners;
mod layering;
mod lazy_expiry;
// Keygen's further license scopes (issue 8).
mod license_scopes;
// Floating-seat leases (issue 10 §4 follow-up, c10).
mod leases;
mod licenses;
mod lifecycle;
mod lifecycle_scale;
mod limits;
mod machines;
mod maintenance_policies;
// Computed maxAllowedReleaseVersion (issue 10 follow-up, c10).
mod max_release;
mod meters;
mod no_panic;
mod no_panic_engines;
// List scopes (issue 8): every list filter's parser on arbitrary input.
mod no_panic_lists;
mod no_panic_parsers;
mod no_panic_sqlite;
mod offline;
mod outbox;
mod parity;
mod passwords;
mod product_codes;
// Query operators.
mod query_operators;
mod records;
mod relations;
mod replica;
// Request logs (issue 8).
mod request_logs;
// Key schemes (issue 8).
mod schemes;
// Search terms (issue 8).
mod search_terms;
// Route diff (issue 8).
mod route_diff;
mod second_factors;
mod shared_environments;
mod subscriptions;
mod support;
// Trials.
mod roles;
mod trials;
// Organizations (issue 10 §7).
mod organizations;
// Organization admins (issue 10 §7).
mod organization_admins;
// Organization groups, processes/components and protected licenses (issue 10 §7).
mod organization_groups;
// Resellers (issue 10 §7).
mod resellers;
// A reseller admin's lists, exports and search; the allotment in the license insert (issue 10 §7).
mod reseller_lists;
mod validation;
mod validation_bench;
mod webhook_payloads;
mod webhook_queue;
mod webhooks;
// Keygen's list scopes on users and machines (issue 8).
mod list_scopes;

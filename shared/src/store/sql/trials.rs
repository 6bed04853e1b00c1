//! Trial policies and trial activations (Cryptlex's verified trials).

/// Clears the default flag of product ?2's other trial policies (not ?4) at ?3: run right
/// before a write that makes ?4 the default, in the same batch.
pub const UNSET_DEFAULT: &str =
    "UPDATE trial_policies SET is_default = 0, updated_at = ?3 WHERE account_id = ?1 AND product_id = ?2 AND is_default = 1 AND id <> ?4";

/// Inserts a trial policy: ?1 id, ?2 account, ?3 product, ?4 name, ?5 trial length (days) or
/// NULL, ?6 subscription interval or NULL, ?7 allowed activations, ?8 matching strategy, ?9 VMs,
/// ?10 containers, ?11 user locked, ?12 requested default, ?13 metadata, ?14 now. It becomes the
/// default when asked to, or when the product has none yet. 0 rows when the id is taken.
pub const INSERT_POLICY: &str = "INSERT INTO trial_policies (id, account_id, product_id, name, trial_length, subscription_interval, \
allowed_activations, fingerprint_matching_strategy, allow_vm_activation, allow_container_activation, user_locked, is_default, metadata, \
created_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, \
CASE WHEN ?12 = 1 OR NOT EXISTS (SELECT 1 FROM trial_policies d WHERE d.product_id = ?3 AND d.is_default = 1) THEN 1 ELSE 0 END, \
?13, ?14, ?14 WHERE true ON CONFLICT DO NOTHING";

/// One trial policy.
pub const FIND_POLICY: &str = "SELECT * FROM trial_policies WHERE account_id = ?1 AND id = ?2";

/// Product ?2's default trial policy.
pub const FIND_DEFAULT_POLICY: &str = "SELECT * FROM trial_policies WHERE account_id = ?1 AND product_id = ?2 AND is_default = 1";

/// Trial policies, newest first, optionally of product ?2; ?3 limit, ?4 offset.
pub const LIST_POLICIES: &str = "SELECT * FROM trial_policies WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2) \
ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4";

/// Count for [`LIST_POLICIES`].
pub const COUNT_POLICIES: &str = "SELECT count(*) AS n FROM trial_policies WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2)";

/// Rewrites trial policy ?1 of account ?2 (same parameters as [`INSERT_POLICY`] from ?4; ?12 = 1 makes it the
/// default, 0 keeps its flag) at ?14.
pub const UPDATE_POLICY: &str = "UPDATE trial_policies SET name = ?4, trial_length = ?5, subscription_interval = ?6, allowed_activations = ?7, \
fingerprint_matching_strategy = ?8, allow_vm_activation = ?9, allow_container_activation = ?10, user_locked = ?11, \
is_default = max(is_default, ?12), metadata = ?13, updated_at = ?14 WHERE id = ?1 AND account_id = ?2 AND product_id = ?3";

/// Deletes a trial policy (its trial activations keep their expiry; their policy becomes NULL).
pub const DELETE_POLICY: &str = "DELETE FROM trial_policies WHERE account_id = ?1 AND id = ?2";

/// The existing trial of product ?2 that a request for fingerprint ?3 (components JSON array ?4)
/// is the same machine as: the same fingerprint, at least ?5 shared components (NULL: none
/// count), or (?6 not NULL) the same user of a user-locked trial.
macro_rules! same_trial {
    ($t:literal, $product:literal, $fp:literal, $components:literal, $needed:literal, $user:literal) => {
        concat!(
            $t,
            ".product_id = ",
            $product,
            " AND (",
            $t,
            ".fingerprint = ",
            $fp,
            " OR (",
            $needed,
            " IS NOT NULL AND (SELECT count(DISTINCT c.value) FROM json_each(",
            $t,
            ".components) c WHERE c.value IN (SELECT value FROM json_each(",
            $components,
            "))) >= ",
            $needed,
            ") OR (",
            $user,
            " IS NOT NULL AND ",
            $t,
            ".user_id = ",
            $user,
            "))"
        )
    };
}

/// Inserts a trial activation unless the product already has one for this machine
/// ([`FIND_SAME`]'s rule) — the one guarded statement that makes "one trial per fingerprint per
/// product" hold under concurrency. ?1 id, ?2 account, ?3 product, ?4 trial policy, ?5 user,
/// ?6 fingerprint, ?7 components (JSON array), ?8 os, ?9 os version, ?10 hostname, ?11 VM name,
/// ?12 container, ?13 app version, ?14 ip, ?15 country, ?16 user agent, ?17 offline, ?18 allowed
/// activations, ?19 metadata, ?20 expires at, ?21 now, ?22 components needed to match, ?23 the
/// user when the policy is user-locked. 0 rows: the machine already has its trial.
pub const INSERT_ACTIVATION: &str = concat!(
    "INSERT INTO trial_activations (id, account_id, product_id, trial_policy_id, user_id, fingerprint, components, os, os_version, hostname, \
vm_name, container, app_version, ip, country, user_agent, offline, allowed_activations, activation_count, metadata, expires_at, created_at, \
updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 1, ?19, ?20, ?21, ?21 \
WHERE NOT EXISTS (SELECT 1 FROM trial_activations t WHERE ",
    same_trial!("t", "?3", "?6", "?7", "?22", "?23"),
    ") ON CONFLICT DO NOTHING"
);

/// The trial of product ?2 that is the same machine (see [`INSERT_ACTIVATION`]; ?3 fingerprint,
/// ?4 components, ?5 needed, ?6 locked user), the exact fingerprint first.
pub const FIND_SAME: &str = concat!(
    "SELECT * FROM trial_activations t WHERE t.account_id = ?1 AND ",
    same_trial!("t", "?2", "?3", "?4", "?5", "?6"),
    " ORDER BY t.fingerprint = ?3 DESC, t.created_at LIMIT 1"
);

/// Counts one more activation of trial ?2 at ?3, only while it is below its allowed activations
/// and not expired (0 rows: refused).
pub const REACTIVATE: &str = "UPDATE trial_activations SET activation_count = activation_count + 1, updated_at = ?3 \
WHERE account_id = ?1 AND id = ?2 AND activation_count < allowed_activations AND expires_at > ?3";

/// One trial activation.
pub const FIND_ACTIVATION: &str = "SELECT * FROM trial_activations WHERE account_id = ?1 AND id = ?2";

/// Trial activations, newest first, optionally of product ?2 and fingerprint ?3; ?4 limit,
/// ?5 offset.
pub const LIST_ACTIVATIONS: &str = "SELECT * FROM trial_activations WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2) \
AND (?3 IS NULL OR fingerprint = ?3) ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5";

/// Count for [`LIST_ACTIVATIONS`].
pub const COUNT_ACTIVATIONS: &str = "SELECT count(*) AS n FROM trial_activations WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2) \
AND (?3 IS NULL OR fingerprint = ?3)";

/// Sets trial ?2's expiry to ?3 at ?4 if it still is ?5 (0 rows: changed concurrently); a
/// new expiry re-arms `trial-activation.expired`.
pub const SET_EXPIRY: &str = "UPDATE trial_activations SET expires_at = ?3, updated_at = ?4, \
expired_event_at = CASE WHEN ?3 > ?4 THEN NULL ELSE expired_event_at END WHERE account_id = ?1 AND id = ?2 AND expires_at = ?5";

/// Deletes a trial activation.
pub const DELETE_ACTIVATION: &str = "DELETE FROM trial_activations WHERE account_id = ?1 AND id = ?2";

/// Up to ?2 trials expired by ?1 whose expiry has no `trial-activation.expired` yet, oldest
/// expiry first (the expiry cron).
pub const EXPIRED_UNNOTIFIED: &str = "SELECT id, account_id FROM trial_activations WHERE expires_at <= ?1 AND expired_event_at IS NULL \
ORDER BY expires_at, id LIMIT ?2";

/// Marks the trials of JSON array ?2 as notified of their expiry (only those still expired by
/// ?1 and not yet marked: the count tells whether a concurrent run got there first).
pub const MARK_EXPIRED: &str = "UPDATE trial_activations SET expired_event_at = ?1 WHERE id IN (SELECT value FROM json_each(?2)) \
AND expires_at <= ?1 AND expired_event_at IS NULL";

/// `trial_policies`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TrialPolicyRow {
    pub id: String,
    pub account_id: String,
    pub product_id: String,
    pub name: String,
    pub trial_length: Option<i64>,
    pub subscription_interval: Option<String>,
    pub allowed_activations: i64,
    pub fingerprint_matching_strategy: String,
    pub allow_vm_activation: i64,
    pub allow_container_activation: i64,
    pub user_locked: i64,
    pub is_default: i64,
    pub metadata: String,
    pub created_at: crate::clock::Millis,
    pub updated_at: crate::clock::Millis,
}

/// `trial_activations`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TrialActivationRow {
    pub id: String,
    pub account_id: String,
    pub product_id: String,
    pub trial_policy_id: Option<String>,
    pub user_id: Option<String>,
    pub fingerprint: String,
    pub components: String,
    pub os: Option<String>,
    pub os_version: Option<String>,
    pub hostname: Option<String>,
    pub vm_name: Option<String>,
    pub container: Option<String>,
    pub app_version: Option<String>,
    pub ip: Option<String>,
    pub country: Option<String>,
    pub user_agent: Option<String>,
    pub offline: i64,
    pub allowed_activations: i64,
    pub activation_count: i64,
    pub metadata: String,
    pub expires_at: crate::clock::Millis,
    pub expired_event_at: Option<crate::clock::Millis>,
    pub created_at: crate::clock::Millis,
    pub updated_at: crate::clock::Millis,
}

/// `id, account_id` of the expiry scan.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ExpiredTrialRow {
    pub id: String,
    pub account_id: String,
}

/// Exports: one keyset page of trial activations (filters as [`LIST_ACTIVATIONS`] ?1–?3), oldest
/// first, after (?4 created at, ?5 id) — NULL: from the start; ?6 rows.
pub const PAGE_ACTIVATIONS_AFTER: &str = "SELECT * FROM trial_activations WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2) \
AND (?3 IS NULL OR fingerprint = ?3) AND (?4 IS NULL OR created_at > ?4 OR (created_at = ?4 AND id > ?5)) ORDER BY created_at, id LIMIT ?6";

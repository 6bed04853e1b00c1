//! API tokens (stored as digests only).

use crate::clock::Millis;
use crate::domain::states::{BearerType, TokenKind};
use crate::store::{opt, Stmt};

/// Inserts a token.
pub const INSERT: &str =
    "INSERT INTO tokens (id, account_id, bearer_type, bearer_id, kind, digest, name, expiry, max_activations, max_deactivations, created_at, updated_at, permissions) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)";

/// A token to insert with [`INSERT`] (only its digest is stored).
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub bearer_type: BearerType,
    pub bearer_id: &'a str,
    pub kind: TokenKind,
    pub digest: &'a str,
    pub name: Option<String>,
    pub expiry: Option<Millis>,
    pub max_activations: Option<i64>,
    pub max_deactivations: Option<i64>,
    /// `permissions` as a JSON array (`None`: the wildcard).
    pub permissions: Option<String>,
    pub now: Millis,
}

/// The [`INSERT`] statement for `t`.
pub fn insert(t: NewToken<'_>) -> Stmt {
    Stmt::new(
        INSERT,
        vec![
            t.id.into(),
            t.account_id.into(),
            t.bearer_type.as_str().into(),
            t.bearer_id.into(),
            t.kind.as_str().into(),
            t.digest.into(),
            opt(t.name),
            opt(t.expiry),
            opt(t.max_activations),
            opt(t.max_deactivations),
            t.now.into(),
            opt(t.permissions),
        ],
    )
}

/// The token with this digest in this account.
pub const FIND_BY_DIGEST: &str = "SELECT * FROM tokens WHERE account_id = ?1 AND digest = ?2";

/// Environments (issue 8): a global token (digest ?2, keyed by the account) used inside
/// environment ?1: found only when ?1 is a SHARED environment (Keygen accepts global tokens
/// there, never inside an isolated one).
pub const FIND_GLOBAL_BY_DIGEST: &str = concat!("SELECT * FROM tokens WHERE digest = ?2 AND account_id <> ?1 AND ", visible!("account_id", "?1"));

/// One token by id.
pub const FIND: &str = "SELECT * FROM tokens WHERE account_id = ?1 AND id = ?2";

/// Tokens of one bearer (?2/?3) or all (NULLs), newest first.
pub const LIST: &str = "SELECT * FROM tokens WHERE account_id = ?1 AND (?2 IS NULL OR bearer_type = ?2) AND (?3 IS NULL OR bearer_id = ?3) \
ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5";

/// Count for [`LIST`].
pub const COUNT: &str = "SELECT count(*) AS n FROM tokens WHERE account_id = ?1 AND (?2 IS NULL OR bearer_type = ?2) AND (?3 IS NULL OR bearer_id = ?3)";

/// Regenerates: new digest (and expiry), same id.
pub const REGENERATE: &str = "UPDATE tokens SET digest = ?3, expiry = ?4, updated_at = ?5 WHERE account_id = ?1 AND id = ?2";

/// Revokes.
pub const DELETE: &str = "DELETE FROM tokens WHERE account_id = ?1 AND id = ?2";

/// Deletes every token of a bearer (when the bearer is deleted).
pub const DELETE_FOR_BEARER: &str = "DELETE FROM tokens WHERE account_id = ?1 AND bearer_type = ?2 AND bearer_id = ?3";

/// Revokes the tokens of bearer ?2/?3 except token ?4 (NULL: all of them), only if the statement
/// right before it in the batch changed a row (a password reset or change that took effect).
pub const DELETE_FOR_BEARER_IF_CHANGED: &str =
    "DELETE FROM tokens WHERE account_id = ?1 AND bearer_type = ?2 AND bearer_id = ?3 AND (?4 IS NULL OR id <> ?4) AND changes() > 0";

/// Prunes tokens expired before ?1, at most ?2 at a time (daily cron).
pub const PRUNE_EXPIRED: &str = "DELETE FROM tokens WHERE id IN (SELECT id FROM tokens WHERE expiry IS NOT NULL AND expiry < ?1 LIMIT ?2)";

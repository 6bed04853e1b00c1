//! Accounts.

/// Creates an account unless the slug is taken (0 rows changed then).
pub const INSERT: &str = "INSERT INTO accounts (id, name, slug, public_key, private_key_sealed, metadata, created_at, updated_at, api_version) \
VALUES (?1, ?2, ?3, ?4, ?5, '{}', ?6, ?6, ?7) ON CONFLICT (slug) DO NOTHING";

/// One account by id or slug; an exact id wins.
pub const FIND: &str = "SELECT * FROM accounts WHERE id = ?1 OR slug = ?1 ORDER BY id = ?1 DESC LIMIT 1";

/// The deployment's default account for bare `/v1/…` routes: the first one created.
/// Environments' tenant rows (`parent_id`, migration 0021) are never it.
pub const FIND_DEFAULT: &str = "SELECT * FROM accounts WHERE parent_id IS NULL ORDER BY created_at, id LIMIT 1";

/// The health check's one read: proves the database answers.
pub const HEALTH: &str = "SELECT count(*) AS n FROM accounts";

/// Renames an account (and sets its pinned API version) unless another account holds the slug (0 rows changed then).
pub const UPDATE: &str = "UPDATE accounts SET name = ?2, slug = ?3, metadata = ?4, updated_at = ?5, api_version = ?6 \
WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM accounts WHERE slug = ?3 AND id <> ?1)";

/// Carries account ?1's name ?2, metadata ?3 and pinned API version ?4 (?5 now) to its
/// environments' tenant rows (migration 0021), in the batch right after [`UPDATE`]'s
/// `account.updated` event, which is recorded only when the update changed the account
/// (`changes()` is that insert's).
pub const UPDATE_TENANTS: &str = "UPDATE accounts SET name = ?2, metadata = ?3, api_version = ?4, updated_at = ?5 WHERE parent_id = ?1 AND changes() > 0";

/// Stores a freshly made RSA-2048 pair unless the account already has one (0 rows changed then:
/// a concurrent first use won, and its pair is read back). It is stored in one statement on
/// every row of the account's family, the account and its environments' tenant rows (migration
/// 0021, which copies the account's keys when it makes one) that lack a pair, so an environment
/// always signs with the keys its account publishes, whichever of them needed the pair first.
pub const SET_RSA_KEYS: &str = "UPDATE accounts SET rsa_public_key = ?2, rsa_private_key_sealed = ?3 \
WHERE rsa_private_key_sealed IS NULL AND COALESCE(parent_id, id) = (SELECT COALESCE(parent_id, id) FROM accounts WHERE id = ?1)";

/// Stores a freshly made P-256 pair unless the account already has one, on the account's whole
/// family like [`SET_RSA_KEYS`].
pub const SET_ECDSA_KEYS: &str = "UPDATE accounts SET ecdsa_public_key = ?2, ecdsa_private_key_sealed = ?3 \
WHERE ecdsa_private_key_sealed IS NULL AND COALESCE(parent_id, id) = (SELECT COALESCE(parent_id, id) FROM accounts WHERE id = ?1)";

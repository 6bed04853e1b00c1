//! Releases (`releases`) and their entitlement constraints. Order by `semver_key` for
//! precedence (`domain::semver::Version::sort_key`).

/// The shared WHERE clause of the list and its count.
macro_rules! list_filter {
    () => {
        concat!(
            "FROM releases r WHERE ",
            visible!("r.account_id", "?1"),
            " AND (?2 IS NULL OR r.product_id = ?2) AND (?3 IS NULL OR IFNULL(r.package_id, '') = ?3) \
AND (?4 IS NULL OR r.channel IN (SELECT value FROM json_each(?4))) AND (?5 IS NULL OR r.status = ?5) \
AND (?6 IS NULL OR r.package_id IN (SELECT p.id FROM packages p WHERE ",
            visible!("p.account_id", "?1"),
            " AND p.engine = ?6)) \
AND (?7 IS NULL OR r.product_id IN (SELECT value FROM json_each(?7))) "
        )
    };
}

/// Inserts a release; 0 rows when its version or tag is taken for the product and package.
pub const INSERT: &str = "INSERT INTO releases (id, account_id, product_id, package_id, name, description, version, semver_key, channel, status, tag, \
metadata, backdated_at, published_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15) ON CONFLICT DO NOTHING";

/// One release by id, version or tag (optionally within product ?3 and package ?4, `''` =
/// package-less); an exact id wins, then the oldest (Keygen's `FindByAliasService`).
pub const FIND: &str = concat!(
    "SELECT * FROM releases WHERE ",
    visible_filter!("account_id", "?1"),
    " AND id IN (SELECT ?2 UNION ALL SELECT x.id FROM releases x WHERE ",
    visible!("x.account_id", "?1"),
    " AND x.version = ?2 UNION ALL SELECT x.id FROM releases x WHERE ",
    visible!("x.account_id", "?1"),
    " AND x.tag = ?2) \
AND (?3 IS NULL OR product_id = ?3) AND (?4 IS NULL OR IFNULL(package_id, '') = ?4) ORDER BY id = ?2 DESC, account_id = ?1 DESC, created_at ASC, id ASC LIMIT 1"
);

/// The release of product ?2 and package ?3 (`''` = none) with version ?4 or tag ?5 (for
/// VERSION_TAKEN / TAG_TAKEN after a refused insert or update); excludes release ?6.
pub const FIND_CLASH: &str = "SELECT * FROM releases WHERE account_id = ?1 AND product_id = ?2 AND IFNULL(package_id, '') = ?3 \
AND (version = ?4 OR tag = ?5) AND id <> IFNULL(?6, '') LIMIT 1";

/// Releases, newest first, filtered by product ?2, package ?3 (`''` = package-less), channels
/// (JSON array ?4), status ?5, engine ?6 and products visible to non-privileged callers (JSON
/// array ?7, NULL = every product); ?8 limit, ?9 offset.
pub const LIST: &str = concat!("SELECT r.* ", list_filter!(), "ORDER BY r.created_at DESC, r.id DESC LIMIT ?8 OFFSET ?9");

/// Count for [`LIST`] (its filters, without the page).
pub const COUNT: &str = concat!("SELECT count(*) AS n ", list_filter!());

/// Published releases of product ?2 and package ?3 (`''` = none) in channels ?4 (JSON array)
/// above sort key ?5, highest precedence first, that have an uploaded artifact matching
/// platform ?6, arch ?7 and filetype ?8 when any is given; ?9 limit. Upgrade candidates: the
/// caller's access and the constraint are checked on each, in that order.
pub const UPGRADE_CANDIDATES: &str = concat!(
    "SELECT r.* FROM releases r WHERE ",
    visible!("r.account_id", "?1"),
    " AND r.product_id = ?2 AND IFNULL(r.package_id, '') = ?3 \
AND r.status = 'PUBLISHED' AND r.channel IN (SELECT value FROM json_each(?4)) AND r.semver_key > ?5 \
AND ((?6 IS NULL AND ?7 IS NULL AND ?8 IS NULL) OR EXISTS (SELECT 1 FROM artifacts a WHERE a.release_id = r.id AND a.status = 'UPLOADED' \
AND (?6 IS NULL OR a.platform = ?6) AND (?7 IS NULL OR a.arch = ?7) AND (?8 IS NULL OR a.filetype = ?8))) \
ORDER BY r.semver_key DESC, r.created_at DESC LIMIT ?9"
);

/// Writes name ?3, description ?4, tag ?5, metadata ?6, backdated ?7 at ?8, unless another
/// release of the same product and package has that tag (0 rows).
pub const UPDATE: &str = "UPDATE releases SET name = ?3, description = ?4, tag = ?5, metadata = ?6, backdated_at = ?7, updated_at = ?8 \
WHERE account_id = ?1 AND id = ?2 AND (?5 IS NULL OR NOT EXISTS (SELECT 1 FROM releases o WHERE o.account_id = ?1 AND o.product_id = releases.product_id \
AND IFNULL(o.package_id, '') = IFNULL(releases.package_id, '') AND o.tag = ?5 AND o.id <> ?2))";

/// Moves release ?2 to PUBLISHED at ?3 (idempotent: a published release keeps its date).
pub const PUBLISH: &str = "UPDATE releases SET status = 'PUBLISHED', published_at = IFNULL(published_at, ?3), yanked_at = NULL, updated_at = ?3 \
WHERE account_id = ?1 AND id = ?2 AND status <> 'PUBLISHED'";

/// Moves release ?2 to YANKED at ?3 (idempotent).
pub const YANK: &str = "UPDATE releases SET status = 'YANKED', yanked_at = ?3, updated_at = ?3 WHERE account_id = ?1 AND id = ?2 AND status <> 'YANKED'";

/// Sets the package of release ?2 to ?3 (NULL: none) at ?4, unless the version or tag clashes
/// in the new package (0 rows).
pub const SET_PACKAGE: &str = "UPDATE releases SET package_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND NOT EXISTS (SELECT 1 FROM releases o WHERE o.account_id = ?1 AND o.product_id = releases.product_id AND IFNULL(o.package_id, '') = IFNULL(?3, '') \
AND o.id <> ?2 AND (o.version = releases.version OR o.tag = releases.tag))";

/// Deletes a release (constraints and artifact rows cascade; the objects are deleted first).
pub const DELETE: &str = "DELETE FROM releases WHERE account_id = ?1 AND id = ?2";

/// The channels the releases of the products of JSON array ?2 (NULL: all) use.
pub const CHANNELS: &str = concat!(
    "SELECT channel AS key, min(created_at) AS created_at, max(updated_at) AS updated_at FROM releases WHERE ",
    visible!("account_id", "?1"),
    " AND (?2 IS NULL OR product_id IN (SELECT value FROM json_each(?2))) GROUP BY channel ORDER BY min(created_at), channel"
);

/// Constraint rows of the releases of JSON array ?2.
pub const CONSTRAINTS_OF: &str = concat!(
    "SELECT * FROM release_entitlement_constraints WHERE ",
    visible!("account_id", "?1"),
    " AND release_id IN (SELECT value FROM json_each(?2)) \
ORDER BY created_at, id"
);

/// Constraints of release ?2, oldest first, ?3 limit, ?4 offset.
pub const LIST_CONSTRAINTS: &str = concat!(
    "SELECT * FROM release_entitlement_constraints WHERE ",
    visible!("account_id", "?1"),
    " AND release_id = ?2 ORDER BY created_at, id LIMIT ?3 OFFSET ?4"
);

/// Count for [`LIST_CONSTRAINTS`].
pub const COUNT_CONSTRAINTS: &str =
    concat!("SELECT count(*) AS n FROM release_entitlement_constraints WHERE ", visible!("account_id", "?1"), " AND release_id = ?2");

/// One constraint of release ?2 by id ?3.
pub const FIND_CONSTRAINT: &str =
    concat!("SELECT * FROM release_entitlement_constraints WHERE ", visible!("account_id", "?1"), " AND release_id = ?2 AND id = ?3");

/// Attaches entitlement ?4 to release ?2 as constraint ?3 at ?5, if it is an entitlement of the
/// account (0 rows: unknown entitlement, or already attached).
pub const ATTACH_CONSTRAINT: &str = "INSERT INTO release_entitlement_constraints (id, account_id, release_id, entitlement_id, created_at, updated_at) \
SELECT ?3, ?1, ?2, e.id, ?5, ?5 FROM entitlements e WHERE e.account_id = ?1 AND e.id = ?4 ON CONFLICT DO NOTHING";

/// Detaches constraint ?3 from release ?2.
pub const DETACH_CONSTRAINT: &str = "DELETE FROM release_entitlement_constraints WHERE account_id = ?1 AND release_id = ?2 AND id = ?3";

/// Entitlements constraining release ?2, oldest first, ?3 limit, ?4 offset.
pub const LIST_ENTITLEMENTS: &str = concat!(
    "SELECT e.* FROM entitlements e JOIN release_entitlement_constraints c ON c.entitlement_id = e.id \
WHERE ",
    visible!("c.account_id", "?1"),
    " AND c.release_id = ?2 ORDER BY c.created_at, e.id LIMIT ?3 OFFSET ?4"
);

/// Ids of the account's OPEN products (whose unconstrained releases are public).
pub const OPEN_PRODUCT_IDS: &str = concat!("SELECT id FROM products WHERE ", visible!("account_id", "?1"), " AND distribution_strategy = 'OPEN'");

// API versions (issue 8): what Keygen's 1.0 release and artifact migrations read.
/// Releases in the JSON array ?2 with their product and their latest artifact (newest
/// created, then id; NULL columns when there is none).
pub const LATEST_ARTIFACTS_IN: &str = concat!(
    "SELECT r.id AS release_id, r.product_id, a.id AS artifact_id, a.platform, a.filetype, a.filename, \
a.filesize, a.signature, a.checksum FROM releases r LEFT JOIN artifacts a ON a.id = (SELECT a2.id FROM artifacts a2 WHERE a2.release_id = r.id \
ORDER BY a2.created_at DESC, a2.id DESC LIMIT 1) WHERE ",
    visible!("r.account_id", "?1"),
    " AND r.id IN (SELECT value FROM json_each(?2))"
);
// end API versions

//! Artifacts (`artifacts`): files of releases, stored in R2 under `r2_key`.

/// The shared WHERE clause of the list and its count.
macro_rules! artifact_filter {
    () => {
        concat!(
            "FROM artifacts a JOIN releases r ON r.id = a.release_id WHERE ",
            visible!("a.account_id", "?1"),
            " AND (?2 IS NULL OR a.release_id = ?2) \
AND (?3 IS NULL OR r.product_id = ?3) AND (?4 IS NULL OR a.platform = ?4) AND (?5 IS NULL OR a.arch = ?5) AND (?6 IS NULL OR a.filetype = ?6) \
AND (?7 IS NULL OR a.status = ?7) AND (?8 IS NULL OR r.product_id IN (SELECT value FROM json_each(?8))) "
        )
    };
}

/// Inserts an artifact (status WAITING); 0 rows when the release has that filename.
pub const INSERT: &str = "INSERT INTO artifacts (id, account_id, release_id, filename, filetype, filesize, platform, arch, signature, checksum, status, \
r2_key, metadata, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'WAITING', ?11, ?12, ?13, ?13) ON CONFLICT DO NOTHING";

/// One artifact by id.
pub const FIND: &str = concat!("SELECT * FROM artifacts WHERE ", visible!("account_id", "?1"), " AND id = ?2");

/// Artifacts named ?2 (optionally of release ?3), newest release version first, ?4 limit: the
/// first one the caller may access wins.
pub const FIND_BY_FILENAME: &str = concat!(
    "SELECT a.* FROM artifacts a JOIN releases r ON r.id = a.release_id WHERE ",
    visible!("a.account_id", "?1"),
    " AND a.filename = ?2 AND (?3 IS NULL OR a.release_id = ?3) ORDER BY r.semver_key DESC, a.created_at DESC LIMIT ?4"
);

/// Artifacts, newest first, filtered by release ?2, product ?3, platform ?4, arch ?5, filetype
/// ?6, status ?7 and visible products (JSON array ?8, NULL = all); ?9 limit, ?10 offset.
pub const LIST: &str = concat!("SELECT a.* ", artifact_filter!(), "ORDER BY a.created_at DESC, a.id DESC LIMIT ?9 OFFSET ?10");

/// Count for [`LIST`] (its filters, without the page).
pub const COUNT: &str = concat!("SELECT count(*) AS n ", artifact_filter!());

/// Writes filesize ?3, signature ?4, checksum ?5, metadata ?6 at ?7.
pub const UPDATE: &str = "UPDATE artifacts SET filesize = ?3, signature = ?4, checksum = ?5, metadata = ?6, updated_at = ?7 WHERE account_id = ?1 AND id = ?2";

/// Settles an upload of artifact ?2: status ?3 (UPLOADED or FAILED), filesize ?4 (kept when
/// NULL) at ?5, and — when UPLOADED — the object key ?6 this upload wrote; only while it is
/// WAITING, so of concurrent uploads (each writing its own key) exactly one settles.
pub const SETTLE_UPLOAD: &str = "UPDATE artifacts SET status = ?3, filesize = IFNULL(?4, filesize), updated_at = ?5, \
r2_key = CASE WHEN ?3 = 'UPLOADED' THEN ?6 ELSE r2_key END WHERE account_id = ?1 AND id = ?2 AND status = 'WAITING'";

/// Marks artifact ?2 YANKED at ?3 (idempotent).
pub const YANK: &str = "UPDATE artifacts SET status = 'YANKED', updated_at = ?3 WHERE account_id = ?1 AND id = ?2 AND status <> 'YANKED'";

/// Deletes an artifact row (its object is deleted first).
pub const DELETE: &str = "DELETE FROM artifacts WHERE account_id = ?1 AND id = ?2";

/// The object keys of release ?2's artifacts (deleted before the release).
pub const KEYS_OF_RELEASE: &str = "SELECT id, r2_key FROM artifacts WHERE account_id = ?1 AND release_id = ?2";

/// The platforms the artifacts of the products of JSON array ?2 (NULL: all) use.
pub const PLATFORMS: &str = concat!(
    "SELECT a.platform AS key, min(a.created_at) AS created_at, max(a.updated_at) AS updated_at FROM artifacts a JOIN releases r ON r.id = a.release_id WHERE ",
    visible!("a.account_id", "?1"),
    " AND a.platform IS NOT NULL AND (?2 IS NULL OR r.product_id IN (SELECT value FROM json_each(?2))) GROUP BY a.platform ORDER BY min(a.created_at), a.platform"
);

/// The arches the artifacts of the products of JSON array ?2 (NULL: all) use.
pub const ARCHES: &str = concat!(
    "SELECT a.arch AS key, min(a.created_at) AS created_at, max(a.updated_at) AS updated_at FROM artifacts a JOIN releases r ON r.id = a.release_id WHERE ",
    visible!("a.account_id", "?1"),
    " AND a.arch IS NOT NULL AND (?2 IS NULL OR r.product_id IN (SELECT value FROM json_each(?2))) GROUP BY a.arch ORDER BY min(a.created_at), a.arch"
);

/// The daily cron: deletes up to ?2 artifacts still WAITING that were created before ?1 (their
/// upload link expired long ago; no object was written, since an upload writes its object only
/// once the whole body has arrived).
pub const PRUNE_STALE_WAITING: &str =
    "DELETE FROM artifacts WHERE id IN (SELECT id FROM artifacts WHERE status = 'WAITING' AND created_at < ?1 ORDER BY created_at, id LIMIT ?2)";

//! Package engines (PyPI, npm, OCI): what an engine lists of one package.

/// The PUBLISHED releases of package ?2, highest version first, ?3 at most.
pub const PUBLISHED_OF_PACKAGE: &str = concat!(
    "SELECT * FROM releases WHERE ",
    visible!("account_id", "?1"),
    " AND package_id = ?2 AND status = 'PUBLISHED' ORDER BY semver_key DESC, created_at DESC LIMIT ?3"
);

/// The UPLOADED artifacts of the releases in JSON array ?2, oldest first.
pub const UPLOADED_OF_RELEASES: &str = concat!(
    "SELECT * FROM artifacts WHERE ",
    visible!("account_id", "?1"),
    " AND release_id IN (SELECT value FROM json_each(?2)) AND status = 'UPLOADED' ORDER BY created_at, id"
);

/// The packages of engine ?2 among the visible products (JSON array ?3, NULL = all), by key,
/// ?4 at most.
pub const PACKAGES_OF_ENGINE: &str = concat!(
    "SELECT * FROM packages WHERE ",
    visible!("account_id", "?1"),
    " AND engine = ?2 AND (?3 IS NULL OR product_id IN (SELECT value FROM json_each(?3))) ORDER BY key LIMIT ?4"
);

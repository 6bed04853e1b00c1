//! Reads for offline check-out. Machines are owned by the licensing engine; this is the one
//! read-only lookup a machine file needs.

/// One machine by id or fingerprint.
pub const FIND_MACHINE: &str = "SELECT * FROM machines WHERE account_id = ?1 AND (id = ?2 OR fingerprint = ?2)";

/// Components of machine ?2 (machine-file `include=components`), oldest first.
pub const LIST_COMPONENTS: &str = "SELECT * FROM components WHERE account_id = ?1 AND machine_id = ?2 ORDER BY created_at, id";

//! Meter attributes: `license_meters` (a license's named meters) and `machine_meters` (a
//! machine's uses of one). Every limit holds inside one statement: an increment is ONE guarded
//! `UPDATE` of the license meter, and the machine's share follows it in the same batch only if
//! that statement changed a row (`changes() > 0`). Floating releases run in the batch that
//! deletes machines (deactivation, cull), after the delete, on machines that are gone.

/// Creates meter ?3 on license ?2 of account ?1 (?4 allowed uses, ?5 floating, ?6 visible,
/// ?7 now) while the license has fewer than ?8 meters; a taken name changes nothing
/// (`ON CONFLICT DO NOTHING`): 0 rows = taken or full ([`COUNT`] tells which).
pub const INSERT: &str = "INSERT INTO license_meters (account_id, license_id, name, allowed_uses, floating, visible, created_at, updated_at) \
SELECT ?1, l.id, ?3, ?4, ?5, ?6, ?7, ?7 FROM licenses l WHERE l.account_id = ?1 AND l.id = ?2 \
AND (SELECT count(*) FROM license_meters x WHERE x.license_id = l.id) < ?8 ON CONFLICT DO NOTHING RETURNING name";

/// How many meters license ?2 has, and whether one is named ?3.
pub const COUNT: &str = "SELECT count(*) AS n, coalesce(max(name = ?3), 0) AS taken FROM license_meters WHERE account_id = ?1 AND license_id = ?2";

/// Updates meter ?3 of license ?2: ?4 allowed uses, ?5 floating, ?6 visible (NULL keeps each), ?7 now.
pub const UPDATE: &str = "UPDATE license_meters SET allowed_uses = coalesce(?4, allowed_uses), floating = coalesce(?5, floating), \
visible = coalesce(?6, visible), updated_at = ?7 WHERE account_id = ?1 AND license_id = ?2 AND name = ?3 RETURNING name";

/// Deletes meter ?3 of license ?2 (the machines' uses of it cascade).
pub const DELETE: &str = "DELETE FROM license_meters WHERE account_id = ?1 AND license_id = ?2 AND name = ?3 RETURNING name";

/// Resets meter ?3 of license ?2 to zero uses at ?4 (`grossUses` keeps the lifetime count).
pub const RESET: &str = "UPDATE license_meters SET total_uses = 0, updated_at = ?4 WHERE account_id = ?1 AND license_id = ?2 AND name = ?3 RETURNING name";

/// Zeroes every machine's share of meter ?3 of license ?2 (after [`RESET`] in its batch), ?4 now.
pub const RESET_MACHINES: &str = "UPDATE machine_meters SET uses = 0, updated_at = ?4 WHERE account_id = ?1 AND license_id = ?2 AND name = ?3";

/// THE guard: adds ?4 uses of meter ?3 to the license of machine ?2 at ?5, only while
/// `totalUses + ?4 <= allowedUses` (or `allowedUses = -1`), as `domain::meters::fits`.
/// 0 rows = no such meter or over the limit (nothing written). Returns the totals it left.
pub const INCREMENT: &str = "UPDATE license_meters SET total_uses = total_uses + ?4, gross_uses = gross_uses + ?4, updated_at = ?5 \
WHERE account_id = ?1 AND license_id = (SELECT m.license_id FROM machines m WHERE m.account_id = ?1 AND m.id = ?2) AND name = ?3 \
AND (allowed_uses < 0 OR total_uses + ?4 <= allowed_uses) RETURNING total_uses";

/// The machine's share of an increment: only if the statement right before it (the guarded
/// [`INCREMENT`]) changed a row. ?1 account, ?2 machine, ?3 name, ?4 uses, ?5 now.
pub const ADD_MACHINE_USES: &str = "INSERT INTO machine_meters (account_id, machine_id, license_id, name, uses, updated_at) \
SELECT ?1, m.id, m.license_id, ?3, ?4, ?5 FROM machines m WHERE m.account_id = ?1 AND m.id = ?2 AND changes() > 0 \
ON CONFLICT (machine_id, name) DO UPDATE SET uses = uses + excluded.uses, updated_at = excluded.updated_at RETURNING uses";

/// Removes ?4 of machine ?2's uses of meter ?3 at ?5, never below zero (0 rows otherwise).
pub const SUBTRACT_MACHINE_USES: &str =
    "UPDATE machine_meters SET uses = uses - ?4, updated_at = ?5 WHERE account_id = ?1 AND machine_id = ?2 AND name = ?3 AND uses >= ?4 RETURNING uses";

/// The license's side of a decrement: only if [`SUBTRACT_MACHINE_USES`] right before it
/// changed a row. `grossUses` keeps the lifetime count.
pub const DECREMENT: &str = "UPDATE license_meters SET total_uses = max(0, total_uses - ?4), updated_at = ?5 \
WHERE account_id = ?1 AND license_id = (SELECT m.license_id FROM machines m WHERE m.account_id = ?1 AND m.id = ?2) AND name = ?3 \
AND changes() > 0 RETURNING total_uses";

/// Machine ?2's uses of meter ?3 (for a refused decrement's detail).
pub const MACHINE_USES: &str = "SELECT uses AS n FROM machine_meters WHERE account_id = ?1 AND machine_id = ?2 AND name = ?3";

/// Meter ?3 of license ?2, as stored (named as `domain::meters::Meter` reads it).
pub const FIND: &str = "SELECT name, allowed_uses AS allowedUses, total_uses AS totalUses, gross_uses AS grossUses, floating, visible FROM license_meters \
WHERE account_id = ?1 AND license_id = ?2 AND name = ?3";

/// The machines of ?1 (a JSON object whose keys are machine ids) that no longer exist.
macro_rules! gone {
    () => {
        "mm.machine_id IN (SELECT key FROM json_each(?1)) AND NOT EXISTS (SELECT 1 FROM machines m WHERE m.id = mm.machine_id)"
    };
}

/// Floating release: gives the uses of the machines of ?1 (JSON object keyed by machine id)
/// that are gone back to their licenses' floating meters. Runs in the batch that deleted them,
/// after the delete and its events, so a refused or concurrent delete releases nothing twice
/// ([`PURGE_GONE_MACHINES`] follows and removes the shares).
pub const RELEASE_GONE_MACHINES: &str = concat!(
    "UPDATE license_meters SET total_uses = max(0, total_uses - (SELECT coalesce(sum(mm.uses), 0) FROM machine_meters mm \
WHERE mm.license_id = license_meters.license_id AND mm.name = license_meters.name AND ",
    gone!(),
    ")) WHERE floating = 1 AND (license_id, name) IN (SELECT mm.license_id, mm.name FROM machine_meters mm WHERE ",
    gone!(),
    ")"
);

/// Removes the meter shares of the machines of ?1 that are gone (after [`RELEASE_GONE_MACHINES`]).
pub const PURGE_GONE_MACHINES: &str = concat!("DELETE FROM machine_meters AS mm WHERE ", gone!());

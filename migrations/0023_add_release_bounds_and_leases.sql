-- Migration number: 0023 	 Computed `maxAllowedReleaseVersion` (issue 10 follow-up, Cryptlex's
-- maintenance policy): the newest published release inside a license's maintenance window that
-- its maintenance policy's version flags let through, computed by the license read itself
-- (`sql::licenses` `license_select!`), so that no rendering pays another round trip.
--
-- The flags compare a release with the license's `current_release_version`; SQL compares
-- releases by `releases.semver_key` (`domain::semver::Version::sort_key`), so the license keeps
-- the two key bounds its current version gives, written by Rust beside the version
-- (`domain::max_release::bounds`): releases of a higher major sort at or above
-- `release_next_major_key`, releases of a higher minor of the same major at or above
-- `release_next_minor_key`. NULL (no current version, or not a version): no flag applies.
ALTER TABLE licenses ADD COLUMN release_next_major_key TEXT;
ALTER TABLE licenses ADD COLUMN release_next_minor_key TEXT;

-- Existing current versions of the plain `MAJOR.MINOR[.PATCH…]` form (what the attribute's
-- validation and Latchkey's importers store). Numbers are zero-padded to 20 digits as in
-- `semver_key`; anything else stays NULL until the license's versions are next written.
UPDATE licenses SET
  release_next_major_key = printf('%020d', CAST(substr(current_release_version, 1, instr(current_release_version, '.') - 1) AS INTEGER) + 1),
  release_next_minor_key = printf('%020d.%020d',
    CAST(substr(current_release_version, 1, instr(current_release_version, '.') - 1) AS INTEGER),
    CAST(substr(substr(current_release_version, instr(current_release_version, '.') + 1), 1,
      CASE WHEN instr(substr(current_release_version, instr(current_release_version, '.') + 1), '.') > 0
        THEN instr(substr(current_release_version, instr(current_release_version, '.') + 1), '.') - 1
        ELSE length(current_release_version) END) AS INTEGER) + 1)
WHERE current_release_version GLOB '[0-9]*.[0-9]*' AND current_release_version NOT GLOB '*[^0-9.]*' AND current_release_version NOT GLOB '*.*.*.*';

-- Floating-seat leases (issue 10 §4 follow-up, Cryptlex's `leaseDuration` /
-- `allowClientLeaseDuration`): the lease a machine got at activation, in seconds (the client's
-- shorter one when its policy allows it, else its license's or policy's `leaseDuration`). It
-- stands for the policy's `heartbeatDuration` for this machine everywhere (status, pings, the KV
-- lease, validation and the cull). NULL: none of its own (the heartbeat duration applies).
ALTER TABLE machines ADD COLUMN lease_duration INTEGER CHECK (lease_duration IS NULL OR lease_duration > 0);

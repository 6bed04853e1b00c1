//! Group owners (issue 8, Keygen's `group_owners`): users who own a group.

/// Owners of group ?2, oldest first (Keygen's order), ?3 limit, ?4 offset.
pub const LIST: &str = "SELECT * FROM group_owners WHERE account_id = ?1 AND group_id = ?2 ORDER BY created_at, id LIMIT ?3 OFFSET ?4";

/// Count for [`LIST`].
pub const COUNT: &str = "SELECT count(*) AS n FROM group_owners WHERE account_id = ?1 AND group_id = ?2";

/// One owner ?3 of group ?2, by its `group-owners` id or by the owning user's id.
pub const FIND: &str = "SELECT * FROM group_owners WHERE account_id = ?1 AND group_id = ?2 AND (id = ?3 OR user_id = ?3) ORDER BY id = ?3 DESC LIMIT 1";

/// Which of the user ids in JSON array ?3 already own group ?2.
pub const ATTACHED: &str = attached_members!("group_owners", "group_id", "user_id");

/// Makes every user of JSON array ?3 (`[[owner id, user id], …]`) an owner of group ?2 at ?4, all
/// or none: nothing is inserted when any of them already owns it (a concurrent attach), so the
/// row count is the whole answer. The group and the users must be account ?1's.
pub const ATTACH: &str = "INSERT INTO group_owners (id, account_id, group_id, user_id, created_at, updated_at) \
SELECT json_extract(j.value, '$[0]'), ?1, g.id, u.id, ?4, ?4 FROM json_each(?3) j \
JOIN groups g ON g.account_id = ?1 AND g.id = ?2 JOIN users u ON u.account_id = ?1 AND u.id = json_extract(j.value, '$[1]') \
WHERE NOT EXISTS (SELECT 1 FROM group_owners x WHERE x.group_id = ?2 AND x.user_id IN (SELECT json_extract(value, '$[1]') FROM json_each(?3)))";

/// Removes the users of JSON array ?3 as owners of group ?2.
pub const DETACH: &str = detach_members!("group_owners", "group_id", "user_id");

/// 1 when user ?3 owns group ?2, else 0.
pub const IS_OWNER: &str = "SELECT count(*) AS n FROM group_owners WHERE account_id = ?1 AND group_id = ?2 AND user_id = ?3";

/// 1 when user ?3 is in group ?2 or owns it (Keygen's `bearer.group_id`, `bearer.group_ids`).
pub const IS_MEMBER_OR_OWNER: &str = "SELECT (EXISTS (SELECT 1 FROM users WHERE account_id = ?1 AND id = ?3 AND group_id = ?2) \
OR EXISTS (SELECT 1 FROM group_owners WHERE account_id = ?1 AND group_id = ?2 AND user_id = ?3)) AS n";

/// 1 when license ?3 is in group ?2.
pub const LICENSE_IN_GROUP: &str = "SELECT count(*) AS n FROM licenses WHERE account_id = ?1 AND id = ?3 AND group_id = ?2";

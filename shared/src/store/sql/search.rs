//! Search (issue 8): Keygen's `POST /search` over users, products, policies, groups,
//! entitlements and request logs (licenses and machines: `licenses::SEARCH`, `machines::SEARCH`). ?1 account,
//! ?2 operator, then the terms, then limit and offset.

/// Users: ?3 id, ?4 email, ?5 first name, ?6 last name, ?7 full name ("first last"), ?8 metadata,
/// ?9 role (a substring, `_` read as `-`: Keygen's `sales_agent` is `sales-agent`); ?10 reseller
/// (a reseller admin's: only its reseller's users; issue 10 §7).
macro_rules! user_search {
    () => {
        concat!(
            "FROM users u WHERE u.account_id = ?1 AND (?10 IS NULL OR u.reseller_id = ?10) AND ",
            search_where!(
                "?3" => contains!("u.id", "?3"),
                "?4" => contains!("u.email", "?4"),
                "?5" => contains!("u.first_name", "?5"),
                "?6" => contains!("u.last_name", "?6"),
                "?7" => contains!("(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, ''))", "?7"),
                "?8" => metadata_contains!("u.metadata", "?8"),
                "?9" => "instr(u.role, replace(lower(?9), '_', '-')) > 0",
            ),
            " "
        )
    };
}

/// Users matching, newest first; ?11 limit, ?12 offset.
pub const USERS: &str = concat!("SELECT u.* ", user_search!(), "ORDER BY u.created_at DESC, u.id DESC LIMIT ?11 OFFSET ?12");
/// Count for [`USERS`].
pub const USERS_COUNT: &str = concat!("SELECT count(*) AS n ", user_search!());

/// Products: ?3 id, ?4 name, ?5 metadata.
macro_rules! product_search {
    () => {
        concat!(
            "FROM products t WHERE t.account_id = ?1 AND ",
            search_where!("?3" => contains!("t.id", "?3"), "?4" => contains!("t.name", "?4"), "?5" => metadata_contains!("t.metadata", "?5")),
            " "
        )
    };
}

/// Products matching, newest first; ?6 limit, ?7 offset.
pub const PRODUCTS: &str = concat!("SELECT t.* ", product_search!(), "ORDER BY t.created_at DESC, t.id DESC LIMIT ?6 OFFSET ?7");
/// Count for [`PRODUCTS`].
pub const PRODUCTS_COUNT: &str = concat!("SELECT count(*) AS n ", product_search!());

/// Policies: ?3 id, ?4 name, ?5 metadata, ?6 product (by id, id prefix or name).
macro_rules! policy_search {
    () => {
        concat!(
            "FROM policies t WHERE t.account_id = ?1 AND ",
            search_where!(
                "?3" => contains!("t.id", "?3"),
                "?4" => contains!("t.name", "?4"),
                "?5" => metadata_contains!("t.metadata", "?5"),
                "?6" => related_term!("products", "t.product_id", "name", "?6"),
            ),
            " "
        )
    };
}

/// Policies matching, newest first; ?7 limit, ?8 offset.
pub const POLICIES: &str = concat!("SELECT t.* ", policy_search!(), "ORDER BY t.created_at DESC, t.id DESC LIMIT ?7 OFFSET ?8");
/// Count for [`POLICIES`].
pub const POLICIES_COUNT: &str = concat!("SELECT count(*) AS n ", policy_search!());

/// Groups: ?3 name (Keygen searches groups by name only).
macro_rules! group_search {
    () => {
        concat!("FROM groups t WHERE t.account_id = ?1 AND ", search_where!("?3" => contains!("t.name", "?3")), " ")
    };
}

/// Groups matching, newest first; ?4 limit, ?5 offset.
pub const GROUPS: &str = concat!("SELECT t.* ", group_search!(), "ORDER BY t.created_at DESC, t.id DESC LIMIT ?4 OFFSET ?5");
/// Count for [`GROUPS`].
pub const GROUPS_COUNT: &str = concat!("SELECT count(*) AS n ", group_search!());

/// Entitlements: ?3 id, ?4 code, ?5 name.
macro_rules! entitlement_search {
    () => {
        concat!(
            "FROM entitlements t WHERE t.account_id = ?1 AND ",
            search_where!("?3" => contains!("t.id", "?3"), "?4" => contains!("t.code", "?4"), "?5" => contains!("t.name", "?5")),
            " "
        )
    };
}

/// Entitlements matching, newest first; ?6 limit, ?7 offset.
pub const ENTITLEMENTS: &str = concat!("SELECT t.* ", entitlement_search!(), "ORDER BY t.created_at DESC, t.id DESC LIMIT ?6 OFFSET ?7");
/// Count for [`ENTITLEMENTS`].
pub const ENTITLEMENTS_COUNT: &str = concat!("SELECT count(*) AS n ", entitlement_search!());

/// Request logs (Keygen EE's `search_*` scopes of `Clickhouse::RequestLog`): ?3 id, ?4/?5
/// requestor type/id, ?6/?7 resource type/id (types exact, ids exact or a substring), ?8 method
/// (exact), ?9 status (exact), ?10 url, ?11 ip (substrings, case-insensitive).
macro_rules! request_log_search {
    () => {
        concat!(
            "FROM request_logs t WHERE t.account_id = ?1 AND ",
            search_where!(
                "?3" => contains!("t.id", "?3"),
                "?4" => "t.requestor_type = ?4",
                "?5" => contains!("t.requestor_id", "?5"),
                "?6" => "t.resource_type = ?6",
                "?7" => contains!("t.resource_id", "?7"),
                "?8" => "t.method = ?8",
                "?9" => "CAST(t.status AS TEXT) = ?9",
                "?10" => contains!("t.url", "?10"),
                "?11" => contains!("t.ip", "?11"),
            ),
            " "
        )
    };
}

/// Request logs matching, newest first; ?12 limit, ?13 offset.
pub const REQUEST_LOGS: &str = concat!("SELECT t.* ", request_log_search!(), "ORDER BY t.created_at DESC, t.id DESC LIMIT ?12 OFFSET ?13");
/// Count for [`REQUEST_LOGS`].
pub const REQUEST_LOGS_COUNT: &str = concat!("SELECT count(*) AS n ", request_log_search!());

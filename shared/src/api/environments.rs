//! Rendering of environments (Keygen EE, issue 8).

use super::document::ResourceObject;
use crate::store::rows::EnvironmentRow;

/// An environment: `name`, `code`, `isolationStrategy`, timestamps; links under its account.
pub fn environment(e: &EnvironmentRow) -> ResourceObject {
    ResourceObject::new(&e.account_id, "environments", &e.id)
        .attr("name", e.name.clone())
        .attr("code", e.code.clone())
        .attr("isolationStrategy", e.isolation_strategy.as_str())
        .timestamps(e.created_at, e.updated_at)
}

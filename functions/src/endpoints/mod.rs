//! One module per endpoint group; `crate::routes` maps paths to them. Each handler parses (with `shared::api`/service parsers),
//! calls one service function, and renders: no business rule lives here.

pub mod catalogue;
pub mod distribution;
pub mod fleet;
pub mod identity;
pub mod licensing;
pub mod lifecycle;

use shared::api::document::Document;
use shared::api::query::Page;
use shared::api::ResourceObject;

use crate::router::Cx;

/// A list document with pagination links for the request's path.
pub fn list_doc<T>(cx: &Cx<'_>, rows: &[T], count: u64, page: Page, render: impl Fn(&T) -> ResourceObject) -> Document {
    Document::many(rows.iter().map(render).collect(), page.links(&cx.req.path, &cx.req.query, count))
}

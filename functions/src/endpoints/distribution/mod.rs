//! Distribution: releases, artifacts, packages (`shared::service::distribution`), and the
//! transfer links that move artifact bytes between clients and R2.

pub mod artifacts;
pub mod engines;
pub mod packages;
pub mod product_relations;
pub mod raw_tauri;
pub mod related;
pub mod releases;
pub mod transfer;

use shared::error::{Code, Error};

use crate::r2::R2Blobs;
use crate::router::Cx;

/// The ARTIFACTS bucket, or 503 when the deployment lacks it.
pub fn blobs(cx: &Cx<'_>) -> Result<R2Blobs, Error> {
    cx.env.artifacts.clone().map(R2Blobs).ok_or_else(|| Error::new(Code::ConfigInvalid, "the deployment is missing the R2 binding ARTIFACTS"))
}

/// An absolute URL on this Worker for `path_and_query` (http on loopback, as local runs serve).
pub fn absolute(cx: &Cx<'_>, path_and_query: &str) -> String {
    let host = &cx.req.host;
    let scheme = if host.starts_with("127.0.0.1") || host.starts_with("localhost") || host.starts_with("[::1]") { "http" } else { "https" };
    format!("{scheme}://{host}{path_and_query}")
}

//! Test harness for the end-to-end suite: the release Worker on workerd (Miniflare), driven over
//! HTTP, with every account-scoped response's signature checked.
//!
//! - [`server()`] starts `node tests/harness/server.mjs` once per test binary (in-memory D1 and KV,
//!   every migration applied, cron handlers reachable) and keeps its stdin open in a static: when
//!   the test process exits, however it exits, stdin closes and the server disposes itself.
//! - [`Server::bootstrap_account`] creates a fresh account per test (random slug and email), so
//!   tests share one server without sharing state.
//! - [`Client`] is a small `ureq` wrapper: no redirects, 4xx/5xx are ordinary responses, and every
//!   `/v1/` response is verified with [`assert_signed`] when the client holds a public key.
//!
//! The signature check is written here from the wire contract (ed25519-dalek, sha2, base64) and
//! deliberately does not call `shared::crypto`, so a bug there cannot hide itself.
//!
//! Nothing is built here: `scripts/test` builds the release Worker first.
//!
//! Modules, re-exported here: `server` (the harness process, [`Server`]), `accounts`
//! ([`TestAccount`]), `client` ([`Client`], [`Resp`]), `signature` ([`verify_signature`],
//! [`assert_signed`], [`assert_key_id`]).

mod accounts;
mod client;
mod server;
mod signature;

pub use accounts::TestAccount;
pub use client::{Client, Resp};
pub use server::{lagged_server, server, Server};
pub use signature::{assert_key_id, assert_signed, verify_signature};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Content type of every JSON:API request body.
pub const JSON_API: &str = "application/vnd.api+json";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A short token unique across this process and, very likely, across runs.
pub fn unique_tag() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}{:x}{n:x}", std::process::id(), nanos & 0xffff_ffff)
}

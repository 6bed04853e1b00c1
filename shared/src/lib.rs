//! Latchkey's domain crate: everything that is not the Workers runtime.
//!
//! Rules live in `domain`, use cases in `service`, all SQL in `store::sql`, JSON:API documents
//! and request parsing in `api`, signatures, keys and license files in `crypto`. The Worker in
//! `functions/` adapts HTTP and the D1/KV bindings to these modules and holds no business rule.

pub mod access;
pub mod api;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod kdf;
pub mod rng;
pub mod service;
pub mod store;

pub use clock::Clock;
pub use error::{Error, Result};
pub use rng::Random;

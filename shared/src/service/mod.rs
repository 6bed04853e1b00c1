//! Use cases: one module per resource or action, each a function over a [`crate::store::Db`].

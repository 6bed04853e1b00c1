//! Domain types and rules, without I/O.

//! Shared fixtures for the native integration tests.

use shared::store::sqlite::SqliteDb;

/// A fresh database with every migration applied.
pub fn db() -> SqliteDb {
    SqliteDb::in_memory()
}

#[test]
fn migrations_apply_on_a_fresh_database() {
    let db = db();
    let rows = pollster::block_on(shared::store::Db::query(&db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'licenses'", &[])).unwrap();
    assert_eq!(rows.len(), 1);
}

//! All SQL text, one module per resource. Each statement exists once; both executors run it.
//! Parameters are numbered (`?1`), which D1 and SQLite both accept.

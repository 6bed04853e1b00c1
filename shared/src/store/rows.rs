//! Row structs decoded from SQL results.

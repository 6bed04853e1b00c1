//! Rows as the D1 binding hands them over, decoded in one pass (issue 11). The Worker turns the
//! binding's answer into ONE JSON string (`JSON.stringify`, native to the runtime) and parses it
//! here, instead of walking the JS objects column by column across the wasm boundary
//! (`serde-wasm-bindgen`: a boundary call per key and per value). The rows are the same
//! [`Row`]s either way: integers as `i64`, reals as `f64`, text, null; a column named twice
//! keeps its last value, as D1's own array-of-objects does.

use serde_json::{Map, Value};

use super::{Row, StoreError};

fn shape(what: &str) -> StoreError {
    StoreError::Db(format!("unexpected D1 answer: {what}"))
}

/// Rows of `stmt.raw({columnNames: true})`: `[[column, …], [value, …], …]` (`[]` when the
/// statement returned nothing).
///
/// # Errors
/// Text that is not JSON, or not that shape (a header of strings, rows as long as it).
pub fn decode_raw(text: &str) -> Result<Vec<Row>, StoreError> {
    let all: Vec<Vec<Value>> = serde_json::from_str(text)?;
    let mut all = all.into_iter();
    let Some(header) = all.next() else { return Ok(Vec::new()) };
    let columns = header
        .into_iter()
        .map(|c| match c {
            Value::String(s) => Ok(s),
            _ => Err(shape("a column name that is not text")),
        })
        .collect::<Result<Vec<String>, StoreError>>()?;
    all.map(|row| {
        if row.len() != columns.len() {
            return Err(shape("a row with another number of values than columns"));
        }
        Ok(columns.iter().cloned().zip(row).collect::<Map<String, Value>>())
    })
    .collect()
}

/// Rows of `stmt.all().results` (a batch's answers): `[{column: value, …}, …]`.
///
/// # Errors
/// Text that is not a JSON array of objects.
pub fn decode_objects(text: &str) -> Result<Vec<Row>, StoreError> {
    Ok(serde_json::from_str(text)?)
}

#[cfg(test)]
mod tests {
    use super::{decode_objects, decode_raw};
    use serde_json::json;

    #[test]
    fn raw_rows_become_rows_by_column_name() {
        let rows = decode_raw(r#"[["id","n","r","t","z"],["a",1,1.5,"x",null],["b",-2,0.25,"",null]]"#).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(serde_json::Value::Object(rows[0].clone()), json!({"id": "a", "n": 1, "r": 1.5, "t": "x", "z": null}));
        assert_eq!(rows[1]["n"].as_i64(), Some(-2));
        assert!(rows[0]["n"].is_i64(), "integers stay integers");
    }

    #[test]
    fn no_rows_and_headers_alone_are_empty() {
        assert!(decode_raw("[]").unwrap().is_empty());
        assert!(decode_raw(r#"[["id"]]"#).unwrap().is_empty());
        assert!(decode_raw(r#"[[]]"#).unwrap().is_empty());
    }

    #[test]
    fn a_column_named_twice_keeps_its_last_value() {
        let rows = decode_raw(r#"[["a","a"],[1,2]]"#).unwrap();
        assert_eq!(rows[0]["a"], json!(2));
    }

    #[test]
    fn malformed_answers_are_errors_not_rows() {
        for bad in ["", "{}", "[1]", r#"[[1],[2]]"#, r#"[["a"],[1,2]]"#, r#"[["a","b"],[1]]"#, "[[\"a\"],{}]", "nul"] {
            assert!(decode_raw(bad).is_err(), "{bad}");
        }
        assert!(decode_objects("[1]").is_err());
        assert!(decode_objects("{}").is_err());
    }

    #[test]
    fn objects_decode_as_rows() {
        let rows = decode_objects(r#"[{"id":"a","n":3},{"id":"b","n":null}]"#).unwrap();
        assert_eq!(rows[0]["n"].as_i64(), Some(3));
        assert!(rows[1]["n"].is_null());
        assert!(decode_objects("[]").unwrap().is_empty());
    }
}

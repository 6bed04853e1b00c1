//! Output: resources as aligned tables or `key: value` lines, or JSON for scripts.

use serde_json::Value;

/// A cell: strings as they are, null as empty, anything else as compact JSON.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn shorten(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        return s;
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// An aligned table of `items` with columns `id` + `columns` (attribute names).
pub fn table(items: &[Value], columns: &[&str]) -> String {
    let mut head: Vec<String> = vec!["ID".into()];
    head.extend(columns.iter().map(|c| c.to_uppercase()));
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|r| {
            let mut row = vec![cell(&r["id"])];
            row.extend(columns.iter().map(|c| shorten(cell(&r["attributes"][*c]), 48)));
            row
        })
        .collect();
    let widths: Vec<usize> =
        (0..head.len()).map(|i| rows.iter().chain([&head]).map(|r| r.get(i).map_or(0, |c| c.chars().count())).max().unwrap_or(0)).collect();
    let line = |r: &[String]| -> String {
        let cells: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        cells.join("  ").trim_end().to_owned()
    };
    let mut out = line(&head);
    for r in &rows {
        out.push('\n');
        out.push_str(&line(r));
    }
    out
}

/// One resource as `key: value` lines: id, type, every attribute, every relationship's id(s).
pub fn record(r: &Value) -> String {
    let mut out = format!("id: {}\ntype: {}", cell(&r["id"]), cell(&r["type"]));
    if let Some(attrs) = r["attributes"].as_object() {
        for (k, v) in attrs {
            out.push_str(&format!("\n{k}: {}", cell(v)));
        }
    }
    if let Some(rels) = r["relationships"].as_object() {
        for (k, v) in rels {
            let ids = match &v["data"] {
                Value::Object(_) => cell(&v["data"]["id"]),
                Value::Array(a) => a.iter().map(|d| cell(&d["id"])).collect::<Vec<_>>().join(","),
                _ => continue,
            };
            out.push_str(&format!("\n{k}: {ids}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_and_records_list_relationships() {
        let items = [json!({"id":"a","attributes":{"name":"x","maxMachines":5}}), json!({"id":"bbb","attributes":{"name":null}})];
        assert_eq!(table(&items, &["name", "maxMachines"]), "ID   NAME  MAXMACHINES\na    x     5\nbbb");
        let r =
            json!({"id":"l","type":"licenses","attributes":{"key":"K"},"relationships":{"policy":{"data":{"type":"policies","id":"p"}},"users":{"links":{}}}});
        assert_eq!(record(&r), "id: l\ntype: licenses\nkey: K\npolicy: p");
    }
}

//! `docs/API.md`'s Cryptlex Web API v3 map (issue 10): every Cryptlex operation, the Latchkey
//! routes that stand for it and how far they go. The map is written by hand; this test keeps it
//! honest against the route table — a `covered` or `partial` row names routes the table serves
//! (with that method), a `none` or `n/a` row names none — and generates the per-group summary
//! below it (`LATCHKEY_REGENERATE_DOCS=1 cargo test -p functions cryptlex`).

use std::collections::{BTreeMap, BTreeSet};

use super::{decode_all, find, split, Match, ROUTES};

const MAP_BEGIN: &str = "<!-- cryptlex-v3:begin -->\n";
const MAP_END: &str = "<!-- cryptlex-v3:end -->";
const SUMMARY_BEGIN: &str = "<!-- cryptlex-v3-summary:begin (generated from the map below; LATCHKEY_REGENERATE_DOCS=1 cargo test -p functions cryptlex) -->\n";
const SUMMARY_END: &str = "<!-- cryptlex-v3-summary:end -->";

/// Routes outside the account route table (answered by the router before it).
const OUTSIDE: &[&str] = &["POST /v1/accounts"];

const STATUSES: [&str; 4] = ["covered", "partial", "none", "n/a"];

struct Row {
    operation: String,
    group: String,
    routes: Vec<String>,
    status: String,
}

fn docs() -> (std::path::PathBuf, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/API.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, doc)
}

fn between<'d>(doc: &'d str, begin: &str, end: &str) -> (usize, usize, &'d str) {
    let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else { panic!("docs/API.md has no {begin:?} … {end:?} block") };
    let start = a + begin.len();
    assert!(start <= b, "markers out of order: {begin:?}");
    (start, b, doc.get(start..b).unwrap_or_default())
}

/// The backticked items of a cell.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn rows(map: &str) -> Vec<Row> {
    let mut out = Vec::new();
    for line in map.lines().skip(2) {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let [operation, group, latchkey, status, _notes] = cells[..] else { panic!("a map row has five cells: {line:?}") };
        let routes = if latchkey == "—" { Vec::new() } else { ticked(latchkey) };
        assert!(latchkey == "—" || !routes.is_empty(), "{operation}: the Latchkey cell is `—` or backticked routes: {latchkey:?}");
        out.push(Row { operation: operation.to_owned(), group: group.to_owned(), routes, status: status.to_owned() });
    }
    out
}

/// Whether the route table serves `method` at `pattern` (placeholders filled in) by that very row.
fn served(route: &str) -> Result<(), String> {
    if OUTSIDE.contains(&route) {
        return Ok(());
    }
    let Some((method, pattern)) = route.split_once(' ') else { return Err(format!("{route:?} is not `METHOD /path`")) };
    let filled: String = pattern.split('/').map(|s| if s.starts_with('{') { "x1" } else { s }).collect::<Vec<_>>().join("/");
    let segs = decode_all(&split(&filled)).map_err(|e| format!("{route}: {e}"))?;
    match find(ROUTES, method, &segs) {
        Match::Found(r, _) if r.pattern == pattern => Ok(()),
        Match::Found(r, _) => Err(format!("{route} is answered by another row, {}", r.pattern)),
        Match::MethodNotAllowed => Err(format!("{route}: 405, the path is served with other methods")),
        Match::NotFound => Err(format!("{route}: 404, no such row")),
    }
}

#[test]
fn every_route_the_map_names_is_served_and_every_row_is_well_formed() {
    let (_, doc) = docs();
    let (_, _, map) = between(&doc, MAP_BEGIN, MAP_END);
    let rows = rows(map);
    assert!(rows.len() >= 150, "the map lists Cryptlex's 150 v3 operations and the changelog's, not {}", rows.len());
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for row in &rows {
        assert!(seen.insert(row.operation.as_str()), "{} is listed twice", row.operation);
        assert!(STATUSES.contains(&row.status.as_str()), "{}: status {:?} is not one of {STATUSES:?}", row.operation, row.status);
        let unmapped = matches!(row.status.as_str(), "none" | "n/a");
        assert_eq!(unmapped, row.routes.is_empty(), "{}: a {} row names {} routes", row.operation, row.status, if unmapped { "no" } else { "its" });
        wrong.extend(row.routes.iter().filter_map(|r| served(r).err().map(|e| format!("{}: {e}", row.operation))));
    }
    assert!(wrong.is_empty(), "routes the map names that the table does not serve:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_refuses_what_the_table_does_not_serve() {
    assert_eq!(served("GET /licenses/{id}"), Ok(()));
    assert!(served("POST /licenses/{id}").is_err(), "a path served with other methods");
    assert!(served("GET /analytics/stats").is_err(), "no such row");
    assert!(served("GET /licenses/{id}/bogus").is_err());
    assert!(served("/licenses").is_err(), "no method");
}

fn summary(rows: &[Row]) -> String {
    let mut groups: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for row in rows {
        let at = STATUSES.iter().position(|s| *s == row.status).unwrap_or(0);
        groups.entry(row.group.as_str()).or_default()[at] += 1;
    }
    let mut out = String::from("| group | operations | covered | partial | none | n/a |\n|---|---|---|---|---|---|\n");
    let mut total = [0usize; 4];
    for (group, n) in &groups {
        out.push_str(&format!("| {group} | {} | {} | {} | {} | {} |\n", n.iter().sum::<usize>(), n[0], n[1], n[2], n[3]));
        for (t, v) in total.iter_mut().zip(n) {
            *t += v;
        }
    }
    out.push_str(&format!("| **all** | {} | {} | {} | {} | {} |\n", total.iter().sum::<usize>(), total[0], total[1], total[2], total[3]));
    out
}

#[test]
fn docs_summary_equals_the_map() {
    let (path, doc) = docs();
    let (_, _, map) = between(&doc, MAP_BEGIN, MAP_END);
    let want = summary(&rows(map));
    let (start, end, have) = between(&doc, SUMMARY_BEGIN, SUMMARY_END);
    if have != want && std::env::var_os("LATCHKEY_REGENERATE_DOCS").is_some() {
        let new = format!("{}{want}{}", doc.get(..start).unwrap_or_default(), doc.get(end..).unwrap_or_default());
        std::fs::write(&path, new).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    assert_eq!(have, want, "docs/API.md's Cryptlex summary differs from its map; regenerate: LATCHKEY_REGENERATE_DOCS=1 cargo test -p functions cryptlex");
}

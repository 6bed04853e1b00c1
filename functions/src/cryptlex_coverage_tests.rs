//! `docs/API.md`'s Cryptlex Web API v3 map (issue 10): every Cryptlex operation, the Latchkey
//! routes that stand for it and how far they go. The map is written by hand; this test keeps it
//! honest against the route table — a `covered` or `partial` row names routes the table serves
//! (with that method), a `none` or `n/a` row names none — and generates the per-group summary
//! below it (`LATCHKEY_REGENERATE_DOCS=1 cargo test -p functions cryptlex`).

use std::collections::{BTreeMap, BTreeSet};

use super::checks::{assert_block, block, docs, row_for};

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

/// Whether the route table serves `route` (`METHOD /pattern`) by that very row.
fn served(route: &str) -> Result<(), String> {
    if OUTSIDE.contains(&route) {
        return Ok(());
    }
    let row = row_for(route)?;
    let pattern = route.split_once(' ').map_or("", |(_, p)| p);
    if row.pattern == pattern {
        Ok(())
    } else {
        Err(format!("{route} is answered by another row, {}", row.pattern))
    }
}

#[test]
fn every_route_the_map_names_is_served_and_every_row_is_well_formed() {
    let (_, doc) = docs();
    let (_, map) = block(&doc, MAP_BEGIN, MAP_END);
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
    let (_, doc) = docs();
    let (_, map) = block(&doc, MAP_BEGIN, MAP_END);
    assert_block(SUMMARY_BEGIN, SUMMARY_END, &summary(&rows(map)), "Cryptlex summary", "LATCHKEY_REGENERATE_DOCS=1 cargo test -p functions cryptlex");
}

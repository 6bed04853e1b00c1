//! One import direction between capabilities (DESIGN.md): lifecycle (and distribution) may use
//! licensing, licensing may use catalogue and fleet, everything may use identity; never back.
//! Catalogue and fleet are peers and use neither each other nor anything above them. This scans
//! the source text of `shared/src/service/<cap>/**` for paths into another capability
//! (`crate::service::<cap>`, including inside `use crate::service::{…}` groups, and
//! `super::super::<cap>`) and lists every one that runs against the direction; the Worker's
//! handlers in `functions/src/endpoints/<cap>/**` are held to the same direction.

use std::fs;
use std::path::{Path, PathBuf};

/// The capability's rank: a capability may use one of strictly lower rank, or identity.
fn rank(cap: &str) -> Option<u8> {
    match cap {
        "identity" => Some(0),
        "catalogue" | "fleet" => Some(1),
        "licensing" => Some(2),
        "lifecycle" | "distribution" => Some(3),
        _ => None,
    }
}

fn allowed(from: &str, to: &str) -> bool {
    match (rank(from), rank(to)) {
        _ if from == to => true,
        (Some(_), Some(0)) => true,
        (Some(f), Some(t)) => f > t,
        // Not a capability (events, plumbing in service/mod.rs): usable by all.
        _ => true,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The first path segment of each item in a `{…}` group (nested groups are one item each).
fn group_heads(group: &str) -> Vec<String> {
    let (mut depth, mut item, mut heads) = (0usize, String::new(), Vec::new());
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => heads.push(std::mem::take(&mut item)),
            _ if depth == 0 => item.push(c),
            _ => {}
        }
    }
    heads.push(item);
    heads.into_iter().filter_map(|i| head(i.trim())).collect()
}

/// The first identifier of a path.
fn head(path: &str) -> Option<String> {
    let h: String = path.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!h.is_empty()).then_some(h)
}

/// Every capability named after one of `prefixes` in `src`, with its line.
fn references(src: &str, prefixes: &[&str]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for prefix in prefixes {
        let mut from = 0;
        while let Some(i) = src[from..].find(prefix) {
            let start = from + i + prefix.len();
            let line = src[..start].matches('\n').count() + 1;
            let rest = &src[start..];
            let rest = rest.trim_start();
            if let Some(body) = rest.strip_prefix('{') {
                let mut depth = 1usize;
                let end = body
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '{' => depth += 1,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(body.len(), |(j, _)| j);
                out.extend(group_heads(&body[..end]).into_iter().map(|h| (line, h)));
            } else if let Some(h) = head(rest) {
                out.push((line, h));
            }
            from = start;
        }
    }
    out
}

/// The paths into another capability from `shared/src/service/<cap>/**`.
const SERVICE: &[&str] = &["crate::service::", "super::super::"];
/// The same from the Worker's handlers, `functions/src/endpoints/<cap>/**` (services they call
/// and other handlers they reuse).
const ENDPOINTS: &[&str] = &["shared::service::", "crate::endpoints::", "super::super::"];

/// Offending imports under `dir` (one folder per capability), as `file:line: from -> to`.
fn offenders(dir: &Path, prefixes: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for f in files {
        let Ok(rel) = f.strip_prefix(dir) else { continue };
        let Some(from) = rel.components().next().and_then(|c| c.as_os_str().to_str()) else { continue };
        if rank(from).is_none() {
            continue;
        }
        let src = fs::read_to_string(&f).unwrap_or_default();
        for (line, to) in references(&src, prefixes) {
            if rank(&to).is_some() && !allowed(from, &to) {
                bad.push(format!("{}/{}:{line}: {from} -> {to}", dir.display(), rel.display()));
            }
        }
    }
    bad
}

#[test]
fn capabilities_import_one_way() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() > 20, "scanned too few files under {}", dir.display());
    let bad = offenders(&dir, SERVICE);
    assert!(bad.is_empty(), "imports against the capability direction:\n{}", bad.join("\n"));
}

#[test]
fn handlers_mirror_the_direction() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions/src/endpoints");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() > 15, "scanned too few files under {}", dir.display());
    let bad = offenders(&dir, ENDPOINTS);
    assert!(bad.is_empty(), "handlers importing against the capability direction:\n{}", bad.join("\n"));
}

#[test]
fn the_scanner_sees_grouped_nested_and_super_paths() {
    let src = "use crate::service::{events, catalogue::groups, licensing::{licenses, usage}, App};\n\
               fn f() { crate::service::fleet::machines::find(); super::super::lifecycle::x(); }";
    let heads: Vec<String> = references(src, SERVICE).into_iter().map(|(_, h)| h).collect();
    assert_eq!(heads, ["events", "catalogue", "licensing", "App", "fleet", "lifecycle"]);
    assert!(!allowed("fleet", "licensing") && !allowed("catalogue", "fleet") && !allowed("identity", "catalogue"));
    assert!(allowed("licensing", "fleet") && allowed("lifecycle", "catalogue") && allowed("fleet", "identity"));
}

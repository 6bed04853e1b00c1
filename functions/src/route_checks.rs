//! Test helpers over the route table shared by its documentation tests: which row answers a
//! route written as `METHOD /path`, and a generated block of `docs/API.md` compared with (or,
//! with `LATCHKEY_REGENERATE_DOCS=1`, rewritten to) what the table says.

use super::{decode_all, find, split, Match, Route, ROUTES};

/// The row answering `route` (`METHOD /path`, any `{…}` segment filled in), or why none does.
pub fn row_for(route: &str) -> Result<&'static Route, String> {
    let Some((method, path)) = route.split_once(' ') else { return Err(format!("{route:?} is not `METHOD /path`")) };
    let filled: Vec<&str> = path.split('/').map(|s| if s.contains('{') { "x1" } else { s }).collect();
    let segs = decode_all(&split(&filled.join("/"))).map_err(|e| format!("{route}: {e}"))?;
    match find(ROUTES, method, &segs) {
        Match::Found(r, _) => Ok(r),
        Match::MethodNotAllowed => Err(format!("{route}: 405, the path is served with other methods")),
        Match::NotFound => Err(format!("{route}: 404, no such row")),
    }
}

/// `docs/API.md`'s path and text.
pub fn docs() -> (std::path::PathBuf, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/API.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, doc)
}

/// The text of `doc` between the markers `begin` and `end`, with its byte range.
pub fn block<'d>(doc: &'d str, begin: &str, end: &str) -> (std::ops::Range<usize>, &'d str) {
    let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else { panic!("docs/API.md has no {begin:?} … {end:?} block") };
    let start = a + begin.len();
    assert!(start <= b, "markers out of order: {begin:?}");
    (start..b, doc.get(start..b).unwrap_or_default())
}

/// Asserts that `docs/API.md`'s block between `begin` and `end` is `want`; with
/// `LATCHKEY_REGENERATE_DOCS` set, writes `want` there instead. `regenerate` is the command
/// the failure names.
pub fn assert_block(begin: &str, end: &str, want: &str, what: &str, regenerate: &str) {
    let (path, doc) = docs();
    let (range, have) = block(&doc, begin, end);
    if have != want && std::env::var_os("LATCHKEY_REGENERATE_DOCS").is_some() {
        let new = format!("{}{want}{}", doc.get(..range.start).unwrap_or_default(), doc.get(range.end..).unwrap_or_default());
        std::fs::write(&path, new).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    assert_eq!(have, want, "docs/API.md's {what} differs; regenerate: {regenerate}");
}

//! What both importers share: creating a resource with its source id unless it already exists
//! (idempotent, so a re-run resumes where an interrupted one stopped), dropping attributes the
//! destination does not accept, progress bars (hidden when stderr is not a terminal) and the
//! imported / skipped / refused summary.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Map, Value};

use super::http::{percent, Api};
use super::Failure;

/// Counts and reasons per resource type.
#[derive(Debug, Default)]
pub struct Summary {
    rows: BTreeMap<&'static str, Tally>,
}

#[derive(Debug, Default)]
struct Tally {
    imported: u64,
    skipped: u64,
    refused: Vec<String>,
    notes: BTreeMap<String, u64>,
}

/// What became of one source record.
#[derive(Debug, PartialEq, Eq)]
pub enum Fate {
    /// Created.
    Imported,
    /// Already there (same id, or same key).
    Skipped,
    /// The destination refused it; the reason is in the summary.
    Refused,
}

impl Summary {
    /// Records a refusal with its reason.
    pub fn refuse(&mut self, ty: &'static str, id: &str, why: impl Into<String>) -> Fate {
        self.rows.entry(ty).or_default().refused.push(format!("{id}: {}", why.into()));
        Fate::Refused
    }

    pub(super) fn note(&mut self, ty: &'static str, note: String) {
        *self.rows.entry(ty).or_default().notes.entry(note).or_default() += 1;
    }

    fn count(&mut self, ty: &'static str, fate: &Fate) {
        let t = self.rows.entry(ty).or_default();
        match fate {
            Fate::Imported => t.imported += 1,
            Fate::Skipped => t.skipped += 1,
            Fate::Refused => {}
        }
    }

    /// True when something was refused.
    pub fn any_refused(&self) -> bool {
        self.rows.values().any(|t| !t.refused.is_empty())
    }

    /// The summary as JSON (`--json`).
    pub fn to_json(&self) -> Value {
        let rows: Map<String, Value> = self
            .rows
            .iter()
            .map(|(k, t)| ((*k).to_owned(), json!({"imported": t.imported, "skipped": t.skipped, "refused": t.refused, "notes": t.notes})))
            .collect();
        Value::Object(rows)
    }

    /// The summary as text.
    pub fn render(&self) -> String {
        let mut out = String::from("import summary:");
        for (k, t) in &self.rows {
            out.push_str(&format!("\n  {k:<14} imported {:>5}  skipped {:>5}  refused {:>5}", t.imported, t.skipped, t.refused.len()));
            for (n, c) in &t.notes {
                out.push_str(&format!("\n      note ({c}×): {n}"));
            }
            for r in t.refused.iter().take(50) {
                out.push_str(&format!("\n      refused {r}"));
            }
            if t.refused.len() > 50 {
                out.push_str(&format!("\n      … and {} more refused", t.refused.len() - 50));
            }
        }
        out
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub fn bar(label: &str, len: Option<u64>) -> ProgressBar {
    let pb = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style.progress_chars("=> "));
    pb.set_prefix(label.to_owned());
    pb
}

/// The destination of an import: the logged-in account.
#[derive(Debug)]
pub struct Target {
    /// The destination API.
    pub api: Api,
    /// What happened so far.
    pub summary: Summary,
    /// Members the destination refused once per type, left out of later records up front.
    dropped: BTreeMap<&'static str, Vec<(String, String)>>,
}

impl Target {
    /// An import into `api`.
    pub fn new(api: Api) -> Self {
        Target { api, summary: Summary::default(), dropped: BTreeMap::new() }
    }

    /// Prints the summary (`json`: as JSON), then the import's outcome: its own error first, then
    /// a failure when any record was refused (exit 1; a re-run skips what exists).
    ///
    /// # Errors
    /// `result`'s error, or [`Failure::Invalid`] when a record was refused.
    pub fn finish(&self, json: bool, result: Result<(), Failure>) -> Result<(), Failure> {
        if json {
            say!("{}", self.summary.to_json());
        } else {
            say!("{}", self.summary.render());
        }
        result?;
        if self.summary.any_refused() {
            return Err(Failure::Invalid("some records were refused (see the summary); fix them and re-run: what exists is skipped".into()));
        }
        Ok(())
    }

    /// Creates `data` (which carries its source `id`) at `/{path}` unless it exists: a 409
    /// `ID_CONFLICT` (or a taken key or email, `*_TAKEN`) for a resource the destination shows is a
    /// skip; one it does not (the id is held by another account) is a refusal. Attributes the
    /// destination does not accept (400 `PARAMETER_UNPERMITTED`) are dropped and noted, so
    /// an export from a newer or older Keygen imports what it can.
    ///
    /// # Errors
    /// [`Failure::Network`] when the destination cannot be reached (the import stops there;
    /// re-running resumes).
    pub fn create(&mut self, ty: &'static str, path: &str, mut data: Value) -> Result<(Fate, Value), Failure> {
        let id = data["id"].as_str().unwrap_or_default().to_owned();
        if let Some(attrs) = data["attributes"].as_object_mut() {
            attrs.retain(|_, v| !v.is_null());
        }
        for (section, member) in self.dropped.get(ty).into_iter().flatten() {
            if let Some(m) = data[section.as_str()].as_object_mut() {
                m.remove(member);
            }
        }
        let mut created = Value::Null;
        let fate = loop {
            let (status, doc) = self.api.raw("POST", &format!("/{path}"), Some(&json!({"data": data})))?;
            if status < 400 {
                created = doc;
                break Fate::Imported;
            }
            let err = &doc["errors"][0];
            let code = err["code"].as_str().unwrap_or_default();
            let pointer = err["source"]["pointer"].as_str().unwrap_or_default();
            let detail = err["detail"].as_str().unwrap_or_default();
            if code == "PARAMETER_UNPERMITTED" {
                if let Some(member) = pointer.strip_prefix("/data/attributes/").or_else(|| pointer.strip_prefix("/data/relationships/")) {
                    let member = member.split('/').next().unwrap_or(member).to_owned();
                    let section = if pointer.starts_with("/data/attributes/") { "attributes" } else { "relationships" };
                    if data[section].as_object_mut().and_then(|m| m.remove(&member)).is_some() {
                        self.summary.note(ty, format!("dropped {section}.{member}: not accepted by the destination"));
                        self.dropped.entry(ty).or_default().push((section.to_owned(), member));
                        continue;
                    }
                }
            }
            // Taken (the id, or a unique attribute such as a key or an email): the record is
            // already here when its id is; otherwise something else holds it.
            if code == "ID_CONFLICT" || code.ends_with("_TAKEN") {
                let (s, _) = self.api.raw("GET", &format!("/{path}/{}", percent(&id)), None)?;
                if s == 200 {
                    break Fate::Skipped;
                }
                if code == "ID_CONFLICT" {
                    break self.summary.refuse(ty, &id, format!("{status} {code}: {detail} (the id is held outside this account)"));
                }
            }
            break self.summary.refuse(
                ty,
                &id,
                format!("{status} {code}: {detail}{}", if pointer.is_empty() { String::new() } else { format!(" ({pointer})") }),
            );
        };
        self.summary.count(ty, &fate);
        Ok((fate, created))
    }

    /// Notes something about an imported record (counted per distinct note).
    pub fn note(&mut self, ty: &'static str, note: impl Into<String>) {
        self.summary.note(ty, note.into());
    }

    /// Runs an action (`POST /{path}`) after an import, noting a failure without stopping.
    ///
    /// # Errors
    /// [`Failure::Network`] when unreachable.
    pub fn action(&mut self, ty: &'static str, id: &str, path: &str, body: Option<Value>) -> Result<(), Failure> {
        let (status, doc) = self.api.raw("POST", path, body.as_ref())?;
        if status >= 400 {
            let code = doc["errors"][0]["code"].as_str().unwrap_or_default().to_owned();
            self.summary.refuse(ty, id, format!("{path}: {status} {code}"));
        }
        Ok(())
    }
}

/// Keeps only the members of `src` named in `keep` (absent ones are left out).
pub fn pick(src: &Value, keep: &[&str]) -> Value {
    let mut m = Map::new();
    for k in keep {
        if let Some(v) = src.get(*k).filter(|v| !v.is_null()) {
            m.insert((*k).to_owned(), v.clone());
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_and_explains() {
        let mut s = Summary::default();
        s.count("licenses", &Fate::Imported);
        s.count("licenses", &Fate::Skipped);
        s.refuse("licenses", "l1", "422 POLICY_NOT_FOUND");
        s.note("licenses", "dropped attributes.x".into());
        let j = s.to_json();
        assert_eq!(j["licenses"]["imported"], 1);
        assert_eq!(j["licenses"]["refused"][0], "l1: 422 POLICY_NOT_FOUND");
        assert!(s.render().contains("refused l1: 422 POLICY_NOT_FOUND"));
        assert!(s.any_refused());
        assert_eq!(pick(&json!({"a":1,"b":null,"c":2}), &["a", "b"]), json!({"a":1}));
    }
}

//! PyPI's simple repository API: PEP 503 HTML and PEP 691 JSON, chosen by `Accept`, with
//! PEP 503 name normalization and `#sha256=` / `hashes` when a checksum is a SHA-256.

use serde_json::{json, Value};

use super::{accept, checksum, html_escape, EngineFile};

/// PEP 691 JSON.
pub const JSON: &str = "application/vnd.pypi.simple.v1+json";
/// PEP 691 HTML.
pub const HTML_V1: &str = "application/vnd.pypi.simple.v1+html";
/// PEP 503 HTML (the legacy type pip falls back to).
pub const HTML: &str = "text/html";

/// The representation a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PEP 691 JSON.
    Json,
    /// HTML, answered as `text/html` (PEP 503) …
    Html,
    /// … or as PEP 691's versioned HTML type.
    HtmlV1,
}

impl Format {
    /// Negotiates from the `Accept` header (absent or `*/*` → PEP 503 HTML); `None` = 406.
    pub fn negotiate(accept_header: Option<&str>) -> Option<Self> {
        match accept::choose(accept_header, &[HTML, HTML_V1, JSON])? {
            JSON => Some(Self::Json),
            HTML_V1 => Some(Self::HtmlV1),
            _ => Some(Self::Html),
        }
    }

    /// The `Content-Type` of the reply.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => JSON,
            Self::HtmlV1 => HTML_V1,
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

/// PEP 503 normalization: runs of `-`, `_`, `.` become one `-`, lowercased.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep {
                out.push('-');
                sep = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    if sep {
        out.push('-');
    }
    out
}

/// A project on the index: its display name and the URL of its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The package key.
    pub name: String,
    /// Absolute URL of the project page (ends with `/`).
    pub url: String,
}

/// The index (`/simple/`) in `format`.
pub fn render_index(format: Format, title: &str, projects: &[Project]) -> String {
    if format == Format::Json {
        let list: Vec<Value> = projects.iter().map(|p| json!({ "name": p.name })).collect();
        return json!({ "meta": { "api-version": "1.1" }, "projects": list }).to_string();
    }
    let mut body = head(&format!("Packages for {title}"));
    for p in projects {
        body.push_str(&format!("<a href=\"{}\">{}</a><br>\n", html_escape(&p.url), html_escape(&p.name)));
    }
    body.push_str("</body>\n</html>\n");
    body
}

/// A project page (`/simple/{project}/`) listing `files` (newest release first) in `format`.
pub fn render_project(format: Format, name: &str, title: &str, files: &[EngineFile]) -> String {
    if format == Format::Json {
        let list: Vec<Value> = files
            .iter()
            .map(|f| {
                let mut o = json!({ "filename": f.filename, "url": f.url, "hashes": {} });
                if let (Some(h), Some(m)) = (checksum::sha256_hex(f.checksum.as_deref()), o.as_object_mut()) {
                    m.insert("hashes".into(), json!({ "sha256": h }));
                }
                if let (Some(rp), Some(m)) = (requires_python(f), o.as_object_mut()) {
                    m.insert("requires-python".into(), json!(rp));
                }
                o
            })
            .collect();
        return json!({ "meta": { "api-version": "1.1" }, "name": normalize(name), "files": list }).to_string();
    }
    let mut body = head(&format!("Files for {name} by {title}"));
    for f in files {
        let mut href = f.url.clone();
        if let Some(h) = checksum::sha256_hex(f.checksum.as_deref()) {
            href.push_str("#sha256=");
            href.push_str(&h);
        }
        let rp = requires_python(f).map(|rp| format!(" data-requires-python=\"{}\"", html_escape(&rp))).unwrap_or_default();
        body.push_str(&format!("<a href=\"{}\"{rp}>{}</a><br>\n", html_escape(&href), html_escape(&f.filename)));
    }
    body.push_str("</body>\n</html>\n");
    body
}

fn requires_python(f: &EngineFile) -> Option<String> {
    f.metadata.as_ref()?.get("requiresPython")?.as_str().map(str::to_string)
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.1\">\n<title>{t}</title>\n</head>\n<body>\n<h1>{t}</h1>\n",
        t = html_escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, checksum: Option<&str>) -> EngineFile {
        EngineFile {
            filename: name.into(),
            url: format!("https://h/v1/accounts/a/artifacts/1/{name}"),
            version: "1.0.0".into(),
            channel: "stable".into(),
            tag: None,
            checksum: checksum.map(str::to_string),
            metadata: serde_json::from_str(r#"{"requiresPython":">=3.8"}"#).ok(),
            created_ms: 0,
        }
    }

    #[test]
    fn names_normalize_like_pep_503() {
        assert_eq!(normalize("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize("FRIENDLY._-BARD"), "friendly-bard");
        assert_eq!(normalize("a__b..c"), "a-b-c");
        assert_eq!(normalize("x-"), "x-");
    }

    #[test]
    fn negotiation_follows_pep_691() {
        let pip = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
        assert_eq!(Format::negotiate(Some(pip)), Some(Format::Json));
        assert_eq!(Format::negotiate(Some("text/html")), Some(Format::Html));
        assert_eq!(Format::negotiate(Some(HTML_V1)), Some(Format::HtmlV1));
        assert_eq!(Format::negotiate(None), Some(Format::Html));
        assert_eq!(Format::negotiate(Some("application/json")), None);
    }

    #[test]
    fn html_project_page_carries_hash_and_escaped_requires_python() {
        let sha = "ab".repeat(32);
        let html = render_project(Format::Html, "pkg", "Acme", &[file("pkg-1.0.0-py3-none-any.whl", Some(&sha)), file("pkg-0.9.tar.gz", None)]);
        assert!(html.contains(&format!("href=\"https://h/v1/accounts/a/artifacts/1/pkg-1.0.0-py3-none-any.whl#sha256={sha}\" data-requires-python=\"&gt;=3.8\">pkg-1.0.0-py3-none-any.whl</a>")), "{html}");
        assert!(html.contains("href=\"https://h/v1/accounts/a/artifacts/1/pkg-0.9.tar.gz\" data"), "{html}");
        assert!(html.contains("<title>Files for pkg by Acme</title>"));
    }

    #[test]
    fn json_project_page_has_pep_691_members() {
        let sha = "cd".repeat(32);
        let v: Value = serde_json::from_str(&render_project(Format::Json, "My_Pkg", "Acme", &[file("a.whl", Some(&sha))])).unwrap_or_default();
        assert_eq!(v["name"], "my-pkg");
        assert_eq!(v["meta"]["api-version"], "1.1");
        assert_eq!(v["files"][0]["hashes"]["sha256"], sha.as_str());
        assert_eq!(v["files"][0]["requires-python"], ">=3.8");
        let idx: Value = serde_json::from_str(&render_index(Format::Json, "Acme", &[Project { name: "p".into(), url: "u/".into() }])).unwrap_or_default();
        assert_eq!(idx["projects"][0]["name"], "p");
    }

    #[test]
    fn html_index_escapes_names() {
        let html = render_index(Format::Html, "A<b>", &[Project { name: "x\"y".into(), url: "https://h/s/x/".into() }]);
        assert!(html.contains("<a href=\"https://h/s/x/\">x&quot;y</a><br>"));
        assert!(html.contains("Packages for A&lt;b&gt;"));
    }
}

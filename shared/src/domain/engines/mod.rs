//! Pure wire formats of the package engines (PyPI, npm, RubyGems, OCI): name rules, content
//! negotiation, checksum shapes and the renderers of each client's documents. No I/O: the
//! engine services (`service::distribution::engines`) pick the visible artifacts through the
//! distribution store and the access table, then hand plain values to these functions.

pub mod accept;
pub mod checksum;
pub mod npm;
pub mod oci;
pub mod pypi;
pub mod rubygems;

/// One downloadable file an engine lists: an uploaded artifact of a published, non-yanked
/// release the caller may download, with the link that resolves to its signed download URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineFile {
    /// The artifact's filename (case kept).
    pub filename: String,
    /// Absolute URL that answers with (a redirect to) the bytes.
    pub url: String,
    /// The release's normalized version.
    pub version: String,
    /// The release's channel key (`stable`, `rc`, `beta`, `alpha`, `dev`).
    pub channel: String,
    /// The release's tag, if any.
    pub tag: Option<String>,
    /// The artifact's checksum as uploaded (read by shape, see [`checksum`]).
    pub checksum: Option<String>,
    /// The artifact's `metadata` object, if any.
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// When the release was created (ms since the epoch).
    pub created_ms: i64,
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escape_covers_markup_and_quotes() {
        assert_eq!(html_escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;");
        assert_eq!(html_escape("pkg-1.0.whl"), "pkg-1.0.whl");
    }
}

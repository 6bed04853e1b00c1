//! The one CSV writer of the exports (RFC 4180): fields separated by commas, records ended by
//! CRLF, a field quoted (with `"` doubled) when it holds a comma, quote, CR or LF. Formula
//! injection is neutralised (OWASP): a field that starts with `=`, `+`, `-`, `@`, a tab or a CR
//! gets a leading `'`, so a spreadsheet shows it as text instead of evaluating it. Pure: no
//! I/O; [`parse`] reads what [`record`] writes (tests and the no-panic proptests).

/// The characters a spreadsheet may treat as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `value` with a leading `'` if a spreadsheet could read it as a formula.
pub fn neutralise(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// `value` as it is written: neutralised, then quoted if it must be.
pub fn field(value: &str) -> String {
    let neutral = neutralise(value);
    if neutral.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral.into_owned()
    }
}

/// Appends one record (its fields and CRLF) to `out`.
pub fn record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field(f.as_ref()));
    }
    out.push_str("\r\n");
}

/// Parses RFC 4180 text into records (fields unquoted; neutralising quotes are kept). A
/// malformed quote ends the field where it stands; never panics.
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut rec, mut cur) = (Vec::new(), String::new());
    let (mut quoted, mut started) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                '"' => quoted = false,
                c => cur.push(c),
            }
            continue;
        }
        match c {
            '"' if cur.is_empty() => {
                quoted = true;
                started = true;
            }
            ',' => {
                rec.push(std::mem::take(&mut cur));
                started = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                rec.push(std::mem::take(&mut cur));
                records.push(std::mem::take(&mut rec));
                started = false;
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started || !cur.is_empty() || !rec.is_empty() {
        rec.push(cur);
        records.push(rec);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_rfc_4180_requires() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field(""), "");
        let mut out = String::new();
        record(&mut out, &["id", "name, with comma", ""]);
        assert_eq!(out, "id,\"name, with comma\",\r\n");
    }

    #[test]
    fn formulas_are_neutralised() {
        for (raw, written) in [
            ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
            ("+1", "'+1"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(field(raw), written, "{raw:?}");
        }
    }

    #[test]
    fn parse_reads_back_what_record_writes() {
        let rows = vec![vec!["id", "a,b", "q\"uote", "multi\r\nline", ""], vec!["2", "=1+1", "", "x", "é"]];
        let mut out = String::new();
        for r in &rows {
            record(&mut out, r);
        }
        let back = parse(&out);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0], ["id", "a,b", "q\"uote", "multi\r\nline", ""]);
        assert_eq!(back[1], ["2", "'=1+1", "", "x", "é"]);
        assert_eq!(parse(""), Vec::<Vec<String>>::new());
        assert_eq!(parse("\"unterminated"), vec![vec!["unterminated".to_owned()]]);
    }
}

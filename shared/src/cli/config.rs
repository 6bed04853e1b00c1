//! The CLI's configuration file (deployment URL, account, token) and `login` / `logout`.
//!
//! The file is `$LATCHKEY_CONFIG`, else `$XDG_CONFIG_HOME/latchkey/config.toml`, else
//! `~/.config/latchkey/config.toml`; it holds a bearer token, so it is written with mode 0600.
//! It is a flat TOML table of basic strings (`key = "value"`), read and written here.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use serde_json::json;

use super::http::Api;
use super::{Args, Failure, Outcome};

/// Where and as whom the CLI talks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Deployment base URL, e.g. `https://licensing.example.com`.
    pub url: String,
    /// Account id or slug; `None` addresses the deployment's default account (bare `/v1/…`).
    pub account: Option<String>,
    /// Bearer token.
    pub token: String,
}

/// The config file's path.
///
/// # Errors
/// [`Failure::Config`] when neither `LATCHKEY_CONFIG`, `XDG_CONFIG_HOME` nor `HOME` is set.
pub fn path() -> Result<PathBuf, Failure> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = var("LATCHKEY_CONFIG") {
        return Ok(p);
    }
    let dir = var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config")));
    dir.map(|d| d.join("latchkey").join("config.toml")).ok_or_else(|| Failure::Config("set HOME, XDG_CONFIG_HOME or LATCHKEY_CONFIG".into()))
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn unquote(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('"')?.strip_suffix('"')?;
    let (mut out, mut chars) = (String::new(), inner.chars());
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'u' => out.push(char::from_u32(u32::from_str_radix(&chars.by_ref().take(4).collect::<String>(), 16).ok()?)?),
            _ => return None,
        }
    }
    Some(out)
}

impl Config {
    /// The file's text.
    pub fn render(&self) -> String {
        let mut s = format!("# latchkey CLI: written by `latchkey login`\nurl = {}\n", quote(&self.url));
        if let Some(a) = &self.account {
            s.push_str(&format!("account = {}\n", quote(a)));
        }
        s.push_str(&format!("token = {}\n", quote(&self.token)));
        s
    }

    /// Reads the file's text.
    ///
    /// # Errors
    /// A message naming the line that is not `key = "value"` or the missing key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (mut url, mut account, mut token) = (None, None, None);
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').ok_or_else(|| format!("line {}: expected key = \"value\"", n + 1))?;
            let v = unquote(v).ok_or_else(|| format!("line {}: expected a quoted string", n + 1))?;
            match k.trim() {
                "url" => url = Some(v),
                "account" => account = Some(v),
                "token" => token = Some(v),
                _ => {}
            }
        }
        Ok(Config { url: url.ok_or("no url")?, account, token: token.ok_or("no token")? })
    }

    /// Loads the saved configuration.
    ///
    /// # Errors
    /// [`Failure::Config`] when not logged in or the file is damaged.
    pub fn load() -> Result<Self, Failure> {
        let p = path()?;
        let text = std::fs::read_to_string(&p).map_err(|e| Failure::Config(format!("{}: {e} (run `latchkey login <url>` first)", p.display())))?;
        Config::parse(&text).map_err(|e| Failure::Config(format!("{}: {e}", p.display())))
    }

    /// Writes the configuration with mode 0600.
    ///
    /// # Errors
    /// [`Failure::Config`] when it cannot be written.
    pub fn save(&self) -> Result<PathBuf, Failure> {
        let p = path()?;
        let fail = |e: std::io::Error| Failure::Config(format!("{}: {e}", p.display()));
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            opts.mode(0o600);
            // An existing file keeps its mode on open: tighten it before writing the token.
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
            }
        }
        let mut f = opts.open(&p).map_err(fail)?;
        f.write_all(self.render().as_bytes()).map_err(fail)?;
        Ok(p)
    }
}

fn read_line(prompt: &str) -> Result<String, Failure> {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{prompt}").and_then(|()| err.flush());
    let mut s = String::new();
    std::io::stdin().lock().read_line(&mut s).map_err(|e| Failure::Config(format!("stdin: {e}")))?;
    Ok(s.trim_end_matches(['\r', '\n']).to_owned())
}

/// `latchkey login <url> [--account A] (--token T | --email E [--password P])`: checks the
/// credentials against the API (`GET /me`, or `POST /tokens` with Basic auth, as Keygen's
/// login) and saves them. Without `--token` or `--email`, reads a token from stdin; without
/// `--password`, reads it from `LATCHKEY_PASSWORD` or stdin.
pub fn login(mut a: Args) -> Outcome {
    let url = a.required("url")?.trim_end_matches('/').to_owned();
    a.only(&["account", "token", "email", "password", "json"])?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(Failure::Usage(format!("<url> must start with http:// or https://, got `{url}`")));
    }
    let account = a.value("account").map(str::to_owned);
    let token = match (a.value("token"), a.value("email")) {
        (Some(t), _) => t.to_owned(),
        (None, Some(email)) => {
            let password = match a.value("password").map(str::to_owned).or_else(|| std::env::var("LATCHKEY_PASSWORD").ok()) {
                Some(p) => p,
                None => read_line("password: ")?,
            };
            let api = Api::new(&url, account.as_deref(), None);
            let body = json!({"data": {"type": "tokens", "attributes": {"name": "latchkey CLI"}}});
            let doc = api.basic(email, &password).send("POST", "/tokens", Some(&body))?;
            doc["data"]["attributes"]["token"].as_str().map(str::to_owned).ok_or_else(|| Failure::Invalid("POST /tokens returned no token".into()))?
        }
        (None, None) => read_line("token: ")?,
    };
    let cfg = Config { url, account, token };
    let me = Api::from_config(&cfg).send("GET", "/me", None)?;
    let p = cfg.save()?;
    let who = me["data"]["attributes"]["email"].as_str().or(me["data"]["attributes"]["name"].as_str()).unwrap_or("?");
    let ty = me["data"]["type"].as_str().unwrap_or("?");
    if a.flag("json") {
        say!("{}", json!({"config": p.display().to_string(), "bearer": {"type": ty, "id": me["data"]["id"], "name": who}}));
    } else {
        say!("logged in to {} as {ty} {who}; saved to {}", cfg.url, p.display());
    }
    Ok(())
}

/// `latchkey logout`: removes the saved configuration (the token stays valid on the server;
/// revoke it with `DELETE /tokens/{id}`).
pub fn logout(a: Args) -> Outcome {
    a.only(&[])?;
    let p = path()?;
    match std::fs::remove_file(&p) {
        Ok(()) => say!("logged out: removed {}", p.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => say!("not logged in ({} does not exist)", p.display()),
        Err(e) => return Err(Failure::Config(format!("{}: {e}", p.display()))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_round_trips_with_awkward_characters() {
        let c = Config { url: "https://x.test".into(), account: Some("a\"b\\c".into()), token: "admin-\u{1}tok\nen".into() };
        assert_eq!(Config::parse(&c.render()).unwrap(), c);
        let c = Config { account: None, ..c };
        assert_eq!(Config::parse(&c.render()).unwrap(), c);
    }

    #[test]
    fn a_damaged_file_names_the_line() {
        assert_eq!(Config::parse("url = \"x\"\ntoken = bare").unwrap_err(), "line 2: expected a quoted string");
        assert_eq!(Config::parse("url = \"x\"").unwrap_err(), "no token");
        assert!(Config::parse("url = \"x\\q\"\ntoken=\"t\"").is_err());
    }
}

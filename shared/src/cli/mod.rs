//! The `latchkey` command-line tool: login, CRUD over the resource table, license check-out and
//! offline verification (with the server's own `crypto::license_file`), release publishing, and importers from
//! Keygen-compatible APIs and Cryptlex CSV exports. Built only with the `cli` feature.
//!
//! Exit codes: 0 ok, 1 the API refused (its JSON:API errors are printed) or a file did not
//! verify, 2 usage, 3 network or configuration.

/// `println!` that ignores a closed stdout (`latchkey … | head`): Rust ignores SIGPIPE, so
/// `println!` would panic on EPIPE.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

/// `eprintln!` that ignores a closed stderr.
macro_rules! warn {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

mod args;
mod config;
mod cryptlex;
mod export;
mod http;
mod import;
mod keygen;
mod license;
mod output;
mod release;
mod resources;

use std::fmt;

pub use args::Args;
pub use config::Config;
pub use cryptlex::{metadata as cryptlex_metadata, stable_id};
pub use resources::{body, typed};

/// Why a command failed; each kind has its exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad command line (exit 2).
    Usage(String),
    /// The API answered with an error document (exit 1).
    Api(http::ApiError),
    /// A file or value did not verify (exit 1).
    Invalid(String),
    /// The server could not be reached (exit 3).
    Network(String),
    /// Missing or unreadable configuration or files (exit 3).
    Config(String),
}

impl Failure {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Api(_) | Failure::Invalid(_) => 1,
            Failure::Network(_) | Failure::Config(_) => 3,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) => write!(f, "usage: {m}\n(run `latchkey help`)"),
            Failure::Api(e) => write!(f, "{e}"),
            Failure::Invalid(m) => write!(f, "invalid: {m}"),
            Failure::Network(m) => write!(f, "network: {m}"),
            Failure::Config(m) => write!(f, "config: {m}"),
        }
    }
}

/// A command's outcome.
pub type Outcome = Result<(), Failure>;

/// Usage text: every command.
pub const HELP: &str = "latchkey — command line for Latchkey (and Keygen-compatible APIs)

  latchkey login <url> [--account <id|slug>] (--token <token> | --email <email> [--password <pw>])
  latchkey logout
  latchkey <resource> list [--all] [--limit <n>] [--query k=v]... [--json]
  latchkey <resource> show <id> [--json]
  latchkey <resource> create [--id <uuid>] [--attr k=v]... [--str k=v]... [--rel name=id]... [--json]
  latchkey <resource> update <id> [--attr k=v]... [--str k=v]... [--rel name=id]... [--json]
  latchkey <resource> delete <id>
      resources: products policies licenses machines users groups entitlements webhooks releases
      --attr values are typed: 12, 1.5, true, false, null, {\"json\":1}, [1,2], \"quoted\"; else a string
  latchkey license checkout <id> --out <file> [--encrypt] [--ttl <seconds>] [--include a,b]
  latchkey release publish <file> --product <id> --version <semver> --channel <ch> [--platform <p>] [--arch <a>]
      [--filetype <t>] [--package <id>] [--tag <t>] [--json]
  latchkey verify <file> --key <license-key> --public-key <hex> [--fingerprint <fp>] [--json]
  latchkey export licenses|machines|users|trial-activations|activation-logs|event-logs [--out <file>] [--limit <n>]
      [--query k=v]...   (the whole CSV: follows the server's `Link: rel=\"next\"` parts, header once)
  latchkey import keygen --from <url> --account <id> --token <token>
  latchkey import cryptlex [--users users.csv] [--licenses licenses.csv] [--activations activations.csv]

  Config: $LATCHKEY_CONFIG, else $XDG_CONFIG_HOME/latchkey/config.toml, else ~/.config/latchkey/config.toml (mode 0600).
  Exit codes: 0 ok, 1 API error or failed verification, 2 usage, 3 network/config.";

/// Runs one command line (without the program name) and returns the exit code.
pub fn run(argv: Vec<String>) -> i32 {
    match dispatch(argv) {
        Ok(()) => 0,
        Err(f) => {
            warn!("{f}");
            f.exit_code()
        }
    }
}

fn dispatch(argv: Vec<String>) -> Outcome {
    let mut a = Args::parse(argv)?;
    let Some(cmd) = a.next_positional() else {
        say!("{HELP}");
        return Err(Failure::Usage("a command is required".into()));
    };
    match cmd.as_str() {
        "help" | "--help" | "-h" => {
            say!("{HELP}");
            Ok(())
        }
        "login" => config::login(a),
        "logout" => config::logout(a),
        "verify" => license::verify(a),
        "export" => export::run(a),
        "import" => match a.next_positional().as_deref() {
            Some("keygen") => keygen::run(a),
            Some("cryptlex") => cryptlex::run(a),
            _ => Err(Failure::Usage("import keygen|cryptlex".into())),
        },
        "license" | "licenses" if a.peek_positional() == Some("checkout") => {
            a.next_positional();
            license::checkout(a)
        }
        "release" | "releases" if a.peek_positional() == Some("publish") => {
            a.next_positional();
            release::publish(a)
        }
        other => match resources::find(other) {
            Some(r) => resources::run(r, a),
            None => Err(Failure::Usage(format!("unknown command `{other}`"))),
        },
    }
}

//! A small command-line parser: positionals, `--flag`, `--name value`, `--name=value`, repeated
//! options; each command states the options it takes, anything else is a usage error.

use super::Failure;

/// Options that take no value.
const FLAGS: &[&str] = &["json", "all", "encrypt", "help"];

/// A parsed command line.
#[derive(Debug, Default)]
pub struct Args {
    positional: std::collections::VecDeque<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    /// Splits `argv` into positionals and options.
    ///
    /// # Errors
    /// [`Failure::Usage`] for an option that needs a value and has none.
    pub fn parse(argv: Vec<String>) -> Result<Self, Failure> {
        let mut a = Args::default();
        let mut it = argv.into_iter();
        while let Some(arg) = it.next() {
            if arg == "--" {
                a.positional.extend(it.by_ref());
                break;
            }
            let Some(name) = arg.strip_prefix("--") else {
                a.positional.push_back(arg);
                continue;
            };
            if let Some((k, v)) = name.split_once('=') {
                a.options.push((k.to_owned(), Some(v.to_owned())));
            } else if FLAGS.contains(&name) {
                a.options.push((name.to_owned(), None));
            } else {
                let v = it.next().ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
                a.options.push((name.to_owned(), Some(v)));
            }
        }
        Ok(a)
    }

    /// Takes the next positional.
    pub fn next_positional(&mut self) -> Option<String> {
        self.positional.pop_front()
    }

    /// The next positional, not taken.
    pub fn peek_positional(&self) -> Option<&str> {
        self.positional.front().map(String::as_str)
    }

    /// Takes the next positional, naming it in the usage error when absent.
    ///
    /// # Errors
    /// [`Failure::Usage`] when there is none.
    pub fn required(&mut self, what: &str) -> Result<String, Failure> {
        self.next_positional().ok_or_else(|| Failure::Usage(format!("<{what}> is required")))
    }

    /// True if `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(k, _)| k == name)
    }

    /// The last value of `--name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options.iter().rev().find(|(k, _)| k == name).and_then(|(_, v)| v.as_deref())
    }

    /// The value of `--name`, required.
    ///
    /// # Errors
    /// [`Failure::Usage`] when absent.
    pub fn needed(&self, name: &str) -> Result<&str, Failure> {
        self.value(name).ok_or_else(|| Failure::Usage(format!("--{name} is required")))
    }

    /// Every value of a repeated `--name`, in order.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.options.iter().filter(|(k, _)| k == name).filter_map(|(_, v)| v.as_deref()).collect()
    }

    /// Fails on leftover positionals or options outside `allowed`.
    ///
    /// # Errors
    /// [`Failure::Usage`] naming the first one.
    pub fn only(&self, allowed: &[&str]) -> Result<(), Failure> {
        if let Some(p) = self.positional.front() {
            return Err(Failure::Usage(format!("unexpected argument `{p}`")));
        }
        match self.options.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            Some((k, _)) => Err(Failure::Usage(format!("unknown option --{k}"))),
            None => Ok(()),
        }
    }
}

/// Splits `k=v`.
///
/// # Errors
/// [`Failure::Usage`] without `=` or with an empty name.
pub fn pair<'a>(opt: &str, s: &'a str) -> Result<(&'a str, &'a str), Failure> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k, v)),
        _ => Err(Failure::Usage(format!("--{opt} takes name=value, got `{s}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[&str]) -> Args {
        Args::parse(s.iter().map(|s| (*s).to_owned()).collect()).unwrap()
    }

    #[test]
    fn options_flags_and_positionals_are_told_apart() {
        let mut a = parse(&["products", "create", "--attr", "name=x", "--json", "--attr=code=y", "--", "--literal"]);
        assert_eq!(a.next_positional().as_deref(), Some("products"));
        assert_eq!(a.next_positional().as_deref(), Some("create"));
        assert_eq!(a.values("attr"), ["name=x", "code=y"]);
        assert!(a.flag("json"));
        assert_eq!(a.next_positional().as_deref(), Some("--literal"));
        assert!(a.only(&["attr", "json"]).is_ok());
        assert!(matches!(a.only(&["attr"]), Err(Failure::Usage(_))));
    }

    #[test]
    fn a_missing_value_is_a_usage_error() {
        assert!(matches!(Args::parse(vec!["--token".into()]), Err(Failure::Usage(_))));
        assert!(matches!(pair("attr", "novalue"), Err(Failure::Usage(_))));
        assert_eq!(pair("attr", "a=b=c").unwrap(), ("a", "b=c"));
    }
}

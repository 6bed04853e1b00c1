//! The `latchkey` CLI, built from `shared` (feature `cli`) and driven as a process against the
//! release Worker on workerd: login (token and email/password), a CRUD round trip with
//! `--json`, exit codes, license check-out and offline verification. Imports: `cli_import.rs`.

#[expect(dead_code, reason = "the shared CLI helpers offer more than this file uses")]
mod cli_support;

use cli_support::{bootstrap, rel, Cli};
use e2e::server;
use serde_json::json;

#[test]
fn cli_logs_in_and_round_trips_resources_with_json_and_exit_codes() {
    let acct = bootstrap(None);
    let cli = Cli::new();
    // Before login: a config error (3), and a usage error (2).
    assert_eq!(cli.run(&["products", "list"]).code, 3);
    assert_eq!(cli.run(&["products", "frobnicate"]).code, 2);
    assert_eq!(cli.run(&["login"]).code, 2);
    // An unreachable server is a network error (3) and saves nothing.
    let down = cli.run(&["login", "http://127.0.0.1:9", "--token", "admin-x"]);
    assert_eq!(down.code, 3, "{down:?}");
    assert!(!cli.config().exists());
    // A wrong token is the API's error (1), printed with its code.
    let bad = cli.run(&["login", server().url(), "--account", &acct.id, "--token", "admin-nope"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("code: TOKEN_FORMAT_INVALID") && bad.stderr.contains("source: header Authorization"), "{bad:?}");

    // Email/password: a token is generated through POST /tokens and saved with mode 0600.
    let out = cli.run(&["login", server().url(), "--account", &acct.id, "--email", &acct.email, "--password", &acct.password]).ok();
    assert!(out.stdout.contains(&acct.email), "{out:?}");
    let saved = std::fs::read_to_string(cli.config()).unwrap();
    assert!(saved.contains("token = \"admin-") || saved.contains("token = \"user-"), "{saved}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(cli.config()).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Create → show → update → list → delete, with typed attributes and relationships.
    let p = cli.run(&["products", "create", "--attr", "name=CLI App", "--str", "code=007", "--attr", "metadata={\"tier\":1}", "--json"]).ok().json();
    let product = p["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!((p["data"]["attributes"]["code"].as_str(), p["data"]["attributes"]["metadata"]["tier"].as_i64()), (Some("007"), Some(1)));
    let pol = cli
        .run(&[
            "policies",
            "create",
            "--attr",
            "name=Floating",
            "--attr",
            "floating=true",
            "--attr",
            "maxMachines=3",
            "--rel",
            &format!("product={product}"),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(pol["data"]["attributes"]["maxMachines"], 3);
    assert_eq!(pol["data"]["relationships"]["product"]["data"]["id"], product.as_str());
    let shown = cli.run(&["product", "show", &product, "--json"]).ok().json();
    assert_eq!(shown["data"]["attributes"]["name"], "CLI App");
    let text = cli.run(&["products", "show", &product]).ok();
    assert!(text.stdout.contains("name: CLI App"), "{text:?}");
    cli.run(&["products", "update", &product, "--attr", "name=Renamed"]).ok();
    assert_eq!(acct.get(&format!("/products/{product}")).json["data"]["attributes"]["name"], "Renamed");
    // More than one page: --all follows links.next.
    for i in 0..11 {
        acct.create("products", json!({"name": format!("bulk {i}")}), json!({}));
    }
    let all = cli.run(&["products", "list", "--all", "--json"]).ok().json();
    assert_eq!(all["data"].as_array().unwrap().len(), 12);
    let first = cli.run(&["products", "list", "--limit", "5", "--json"]).ok().json();
    assert_eq!(first["data"].as_array().unwrap().len(), 5);
    let table = cli.run(&["products", "list", "--all"]).ok();
    assert!(table.stdout.starts_with("ID") && table.stdout.contains("Renamed"), "{table:?}");
    // An API refusal prints title, detail, code and source, and exits 1.
    let bad = cli.run(&["licenses", "create", "--attr", "maxMachines=-1", "--rel", &format!("policy={}", pol["data"]["id"].as_str().unwrap())]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("code: MAX_MACHINES_INVALID") && bad.stderr.contains("source: pointer /data/attributes/maxMachines"), "{bad:?}");
    let unknown = cli.run(&["products", "create", "--attr", "bogus=1"]);
    assert!(unknown.stderr.contains("PARAMETER_UNPERMITTED") && unknown.stderr.contains("/data/attributes/bogus"), "{unknown:?}");
    // Webhook endpoints go by their short name too.
    let hook = cli.run(&["webhooks", "create", "--attr", "url=https://hooks.example.com/latchkey", "--json"]).ok().json();
    assert_eq!(hook["data"]["type"], "webhook-endpoints");
    cli.run(&["products", "delete", &product]).ok();
    let gone = cli.run(&["products", "show", &product]);
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("NOT_FOUND"), "{gone:?}");

    // Without LATCHKEY_CONFIG the file is $XDG_CONFIG_HOME/latchkey/config.toml; a password not
    // given on the command line is read from stdin.
    let xdg = cli.run_xdg(&["login", server().url(), "--account", &acct.id, "--email", &acct.email], &format!("{}\n", acct.password)).ok();
    assert!(xdg.stdout.contains("xdg/latchkey/config.toml"), "{xdg:?}");
    let xdg_file = cli.dir.join("xdg").join("latchkey").join("config.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&xdg_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(cli.run_xdg(&["products", "list", "--json"], "").ok().json()["data"].as_array().map(Vec::len), Some(10));
    let wrong = cli.run_xdg(&["login", server().url(), "--account", &acct.id, "--email", &acct.email], "not-the-password\n");
    assert_eq!(wrong.code, 1, "{wrong:?}");
    cli.run_xdg(&["logout"], "").ok();
    assert!(!xdg_file.exists());

    cli.run(&["logout"]).ok();
    assert!(!cli.config().exists());
    assert_eq!(cli.run(&["products", "list"]).code, 3);
}

#[test]
fn cli_checks_out_and_verifies_license_files_offline() {
    let acct = bootstrap(None);
    let cli = Cli::new();
    cli.login(&acct);
    let product = acct.create("products", json!({"name": "App"}), json!({}));
    let policy = acct.create("policies", json!({"name": "P"}), json!({"product": rel("products", &product)}));
    let lic = acct.post("/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": rel("policies", &policy)}}}));
    let (id, key) = (lic["data"]["id"].as_str().unwrap(), lic["data"]["attributes"]["key"].as_str().unwrap());
    for encrypt in [true, false] {
        let file = cli.dir.join(format!("license-{encrypt}.lic"));
        let file_s = file.to_str().unwrap();
        let mut args = vec!["license", "checkout", id, "--out", file_s, "--ttl", "3600"];
        if encrypt {
            args.push("--encrypt");
        }
        cli.run(&args).ok();
        let cert = std::fs::read_to_string(&file).unwrap();
        assert!(cert.starts_with("-----BEGIN LICENSE FILE-----"), "{cert}");
        let v = cli.run(&["verify", file_s, "--key", key, "--public-key", &acct.public_key, "--json"]).ok().json();
        assert_eq!((v["valid"].as_bool(), v["data"]["data"]["id"].as_str()), (Some(true), Some(id)));
        assert_eq!(v["alg"], if encrypt { "aes-256-gcm+ed25519" } else { "base64+ed25519" });
        // Another account's public key, and (encrypted) a wrong license key, do not verify.
        let other = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        assert_eq!(cli.run(&["verify", file_s, "--key", key, "--public-key", other]).code, 1);
        if encrypt {
            assert_eq!(cli.run(&["verify", file_s, "--key", "WRONG-KEY", "--public-key", &acct.public_key]).code, 1);
        }
        // A tampered byte in the body fails the signature.
        let mut lines: Vec<String> = cert.lines().map(str::to_owned).collect();
        let l1 = lines[1].clone();
        let flipped: String = l1
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 10 {
                    if c == 'A' {
                        'B'
                    } else {
                        'A'
                    }
                } else {
                    c
                }
            })
            .collect();
        lines[1] = flipped;
        let bad = cli.dir.join("tampered.lic");
        std::fs::write(&bad, lines.join("\n")).unwrap();
        let r = cli.run(&["verify", bad.to_str().unwrap(), "--key", key, "--public-key", &acct.public_key]);
        assert_eq!(r.code, 1, "{r:?}");
    }
    // Usage: --out is required.
    assert_eq!(cli.run(&["license", "checkout", id]).code, 2);
}

/// `latchkey export` follows the export's `Link: rel="next"` parts: with `--limit 2` over 6
/// users it fetches the parts and writes the header once and every user once, the same file a
/// one-part export gives; filters travel with every part; an unknown kind is a usage error.
#[test]
fn cli_export_follows_the_parts_and_writes_one_whole_csv() {
    let acct = bootstrap(None);
    let cli = Cli::new();
    cli.login(&acct);
    for i in 0..6 {
        acct.create(
            "users",
            json!({"email": format!("export-{i}@example.com"), "firstName": "Export", "metadata": {"batch": if i % 2 == 0 { "even" } else { "odd" }}}),
            json!({}),
        );
    }
    let parts = cli.dir.join("parts.csv");
    let whole = cli.dir.join("whole.csv");
    cli.run(&["export", "users", "--limit", "2", "--out", parts.to_str().unwrap()]).ok();
    cli.run(&["export", "users", "--out", whole.to_str().unwrap()]).ok();
    let (parts, whole) = (std::fs::read_to_string(parts).unwrap(), std::fs::read_to_string(whole).unwrap());
    let lines: Vec<&str> = parts.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 6, "header + 6 users (Keygen's users list: no staff): {parts}");
    assert!(lines[0].starts_with("id,"), "{parts}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("id,")).count(), 1, "the header once: {parts}");
    assert_eq!(parts, whole, "parts joined = the one-part export");
    // A filter is kept on every part: the 3 even users, in two parts of 2.
    let even = cli.run(&["export", "users", "--limit", "2", "--query", "metadata[batch]=even"]).ok();
    let rows: Vec<&str> = even.stdout.split("\r\n").skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 3, "{even:?}");
    assert!(rows.iter().all(|l| l.contains("\"\"even\"\"")), "{even:?}");
    // Staff only when named.
    let admins = cli.run(&["export", "users", "--query", "roles[]=admin"]).ok();
    assert_eq!(admins.stdout.split("\r\n").filter(|l| l.contains(",admin,")).count(), 1, "{admins:?}");
    assert_eq!(cli.run(&["export", "frobs"]).code, 2);
    assert_eq!(cli.run(&["export", "users", "--bogus", "1"]).code, 2);
}

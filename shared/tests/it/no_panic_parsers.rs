//! No input panics in the parsers and decoders, fed `no_panic`'s strategies: request bodies
//! (also through every API version's migrations), dates, queries and credentials, TOTP codes and
//! sealed secrets, page queries, the CLI, keys, tokens, signatures and license files, request-log
//! rules, D1's answers, permission lists and environments' founding admins all answer Ok or Err,
//! never a panic, and bad input is never a 5xx.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use shared::api::query::{Page, Query};
use shared::crypto::license_file::{self, Encoding, FileKind};
use shared::crypto::{keys, license_key, signature, token, totp};
use shared::rng::SeededRandom;
use shared::service::distribution;
use shared::service::identity::auth;
use shared::service::licensing::checkout;
use shared::service::lifecycle::webhooks;

use crate::no_panic::{body, json_value, jsonapi_doc, key, object, parse_everything, text, CASES};

proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn request_parsers_never_panic(b in body()) {
        parse_everything(&b);
    }

    #[test]
    fn dates_queries_and_credentials_never_panic(s in text(), t in text()) {
        let _ = shared::clock::parse_iso8601(&s);
        if let Ok(d) = s.parse::<shared::domain::duration::IsoDuration>() {
            let _ = d.add_to(i64::MAX);
            let _ = d.add_to(i64::MIN);
        }
        let q = Query::parse(&s);
        let _ = Page::from_query(&q).map(|p| p.offset());
        let _ = q.metadata_filters();
        let _ = q.flag("suspended");
        // distribution (issue 9): Range headers, upgrade constraints, versions, transfer links.
        let _ = distribution::transfer::parse_range(Some(&s), t.len() as u64);
        let _ = s.parse::<shared::domain::semver::Constraint>();
        let _ = s.parse::<shared::domain::semver::Version>();
        let _ = distribution::transfer::verify("secret", &s, &Query::parse(&t), 0);
        for kind in [FileKind::License, FileKind::Machine] {
            let _ = checkout::parse_options(kind, &q, None);
        }
        for header in [Some(s.as_str()), Some(format!("Bearer {t}").as_str()), Some(format!("License {t}").as_str()), Some(format!("Basic {t}").as_str()), None] {
            let _ = auth::parse_credentials(header, Some(&t));
        }
        let _ = webhooks::check_url(&s, false);
        let _ = shared::api::api_version(Some(&s));
        let _ = signature::check_accept_signature(Some(&s), "acct");
        // Key schemes (issue 8): license-file algs, JWT claims, algorithm names, signature params, sealed pairs.
        let _ = license_file::parse_alg(&s);
        let _ = shared::crypto::scheme_keys::compact_object(&s);
        let _ = shared::crypto::signer::Algorithm::parse(&s);
        let _ = signature::signature_param(&s);
        let _ = keys::unseal_bytes("secret", &s);
        let _ = shared::crypto::signer::rsa_from_der(s.as_bytes());
        let _ = shared::crypto::signer::ecdsa_from_bytes(t.as_bytes());
        // Meter attributes and activation rules (issue 10 §2, §4).
        let _ = shared::domain::meters::check_name(&s);
        let _ = shared::domain::activation_rules::parse_cidr(&s).map(|c| c.contains(std::net::Ipv4Addr::LOCALHOST.into()));
        let _ = shared::domain::activation_rules::parse_country(&s);
        let _ = shared::domain::activation_rules::parse_clock(Some(&s));
        let _ = shared::domain::trial::parse_interval(&s);
        let _ = shared::api::filters::time_range(&q, "created");
        let _ = shared::api::filters::one_of(&q, "action", &["activated"]);
        // Exports: the CSV writer; what it writes parses back to the (neutralised) fields.
        let mut out = String::new();
        shared::domain::csv::record(&mut out, &[s.as_str(), t.as_str()]);
        let back = shared::domain::csv::parse(&out);
        prop_assert_eq!(back, vec![vec![shared::domain::csv::neutralise(&s).into_owned(), shared::domain::csv::neutralise(&t).into_owned()]]);
        let _ = shared::domain::csv::parse(&s);
        // Environments (issue 8): codes, names, tenant ids and the validation scope rule.
        let _ = shared::domain::environments::check_code(&s);
        let _ = shared::domain::environments::check_name(&s);
        let _ = shared::domain::environments::split(&s);
        let _ = shared::domain::environments::scope_matches(Some(&s), Some((&t, Some(&s))));
    }

    #[test]
    fn totp_codes_and_sealed_secrets_never_panic(s in text(), t in text(), now in any::<u64>(), last in proptest::option::of(any::<u64>())) {
        let secret = totp::TotpSecret::generate(&SeededRandom::new(now));
        let _ = totp::verify(&secret, &s, now, last);
        let _ = totp::verify(&secret, &secret.code_at(now), now, last);
        let _ = totp::base32_decode(&s);
        let _ = totp::TotpSecret::unseal(&t, &s);
        let _ = totp::TotpSecret::unseal("secret", &secret.seal(&t, &SeededRandom::new(1)));
        let _ = secret.provisioning_uri(&s, &t);
    }

    #[test]
    fn page_queries_are_client_errors(k in prop::sample::select(vec!["limit", "page[size]", "page[number]"]), v in prop_oneof![text(), any::<i128>().prop_map(|n| n.to_string())]) {
        let q = Query::parse(&format!("{k}={v}&page[size]=10"));
        if let Err(e) = Page::from_query(&q) {
            prop_assert_eq!(e.status, 400);
        }
    }
}

// API versions (issue 8): the request and response migrations, at every version and on the
// routes they filter on, never panic on any body or document.
proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn version_migrations_never_panic(b in body(), doc in prop_oneof![json_value(), jsonapi_doc()], status in prop::sample::select(vec![200u16, 201, 204, 401, 422])) {
        use shared::api::versions::{migrate_payload, migrate_request, migrate_response, needs, payload_needs, Exchange, Lookups, Needs, ReleaseLookup};
        // Everything the document asks for is found (1.0: a release with a latest artifact).
        let owned = |n: Needs| Lookups {
            license_owners: n.licenses.into_iter().map(|id| (id, Some("u".to_owned()))).collect(),
            releases: n.releases.into_iter().map(|id| (id, ReleaseLookup { product_id: "p".into(), artifact: serde_json::json!({"id": "a", "filename": "f"}).as_object().cloned() })).collect(),
        };
        const ROUTES: [(&str, &str); 8] = [
            ("POST", "/policies"),
            ("PATCH", "/policies/{id}"),
            ("POST", "/tokens"),
            ("POST", "/machines"),
            ("POST", "/licenses/{id}/actions/validate"),
            ("GET", "/releases/{id}/artifacts"),
            ("GET", "/releases"),
            ("GET", "/artifacts/{id}"),
        ];
        for v in ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"] {
            for (method, pattern) in ROUTES {
                if let Some(up) = migrate_request(&b, v, method, pattern) {
                    parse_everything(&up);
                }
                let mut d = doc.clone();
                let x = Exchange { method, pattern: Some(pattern), status };
                let found = owned(needs(&d, v, &x));
                migrate_response(&mut d, v, &x, &found);
            }
            let mut d = doc.clone();
            let found = owned(payload_needs(&d, v));
            migrate_payload(&mut d, v, &found);
        }
    }
}

// CLI (issue 12 §2): the command line, its config file, typed `--attr` values and the Cryptlex
// CSV helpers never panic on any input.
#[cfg(feature = "cli")]
proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn cli_parsers_never_panic(s in text(), t in text(), argv in prop::collection::vec(text(), 0..6)) {
        let _ = shared::cli::Config::parse(&s);
        let _ = shared::cli::Config::parse(&format!("url = \"{s}\"\ntoken = {t}"));
        let _ = shared::cli::typed(&s);
        let _ = shared::cli::stable_id(&s, &t);
        let _ = shared::cli::cryptlex_metadata(Some(&s));
        if let Ok(mut a) = shared::cli::Args::parse(argv) {
            let _ = a.next_positional();
            let _ = a.only(&["json"]);
            for v in a.values("attr") {
                let one = shared::cli::Args::parse(vec!["--attr".into(), v.to_owned()]).unwrap_or_default();
                let _ = shared::cli::body("licenses", Some(&t), &one);
            }
        }
    }
}

#[test]
fn keys_tokens_signatures_and_files_never_panic() {
    let signing = keys::from_private_hex(&"07".repeat(32)).unwrap();
    let public = keys::public_hex(&signing);
    let rng = SeededRandom::new(3);
    let signed_key = license_key::sign_key(&signing, "dataset");
    let proof = shared::crypto::proof::sign(&signing, "{}");
    let files: Vec<String> = [Encoding::Base64, Encoding::Aes256Gcm]
        .into_iter()
        .flat_map(|enc| [FileKind::License, FileKind::Machine].map(|k| license_file::encode(k, r#"{"data":{}}"#, enc, "secret", &signing, &rng)))
        .collect();
    let sealed = keys::seal("secret", &signing, &rng);
    let headers = signature::sign_ed25519(&signing, signature::Target { account_id: "acct", method: "GET", target: "/v1/x", host: "h" }, 0, b"");
    let mut runner = TestRunner::new(Config { cases: CASES, failure_persistence: None, ..Config::default() });
    // Genuine values with a stretch replaced by arbitrary text, so decoders get past their first check.
    let mutation = (any::<prop::sample::Index>(), 0usize..24, text(), any::<String>());
    runner
        .run(&mutation, |(at, len, patch, raw)| {
            let mutate = |s: &str| {
                let mut cut = at.index(s.len() + 1);
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                let mut end = (cut + len).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}{patch}{}", &s[..cut], &s[end..])
            };
            for k in [raw.clone(), mutate(&signed_key), format!("key/{raw}"), format!("{raw}.{raw}")] {
                let _ = license_key::verify_key(&public, &k);
                let _ = license_key::verify_key(&raw, &k);
            }
            for f in &files {
                let _ = license_file::decode(&mutate(f), &public, "secret");
                let _ = license_file::decode(&mutate(f), &raw, &raw);
            }
            let _ = license_file::decode(&raw, &public, "secret");
            // Machine proofs (issue 8).
            let _ = shared::crypto::proof::verify(&public, &mutate(&proof));
            let _ = shared::crypto::proof::verify(&raw, &format!("proof/{raw}"));
            let _ = token::looks_like_token(&raw);
            let _ = token::digest("secret", "acct", &raw);
            let _ = keys::unseal("secret", &mutate(&sealed));
            let _ = keys::from_private_hex(&raw);
            let forged = signature::SignedHeaders { date: mutate(&headers.date), digest: mutate(&headers.digest), signature: mutate(&headers.signature) };
            let _ = signature::verify(&public, "GET", "/v1/x", "h", &forged, raw.as_bytes());
            let _ = signature::check_accept_signature(Some(&mutate(r#"keyid="acct", algorithm="ed25519""#)), "acct");
            let input = license_key::KeyDatasetInput {
                account_id: "a",
                product_id: "p",
                policy_id: "q",
                policy_duration: Some(i64::MAX),
                user: Some((&raw, &raw)),
                license_id: "l",
                created_ms: i64::MAX,
                expiry_ms: Some(i64::MIN),
            };
            let _ = license_key::format_template(&mutate("{{account}}-{{ id }}-{{expiry}}{{"), &input);
            let _ = license_key::format_template(&raw, &input);
            // Key schemes (issue 8): every scheme's default seed and key on hostile seeds.
            let ed_only = shared::crypto::signer::AccountSigner::ed25519(signing.clone());
            for scheme in shared::domain::strategy::Scheme::ALL {
                let _ = shared::crypto::scheme_keys::default_seed(*scheme, &input, &raw);
                let _ = shared::crypto::scheme_keys::make_key(&ed_only, *scheme, &raw, &rng);
            }
            Ok(())
        })
        .unwrap();
}

// Request logs (issue 8): the URL redaction, type normalization, date range and list filters.
proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn request_log_rules_never_panic(s in text(), t in text(), n in 0usize..4096) {
        use shared::domain::request_log as rl;
        let url = rl::redact_url(&s);
        prop_assert!(url.len() <= rl::MAX_URL);
        prop_assert!(rl::truncate(&s, n).len() <= n);
        let _ = rl::normalize_type(&s);
        let _ = rl::is_uuid(&s);
        if let Err(e) = rl::date_range(Some(&s), Some(&t)) {
            prop_assert_eq!(e.status, 400);
        }
        let _ = rl::Settings::from_vars(Some(&s), Some(&t));
        // Issue 11: any entry enters a batch, whose one parameter stays a JSON array of rows.
        let mut b = shared::service::lifecycle::request_log_batch::Batch::default();
        let e = shared::service::lifecycle::request_logs::Entry {
            method: t.clone(),
            target: s.clone(),
            status: u16::try_from(n).unwrap_or(u16::MAX),
            ip: Some(t.clone()),
            user_agent: Some(s.clone()),
            resource: Some((t.clone(), s.clone())),
            request_size: n,
            run_time_ms: i64::try_from(n).unwrap_or(0) - 2048,
            ..Default::default()
        };
        b.push(&s, &t, &e, i64::try_from(n).unwrap_or(0) * 86_400_017 - 1);
        b.push(&t, &s, &e, i64::MIN);
        prop_assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&b.param()).map(|r| r.len()).ok(), Some(2));
        // Issue 11: rows put back after a failed write keep the batch one JSON array of rows.
        let mut newer = shared::service::lifecycle::request_log_batch::Batch::default();
        newer.push(&t, &s, &e, 5);
        let before = newer.len();
        let kept = newer.restore(b);
        prop_assert_eq!(newer.len(), if kept { before + 2 } else { before });
        prop_assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&newer.param()).map(|r| r.len()).ok(), Some(newer.len()));
    }
}

// Issue 11: D1's answers as the Worker hands them over (one JSON string per read).
proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn d1_answers_decode_or_fail_never_panic(s in text(), v in json_value(), names in prop::collection::vec(key(), 0..4)) {
        use shared::store::wire;
        let _ = wire::decode_raw(&s);
        let _ = wire::decode_objects(&s);
        let _ = wire::decode_raw(&v.to_string());
        let _ = wire::decode_objects(&v.to_string());
        let header = serde_json::json!(names);
        let _ = wire::decode_raw(&serde_json::json!([header, [v.clone()], names.iter().map(|_| v.clone()).collect::<Vec<_>>()]).to_string());
        let rows = wire::decode_raw(&serde_json::json!([header, names.iter().map(|_| v.clone()).collect::<Vec<_>>()]).to_string());
        prop_assert!(rows.is_ok_and(|r| r.len() == 1));
    }
}

// Roles and permissions: the `permissions` parser, stored lists, roles and the `roles[]` filter.
proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn permission_lists_and_roles_never_panic(v in json_value(), s in text()) {
        use shared::access::permissions;
        for kind in shared::access::Kind::ALL {
            if let Err(e) = permissions::parse(&v, "/data/attributes/permissions", |p| permissions::bearer_allows(kind, p)) {
                prop_assert_eq!(e.status, 422);
            }
        }
        let _ = permissions::intersect(permissions::decode(Some(&s)), permissions::decode(Some("[\"license.read\"]")));
        let _ = permissions::rendered(Some(&s), Vec::new);
        let _ = s.parse::<shared::domain::states::UserRole>();
    }
}

// Environments (issue 8): the founding admins of `POST /environments` (`relationships.admins`).
proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn environment_founding_admins_never_panic(items in prop::collection::vec(json_value(), 0..12), email in text(), attrs in object()) {
        use shared::service::identity::environment_admins::parse;
        for v in [items.clone(), vec![json!({"type": "users", "attributes": attrs.clone()})], vec![json!({"type": "users", "attributes": {"email": email}})]] {
            if let Err(e) = parse(v) {
                prop_assert!(matches!(e.status, 400 | 422), "{e:?}");
                prop_assert!(e.source.is_some(), "{e:?}");
            }
        }
    }
}

//! Read replicas: a validation whose negative outcome replication lag could explain is re-read
//! from the primary (`Db::query_primary`, counted by the SQLite store); a `VALID`, or a negative
//! that lag cannot explain, is answered from the first read; `requirePrimaryReads` forces it.

use serde_json::{json, Value};
use shared::domain::validation::LAG_EXPLAINABLE;
use shared::service::licensing::validation;
use shared::service::{Bearer, Caller};

use crate::machines::activate;
use crate::support::{block, Env};

fn anonymous(admin: &Caller) -> Caller {
    Caller { bearer: Bearer::Anonymous, ..admin.clone() }
}

/// Validates `key` and returns (code, primary reads it caused).
fn validate(env: &Env, caller: &Caller, key: &str, scope: Option<Value>) -> (String, u64) {
    let mut meta = json!({"key": key});
    if let Some(s) = scope {
        meta["scope"] = s;
    }
    let req = validation::parse_validate_key(json!({ "meta": meta }).to_string().as_bytes()).unwrap();
    let before = env.db.primary_reads.get();
    let v = block(validation::validate_license(&env.app(), caller, req)).unwrap();
    (v.outcome.code.as_str().to_owned(), env.db.primary_reads.get() - before)
}

#[test]
fn only_lag_explainable_negatives_are_re_read_from_the_primary() {
    let env = Env::new();
    let admin = env.admin();
    let anon = anonymous(&admin);
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "strict": true}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(validate(&env, &anon, &l.key, None), ("NO_MACHINES".to_owned(), 1));
    assert_eq!(validate(&env, &anon, "NO-SUCH-KEY", None), ("NOT_FOUND".to_owned(), 1));
    activate(&env, &admin, &l, json!({"fingerprint": "a"})).unwrap();
    assert_eq!(validate(&env, &anon, &l.key, Some(json!({"fingerprint": "a"}))), ("VALID".to_owned(), 0));
    assert_eq!(validate(&env, &anon, &l.key, Some(json!({"fingerprint": "b"}))), ("FINGERPRINT_SCOPE_MISMATCH".to_owned(), 1));
    // A request-shape outcome: no write can change it, so no re-read.
    assert_eq!(validate(&env, &anon, &l.key, Some(json!({"product": "00000000-0000-4000-8000-000000000000"}))), ("PRODUCT_SCOPE_MISMATCH".to_owned(), 0));
}

#[test]
fn require_primary_reads_reads_the_primary_for_every_validation() {
    let env = Env::new();
    let admin = env.admin();
    let anon = anonymous(&admin);
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"requirePrimaryReads": true}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(validate(&env, &anon, &l.key, None), ("VALID".to_owned(), 1));
}

#[test]
fn the_lag_list_holds_only_negative_outcomes() {
    assert!(!LAG_EXPLAINABLE.iter().any(|c| c.as_str() == "VALID"));
    assert!(LAG_EXPLAINABLE.iter().all(|c| c.lag_explainable()));
}

//! The harness itself against the real Worker: the server starts, accounts bootstrap, responses
//! are signed by the account's key, and cron handlers can be fired.

use e2e::server;

#[test]
fn admin_reads_its_account_with_a_signed_response() {
    let account = server().bootstrap_account();
    // The account client verifies the signature (and keyid) of every /v1/ response.
    let resp = account.client().get(&account.path(""), account.admin(), None);
    resp.assert_status(200);
    assert_eq!(resp.json["data"]["id"], account.id.as_str());
    assert_eq!(resp.json["data"]["type"], "accounts");
    assert_eq!(resp.json["data"]["attributes"]["slug"], account.slug.as_str());
}

#[test]
fn fresh_account_publishes_a_hex_ed25519_public_key() {
    let account = server().bootstrap_account();
    let key = account.document["data"]["meta"]["publicKey"].as_str().expect("data.meta.publicKey");
    assert_eq!(key.len(), 64, "{key}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{key}");
    assert_eq!(key, account.public_key_hex, "data.meta.publicKey == meta.publicKey");
}

#[test]
fn each_test_gets_its_own_account() {
    let a = server().bootstrap_account();
    let b = server().bootstrap_account();
    assert_ne!(a.id, b.id);
    assert_ne!(a.public_key_hex, b.public_key_hex);
}

#[test]
fn cron_triggers_can_be_fired() {
    for cron in ["*/2 * * * *", "*/10 * * * *", "0 6 * * *"] {
        assert_eq!(server().trigger_cron(cron), 200, "cron {cron}\n{}", server().logs());
    }
}

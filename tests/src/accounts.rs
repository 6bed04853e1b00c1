//! [`TestAccount`]: an account made for one test, with its admin's credentials and a client
//! that verifies the account's signatures.

use serde_json::Value;

use crate::Client;

/// An account created by [`Server::bootstrap_account`](crate::Server::bootstrap_account), with its first admin.
#[derive(Debug, Clone)]
pub struct TestAccount {
    /// Account id (UUID).
    pub id: String,
    /// The unique random slug the account was created with.
    pub slug: String,
    /// Bearer token of the account's admin (`admin-…`).
    pub admin_token: String,
    /// The admin user's id.
    pub admin_id: String,
    /// The admin's email.
    pub admin_email: String,
    /// The admin's password.
    pub admin_password: String,
    /// The account's Ed25519 public key, 64 hex chars: what SDKs take as `public_key`.
    pub public_key_hex: String,
    /// The whole 201 document returned by `POST /v1/accounts`.
    pub document: Value,
    pub(crate) url: String,
    pub(crate) host: String,
}

impl TestAccount {
    /// A client that sends nothing by default and verifies every `/v1/` response with this
    /// account's public key (and checks `keyid` is this account).
    pub fn client(&self) -> Client {
        let mut c = Client::new(&self.url);
        c.host.clone_from(&self.host);
        c.public_key_hex = Some(self.public_key_hex.clone());
        c.account_id = Some(self.id.clone());
        c
    }

    /// `/v1/accounts/{id}{rest}`, e.g. `account.path("/licenses")`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/accounts/{}{rest}", self.id)
    }

    /// The admin token, as the `token` argument of [`Client`] methods expects it.
    pub fn admin(&self) -> Option<&str> {
        Some(&self.admin_token)
    }
}

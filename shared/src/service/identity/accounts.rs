//! Accounts: bootstrap (authorised by the deployment's bootstrap token), lookup, and the
//! default account for bare `/v1/…` routes.

use serde_json::Value;

use crate::api::input::{Field, ResourceInput};
use crate::crypto::{
    keys::{self, AccountKeys},
    password, token,
};
use crate::domain::states::{BearerType, TokenKind, UserRole};
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, App, Bearer};
use crate::store::rows::AccountRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// A new account with its first admin.
#[derive(Debug)]
pub struct NewAccount {
    /// Display name.
    pub name: String,
    /// Unique slug (lower-case letters, digits, `-`).
    pub slug: String,
    /// First admin's email.
    pub admin_email: String,
    /// First admin's password.
    pub admin_password: String,
    /// An existing Ed25519 signing key brought along (`ed25519PrivateKey`), so that apps which
    /// embed the old account's public key keep verifying; `None` generates one.
    pub signing_key: Option<ed25519_dalek::SigningKey>,
    /// The API version the account is pinned to: the creating request's (Keygen's), set by
    /// the caller; the current one by default.
    pub api_version: &'static str,
}

/// The created account, its admin and the admin's token (shown once).
#[derive(Debug)]
pub struct Bootstrapped {
    /// The account.
    pub account: AccountRow,
    /// The admin user's id.
    pub admin_id: String,
    /// The admin token, in clear, shown once.
    pub admin_token: String,
}

/// Parses `POST /v1/accounts`.
///
/// # Errors
/// 400/422 with pointers for malformed or missing members.
pub fn parse_create(body: &[u8]) -> Result<NewAccount> {
    let mut r = ResourceInput::parse(body, "accounts")?;
    let name = match r.attrs.string("name")? {
        Field::Set(n) if !n.trim().is_empty() => n,
        _ => return Err(Error::attribute("name", AttrFault::Missing, "must not be blank")),
    };
    let slug = match r.attrs.string("slug")? {
        Field::Set(s) => s,
        _ => name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect(),
    };
    check_slug(&slug)?;
    r.attrs.object("metadata")?;
    let signing_key = match r.attrs.string("ed25519PrivateKey")? {
        Field::Absent | Field::Null => None,
        Field::Set(hex) => Some(parse_private_key(&hex)?),
    };
    let admins = r.rels.many("admins")?.unwrap_or_default();
    let Some(Value::Object(admin)) = admins.into_iter().next() else {
        return Err(Error::new(Code::ParameterMissing, "an admin user is required").pointer("/data/relationships/admins/data/0"));
    };
    let mut admin = crate::api::input::Members::new(admin, "/data/relationships/admins/data/0");
    admin.raw("type");
    let attrs = match admin.raw("attributes") {
        Some(Value::Object(a)) => a,
        _ => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data/relationships/admins/data/0/attributes")),
    };
    admin.finish()?;
    let mut attrs = crate::api::input::Members::new(attrs, "/data/relationships/admins/data/0/attributes");
    let email =
        attrs.string("email")?.set().filter(|e| e.contains('@')).ok_or_else(|| {
            Error::attribute("email", AttrFault::Invalid, "must be a valid email").pointer("/data/relationships/admins/data/0/attributes/email")
        })?;
    let password = attrs.string("password")?.set().filter(|p| p.len() >= 8).ok_or_else(|| {
        Error::attribute("password", AttrFault::Invalid, "must be at least 8 characters").pointer("/data/relationships/admins/data/0/attributes/password")
    })?;
    attrs.string("firstName")?;
    attrs.string("lastName")?;
    attrs.finish()?;
    r.finish()?;
    Ok(NewAccount { name, slug, admin_email: email.to_lowercase(), admin_password: password, signing_key, api_version: crate::api::API_VERSION })
}

/// An Ed25519 private key as Keygen stores it (`ed25519_private_key`: hex of the 32-byte seed),
/// or the 64-byte seed ‖ public key form (128 hex), whose public half must match the seed.
///
/// # Errors
/// 422 `ED25519_PRIVATE_KEY_INVALID` pointing at the attribute.
fn parse_private_key(hex_str: &str) -> Result<ed25519_dalek::SigningKey> {
    let invalid = || Error::attribute("ed25519PrivateKey", AttrFault::Invalid, "must be an Ed25519 private key: 64 hex characters (the 32-byte seed)");
    let hex_str = hex_str.trim();
    let (seed, public) = match hex_str.len() {
        64 => (hex_str, None),
        128 => (hex_str.get(..64).ok_or_else(invalid)?, hex_str.get(64..)),
        _ => return Err(invalid()),
    };
    let key = keys::from_private_hex(seed).map_err(|_| invalid())?;
    if public.is_some_and(|p| !p.eq_ignore_ascii_case(&keys::public_hex(&key))) {
        return Err(Error::attribute("ed25519PrivateKey", AttrFault::Invalid, "its public half does not match its seed"));
    }
    Ok(key)
}

/// A slug as Keygen allows it: lower-case letters, digits and dashes, and never a UUID (an
/// account is found by id or slug, so a slug must not read as another account's id).
fn check_slug(slug: &str) -> Result<()> {
    if slug.is_empty() || slug.len() > 255 || !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(Error::attribute("slug", AttrFault::Invalid, "must contain only lowercase letters, numbers and dashes"));
    }
    if crate::rng::is_uuid(slug) {
        return Err(Error::attribute("slug", AttrFault::Invalid, "cannot be a UUID"));
    }
    Ok(())
}

/// The members of `PATCH /v1/accounts/{id}`.
#[derive(Debug, Default)]
pub struct AccountChanges {
    /// New name.
    pub name: Field<String>,
    /// New slug.
    pub slug: Field<String>,
    /// New metadata (replaces the old).
    pub metadata: Field<serde_json::Map<String, Value>>,
    /// New pinned API version (`1.0`–`1.8`).
    pub api_version: Field<String>,
}

/// Parses `PATCH /v1/accounts/{id}`: `name`, `slug`, `metadata`, `apiVersion`.
///
/// # Errors
/// 400/422 with pointers for malformed, blank or unknown members.
pub fn parse_update(body: &[u8]) -> Result<AccountChanges> {
    let mut r = ResourceInput::parse(body, "accounts")?;
    r.id.take();
    let c = AccountChanges {
        name: r.attrs.string("name")?,
        slug: r.attrs.string("slug")?,
        metadata: r.attrs.object("metadata")?,
        api_version: r.attrs.string("apiVersion")?,
    };
    r.finish()?;
    match &c.api_version {
        Field::Absent => {}
        Field::Set(v) if crate::api::api_version(Some(v)).is_ok_and(|k| k == v) => {}
        _ => return Err(Error::attribute("apiVersion", AttrFault::NotAllowed, "unsupported API version")),
    }
    match &c.name {
        Field::Absent => {}
        Field::Set(n) if !n.trim().is_empty() && n.len() <= 255 => {}
        _ => return Err(Error::attribute("name", AttrFault::Missing, "must not be blank")),
    }
    match &c.slug {
        Field::Absent => {}
        Field::Set(s) => check_slug(s)?,
        Field::Null => return Err(Error::attribute("slug", AttrFault::Missing, "must not be blank")),
    }
    Ok(c)
}

/// Updates the caller's account (admins); records `account.updated`.
///
/// # Errors
/// 403 unless an admin; 422 `SLUG_TAKEN` if another account holds the slug.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &crate::service::Caller, input: AccountChanges) -> Result<AccountRow> {
    crate::access::require(caller, crate::access::Action::AccountUpdate)?;
    // Environments (issue 8): from inside one, the account itself changes (as Keygen's
    // `current_account`), never only the environment's tenant row.
    let real = match crate::domain::environments::split(&caller.account.id) {
        (account, Some(_)) => Some(find(app, account).await?),
        (_, None) => None,
    };
    let a = real.as_ref().unwrap_or(&caller.account);
    let name = input.name.set().unwrap_or_else(|| a.name.clone());
    let slug = input.slug.set().unwrap_or_else(|| a.slug.clone());
    let metadata = input.metadata.into_update().map_or(a.metadata.clone(), |m| crate::service::metadata_text(&m.unwrap_or_default()));
    let api_version = input.api_version.set().unwrap_or_else(|| a.api_version.clone());
    let changes = serde_json::json!({"name": name, "slug": slug});
    // The account's environments see its name, metadata and API version (issue 8).
    let tenants = vec![a.id.clone().into(), name.clone().into(), metadata.clone().into(), api_version.clone().into(), app.now().into()];
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::accounts::UPDATE, vec![a.id.clone().into(), name.into(), slug.into(), metadata.into(), app.now().into(), api_version.into()]),
            events::record_if_changed(
                app,
                &a.id,
                &caller.bearer,
                events::Event { name: "account.updated", resource_type: "accounts", resource_id: &a.id, changes: Some(changes), meta: None },
            ),
            Stmt::new(sql::accounts::UPDATE_TENANTS, tenants),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::attribute("slug", AttrFault::Taken, "has already been taken"));
    }
    find(app, &a.id).await
}

/// Checks the bootstrap bearer against the configured token in constant time.
///
/// # Errors
/// 401 `TOKEN_MISSING`/`TOKEN_INVALID`; 503 `CONFIG_INVALID` when no bootstrap token is configured.
pub fn authorize_bootstrap(authorization: Option<&str>, configured: Option<&str>) -> Result<()> {
    let Some(configured) = configured.filter(|c| !c.is_empty()) else {
        return Err(Error::new(Code::ConfigInvalid, "account creation is disabled: LATCHKEY_BOOTSTRAP_TOKEN is not set"));
    };
    let Some(given) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else {
        return Err(Error::new(Code::TokenMissing, "the bootstrap token is required").header("Authorization"));
    };
    let (a, b) = (given.trim().as_bytes(), configured.as_bytes());
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        Err(Error::new(Code::TokenInvalid, "the bootstrap token is invalid").header("Authorization"))
    }
}

/// Creates an account, its Ed25519 key pair (private key sealed under the deployment secret), its
/// first admin and an admin token, atomically.
///
/// # Errors
/// 422 `SLUG_TAKEN` if the slug is in use.
pub async fn bootstrap<D: Db, K: Kv>(app: &App<'_, D, K>, input: NewAccount) -> Result<Bootstrapped> {
    let now = app.now();
    let (signing, public_hex) = match input.signing_key {
        Some(k) => {
            let public = keys::public_hex(&k);
            (k, public)
        }
        None => AccountKeys::generate(app.rng),
    };
    let sealed = keys::seal(app.secret, &signing, app.rng);
    let account_id = app.uuid();
    let admin_id = app.uuid();
    let token_id = app.uuid();
    let raw = token::generate("admin", app.rng);
    let digest = token::digest(app.secret, &account_id, &raw);
    let hash = password::hash(app.kdf, app.rng, &input.admin_password).await?;
    let admin = Bearer::Admin { user_id: admin_id.clone(), role: UserRole::Admin };
    let stmts = vec![
        Stmt::new(
            sql::accounts::INSERT,
            vec![
                account_id.clone().into(),
                input.name.into(),
                input.slug.clone().into(),
                public_hex.into(),
                sealed.into(),
                now.into(),
                input.api_version.into(),
            ],
        ),
        sql::users::insert(sql::users::NewUser {
            id: &admin_id,
            account_id: &account_id,
            email: &input.admin_email,
            first_name: None,
            last_name: None,
            role: UserRole::Admin,
            password_hash: Some(hash),
            metadata: "{}".into(),
            now,
            permissions: None,
            organization_id: None,
            group_id: None,
        }),
        sql::tokens::insert(sql::tokens::NewToken {
            id: &token_id,
            account_id: &account_id,
            bearer_type: BearerType::User,
            bearer_id: &admin_id,
            kind: TokenKind::Admin,
            digest: &digest,
            name: Some("bootstrap".into()),
            expiry: None,
            max_activations: None,
            max_deactivations: None,
            permissions: None,
            now,
        }),
        events::record(
            app,
            &account_id,
            &admin,
            events::Event { name: "user.created", resource_type: "users", resource_id: &admin_id, changes: None, meta: None },
        ),
        events::record(
            app,
            &account_id,
            &admin,
            events::Event { name: "token.generated", resource_type: "tokens", resource_id: &token_id, changes: None, meta: None },
        ),
    ];
    // The account insert is guarded by the slug; every later statement depends on the account
    // row (foreign keys), so a taken slug makes the batch fail as a whole: check first to give a
    // precise error, and let the FK keep a racing duplicate from writing anything.
    if fetch_one::<AccountRow>(app.db, sql::accounts::FIND, &[input.slug.into()]).await?.is_some() {
        return Err(Error::attribute("slug", AttrFault::Taken, "has already been taken"));
    }
    let res = app.db.batch(stmts).await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::attribute("slug", AttrFault::Taken, "has already been taken"));
    }
    let account = find(app, &account_id).await?;
    Ok(Bootstrapped { account, admin_id, admin_token: raw })
}

/// An account by id or slug.
///
/// # Errors
/// 404 `NOT_FOUND`.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, id: &str) -> Result<AccountRow> {
    fetch_one(app.db, sql::accounts::FIND, &[id.into()]).await?.ok_or_else(|| Error::not_found("account", id))
}

/// The account bare `/v1/…` routes use: `configured` (LATCHKEY_ACCOUNT_ID) if set, else the
/// first account created in this deployment.
///
/// # Errors
/// 404 when there is none.
pub async fn default_account<D: Db, K: Kv>(app: &App<'_, D, K>, configured: Option<&str>) -> Result<AccountRow> {
    match configured.filter(|c| !c.is_empty()) {
        Some(id) => find(app, id).await,
        None => fetch_one(app.db, sql::accounts::FIND_DEFAULT, &[])
            .await?
            .ok_or_else(|| Error::new(Code::NotFound, "no account exists yet: bootstrap one with POST /v1/accounts")),
    }
}

/// `GET /v1/health`: one D1 read (unscoped, unsigned).
pub async fn health<D: Db, K: Kv>(app: &App<'_, D, K>) -> Result<i64> {
    Ok(fetch_one::<crate::store::rows::CountRow>(app.db, sql::accounts::HEALTH, &[]).await?.map_or(0, |c| c.n))
}

/// `GET /v1/accounts/{account}/health` (extension, issue 11): the same one read for any caller of
/// the account, answered through the account pipeline (rate limits, signing, request log). The
/// benchmark's one-read baseline.
pub async fn account_health<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &crate::service::Caller) -> Result<i64> {
    crate::access::require(caller, crate::access::Action::HealthRead)?;
    health(app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_token_is_checked() {
        assert!(authorize_bootstrap(Some("Bearer s3cret"), Some("s3cret")).is_ok());
        assert_eq!(authorize_bootstrap(Some("Bearer nope"), Some("s3cret")).unwrap_err().code, "TOKEN_INVALID");
        assert_eq!(authorize_bootstrap(None, Some("s3cret")).unwrap_err().code, "TOKEN_MISSING");
        assert_eq!(authorize_bootstrap(Some("Bearer x"), None).unwrap_err().status, 503);
    }

    #[test]
    fn create_requires_an_admin_with_a_valid_email() {
        let e = parse_create(br#"{"data":{"type":"accounts","attributes":{"name":"A"}}}"#).unwrap_err();
        assert_eq!(e.code, "PARAMETER_MISSING");
        let e = parse_create(br#"{"data":{"type":"accounts","attributes":{"name":"A"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"x","password":"longenough"}}]}}}}"#).unwrap_err();
        assert_eq!(e.code, "EMAIL_INVALID");
        let ok = parse_create(br#"{"data":{"type":"accounts","attributes":{"name":"Acme Inc"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"A@x.io","password":"longenough"}}]}}}}"#).unwrap();
        assert_eq!((ok.slug.as_str(), ok.admin_email.as_str()), ("acme-inc", "a@x.io"));
        assert!(ok.signing_key.is_none());
    }

    fn with_key(key: &str) -> Vec<u8> {
        format!(r#"{{"data":{{"type":"accounts","attributes":{{"name":"Moved","ed25519PrivateKey":"{key}"}},"relationships":{{"admins":{{"data":[{{"type":"users","attributes":{{"email":"a@x.io","password":"longenough"}}}}]}}}}}}}}"#).into_bytes()
    }

    #[test]
    fn an_existing_signing_key_is_kept_and_its_public_key_derived() {
        // RFC 8032 §7.1 test 1: seed → public key.
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let k = parse_create(&with_key(seed)).unwrap().signing_key.unwrap();
        assert_eq!(keys::public_hex(&k), public);
        let k = parse_create(&with_key(&format!("{seed}{public}"))).unwrap().signing_key.unwrap();
        assert_eq!(keys::public_hex(&k), public);
    }

    #[test]
    fn a_bad_signing_key_is_refused_precisely() {
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        for bad in ["", "zz", &seed[..62], &format!("{}zz", &seed[..62]), &format!("{seed}{seed}")] {
            let e = parse_create(&with_key(bad)).unwrap_err();
            assert_eq!((e.status, e.code.as_ref()), (422, "ED25519_PRIVATE_KEY_INVALID"), "{bad}");
            assert!(matches!(&e.source, Some(crate::error::Source::Pointer(p)) if p == "/data/attributes/ed25519PrivateKey"));
        }
        let e = parse_create(&with_key("1")).unwrap_err();
        assert_eq!(e.code, "ED25519_PRIVATE_KEY_INVALID");
    }
}

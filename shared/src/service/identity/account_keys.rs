//! An account's signing keys (§4.1): the Ed25519 pair made with the account, and the RSA-2048
//! and ECDSA P-256 pairs Keygen also gives every account, made here on the first use that needs
//! them (a key scheme, an accepted signature algorithm, a webhook endpoint's algorithm, a
//! license file's `alg`, or reading the account, which publishes them).
//!
//! Making a pair is one guarded UPDATE that fills only NULL columns: two first uses that race
//! both generate, one stores, and both then sign with the stored pair (read back).

use crate::crypto::keys;
use crate::crypto::signer::{self, AccountSigner, Pair};
use crate::error::Error;
use crate::service::App;
use crate::store::rows::AccountRow;
use crate::store::{sql, Db, Kv, Stmt};
use crate::Result;

fn internal(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("{what}: {e}"))
}

/// The account's keys that exist, unsealed with the deployment secret.
///
/// # Errors
/// 500 when a sealed key does not open (wrong deployment secret or altered data).
pub fn signer(secret: &str, account: &AccountRow) -> Result<AccountSigner> {
    let ed25519 = keys::unseal(secret, &account.private_key_sealed).map_err(|e| internal("unsealing account key", e))?;
    let rsa = match &account.rsa_private_key_sealed {
        Some(sealed) => {
            let der = keys::unseal_bytes(secret, sealed).map_err(|e| internal("unsealing account rsa key", e))?;
            Some(Box::new(signer::rsa_from_der(&der).map_err(|e| internal("decoding account rsa key", e))?))
        }
        None => None,
    };
    let ecdsa = match &account.ecdsa_private_key_sealed {
        Some(sealed) => {
            let raw = keys::unseal_bytes(secret, sealed).map_err(|e| internal("unsealing account ecdsa key", e))?;
            Some(signer::ecdsa_from_bytes(&raw).map_err(|e| internal("decoding account ecdsa key", e))?)
        }
        None => None,
    };
    Ok(AccountSigner { ed25519, rsa, ecdsa })
}

/// Makes `pair` for the account unless it exists, and returns the account as stored afterwards
/// (with the pair, whoever made it). Ed25519 always exists.
///
/// # Errors
/// 500 when the database fails or the stored pair cannot be read back.
pub async fn ensure<D: Db, K: Kv>(app: &App<'_, D, K>, account: &AccountRow, pair: Pair) -> Result<AccountRow> {
    let stmt = match pair {
        Pair::Ed25519 => return Ok(account.clone()),
        Pair::Rsa if account.rsa_private_key_sealed.is_some() => return Ok(account.clone()),
        Pair::Ecdsa if account.ecdsa_private_key_sealed.is_some() => return Ok(account.clone()),
        Pair::Rsa => rsa_stmt(app, account, &signer::rsa_generate(app.rng).map_err(|e| internal("generating rsa key", e))?),
        Pair::Ecdsa => {
            let key = signer::ecdsa_generate(app.rng);
            let sealed = keys::seal_bytes(app.secret, &key.to_bytes(), app.rng);
            Stmt::new(sql::accounts::SET_ECDSA_KEYS, vec![account.id.clone().into(), signer::ecdsa_public_pem(&key).into(), sealed.into()])
        }
    };
    app.db.batch(vec![stmt]).await?;
    super::accounts::find(app, &account.id).await
}

fn rsa_stmt<D: Db, K: Kv>(app: &App<'_, D, K>, account: &AccountRow, key: &rsa::RsaPrivateKey) -> Stmt {
    let sealed = keys::seal_bytes(app.secret, &signer::rsa_to_der(key), app.rng);
    Stmt::new(sql::accounts::SET_RSA_KEYS, vec![account.id.clone().into(), signer::rsa_public_pem(key).into(), sealed.into()])
}

/// Stores an RSA-2048 key made by the platform (the Worker's WebCrypto `generateKey`, native
/// and ~100× faster than generating in wasm), given as PKCS#8 DER, unless the account already has
/// a pair; returns the account as stored afterwards.
///
/// # Errors
/// 500 when `pkcs8_der` is not a 2048-bit RSA key or the database fails.
pub async fn adopt_rsa<D: Db, K: Kv>(app: &App<'_, D, K>, account: &AccountRow, pkcs8_der: &[u8]) -> Result<AccountRow> {
    if account.rsa_private_key_sealed.is_some() {
        return Ok(account.clone());
    }
    let key = signer::rsa_from_der(pkcs8_der).map_err(|e| internal("decoding platform rsa key", e))?;
    if rsa::traits::PublicKeyParts::size(&key) != signer::RSA_BITS / 8 {
        return Err(Error::internal("platform rsa key is not 2048 bits"));
    }
    app.db.batch(vec![rsa_stmt(app, account, &key)]).await?;
    super::accounts::find(app, &account.id).await
}

/// [`ensure`] for every pair the account does not have yet (reading the account publishes all).
///
/// # Errors
/// As [`ensure`].
pub async fn ensure_all<D: Db, K: Kv>(app: &App<'_, D, K>, account: &AccountRow) -> Result<AccountRow> {
    let a = ensure(app, account, Pair::Rsa).await?;
    ensure(app, &a, Pair::Ecdsa).await
}

/// The signer for an account that must hold `pair`: made if missing, then unsealed.
///
/// # Errors
/// As [`ensure`] and [`signer`].
pub async fn signer_with<D: Db, K: Kv>(app: &App<'_, D, K>, account: &AccountRow, pair: Pair) -> Result<AccountSigner> {
    let a = ensure(app, account, pair).await?;
    signer(app.secret, &a)
}

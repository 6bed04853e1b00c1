//! License tokens (`activ-…v3`): `POST|GET /licenses/{id}/tokens[/{id}]`, and the
//! `maxActivations` / `maxDeactivations` counters that machine activation and deactivation
//! charge in their own batch.
//!
//! # How activation and deactivation use the counters
//! When a request is authenticated with a license token ([`charged_token`] returns its id):
//! 1. a pre-check ([`check_activation`] / [`check_deactivation`]) gives the precise 422 early;
//! 2. the guarded machine insert (`sql::machines::INSERT`) and delete (`sql::machines::DELETE`)
//!    AND `token_has_room!` with the token id bound (NULL for other callers), so the machine
//!    is written only while the token has room;
//! 3. in the same batch, [`activation_stmt`] / [`deactivation_stmt`] counts it: that update
//!    applies only if the machine now exists (right after the delete: only if the delete
//!    changed a row), so both happen or neither.
//!
//! If the machine write changed nothing while the pre-check passed, activation and
//! deactivation re-run the pre-check to tell a token limit (a concurrent request used the last
//! one) from the engine's own refusals.

use serde_json::Value;

use crate::access::Action;
use crate::api::query::{Page, Query};
use crate::domain::states::BearerType;
use crate::error::{Code, Error};
use crate::service::{identity::tokens, licensing::licenses, App, Bearer, Caller};
use crate::store::rows::TokenRow;
use crate::store::{sql, Db, Kv, Stmt};
use crate::Result;

/// A license the caller may mint or list tokens for: admins and the license's product.
async fn manageable<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<crate::store::rows::LicenseRow> {
    licenses::authorize(app, caller, id, Action::LicenseTokenManage).await
}

/// `POST /licenses/{id}/tokens`: an activation token for the license with optional `name`,
/// `expiry`, `maxActivations`, `maxDeactivations`. The clear token is in the result once.
pub async fn generate<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<tokens::Issued> {
    let input = tokens::parse_input(body, true)?;
    let l = manageable(app, caller, license_id).await?;
    tokens::issue(app, caller, BearerType::License, &l.id, crate::access::Kind::License, input).await
}

/// `GET /licenses/{id}/tokens`.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, q: &Query) -> Result<(Vec<TokenRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let l = manageable(app, caller, license_id).await?;
    let f: Vec<Value> = vec![caller.account_id().into(), l.id.into()];
    crate::service::fetch_page(app.db, sql::license_actions::LIST_LICENSE_TOKENS, sql::license_actions::COUNT_LICENSE_TOKENS, f, page).await
}

/// `GET /licenses/{id}/tokens/{token}`.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, token_id: &str) -> Result<TokenRow> {
    let l = manageable(app, caller, license_id).await?;
    let t = tokens::find(app, caller.account_id(), token_id).await?;
    if t.bearer_type != BearerType::License || t.bearer_id != l.id {
        return Err(Error::not_found("token", token_id));
    }
    Ok(t)
}

/// The license token to charge for an activation or deactivation: the caller's token when the
/// caller is a license authenticated by token (`None` for license keys and other bearers).
pub fn charged_token(caller: &Caller) -> Option<&str> {
    match caller.bearer {
        Bearer::License { .. } => caller.token_id.as_deref(),
        _ => None,
    }
}

async fn charged_row<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<Option<TokenRow>> {
    match charged_token(caller) {
        Some(id) => Ok(Some(tokens::find(app, caller.account_id(), id).await?)),
        None => Ok(None),
    }
}

/// Pre-check for activation with the caller's license token.
///
/// # Errors
/// 422 `ACTIVATIONS_LIMIT_EXCEEDED` when the token has no activations left.
pub async fn check_activation<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<()> {
    match charged_row(app, caller).await? {
        Some(t) if t.max_activations.is_some_and(|m| t.activations >= m) => {
            Err(Error::new(Code::ActivationsLimitExceeded, format!("exceeds maximum allowed ({})", t.max_activations.unwrap_or_default()))
                .pointer("/data/attributes/activations"))
        }
        _ => Ok(()),
    }
}

/// Pre-check for deactivation with the caller's license token.
///
/// # Errors
/// 422 `DEACTIVATIONS_LIMIT_EXCEEDED` when the token has no deactivations left.
pub async fn check_deactivation<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<()> {
    match charged_row(app, caller).await? {
        Some(t) if t.max_deactivations.is_some_and(|m| t.deactivations >= m) => {
            Err(Error::new(Code::DeactivationsLimitExceeded, format!("exceeds maximum allowed ({})", t.max_deactivations.unwrap_or_default()))
                .pointer("/data/attributes/deactivations"))
        }
        _ => Ok(()),
    }
}

/// The statement that counts an activation of machine `machine_id` against the caller's license
/// token, to put in the activation batch after the (token-guarded) machine insert.
pub fn activation_stmt(caller: &Caller, machine_id: &str) -> Option<Stmt> {
    charged_token(caller).map(|t| Stmt::new(sql::license_actions::COUNT_TOKEN_ACTIVATION, vec![t.into(), machine_id.into()]))
}

/// The statement that counts a deactivation of machine `machine_id` against the caller's
/// license token, to put in the deactivation batch right after the (token-guarded) machine
/// delete.
pub fn deactivation_stmt(caller: &Caller, machine_id: &str) -> Option<Stmt> {
    charged_token(caller).map(|t| Stmt::new(sql::license_actions::COUNT_TOKEN_DEACTIVATION, vec![t.into(), machine_id.into()]))
}

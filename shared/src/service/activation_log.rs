//! The activation log's write side, usable by every capability like [`super::events`]: the
//! statements each activation, deactivation and trial activation puts in its own atomic batch,
//! so a log row exists if and only if the change happened. Reading is
//! `lifecycle::activation_logs`.

use serde_json::Value;

use crate::domain::states::ActivationAction;
use crate::service::{App, Caller};
use crate::store::{sql, Db, Kv, Stmt};

/// Where a request came from, as the Worker saw it (logged with the change).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// `CF-Connecting-IP`.
    pub ip: Option<String>,
    /// `request.cf.country`.
    pub country: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
}

impl Origin {
    fn params(&self) -> [Value; 3] {
        let o = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
        [o(&self.ip), o(&self.country), o(&self.user_agent)]
    }
}

/// Logs the activation of machine `machine_id`, inserted earlier in the same batch (nothing is
/// logged if the guarded insert refused it). Append it anywhere after that insert.
pub fn activated<D: Db, K: Kv>(app: &App<'_, D, K>, machine_id: &str, origin: &Origin) -> Stmt {
    let [ip, country, ua] = origin.params();
    Stmt::new(sql::activation_logs::LOG_ACTIVATED_MACHINE, vec![app.uuid().into(), machine_id.into(), ip, country, ua, app.now().into()])
}

/// What one logged change was, given by value.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// What happened.
    pub action: ActivationAction,
    /// The product.
    pub product_id: Option<&'a str>,
    /// The license.
    pub license_id: Option<&'a str>,
    /// The machine.
    pub machine_id: Option<&'a str>,
    /// The trial activation.
    pub trial_activation_id: Option<&'a str>,
    /// The machine's fingerprint.
    pub fingerprint: &'a str,
    /// An offline activation.
    pub offline: bool,
    /// The app's version, if the request said.
    pub app_version: Option<&'a str>,
    /// The operating system or platform.
    pub os: Option<&'a str>,
    /// The hostname.
    pub hostname: Option<&'a str>,
}

/// Logs `change`, only if the statement right before it in the batch changed a row: put it
/// right after the change's guarded event insert (`events::record_if_changed`).
pub fn if_changed<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, change: Change<'_>, origin: &Origin) -> Stmt {
    let o = |v: Option<&str>| v.map_or(Value::Null, Value::from);
    let [ip, country, ua] = origin.params();
    Stmt::new(
        sql::activation_logs::LOG_IF_CHANGED,
        vec![
            app.uuid().into(),
            caller.account_id().into(),
            change.action.as_str().into(),
            o(change.product_id),
            o(change.license_id),
            o(change.machine_id),
            o(change.trial_activation_id),
            change.fingerprint.into(),
            i64::from(change.offline).into(),
            o(change.app_version),
            o(change.os),
            o(change.hostname),
            ip,
            country,
            ua,
            app.now().into(),
        ],
    )
}

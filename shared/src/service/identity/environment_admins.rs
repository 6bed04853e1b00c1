//! Environments (Keygen EE, issue 8): the founding admins of a new environment
//! (`relationships.admins` on `POST /environments`) and the account's global admins, who act
//! inside every environment (Keygen's `authentication.rb`: "allow global admins to authn
//! everywhere").

use serde_json::{Map, Value};

use crate::api::input::{type_mismatch, Members};
use crate::crypto::password;
use crate::domain::environments::split;
use crate::domain::states::UserRole;
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, metadata_text, App, Bearer};
use crate::store::rows::UserRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// Keygen's `accepts_nested_attributes_for :users, limit: 10`.
pub const MAX_ADMINS: usize = 10;

/// One founding admin as sent (Keygen's typed params: `email`, optional `password`,
/// `firstName`, `lastName`, `metadata`, and `role`, which may only say `admin`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAdmin {
    email: String,
    password: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    metadata: Map<String, Value>,
}

/// Parses `relationships.admins.data` (its items, as [`crate::api::input::Rels::many`] gives
/// them).
///
/// # Errors
/// 400 `PARAMETER_INVALID` for more than [`MAX_ADMINS`] or an item that is not a `users`
/// resource, `PARAMETER_UNPERMITTED` for an unknown member; 422 `EMAIL_MISSING|INVALID|TAKEN`
/// (an email named twice), `PASSWORD_INVALID`, `ROLE_NOT_ALLOWED` — each pointing into the item.
pub fn parse(items: Vec<Value>) -> Result<Vec<NewAdmin>> {
    const BASE: &str = "/data/relationships/admins/data";
    if items.len() > MAX_ADMINS {
        return Err(Error::new(Code::ParameterInvalid, format!("must have at most {MAX_ADMINS} admins")).pointer(BASE));
    }
    let mut out: Vec<NewAdmin> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let ptr = format!("{BASE}/{i}");
        let Value::Object(item) = item else { return Err(type_mismatch(&ptr, &item, "object")) };
        let mut item = Members::new(item, ptr.clone());
        match item.string("type")?.set().as_deref() {
            Some("user" | "users") => {}
            Some(t) => return Err(Error::new(Code::ParameterInvalid, format!("type mismatch (received {t} expected users)")).pointer(format!("{ptr}/type"))),
            None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/type"))),
        }
        let attrs = match item.raw("attributes") {
            Some(Value::Object(a)) => a,
            Some(v) => return Err(type_mismatch(&format!("{ptr}/attributes"), &v, "object")),
            None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("{ptr}/attributes"))),
        };
        item.finish()?;
        let at = |k: &str| format!("{ptr}/attributes/{k}");
        let mut a = Members::new(attrs, format!("{ptr}/attributes"));
        let email = a.string("email")?.set().map(|e| e.trim().to_lowercase()).unwrap_or_default();
        if email.is_empty() {
            return Err(Error::attribute("email", AttrFault::Missing, "must not be blank").pointer(at("email")));
        }
        if !crate::service::identity::users::valid_email(&email) {
            return Err(Error::attribute("email", AttrFault::Invalid, "must be a valid email").pointer(at("email")));
        }
        if out.iter().any(|o| o.email == email) {
            return Err(Error::attribute("email", AttrFault::Taken, "has already been taken").pointer(at("email")));
        }
        let password = a.string("password")?.set().filter(|p| !p.is_empty());
        if password.as_ref().is_some_and(|p| p.len() < 8) {
            return Err(Error::attribute("password", AttrFault::Invalid, "is too short (minimum is 8 characters)").pointer(at("password")));
        }
        match a.string("role")?.set().as_deref() {
            None | Some("admin") => {}
            Some(_) => return Err(Error::attribute("role", AttrFault::NotAllowed, "must be admin").pointer(at("role"))),
        }
        let first_name = a.string("firstName")?.set();
        let last_name = a.string("lastName")?.set();
        let metadata = a.object("metadata")?.set().unwrap_or_default();
        a.finish()?;
        out.push(NewAdmin { email, password, first_name, last_name, metadata });
    }
    Ok(out)
}

/// The statements that write `admins` as admins of tenant `tenant` (to run in the batch that
/// writes the tenant row: the users' insert is guarded by the account's existence), each with
/// its `user.created` event; the passwords are hashed first.
pub async fn inserts<D: Db, K: Kv>(app: &App<'_, D, K>, tenant: &str, who: &Bearer, admins: Vec<NewAdmin>) -> Result<Vec<Stmt>> {
    let now = app.now();
    let mut stmts = Vec::with_capacity(admins.len() * 2);
    for a in admins {
        let id = app.uuid();
        let hash = match &a.password {
            Some(p) => Some(password::hash(app.kdf, app.rng, p).await?),
            None => None,
        };
        stmts.push(sql::users::insert(sql::users::NewUser {
            id: &id,
            account_id: tenant,
            email: &a.email,
            first_name: a.first_name,
            last_name: a.last_name,
            role: UserRole::Admin,
            password_hash: hash,
            metadata: metadata_text(&a.metadata),
            now,
            permissions: None,
            organization_id: None,
            group_id: None,
        }));
        stmts.push(events::record_if_changed(
            app,
            tenant,
            who,
            events::Event { name: "user.created", resource_type: "users", resource_id: &id, changes: None, meta: None },
        ));
    }
    Ok(stmts)
}

/// A user of `account_id` by id or email (inside a SHARED environment the account's global
/// users too, `sql::visible!`: Keygen accepts users "of Y or global" there) and, inside an
/// isolated environment, failing that one of the account's global admins (role `admin` only,
/// as Keygen's `account.admins`): they log in and act inside every environment.
pub async fn find_user<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, key: &str) -> Result<Option<UserRow>> {
    let here: Option<UserRow> = fetch_one(app.db, sql::users::FIND, &[account_id.into(), key.into()]).await?;
    match (here, split(account_id)) {
        (Some(u), _) => Ok(Some(u)),
        (None, (account, Some(_))) => {
            let global: Option<UserRow> = fetch_one(app.db, sql::users::FIND, &[account.into(), key.into()]).await?;
            Ok(global.filter(|u| u.role == UserRole::Admin))
        }
        (None, (_, None)) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fault(v: Value) -> (String, Option<String>) {
        let items = v.as_array().cloned().unwrap_or_default();
        let e = parse(items).err().unwrap_or_else(|| Error::internal("parsed"));
        let ptr = match &e.source {
            Some(crate::error::Source::Pointer(p)) => Some(p.clone()),
            _ => None,
        };
        (e.code.to_string(), ptr)
    }

    #[test]
    fn founding_admins_are_parsed_with_precise_pointers() {
        let ok = parse(vec![json!({"type":"users","attributes":{"email":"A@Example.com","password":"long enough","firstName":"A"}})]);
        assert_eq!(ok.map(|a| a.first().map(|a| a.email.clone())).ok().flatten().as_deref(), Some("a@example.com"));
        let p = |s: &str| Some(s.to_owned());
        assert_eq!(fault(json!([{"type":"users","attributes":{}}])), ("EMAIL_MISSING".into(), p("/data/relationships/admins/data/0/attributes/email")));
        assert_eq!(
            fault(json!([{"type":"users","attributes":{"email":"a@example.com"}},{"type":"users","attributes":{"email":"A@example.com"}}])),
            ("EMAIL_TAKEN".into(), p("/data/relationships/admins/data/1/attributes/email"))
        );
        assert_eq!(
            fault(json!([{"type":"users","attributes":{"email":"a@example.com","password":"short"}}])),
            ("PASSWORD_INVALID".into(), p("/data/relationships/admins/data/0/attributes/password"))
        );
        assert_eq!(
            fault(json!([{"type":"users","attributes":{"email":"a@example.com","role":"user"}}])),
            ("ROLE_NOT_ALLOWED".into(), p("/data/relationships/admins/data/0/attributes/role"))
        );
        assert_eq!(
            fault(json!([{"type":"users","attributes":{"email":"a@example.com","banned":true}}])),
            ("PARAMETER_UNPERMITTED".into(), p("/data/relationships/admins/data/0/attributes/banned"))
        );
        assert_eq!(fault(json!([{"type":"licenses","attributes":{}}])), ("PARAMETER_INVALID".into(), p("/data/relationships/admins/data/0/type")));
        assert_eq!(fault(json!([7])).1, p("/data/relationships/admins/data/0"));
        let eleven: Vec<Value> = (0..11).map(|i| json!({"type":"users","attributes":{"email":format!("a{i}@example.com")}})).collect();
        assert_eq!(fault(Value::Array(eleven)), ("PARAMETER_INVALID".into(), p("/data/relationships/admins/data")));
    }
}

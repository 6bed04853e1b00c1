//! Identity: users, tokens, the service ping, the profile, the top-level validators and
//! environments (not built on this branch: called, and listed with that reason).

use std::collections::HashMap;

use base64::Engine;
use keygen_rs::environment::{CreateEnvironmentRequest, Environment, IsolationStrategy, UpdateEnvironmentRequest};
use keygen_rs::license::LicenseValidationRequest;
use keygen_rs::token::{CreateTokenRequest, RegenerateTokenRequest, Token, TokenKind};
use keygen_rs::user::{CreateUserRequest, ListUsersOptions, ResetPasswordRequest, UpdatePasswordRequest, UpdateUserRequest, User, UserStatus};
use keygen_rs::KeygenClient;
use serde_json::json;

use crate::board::{Board, World};
use crate::licenses::{rel, Fixture};
use crate::{ensure, r};

fn login_status(w: &World, email: &str, password: &str) -> u16 {
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:{password}")));
    w.acct.client().post(&w.acct.path("/tokens"), Some(&basic), None).status
}

pub async fn run(w: &World, b: &mut Board) {
    let fx = Fixture::new(w);
    w.admin();
    let m = "users";
    let email = format!("sdk+{}@example.com", e2e::unique_tag());
    let mut created = None;
    b.run(m, "User::create", async {
        let req = CreateUserRequest {
            email: email.to_uppercase(),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            role: None,
            permissions: None,
            metadata: Some(HashMap::from([("tier".into(), json!("gold"))])),
        };
        let u = r!(User::create(req));
        ensure!(
            u.email == email
                && u.first_name.as_deref() == Some("Ada")
                && u.full_name.as_deref() == Some("Ada Lovelace")
                && matches!(u.status, UserStatus::Active),
            "{u:?}"
        );
        created = Some(u);
        Ok(())
    })
    .await;
    let user = created.expect("user created");
    b.run(m, "User::get", async {
        let u = r!(User::get(&user.id));
        ensure!(u.id == user.id && u.metadata.as_ref().and_then(|m| m.get("tier")) == Some(&json!("gold")), "{u:?}");
        Ok(())
    })
    .await;
    b.run(m, "User::list", async {
        let all = r!(User::list(Some(ListUsersOptions { limit: Some(100), ..Default::default() })));
        // Keygen's default scope (`roles: [:user]`): the account's users, not its admin.
        ensure!(all.users.iter().any(|u| u.id == user.id) && !all.users.iter().any(|u| u.id == w.acct.admin_id), "{:?}", all.users);
        // Its `metadata[key]` scope.
        let gold = HashMap::from([("tier".to_owned(), json!("gold"))]);
        let tier = r!(User::list(Some(ListUsersOptions { limit: Some(100), metadata: Some(gold), ..Default::default() })));
        ensure!(
            tier.users.iter().any(|u| u.id == user.id) && tier.users.iter().all(|u| u.metadata.as_ref().and_then(|m| m.get("tier")) == Some(&json!("gold"))),
            "{:?}",
            tier.users
        );
        Ok(())
    })
    .await;
    b.run(m, "User::update", async {
        let u = r!(user.update(UpdateUserRequest { email: None, first_name: Some("Augusta".into()), last_name: None, role: None, metadata: None }));
        ensure!(u.first_name.as_deref() == Some("Augusta") && u.last_name.as_deref() == Some("Lovelace"), "{u:?}");
        Ok(())
    })
    .await;
    b.run(m, "User::ban", async {
        ensure!(matches!(r!(user.ban()).status, UserStatus::Banned), "not banned");
        Ok(())
    })
    .await;
    b.run(m, "User::unban", async {
        ensure!(matches!(r!(user.unban()).status, UserStatus::Active), "still banned");
        Ok(())
    })
    .await;
    b.run(m, "User::change_group", async {
        r!(user.change_group(&fx.group));
        let doc = w.get(&format!("/users/{}", user.id));
        ensure!(doc["data"]["relationships"]["group"]["data"]["id"] == fx.group.as_str(), "{doc}");
        Ok(())
    })
    .await;
    let mut user_token = None;
    b.run(m, "User::generate_token", async {
        let t = r!(user.generate_token(Some(CreateTokenRequest { name: Some("laptop".into()), ..Default::default() })));
        ensure!(matches!(t.kind, TokenKind::UserToken) && t.name.as_deref() == Some("laptop") && t.token.is_some(), "{t:?}");
        user_token = Some(t);
        Ok(())
    })
    .await;
    // A user with a password, for update_password (as that user) and reset_password.
    let pw_email = format!("pw+{}@example.com", e2e::unique_tag());
    let pw_user = w.post("/users", json!({"data":{"type":"users","attributes":{"email":pw_email,"password":"original pw"}}}));
    b.run(m, "User::update_password", async {
        let u = r!(User::get(&pw_user));
        let t = r!(u.generate_token(None));
        w.configure(t.token, None);
        let res = u.update_password(UpdatePasswordRequest { old_password: Some("original pw".into()), new_password: "second pw 123".into() }).await;
        w.admin();
        ensure!(res.map_err(|e| format!("{e:?}"))?.id == pw_user, "another user");
        ensure!(login_status(w, &pw_email, "second pw 123") == 201 && login_status(w, &pw_email, "original pw") == 401, "password not changed");
        Ok(())
    })
    .await;
    b.run(m, "User::reset_password", async {
        w.acct.client().post(&w.acct.path("/passwords"), None, Some(json!({"meta":{"email":pw_email}}))).assert_status(204);
        let log = w.get(&format!("/event-logs?event=user.password-reset&resource[id]={pw_user}"));
        let token = log["data"][0]["attributes"]["metadata"]["meta"]["passwordResetToken"].as_str().ok_or(format!("no reset token: {log}"))?.to_owned();
        let u = r!(User::get(&pw_user));
        // The reset is made by whoever holds the token: no bearer.
        w.configure(None, None);
        let req = || ResetPasswordRequest { password_reset_token: token.clone(), new_password: "third pw 123".into() };
        let done = u.reset_password(req()).await.map_err(|e| format!("{e:?}"));
        w.admin();
        ensure!(done?.id == pw_user, "another user");
        ensure!(login_status(w, &pw_email, "third pw 123") == 201, "reset password does not log in");
        let again = u.reset_password(req()).await;
        w.admin();
        ensure!(again.is_err(), "a reset token works once");
        Ok(())
    })
    .await;
    b.run(m, "User::delete", async {
        let doomed = r!(User::create(CreateUserRequest {
            email: format!("gone+{}@example.com", e2e::unique_tag()),
            first_name: None,
            last_name: None,
            role: None,
            permissions: None,
            metadata: None
        }));
        r!(doomed.delete());
        ensure!(User::get(&doomed.id).await.is_err(), "deleted user still reads");
        Ok(())
    })
    .await;

    let t = "tokens";
    let no_token = || "no token: User::generate_token failed".to_owned();
    b.run(t, "Token::list", async {
        let user_token = user_token.as_ref().ok_or_else(no_token)?;
        let all = r!(Token::list(None));
        ensure!(all.iter().any(|x| x.id == user_token.id), "{all:?}");
        Ok(())
    })
    .await;
    b.run(t, "Token::get", async {
        let user_token = user_token.as_ref().ok_or_else(no_token)?;
        let got = r!(Token::get(&user_token.id));
        ensure!(got.id == user_token.id && got.name.as_deref() == Some("laptop") && got.token.is_none(), "{got:?}");
        Ok(())
    })
    .await;
    b.run(t, "Token::regenerate", async {
        let user_token = user_token.as_ref().ok_or_else(no_token)?;
        let got = r!(user_token.regenerate(RegenerateTokenRequest { name: None, expiry: None, permissions: None, metadata: None }));
        ensure!(got.id == user_token.id && got.token.is_some() && got.token != user_token.token, "{got:?}");
        // The old secret no longer authenticates; the new one does.
        w.configure(user_token.token.clone(), None);
        let old = User::get(&user.id).await.is_err();
        w.configure(got.token.clone(), None);
        let new = User::get(&user.id).await.map(|u| u.id);
        w.admin();
        ensure!(old && new.ok().as_deref() == Some(user.id.as_str()), "regenerated token: old works={}, new fails", !old);
        Ok(())
    })
    .await;
    b.run(t, "Token::revoke", async {
        let user_token = user_token.as_ref().ok_or_else(no_token)?;
        r!(user_token.revoke());
        ensure!(Token::get(&user_token.id).await.is_err(), "revoked token still reads");
        Ok(())
    })
    .await;
    validators(w, b, &fx).await;
    environments(b).await;
}

async fn validators(w: &World, b: &mut Board, fx: &Fixture) {
    // keygen-rs authenticates validations with `License <key>`: a policy that allows it.
    let product = w.get(&format!("/policies/{}", fx.policy))["data"]["relationships"]["product"]["data"]["id"].as_str().unwrap_or_default().to_owned();
    let policy = w.post("/policies", json!({"data":{"type":"policies","attributes":{"name":"keyed","authenticationStrategy":"LICENSE"},"relationships":{"product":rel("products", &product)}}}));
    let license = w.post("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":rel("policies", &policy)}}}));
    let lic = w.get(&format!("/licenses/{license}"));
    let key = lic["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned();
    w.post("/machines", json!({"data":{"type":"machines","attributes":{"fingerprint":"val-fp"},"relationships":{"license":rel("licenses", &license)}}}));
    let keyed = || keygen_rs::config::KeygenConfig { product: product.clone(), ..w.config(None, Some(key.clone())) };
    let req = LicenseValidationRequest::for_fingerprint("val-fp".into());
    let valid = |v: keygen_rs::license::LicenseValidationResult| -> Result<(), String> {
        ensure!(v.meta.valid && v.meta.code == "VALID" && v.license.map(|l| l.id) == Some(license.clone()), "{:?}", v.meta);
        Ok(())
    };
    b.run("service", "service::get_service_info", async {
        w.admin();
        let info = r!(keygen_rs::service::get_service_info());
        ensure!(info.api_version.is_some() && info.timestamp.is_some(), "{info:?}");
        Ok(())
    })
    .await;
    b.run("service", "service::ping", async {
        let p = r!(keygen_rs::service::ping());
        ensure!(p.version.is_some(), "{p:?}");
        Ok(())
    })
    .await;
    b.run("lib", "keygen_rs::validate", async {
        keygen_rs::config::set_config(keyed()).map_err(|e| format!("{e:?}"))?;
        valid(r!(keygen_rs::validate(&req)))
    })
    .await;
    b.run("lib", "keygen_rs::validate_with_config", async {
        w.admin();
        valid(r!(keygen_rs::validate_with_config(keyed(), &req)))
    })
    .await;
    b.run("keygen_client", "KeygenClient::service_info", async {
        let client = KeygenClient::new(w.config(None, None)).map_err(|e| format!("{e:?}"))?;
        let info = r!(client.service_info());
        ensure!(info.api_version.is_some(), "{info:?}");
        Ok(())
    })
    .await;
    b.run("keygen_client", "KeygenClient::current_profile", async {
        let client = KeygenClient::new(w.config(Some(w.acct.admin_token.clone()), None)).map_err(|e| format!("{e:?}"))?;
        let p = r!(client.current_profile());
        ensure!(p.bearer().id() == w.acct.admin_id && p.bearer().resource_type() == "users", "{p:?}");
        Ok(())
    })
    .await;
    b.run("keygen_client", "KeygenClient::validate", async {
        let client = KeygenClient::new(keyed()).map_err(|e| format!("{e:?}"))?;
        valid(r!(client.validate(&req)))
    })
    .await;
    w.admin();
}

async fn environments(b: &mut Board) {
    let e = "environments";
    let mut env = Environment {
        id: "sandbox".into(),
        name: "Sandbox".into(),
        code: "sandbox".into(),
        isolation_strategy: IsolationStrategy::Isolated,
        created: String::new(),
        updated: String::new(),
        account_id: None,
    };
    b.run(e, "Environment::create", async {
        let got = r!(Environment::create(CreateEnvironmentRequest {
            name: "Sandbox".into(),
            code: "sandbox".into(),
            isolation_strategy: Some(IsolationStrategy::Isolated)
        }));
        ensure!(got.code == "sandbox", "{got:?}");
        env = got;
        Ok(())
    })
    .await;
    b.run(e, "Environment::list", async {
        ensure!(r!(Environment::list(None)).environments.iter().any(|x| x.id == env.id), "created environment not listed");
        Ok(())
    })
    .await;
    b.run(e, "Environment::get", async {
        ensure!(r!(Environment::get("sandbox")).id == env.id, "get by code");
        Ok(())
    })
    .await;
    b.run(e, "Environment::update", async {
        ensure!(r!(env.update(UpdateEnvironmentRequest { name: Some("Sandbox 2".into()), code: None })).name == "Sandbox 2", "name unchanged");
        Ok(())
    })
    .await;
    b.run(e, "Environment::generate_token", async {
        ensure!(r!(env.generate_token(None)).environment_id == env.id, "token of another environment");
        Ok(())
    })
    .await;
    b.run(e, "Environment::delete", async {
        r!(env.delete());
        ensure!(Environment::get(&env.id).await.is_err(), "deleted environment still reads");
        Ok(())
    })
    .await;
}

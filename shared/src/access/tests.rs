//! The access table's own tests (rows × kinds × ownerships).

use super::*;
use Decision::*;

#[test]
fn anonymous_gets_401_for_everything_but_validate_key() {
    for &a in Action::ALL {
        for o in [Ownership::Own, Ownership::OwnLocked, Ownership::Foreign, Ownership::None] {
            let d = decide(a, Kind::Anonymous, o);
            if matches!(
                a,
                Action::LicenseValidateKey
                    | Action::PasswordResetRequest
                    | Action::PasswordReset
                    | Action::TrialActivationCreate
                    | Action::ReleaseRead
                    | Action::ArtifactRead
                    | Action::PackageRead
                    | Action::OpenApiRead
                    | Action::HealthRead
            ) {
                // Anonymous by design: validate-key, the password-reset routes, trial
                // activation, distribution reads (OPEN products are public; the release
                // rule scopes), the OpenAPI document and the health check.
                assert_eq!(d, Allow);
            } else {
                assert_eq!(d, Unauthorized, "{a:?} {o:?}");
            }
        }
    }
}

#[test]
fn admins_may_do_everything_except_mint_an_admins_token() {
    for &a in Action::ALL {
        let expected = if a == Action::AdminTokenCreate { Forbidden } else { Allow };
        // Keygen's `Users::PasswordPolicy`: an admin resets or changes only its own password.
        let self_only = matches!(a, Action::PasswordReset | Action::PasswordUpdate);
        let foreign = if expected == Forbidden || self_only { NotFound } else { Allow };
        assert_eq!(decide(a, Kind::Admin, Ownership::Foreign), foreign, "{a:?}");
        assert_eq!(decide(a, Kind::Admin, Ownership::None), expected, "{a:?}");
    }
}

#[test]
fn foreign_resources_answer_404_and_own_refusals_403() {
    for &a in Action::ALL {
        for k in [Kind::Product, Kind::User, Kind::License] {
            match scope(a, k) {
                Scope::Any => assert_eq!(decide(a, k, Ownership::Foreign), Allow),
                Scope::Own => {
                    assert_eq!(decide(a, k, Ownership::Foreign), NotFound, "{a:?} {k:?}");
                    assert_eq!(decide(a, k, Ownership::OwnLocked), Allow);
                }
                Scope::Open => {
                    assert_eq!(decide(a, k, Ownership::Foreign), NotFound);
                    assert_eq!(decide(a, k, Ownership::OwnLocked), Forbidden, "{a:?} {k:?}");
                    assert_eq!(decide(a, k, Ownership::Own), Allow);
                }
                Scope::Nobody => {
                    assert_eq!(decide(a, k, Ownership::Own), Forbidden, "{a:?} {k:?}");
                    assert_eq!(decide(a, k, Ownership::None), Forbidden);
                }
            }
        }
    }
}

/// The security findings of "Safe to expose", as rows.
#[test]
fn rows_of_the_security_findings() {
    // Products never mint an admin's token, nor create or promote admins.
    assert_eq!(decide(Action::AdminTokenCreate, Kind::Product, Ownership::Own), Forbidden);
    assert_eq!(decide(Action::AdminCreate, Kind::Product, Ownership::None), Forbidden);
    assert_eq!(decide(Action::UserRoleChange, Kind::Product, Ownership::Own), Forbidden);
    assert_eq!(decide(Action::UserTokenCreate, Kind::Product, Ownership::Foreign), NotFound);
    assert_eq!(decide(Action::UserTokenCreate, Kind::Product, Ownership::Own), Allow);
    assert_eq!(decide(Action::UserTokenCreate, Kind::User, Ownership::Own), Forbidden);
    // Products read the catalogue but do not change account-wide entitlements and groups.
    for a in [Action::EntitlementCreate, Action::EntitlementUpdate, Action::EntitlementDelete, Action::GroupCreate, Action::GroupUpdate, Action::GroupDelete] {
        assert_eq!(decide(a, Kind::Product, Ownership::None), Forbidden, "{a:?}");
    }
    assert_eq!(decide(Action::UserGroupChange, Kind::Product, Ownership::Foreign), NotFound);
    // Users check out only open licenses.
    assert_eq!(decide(Action::LicenseCheckOut, Kind::User, Ownership::OwnLocked), Forbidden);
    assert_eq!(decide(Action::LicenseCheckOut, Kind::License, Ownership::OwnLocked), Allow);
}

/// Resellers (issue 10 §7): a reseller admin reads its allotted catalogue and exports and
/// searches its own (the lists are limited to its reseller); it never changes the catalogue.
#[test]
fn rows_of_the_reseller_admin() {
    let k = Kind::ResellerAdmin;
    for a in [Action::ProductRead, Action::PolicyRead, Action::ExportRead, Action::Search, Action::MachineRead, Action::LicenseRead, Action::UserRead] {
        assert_eq!(scope(a, k), Scope::Own, "{a:?}");
        assert_eq!(decide(a, k, Ownership::Own), Allow, "{a:?}");
        assert_eq!(decide(a, k, Ownership::None), Allow, "{a:?}");
        assert_eq!(decide(a, k, Ownership::Foreign), NotFound, "{a:?}");
    }
    for a in [
        Action::ProductCreate,
        Action::ProductUpdate,
        Action::PolicyCreate,
        Action::PolicyUpdate,
        Action::PolicyDelete,
        Action::EntitlementRead,
        Action::EventRead,
        Action::ActivationLogRead,
        Action::TrialActivationRead,
        Action::GroupRead,
    ] {
        assert_eq!(decide(a, k, Ownership::Own), Forbidden, "{a:?}");
    }
}

#[test]
fn docs_render_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/API.md");
    let docs = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let want = render_markdown();
    if !docs.contains(&want) && std::env::var_os("LATCHKEY_REGENERATE_DOCS").is_some() {
        // The table runs from its header line to the first blank line.
        let start = docs.find("| action | route | permission |").unwrap_or_else(|| panic!("docs/API.md has no permission table"));
        let end = docs.get(start..).and_then(|t| t.find("\n\n")).map_or(docs.len(), |n| start + n + 1);
        let new = format!("{}{want}{}", docs.get(..start).unwrap_or_default(), docs.get(end..).unwrap_or_default());
        std::fs::write(&path, new).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    assert!(
        docs.contains(&want),
        "docs/API.md \"Permission model\" differs from the access table; regenerate: LATCHKEY_REGENERATE_DOCS=1 cargo test -p shared --all-features --lib access::tests::docs"
    );
}

#[test]
fn gate_refuses_before_lookup() {
    use crate::store::rows::AccountRow;
    let account: AccountRow = serde_json::from_value(serde_json::json!({
        "id": "a", "name": "A", "slug": "a", "public_key": "", "private_key_sealed": "", "metadata": "{}", "created_at": 0, "updated_at": 0
    }))
    .unwrap_or_else(|e| panic!("account row: {e}"));
    let caller = |bearer| Caller { account: account.clone(), bearer, token_id: None, permissions: None };
    let anon = caller(Bearer::Anonymous);
    assert_eq!(gate(&anon, Action::UserRead).unwrap_err().code, "TOKEN_MISSING");
    assert!(gate(&anon, Action::LicenseValidateKey).is_ok());
    let lic = caller(Bearer::License { license_id: "l".into() });
    assert_eq!(gate(&lic, Action::UserRead).unwrap_err().status, 403);
    assert!(gate(&lic, Action::LicenseRead).is_ok());
    assert_eq!(require(&caller(Bearer::Product { product_id: "p".into() }), Action::EntitlementDelete).unwrap_err().status, 403);
}

// Roles and permissions: the native table test over roles × actions.
mod roles {
    use super::super::permissions::{self, bearer_allows, caller_holds, is_known, role_allows, role_defaults, staff_set};
    use super::super::roles::check_assign;
    use super::super::*;
    use crate::domain::states::UserRole;
    use Decision::*;

    const STAFF: [Kind; 4] = [Kind::Developer, Kind::SalesAgent, Kind::SupportAgent, Kind::ReadOnly];

    fn caller(bearer: Bearer, permissions: Option<Vec<&str>>) -> Caller {
        let account: crate::store::rows::AccountRow = serde_json::from_value(serde_json::json!({
            "id": "a", "name": "A", "slug": "a", "public_key": "", "private_key_sealed": "", "metadata": "{}", "created_at": 0, "updated_at": 0
        }))
        .unwrap_or_else(|e| panic!("account row: {e}"));
        Caller { account, bearer, token_id: None, permissions: permissions.map(|p| p.into_iter().map(str::to_owned).collect()) }
    }

    fn staff(role: UserRole) -> Bearer {
        Bearer::Admin { user_id: "me".into(), role }
    }

    #[test]
    fn every_action_names_a_known_permission_and_every_set_holds_only_known_names() {
        for &a in Action::ALL {
            assert!(is_known(a.permission()), "{a:?} names {}", a.permission());
        }
        for k in STAFF {
            let set = staff_set(k).unwrap_or_default();
            assert!(!set.is_empty());
            for p in set.split_ascii_whitespace() {
                assert!(is_known(p), "{k:?} holds unknown {p}");
            }
        }
    }

    /// Each staff cell is the admin's cell where the role's set holds the permission, else "—".
    #[test]
    fn a_staff_cell_is_the_admins_or_nobody() {
        for &a in Action::ALL {
            for k in STAFF {
                let s = scope(a, k);
                if matches!(a, Action::SecondFactorRead | Action::SecondFactorManage) {
                    // Keygen's `Users::SecondFactorPolicy`: only admins manage others' factors.
                    assert!(s == Scope::Own || s == Scope::Nobody, "{a:?} {k:?}");
                    continue;
                }
                assert!(s == scope(a, Kind::Admin) || s == Scope::Nobody, "{a:?} {k:?}");
                let open = scope(a, Kind::Anonymous) == Scope::Any;
                if !open && !matches!(a, Action::AdminCreate | Action::UserRoleChange) {
                    assert_eq!(s != Scope::Nobody, permissions::role_holds(k, a.permission()) && scope(a, Kind::Admin) != Scope::Nobody, "{a:?} {k:?}");
                }
            }
        }
    }

    #[test]
    fn rows_of_each_role() {
        use Action as A;
        let cells = [
            (A::ProductCreate, [Allow, Forbidden, Forbidden, Forbidden]),
            (A::PolicyCreate, [Allow, Allow, Forbidden, Forbidden]),
            (A::LicenseCreate, [Allow, Allow, Forbidden, Forbidden]),
            (A::LicenseRead, [Allow, Allow, Allow, Allow]),
            (A::LicenseSuspend, [Allow, Allow, Allow, Forbidden]),
            (A::LicenseDelete, [Allow, Allow, Forbidden, Forbidden]),
            (A::MachineRead, [Allow, Allow, Allow, Allow]),
            (A::MachineCreate, [Allow, Allow, Forbidden, Forbidden]),
            (A::UserRead, [Allow, Allow, Allow, Allow]),
            (A::UserCreate, [Allow, Allow, Forbidden, Forbidden]),
            (A::AdminCreate, [Allow, Forbidden, Forbidden, Forbidden]),
            (A::UserRoleChange, [Allow, Forbidden, Forbidden, Forbidden]),
            (A::UserPermissionsChange, [Forbidden, Forbidden, Forbidden, Forbidden]),
            (A::UserDelete, [Allow, Forbidden, Forbidden, Forbidden]),
            (A::UserBan, [Allow, Allow, Allow, Forbidden]),
            (A::EventRead, [Allow, Forbidden, Forbidden, Allow]),
            (A::WebhookManage, [Allow, Forbidden, Forbidden, Forbidden]),
            (A::AccountRead, [Allow, Allow, Allow, Allow]),
            (A::EntitlementCreate, [Allow, Forbidden, Forbidden, Forbidden]),
            (A::ReleaseCreate, [Allow, Forbidden, Forbidden, Forbidden]),
            (A::LicenseValidateKey, [Allow, Allow, Allow, Allow]),
        ];
        for (a, expected) in cells {
            for (k, e) in STAFF.into_iter().zip(expected) {
                assert_eq!(decide(a, k, Ownership::None), e, "{a:?} {k:?}");
            }
        }
        // Staff see the whole account: someone else's resource is allowed, not 404.
        assert_eq!(decide(Action::LicenseRead, Kind::ReadOnly, Ownership::Foreign), Allow);
        assert_eq!(decide(Action::LicenseUpdate, Kind::ReadOnly, Ownership::Own), Forbidden);
    }

    /// The rows `tests/tests/access_staff.rs` checks on the real runtime (issue 8): key pools,
    /// organizations, resellers, processes and components, groups and logs, by staff role; and
    /// an environment token on the reseller actions (allowed: it acts as admin inside).
    #[test]
    fn rows_of_each_role_on_pools_organizations_resellers_and_fleet() {
        use Action as A;
        let read = [Allow, Allow, Allow, Allow];
        let developer = [Allow, Forbidden, Forbidden, Forbidden];
        let cells = [
            (A::KeyRead, read),
            (A::KeyCreate, developer),
            (A::KeyUpdate, developer),
            (A::KeyDelete, developer),
            (A::OrganizationRead, read),
            (A::OrganizationUpdate, developer),
            (A::ResellerRead, read),
            (A::ResellerUpdate, developer),
            (A::ResellerPoliciesChange, developer),
            (A::MachineUpdate, [Allow, Allow, Allow, Forbidden]),
            (A::MachineHeartbeat, developer),
            (A::GroupRead, read),
            (A::GroupCreate, developer),
            (A::RequestLogRead, [Allow, Forbidden, Forbidden, Allow]),
        ];
        for (a, expected) in cells {
            for (k, e) in STAFF.into_iter().zip(expected) {
                assert_eq!(decide(a, k, Ownership::None), e, "{a:?} {k:?}");
                // Staff see the whole account: an allowed cell is allowed on anyone's resource.
                if e == Allow {
                    assert_eq!(decide(a, k, Ownership::Foreign), Allow, "{a:?} {k:?}");
                }
            }
        }
        // An environment token acts as admin inside its environment, organizations and resellers
        // included (issue 8; `environment_rows_follow_keygens_environment_policies`).
        for a in [A::ResellerRead, A::ResellerCreate, A::ResellerUpdate, A::ResellerDelete, A::ResellerPoliciesChange, A::UserResellerChange] {
            assert_eq!(decide(a, Kind::Environment, Ownership::None), Allow, "{a:?}");
        }
        for a in [A::LicenseResellerChange, A::OrganizationResellerChange, A::OrganizationRead] {
            assert_eq!(decide(a, Kind::Environment, Ownership::None), Allow, "{a:?}");
        }
        assert_eq!(decide(A::KeyRead, Kind::Environment, Ownership::None), Allow);
    }

    #[test]
    fn read_only_holds_no_write() {
        for &a in Action::ALL {
            if scope(a, Kind::ReadOnly) != Scope::Nobody {
                let p = a.permission();
                let read = p.ends_with(".read") || p.ends_with(".validate") || p.starts_with("user.password.") || p == "token.generate";
                assert!(
                    read || scope(a, Kind::Anonymous) == Scope::Any
                        || a == Action::TokenRevoke
                        || a == Action::TokenRegenerate
                        || a == Action::ExpiredTokenRegenerate,
                    "{a:?} {p}"
                );
            }
        }
    }

    #[test]
    fn token_permissions_limit_every_bearer() {
        let restricted = caller(staff(UserRole::Admin), Some(vec!["license.read"]));
        assert!(gate(&restricted, Action::LicenseRead).is_ok());
        let e = gate(&restricted, Action::LicenseUpdate).err().map(|e| (e.status, e.code.to_string()));
        assert_eq!(e, Some((403, "FORBIDDEN".into())));
        // Validating a key needs no credentials, so no permission either.
        assert!(gate(&restricted, Action::LicenseValidateKey).is_ok());
        let product = caller(Bearer::Product { product_id: "p".into() }, Some(vec!["machine.read"]));
        assert_eq!(check(&product, Action::LicenseRead, Ownership::Own, "license", "l").err().map(|e| e.status), Some(403));
        assert!(check(&product, Action::MachineRead, Ownership::Own, "machine", "m").is_ok());
        // A restricted caller grants only what it holds, never the wildcard.
        assert!(caller_holds(&restricted, "license.read"));
        assert!(!caller_holds(&restricted, "license.update"));
        assert!(!caller_holds(&restricted, permissions::WILDCARD));
        assert!(caller_holds(&caller(staff(UserRole::ReadOnly), None), permissions::WILDCARD));
    }

    #[test]
    fn what_a_bearer_may_carry() {
        assert!(bearer_allows(Kind::Admin, "account.billing.update"));
        assert!(bearer_allows(Kind::ReadOnly, "license.read"));
        assert!(!bearer_allows(Kind::ReadOnly, "license.create"));
        assert!(bearer_allows(Kind::License, "machine.create"));
        assert!(!bearer_allows(Kind::License, "user.create"));
        assert!(!bearer_allows(Kind::Product, "product.create"));
        assert!(role_allows(UserRole::User, "license.read"));
        assert!(!role_allows(UserRole::User, "user.create"));
        assert!(role_defaults(UserRole::ReadOnly).iter().all(|p| !p.ends_with(".create")));
        assert!(role_defaults(UserRole::Admin).contains(&"admin.create"));
    }

    #[test]
    fn no_role_escalation() {
        let dev = caller(staff(UserRole::Developer), None);
        assert!(check_assign(&dev, None, UserRole::Developer).is_ok());
        assert!(check_assign(&dev, Some(UserRole::User), UserRole::SalesAgent).is_ok());
        // A developer never grants admin, never makes itself admin, never manages an admin.
        assert_eq!(check_assign(&dev, None, UserRole::Admin).err().map(|e| e.status), Some(403));
        assert_eq!(check_assign(&dev, Some(UserRole::Developer), UserRole::Admin).err().map(|e| e.status), Some(403));
        assert_eq!(check_assign(&dev, Some(UserRole::Admin), UserRole::User).err().map(|e| e.status), Some(403));
        // Sales and support agents manage only users with the user role.
        let sales = caller(staff(UserRole::SalesAgent), None);
        assert!(check_assign(&sales, Some(UserRole::User), UserRole::User).is_ok());
        assert!(check_assign(&sales, Some(UserRole::SalesAgent), UserRole::SalesAgent).is_err());
        assert!(check_assign(&sales, Some(UserRole::User), UserRole::ReadOnly).is_err());
        let admin = caller(staff(UserRole::Admin), None);
        assert!(check_assign(&admin, Some(UserRole::Developer), UserRole::Admin).is_ok());
        let e = check_assign(&dev, None, UserRole::Admin).err();
        assert_eq!(
            e.and_then(|e| e.source.clone()).map(|s| format!("{s:?}")),
            Some(format!("{:?}", crate::error::Source::Pointer("/data/attributes/role".into())))
        );
    }
}

// Environments (issue 8): Keygen's `EnvironmentPolicy` and `Environments::TokenPolicy`.
#[test]
fn environment_rows_follow_keygens_environment_policies() {
    use Action as A;
    use Kind as K;
    let env = |a: A, o: Ownership| decide(a, K::Environment, o);
    assert_eq!(env(A::EnvironmentList, Ownership::None), Forbidden, "index?: staff roles only");
    for a in [A::EnvironmentRead, A::EnvironmentTokenRead] {
        assert_eq!(env(a, Ownership::Own), Allow, "{a:?}: itself (`record == bearer`)");
        assert_eq!(env(a, Ownership::Foreign), NotFound, "{a:?}: another environment");
    }
    for a in [A::EnvironmentCreate, A::EnvironmentUpdate, A::EnvironmentDelete, A::EnvironmentTokenCreate] {
        assert_eq!(env(a, Ownership::Own), Forbidden, "{a:?}");
    }
    for k in [K::Admin, K::Developer, K::SalesAgent, K::SupportAgent, K::ReadOnly] {
        for a in [A::EnvironmentList, A::EnvironmentRead, A::EnvironmentTokenRead] {
            assert_eq!(decide(a, k, Ownership::Foreign), Allow, "{a:?} {k:?}");
        }
    }
    for k in [K::Product, K::User, K::License, K::OrganizationAdmin, K::ResellerAdmin] {
        for a in [A::EnvironmentList, A::EnvironmentRead, A::EnvironmentTokenRead] {
            assert_eq!(decide(a, k, Ownership::None), Forbidden, "{a:?} {k:?}");
        }
    }
    // An environment token acts as admin inside its environment: organizations and resellers too.
    for a in [
        A::OrganizationRead,
        A::OrganizationCreate,
        A::OrganizationUpdate,
        A::OrganizationDelete,
        A::UserOrganizationChange,
        A::LicenseOrganizationChange,
        A::ResellerRead,
        A::ResellerCreate,
        A::ResellerUpdate,
        A::ResellerDelete,
        A::ResellerPoliciesChange,
        A::UserResellerChange,
        A::LicenseResellerChange,
        A::OrganizationResellerChange,
    ] {
        assert!(permissions::role_holds(K::Environment, a.permission()), "{a:?}");
        for o in [Ownership::Own, Ownership::Foreign, Ownership::None] {
            assert_eq!(env(a, o), decide(a, K::Admin, o), "{a:?} {o:?}");
        }
    }
}

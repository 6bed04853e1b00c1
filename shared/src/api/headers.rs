//! Keygen's default response headers (`reference/keygen-identity-and-versions.md` §9): the
//! "whoami" headers naming the account, bearer and token of a request, and the server's
//! edition, mode and revision. None of them is part of the signing string.

/// Keygen's `Cache-Control` on every response.
pub const CACHE_CONTROL: &str = "no-transform, no-store, max-age=0";

/// `Keygen-Edition`: `EE`, as Keygen answers when its EE features are on: Latchkey serves EE's
/// request logs (issue 8), which a CE server does not route.
pub const EDITION: &str = "EE";

/// `Keygen-Revision`: the build (the `LATCHKEY_REVISION` given at build time, else the crate
/// version).
pub const REVISION: &str = match option_env!("LATCHKEY_REVISION") {
    Some(r) => r,
    None => env!("CARGO_PKG_VERSION"),
};

/// `Keygen-Mode`: `multiplayer` when accounts can be created over `POST /v1/accounts` (a
/// bootstrap token is configured), as in Keygen, where that route exists only in multiplayer
/// mode; `singleplayer` otherwise.
pub fn mode(accounts_can_be_created: bool) -> &'static str {
    if accounts_can_be_created {
        "multiplayer"
    } else {
        "singleplayer"
    }
}

/// The headers every response carries, account or not: edition, mode, revision.
pub fn server_headers(accounts_can_be_created: bool) -> [(&'static str, &'static str); 3] {
    [("Keygen-Edition", EDITION), ("Keygen-Mode", mode(accounts_can_be_created)), ("Keygen-Revision", REVISION)]
}

/// Who a request was answered for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Whoami<'a> {
    /// The resolved account.
    pub account_id: &'a str,
    /// The authenticated bearer (user, product or license), if any.
    pub bearer_id: Option<&'a str>,
    /// The token used, if token-authenticated.
    pub token_id: Option<&'a str>,
}

/// `Keygen-Account`, `Keygen-Bearer` and `Keygen-Token` (absent when unknown), named with the
/// `-Id` suffix for API versions 1.3 and older, as Keygen's 1.3 response migration does.
/// `Keygen-Environment` (the environment's code) is added by the router when the request
/// selected an environment (issue 8).
pub fn whoami_headers(version: &str, who: &Whoami<'_>) -> Vec<(&'static str, String)> {
    let legacy = matches!(version, "1.0" | "1.1" | "1.2" | "1.3");
    let names = if legacy { ["Keygen-Account-Id", "Keygen-Bearer-Id", "Keygen-Token-Id"] } else { ["Keygen-Account", "Keygen-Bearer", "Keygen-Token"] };
    let values = [Some(who.account_id), who.bearer_id, who.token_id];
    names.into_iter().zip(values).filter_map(|(n, v)| v.filter(|v| !v.is_empty()).map(|v| (n, v.to_owned()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHO: Whoami<'static> = Whoami { account_id: "acc", bearer_id: Some("usr"), token_id: Some("tok") };

    #[test]
    fn current_versions_name_the_account_bearer_and_token() {
        for v in ["1.4", "1.7", "1.8"] {
            assert_eq!(
                whoami_headers(v, &WHO),
                vec![("Keygen-Account", "acc".to_owned()), ("Keygen-Bearer", "usr".to_owned()), ("Keygen-Token", "tok".to_owned())]
            );
        }
    }

    #[test]
    fn versions_up_to_1_3_use_the_id_suffix() {
        for v in ["1.0", "1.1", "1.2", "1.3"] {
            let names: Vec<_> = whoami_headers(v, &WHO).into_iter().map(|(n, _)| n).collect();
            assert_eq!(names, ["Keygen-Account-Id", "Keygen-Bearer-Id", "Keygen-Token-Id"]);
        }
    }

    #[test]
    fn unknown_bearer_and_token_are_omitted() {
        let anon = Whoami { account_id: "acc", bearer_id: None, token_id: None };
        assert_eq!(whoami_headers("1.8", &anon), vec![("Keygen-Account", "acc".to_owned())]);
        let license_key = Whoami { account_id: "acc", bearer_id: Some("lic"), token_id: Some("") };
        assert_eq!(whoami_headers("1.8", &license_key).len(), 2);
    }

    #[test]
    fn mode_follows_whether_accounts_can_be_created() {
        assert_eq!(mode(true), "multiplayer");
        assert_eq!(mode(false), "singleplayer");
        assert_eq!(server_headers(false)[0], ("Keygen-Edition", "EE"));
        assert!(!REVISION.is_empty());
    }
}

//! Who is looking at releases: the caller turned into the facts the release access rule
//! ([`crate::domain::release::release_access`]) needs, loaded once per request, and the rule's
//! answer turned into Keygen's 404 / 403.

use std::collections::HashMap;

use crate::domain::release::{release_access, Access, LicenseFacts, ReleaseFacts, Requester, VersionGate};
use crate::domain::semver::Version;
use crate::domain::states::DistributionStrategy;
use crate::error::{Code, Error};
use crate::service::{App, Bearer, Caller};
use crate::store::distribution::ReleaseRow;
use crate::store::rows::{EntitlementRow, LicenseRow};
use crate::store::{fetch_all, products, sql, Db, Kv};
use crate::Result;

/// The most licenses of one user considered (a user with more sees through the first ones).
const MAX_USER_LICENSES: i64 = 100;

/// The caller, as the release access rule sees it.
#[derive(Debug, Clone)]
pub struct Viewer {
    admin: bool,
    product: Option<String>,
    licenses: Vec<(String, LicenseFacts)>,
    strategies: HashMap<String, DistributionStrategy>,
    now: i64,
}

/// The versions license `l` may get: its `maxAllowedReleaseVersion` (stored, else computed),
/// `currentReleaseVersion`, and its maintenance policy's version flags (read once per policy
/// per request, `policies` caching them).
async fn versions<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow, policies: &mut HashMap<String, (bool, bool)>) -> Result<VersionGate> {
    let parse = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<Version>().ok());
    // The vendor's cap, else the one computed from the maintenance window (issue 10 follow-up),
    // which also lets backports after the window through.
    let computed = parse(&l.computed_max_release_version);
    let max_allowed = crate::domain::max_release::effective(parse(&l.max_allowed_release_version), computed.clone());
    let mut gate = VersionGate { max_allowed, current: parse(&l.current_release_version), backport_max: computed, ..VersionGate::default() };
    if let Some(id) = &l.maintenance_policy_id {
        let flags = match policies.get(id) {
            Some(f) => *f,
            None => {
                let mp = crate::service::catalogue::maintenance_policies::find(app, &l.account_id, id).await?;
                let f = mp.map_or((true, true), |m| (m.allow_major_version_updates != 0, m.allow_minor_version_updates != 0));
                policies.insert(id.clone(), f);
                f
            }
        };
        (gate.allow_major, gate.allow_minor) = flags;
    }
    Ok(gate)
}

async fn facts<D: Db, K: Kv>(app: &App<'_, D, K>, l: &LicenseRow, policies: &mut HashMap<String, (bool, bool)>) -> Result<(String, LicenseFacts)> {
    // Its effective features (issue 10 §3): an expired license feature no longer unlocks releases.
    let ents: Vec<EntitlementRow> = crate::service::catalogue::entitlements::all_for_license(app, &l.account_id, &l.id).await?;
    let versions = versions(app, l, policies).await?;
    let f = LicenseFacts {
        of_product: true,
        suspended: l.is_suspended(),
        banned: l.owner_banned_at.is_some(),
        expiry: l.expiry,
        expiration_strategy: l.config().expiration_strategy,
        maintenance_expiry: l.maintenance_expiry,
        entitlements: ents.into_iter().map(|e| e.id).collect(),
        versions,
    };
    Ok((l.product_id.clone(), f))
}

impl Viewer {
    /// Loads the caller's licenses (a license bearer's own; a user's owned and licensed ones).
    pub async fn load<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller) -> Result<Viewer> {
        let acc = caller.account_id();
        let mut v = Viewer { admin: false, product: None, licenses: vec![], strategies: HashMap::new(), now: app.now() };
        match &caller.bearer {
            Bearer::Admin { .. } | Bearer::Environment { .. } => v.admin = true,
            // Resellers (issue 10 §7): no licenses of its own; sees what needs none.
            Bearer::ResellerAdmin { .. } => {}
            Bearer::Product { product_id } => v.product = Some(product_id.clone()),
            Bearer::License { license_id } => {
                if let Some(l) = crate::store::licenses::find(app.db, acc, license_id).await? {
                    v.licenses.push(facts(app, &l, &mut HashMap::new()).await?);
                }
            }
            // organization admins (issue 10 §7): the releases of the licenses it holds or its organization has.
            Bearer::User { .. } | Bearer::OrganizationAdmin { .. } => {
                // The license list's own filters (a user bearer is scoped to its licenses), then
                // LIMIT and OFFSET.
                let mut p = crate::service::licensing::licenses::list_filters(caller, &crate::api::query::Query::default(), app.now())?;
                p.extend([MAX_USER_LICENSES.into(), 0.into()]);
                let ls: Vec<LicenseRow> = fetch_all(app.db, sql::licenses::LIST, &p).await?;
                let mut policies = HashMap::new();
                for l in &ls {
                    v.licenses.push(facts(app, l, &mut policies).await?);
                }
            }
            Bearer::Anonymous => {}
        }
        Ok(v)
    }

    /// Admins, and a product for its own product: they see every release of it, in any status.
    pub fn privileged_for(&self, product_id: &str) -> bool {
        self.admin || self.product.as_deref() == Some(product_id)
    }

    /// Admins only see every product.
    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// The product a product bearer is limited to.
    pub fn own_product(&self) -> Option<&str> {
        self.product.as_deref()
    }

    /// The products whose releases a non-privileged caller may see any of (those of its
    /// licenses plus every OPEN product): a SQL prefilter, `None` for admins. The rule still
    /// decides per release.
    pub async fn visible_products<D: Db, K: Kv>(&mut self, app: &App<'_, D, K>, account_id: &str) -> Result<Option<Vec<String>>> {
        if self.admin {
            return Ok(None);
        }
        let mut ids: Vec<String> = self.licenses.iter().map(|(p, _)| p.clone()).collect();
        ids.extend(self.product.clone());
        let open: Vec<crate::store::rows::IdRow> = fetch_all(app.db, sql::releases::OPEN_PRODUCT_IDS, &[account_id.into()]).await?;
        ids.extend(open.into_iter().map(|r| r.id));
        ids.sort();
        ids.dedup();
        Ok(Some(ids))
    }

    async fn strategy<D: Db, K: Kv>(&mut self, app: &App<'_, D, K>, account_id: &str, product_id: &str) -> Result<DistributionStrategy> {
        if let Some(s) = self.strategies.get(product_id) {
            return Ok(*s);
        }
        let p = products::find(app.db, account_id, product_id).await?.ok_or_else(|| Error::internal("release without its product"))?;
        self.strategies.insert(product_id.to_owned(), p.distribution_strategy);
        Ok(p.distribution_strategy)
    }

    /// The rule's answer for release `r` whose constraints are `constraints`.
    pub async fn access<D: Db, K: Kv>(&mut self, app: &App<'_, D, K>, r: &ReleaseRow, constraints: &[String]) -> Result<Access> {
        let strategy = self.strategy(app, &r.account_id, &r.product_id).await?;
        let version = r.version.parse::<Version>().ok();
        let facts = ReleaseFacts { strategy, status: r.status, constraints, dated_at: r.dated_at(), released_at: r.released_at(), version: version.as_ref() };
        let ls: Vec<LicenseFacts> = self.licenses.iter().map(|(p, f)| LicenseFacts { of_product: *p == r.product_id, ..f.clone() }).collect();
        let who = if self.privileged_for(&r.product_id) {
            Requester::Privileged
        } else if ls.is_empty() {
            Requester::Nobody
        } else {
            Requester::Licenses(&ls)
        };
        Ok(release_access(&who, &facts, self.now))
    }

    /// [`Viewer::access`] as a result: 404 `kind` `id` when hidden, 403 with Keygen's reason.
    ///
    /// # Errors
    /// 404 `NOT_FOUND`, 403 `FORBIDDEN`.
    pub async fn require<D: Db, K: Kv>(&mut self, app: &App<'_, D, K>, r: &ReleaseRow, constraints: &[String], kind: &str, id: &str) -> Result<()> {
        match self.access(app, r, constraints).await? {
            Access::Allow => Ok(()),
            Access::Hidden => Err(Error::not_found(kind, id)),
            Access::Denied(d) => Err(Error::new(Code::Forbidden, format!("You do not have permission to complete the request ({})", d.reason()))),
        }
    }
}

//! The permission names and each role's default set, as data: space-separated names, generated
//! once from Keygen's `app/models/permission.rb` (the names, `READ_ONLY_PERMISSIONS`,
//! `USER_PERMISSIONS`) and, per staff role, the permissions whose policy methods in
//! `app/policies/**` allow that role (a method without role patterns allows every role). See
//! `permissions.rs`.

/// Keygen's permission names (`Permission::ALL_PERMISSIONS` of keygen-sh/keygen-api), in its order.
pub const KEYGEN: &str = "\
    account.analytics.read account.billing.read account.billing.update account.plan.read \
    account.plan.update account.read account.subscription.read account.subscription.update \
    account.update admin.create admin.delete admin.invite admin.read admin.update arch.read \
    artifact.create artifact.delete artifact.read artifact.update component.create component.delete \
    component.read component.update channel.read constraint.read engine.read entitlement.create \
    entitlement.delete entitlement.read entitlement.update environment.create environment.delete \
    environment.read environment.tokens.generate environment.update event-log.read group.create \
    group.delete group.licenses.read group.machines.read group.owners.attach group.owners.detach \
    group.owners.read group.read group.update group.users.read key.create key.delete key.read \
    key.update license.check-in license.check-out license.create license.delete \
    license.entitlements.attach license.entitlements.detach license.group.update \
    license.owner.update license.policy.update license.read license.reinstate license.renew \
    license.revoke license.suspend license.tokens.generate license.update license.usage.decrement \
    license.usage.increment license.usage.reset license.user.update license.users.attach \
    license.users.detach license.validate machine.check-out machine.create machine.delete \
    machine.group.update machine.heartbeat.ping machine.heartbeat.reset machine.owner.update \
    machine.proofs.generate machine.read machine.update package.create package.delete package.read \
    package.update platform.read policy.create policy.delete policy.entitlements.attach \
    policy.entitlements.detach policy.pool.pop policy.read policy.update process.create \
    process.delete process.heartbeat.ping process.read process.update product.create product.delete \
    product.read product.tokens.generate product.update release.constraints.attach \
    release.constraints.detach release.create release.delete release.download \
    release.package.update release.publish release.read release.update release.upgrade \
    release.upload release.yank request-log.read token.generate token.read token.regenerate \
    token.revoke user.ban user.create user.delete user.group.update user.invite user.password.reset \
    user.password.update user.read user.second-factors.create user.second-factors.delete \
    user.second-factors.read user.second-factors.update user.tokens.generate user.unban user.update \
    webhook-endpoint.create webhook-endpoint.delete webhook-endpoint.read webhook-endpoint.update \
    webhook-event.delete webhook-event.read webhook-event.retry";

/// Latchkey's own names, in Keygen's grammar, for what Keygen does not have (Cryptlex's trials,
/// meters, subscriptions; exports; the OpenAPI document; the health check below an account).
pub const LATCHKEY: &str = "\
    license.meters.update machine.meters.increment machine.meters.decrement subscription-log.read \
    maintenance-policy.read maintenance-policy.create maintenance-policy.update \
    maintenance-policy.delete trial-policy.read trial-policy.create trial-policy.update \
    trial-policy.delete trial-activation.create trial-activation.read trial-activation.update \
    trial-activation.delete activation-log.read export.read openapi.read health.read search.read entitlement-set.read entitlement-set.create entitlement-set.update entitlement-set.delete organization.read organization.create organization.update organization.delete user.organization.update license.organization.update reseller.read reseller.create reseller.update reseller.delete reseller.policies.update user.reseller.update license.reseller.update organization.reseller.update";

/// `developer`: what Keygen's policies allow `Role(:developer)` (all but billing, admins and
/// other users' passwords).
pub const DEVELOPER: &str = "\
    account.analytics.read account.plan.read account.read account.update arch.read artifact.create \
    artifact.delete artifact.read artifact.update component.create component.delete component.read \
    component.update channel.read constraint.read engine.read entitlement.create entitlement.delete \
    entitlement.read entitlement.update environment.create environment.delete environment.read \
    environment.tokens.generate environment.update event-log.read group.create group.delete \
    group.licenses.read group.machines.read group.owners.attach group.owners.detach \
    group.owners.read group.read group.update group.users.read key.create key.delete key.read \
    key.update license.check-in license.check-out license.create license.delete \
    license.entitlements.attach license.entitlements.detach license.group.update \
    license.owner.update license.policy.update license.read license.reinstate license.renew \
    license.revoke license.suspend license.tokens.generate license.update license.usage.decrement \
    license.usage.increment license.usage.reset license.user.update license.users.attach \
    license.users.detach license.validate machine.check-out machine.create machine.delete \
    machine.group.update machine.heartbeat.ping machine.heartbeat.reset machine.owner.update \
    machine.proofs.generate machine.read machine.update package.create package.delete package.read \
    package.update platform.read policy.create policy.delete policy.entitlements.attach \
    policy.entitlements.detach policy.pool.pop policy.read policy.update process.create \
    process.delete process.heartbeat.ping process.read process.update product.create product.delete \
    product.read product.tokens.generate product.update release.constraints.attach \
    release.constraints.detach release.create release.delete release.download \
    release.package.update release.publish release.read release.update release.upgrade \
    release.upload release.yank request-log.read token.generate token.read token.regenerate \
    token.revoke user.ban user.create user.delete user.group.update user.invite user.password.reset \
    user.password.update user.read user.second-factors.create user.second-factors.delete \
    user.second-factors.read user.second-factors.update user.tokens.generate user.unban user.update \
    webhook-endpoint.create webhook-endpoint.delete webhook-endpoint.read webhook-endpoint.update \
    webhook-event.delete webhook-event.read webhook-event.retry license.meters.update \
    machine.meters.increment machine.meters.decrement subscription-log.read maintenance-policy.read \
    maintenance-policy.create maintenance-policy.update maintenance-policy.delete trial-policy.read \
    trial-policy.create trial-policy.update trial-policy.delete trial-activation.create \
    trial-activation.read trial-activation.update trial-activation.delete activation-log.read \
    export.read openapi.read health.read search.read entitlement-set.read entitlement-set.create entitlement-set.update entitlement-set.delete organization.read organization.create organization.update organization.delete user.organization.update license.organization.update reseller.read reseller.create reseller.update reseller.delete reseller.policies.update user.reseller.update license.reseller.update organization.reseller.update";

/// `sales-agent`: what Keygen's policies allow `Role(:sales_agent)` (licenses, machines, users
/// with the user role; catalogue reads).
pub const SALES_AGENT: &str = "\
    account.analytics.read account.plan.read account.read arch.read artifact.read component.create \
    component.delete component.read component.update channel.read constraint.read engine.read \
    entitlement.read environment.read group.licenses.read group.machines.read group.owners.read \
    group.read group.users.read key.read license.check-in license.check-out license.create \
    license.delete license.entitlements.attach license.entitlements.detach license.group.update \
    license.owner.update license.policy.update license.read license.reinstate license.renew \
    license.revoke license.suspend license.tokens.generate license.update license.usage.decrement \
    license.usage.increment license.usage.reset license.user.update license.users.attach \
    license.users.detach license.validate machine.check-out machine.create machine.delete \
    machine.group.update machine.heartbeat.reset machine.owner.update machine.proofs.generate \
    machine.read machine.update package.read platform.read policy.create policy.entitlements.attach \
    policy.entitlements.detach policy.read policy.update process.create process.delete process.read \
    process.update product.read release.download release.read release.upgrade token.generate \
    token.read user.ban user.create user.group.update user.invite user.password.reset \
    user.password.update user.read user.second-factors.create user.second-factors.delete \
    user.second-factors.read user.second-factors.update user.unban user.update \
    license.meters.update machine.meters.increment machine.meters.decrement subscription-log.read \
    maintenance-policy.read trial-policy.read trial-activation.create trial-activation.read \
    trial-activation.update trial-activation.delete activation-log.read export.read openapi.read health.read search.read entitlement-set.read organization.read user.organization.update license.organization.update reseller.read user.reseller.update license.reseller.update";

/// `support-agent`: what Keygen's policies allow `Role(:support_agent)` (reads; suspend,
/// reinstate, usage; machine updates).
pub const SUPPORT_AGENT: &str = "\
    account.analytics.read account.plan.read account.read arch.read artifact.read component.read \
    component.update channel.read constraint.read engine.read entitlement.read environment.read \
    group.licenses.read group.machines.read group.owners.read group.read group.users.read key.read \
    license.check-in license.check-out license.read license.reinstate license.suspend \
    license.update license.usage.decrement license.usage.increment license.usage.reset \
    license.users.attach license.users.detach license.validate machine.check-out machine.read \
    machine.update package.read platform.read policy.read process.read process.update product.read \
    release.download release.read release.upgrade token.generate token.read user.ban user.invite \
    user.password.reset user.password.update user.read user.second-factors.create \
    user.second-factors.delete user.second-factors.read user.second-factors.update user.unban \
    subscription-log.read maintenance-policy.read trial-policy.read trial-activation.read \
    activation-log.read export.read openapi.read health.read search.read entitlement-set.read organization.read reseller.read";

/// `read-only`: Keygen's `READ_ONLY_PERMISSIONS` that its policies allow `Role(:read_only)`.
pub const READ_ONLY: &str = "\
    account.analytics.read account.plan.read account.read arch.read artifact.read component.read \
    channel.read constraint.read engine.read entitlement.read environment.read event-log.read \
    group.licenses.read group.machines.read group.owners.read group.read group.users.read key.read \
    license.read license.validate machine.read package.read platform.read policy.read process.read \
    product.read release.download release.read release.upgrade request-log.read token.generate \
    token.read user.password.reset user.password.update user.read user.second-factors.read \
    webhook-endpoint.read webhook-event.read subscription-log.read maintenance-policy.read \
    trial-policy.read trial-activation.read activation-log.read export.read openapi.read health.read search.read entitlement-set.read organization.read reseller.read";

/// `user`: Keygen's `USER_PERMISSIONS` (what an admin may grant a user; a user's rows in the
/// table bound it further).
pub const USER: &str = "\
    account.read arch.read artifact.read component.create component.delete component.read \
    component.update channel.read constraint.read engine.read entitlement.read group.licenses.read \
    group.machines.read group.owners.read group.read group.users.read license.check-in \
    license.check-out license.create license.delete license.policy.update license.read \
    license.renew license.revoke license.usage.increment license.users.attach license.users.detach \
    license.validate machine.check-out machine.create machine.delete machine.heartbeat.ping \
    machine.proofs.generate machine.read machine.update package.read platform.read policy.read \
    process.create process.delete process.heartbeat.ping process.read process.update product.read \
    release.download release.read release.upgrade token.generate token.read token.regenerate \
    token.revoke user.password.reset user.password.update user.read user.second-factors.create \
    user.second-factors.delete user.second-factors.read user.second-factors.update user.update";
// organization admins (issue 10 §7)
/// `organization-admin` (Cryptlex's customer-portal role): a user's set and what it manages in
/// its organization (Keygen's `user.create`, `user.delete`, `license.owner.update`,
/// `license.update` for licensees, `machine.delete`; Latchkey's `organization.read`). Its rows
/// in the table bound it to its organization.
pub const ORGANIZATION_ADMIN: &str = "\
    account.read arch.read artifact.read component.create component.delete component.read \
    component.update channel.read constraint.read engine.read entitlement.read group.licenses.read \
    group.machines.read group.owners.read group.read group.users.read license.check-in \
    license.check-out license.create license.delete license.policy.update license.read \
    license.renew license.revoke license.usage.increment license.users.attach license.users.detach \
    license.validate machine.check-out machine.create machine.delete machine.heartbeat.ping \
    machine.proofs.generate machine.read machine.update package.read platform.read policy.read \
    process.create process.delete process.heartbeat.ping process.read process.update product.read \
    release.download release.read release.upgrade token.generate token.read token.regenerate \
    token.revoke user.password.reset user.password.update user.read user.second-factors.create \
    user.second-factors.delete user.second-factors.read user.second-factors.update user.update \
    user.create user.delete license.owner.update license.update organization.read group.create \
    group.update group.delete user.group.update";
/// `environment` (Keygen's environment bearer, `app/models/environment.rb`): every permission
/// but `account.*` (keeps `account.read`), `admin.*` and `environment.{create,update,delete,
/// tokens.generate}` (issue 8); Latchkey's organization and reseller families too (an
/// environment token acts as admin inside its environment, where both are scoped).
pub const ENVIRONMENT: &str = "\
    account.read arch.read artifact.create artifact.delete artifact.read artifact.update \
    component.create component.delete component.read component.update channel.read \
    constraint.read engine.read entitlement.create entitlement.delete entitlement.read \
    entitlement.update environment.read event-log.read group.create group.delete \
    group.licenses.read group.machines.read group.owners.attach group.owners.detach \
    group.owners.read group.read group.update group.users.read key.create key.delete key.read \
    key.update license.check-in license.check-out license.create license.delete \
    license.entitlements.attach license.entitlements.detach license.group.update \
    license.owner.update license.policy.update license.read license.reinstate license.renew \
    license.revoke license.suspend license.tokens.generate license.update \
    license.usage.decrement license.usage.increment license.usage.reset license.user.update \
    license.users.attach license.users.detach license.validate machine.check-out machine.create \
    machine.delete machine.group.update machine.heartbeat.ping machine.heartbeat.reset \
    machine.owner.update machine.proofs.generate machine.read machine.update package.create \
    package.delete package.read package.update platform.read policy.create policy.delete \
    policy.entitlements.attach policy.entitlements.detach policy.pool.pop policy.read \
    policy.update process.create process.delete process.heartbeat.ping process.read \
    process.update product.create product.delete product.read product.tokens.generate \
    product.update release.constraints.attach release.constraints.detach release.create \
    release.delete release.download release.package.update release.publish release.read \
    release.update release.upgrade release.upload release.yank request-log.read token.generate \
    token.read token.regenerate token.revoke user.ban user.create user.delete user.group.update \
    user.invite user.password.reset user.password.update user.read user.second-factors.create \
    user.second-factors.delete user.second-factors.read user.second-factors.update \
    user.tokens.generate user.unban user.update webhook-endpoint.create webhook-endpoint.delete \
    webhook-endpoint.read webhook-endpoint.update webhook-event.delete webhook-event.read \
    webhook-event.retry license.meters.update machine.meters.increment machine.meters.decrement \
    subscription-log.read maintenance-policy.read maintenance-policy.create \
    maintenance-policy.update maintenance-policy.delete trial-policy.read trial-policy.create \
    trial-policy.update trial-policy.delete trial-activation.create trial-activation.read \
    trial-activation.update trial-activation.delete activation-log.read export.read openapi.read health.read \
    search.read entitlement-set.read entitlement-set.create entitlement-set.update \
    entitlement-set.delete organization.read organization.create organization.update \
    organization.delete user.organization.update license.organization.update reseller.read \
    reseller.create reseller.update reseller.delete reseller.policies.update \
    user.reseller.update license.reseller.update organization.reseller.update";

// Resellers (issue 10 §7).
/// `reseller-admin` (Cryptlex 3.67) with a reseller: the permissions of the access table's
/// reseller-admin rows (a test keeps the two equal), in Latchkey's and Keygen's names.
pub const RESELLER_ADMIN: &str = "\
    reseller.read license.read license.create license.update license.delete license.suspend \
    license.renew license.owner.update license.validate machine.read user.read user.create \
    user.update organization.read organization.create organization.update token.generate \
    token.read token.regenerate token.revoke user.password.reset user.password.update \
    user.second-factors.read user.second-factors.update release.read artifact.read package.read \
    openapi.read health.read product.read policy.read export.read search.read";

//! Relationship routes: `GET /{resources}/{id}/{relation}` for every link a resource renders,
//! and `PUT /machines/{id}/owner|group`. Access: the parent's read (`shared::access`).

use serde_json::{Map, Value};
use shared::api::accounts::{product, token, user};
use shared::api::entitlements::entitlement;
use shared::api::groups::group;
use shared::api::licenses::{license, policy};
use shared::api::machines::{component, machine, process};
use shared::api::{Document, ResourceObject};
use shared::service::licensing::machine_relations;
use shared::service::licensing::related::{self as svc, Listed, Parent, Up};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// A to-one document: the resource, or `data: null` when the relation is empty.
pub(crate) fn to_one(r: Option<ResourceObject>) -> Reply {
    match r {
        Some(r) => Reply::ok(Document::one(r)),
        None => Reply::ok(Document(Map::from_iter([("data".to_owned(), Value::Null)]))),
    }
}

fn many<T>(cx: &Cx<'_>, listed: Listed<T>, render: impl Fn(&T) -> ResourceObject) -> Reply {
    let (rows, n, page) = listed;
    Reply::ok(list_doc(cx, &rows, n, page, render))
}

fn parent(cx: &Cx<'_>, p: Parent) -> Reply {
    let now = cx.app.now();
    to_one(Some(match p {
        Parent::Machine(m) => machine(&m, now, None),
        Parent::License(l) => license(&l, now),
        Parent::Product(p) => product(&p),
    }))
}

/// `GET /licenses/{id}/product|group|owner`.
pub async fn license_to_one(cx: &Cx<'_>, id: &str, rel: &str) -> Result<Reply, Error> {
    let (app, c) = (&cx.app, &cx.caller);
    Ok(match rel {
        "product" => to_one(Some(product(&svc::license_product(app, c, id).await?))),
        "group" => to_one(svc::license_group(app, c, id).await?.as_ref().map(group)),
        _ => to_one(svc::license_owner(app, c, id).await?.as_ref().map(user)),
    })
}

/// `GET /machines/{id}/product|group|owner`.
pub async fn machine_to_one(cx: &Cx<'_>, id: &str, rel: &str) -> Result<Reply, Error> {
    let (app, c) = (&cx.app, &cx.caller);
    Ok(match rel {
        "product" => to_one(Some(product(&svc::machine_product(app, c, id).await?))),
        "group" => to_one(svc::machine_group(app, c, id).await?.as_ref().map(group)),
        _ => to_one(svc::machine_owner(app, c, id).await?.as_ref().map(user)),
    })
}

/// Route diff (issue 8): Keygen's pre-1.6 `GET /machines/{id}/user`: the license's owner.
pub async fn machine_user(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(svc::machine_license_owner(&cx.app, &cx.caller, id).await?.as_ref().map(user)))
}

/// `GET /processes/{id}/machine|license|product`.
pub async fn process_parent(cx: &Cx<'_>, id: &str, up: Up) -> Result<Reply, Error> {
    Ok(parent(cx, svc::process_parent(&cx.app, &cx.caller, id, up).await?))
}

/// `GET /components/{id}/machine|license|product`.
pub async fn component_parent(cx: &Cx<'_>, id: &str, up: Up) -> Result<Reply, Error> {
    Ok(parent(cx, svc::component_parent(&cx.app, &cx.caller, id, up).await?))
}

/// `GET /policies/{id}/product`.
pub async fn policy_product(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(Some(product(&svc::policy_product(&cx.app, &cx.caller, id).await?))))
}

/// `GET /users/{id}/group`.
pub async fn user_group(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(to_one(svc::user_group(&cx.app, &cx.caller, id).await?.as_ref().map(group)))
}

/// `GET /machines/{id}/components`.
pub async fn machine_components(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(many(cx, svc::machine_components(&cx.app, &cx.caller, id, &cx.req.query).await?, component))
}

/// `GET /machines/{id}/processes`.
pub async fn machine_processes(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    Ok(many(cx, svc::machine_processes(&cx.app, &cx.caller, id, &cx.req.query).await?, |p| process(p, now, None)))
}

/// `GET /users/{id}/licenses`.
pub async fn user_licenses(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    Ok(many(cx, svc::user_licenses(&cx.app, &cx.caller, id, &cx.req.query).await?, |l| license(l, now)))
}

/// `GET /users/{id}/machines`.
pub async fn user_machines(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    Ok(many(cx, svc::user_machines(&cx.app, &cx.caller, id, &cx.req.query).await?, |m| machine(m, now, None)))
}

/// `GET /users/{id}/products`.
pub async fn user_products(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(many(cx, svc::user_products(&cx.app, &cx.caller, id, &cx.req.query).await?, product))
}

/// `GET /products/{id}/policies`.
pub async fn product_policies(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(many(cx, svc::product_policies(&cx.app, &cx.caller, id, &cx.req.query).await?, policy))
}

/// `GET /products/{id}/licenses`.
pub async fn product_licenses(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    Ok(many(cx, svc::product_licenses(&cx.app, &cx.caller, id, &cx.req.query).await?, |l| license(l, now)))
}

/// `GET /products/{id}/machines`.
pub async fn product_machines(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    Ok(many(cx, svc::product_machines(&cx.app, &cx.caller, id, &cx.req.query).await?, |m| machine(m, now, None)))
}

/// `GET /products/{id}/users`.
pub async fn product_users(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(many(cx, svc::product_users(&cx.app, &cx.caller, id, &cx.req.query).await?, user))
}

/// `GET /policies/{id}/licenses`.
pub async fn policy_licenses(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let now = cx.app.now();
    Ok(many(cx, svc::policy_licenses(&cx.app, &cx.caller, id, &cx.req.query).await?, |l| license(l, now)))
}

/// `GET /products/{id}/tokens`, `GET /users/{id}/tokens` (`ty`: `products` or `users`).
pub async fn bearer_tokens(cx: &Cx<'_>, ty: &str, id: &str) -> Result<Reply, Error> {
    Ok(many(cx, svc::bearer_tokens(&cx.app, &cx.caller, (ty, id), &cx.req.query).await?, |t| token(t, None)))
}

/// `PUT /machines/{id}/owner`.
pub async fn change_owner(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let m = machine_relations::change_owner(&cx.app, &cx.caller, id, &cx.req.body).await?;
    Ok(to_one(Some(machine(&m, cx.app.now(), None))))
}

/// `PUT /machines/{id}/group`.
pub async fn change_group(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let m = machine_relations::change_group(&cx.app, &cx.caller, id, &cx.req.body).await?;
    Ok(to_one(Some(machine(&m, cx.app.now(), None))))
}

/// The per-child reads below a relation: `GET /{parents}/{id}/{children}/{child}`.
pub async fn member(cx: &Cx<'_>, rel: &str, id: &str, child: &str) -> Result<Reply, Error> {
    let (app, c, now) = (&cx.app, &cx.caller, cx.app.now());
    let r = match rel {
        "machine-process" => process(&svc::machine_process(app, c, id, child).await?, now, None),
        "machine-component" => component(&svc::machine_component(app, c, id, child).await?),
        "license-machine" => machine(&svc::license_machine(app, c, id, child).await?, now, None),
        "user-license" => license(&svc::user_license(app, c, id, child).await?, now),
        "product-policy" => policy(&svc::product_policy(app, c, id, child).await?),
        "product-license" => license(&svc::product_license(app, c, id, child).await?, now),
        "product-machine" => machine(&svc::product_machine(app, c, id, child).await?, now, None),
        "policy-license" => license(&svc::policy_license(app, c, id, child).await?, now),
        "group-license" => license(&svc::group_license(app, c, id, child).await?, now),
        "product-token" => token(&svc::bearer_token(app, c, ("products", id), child).await?, None),
        "user-token" => token(&svc::bearer_token(app, c, ("users", id), child).await?, None),
        // Per-child reads (issue 8).
        "group-user" => user(&svc::group_user(app, c, id, child).await?),
        "user-machine" => machine(&svc::user_machine(app, c, id, child).await?, now, None),
        "user-product" => product(&svc::user_product(app, c, id, child).await?),
        "product-user" => user(&svc::product_user(app, c, id, child).await?),
        "license-user" => user(&svc::license_user(app, c, id, child).await?),
        "license-entitlement" => entitlement(&svc::license_entitlement(app, c, id, child).await?),
        "policy-entitlement" => entitlement(&svc::policy_entitlement(app, c, id, child).await?),
        _ => machine(&svc::group_machine(app, c, id, child).await?, now, None),
    };
    Ok(to_one(Some(r)))
}

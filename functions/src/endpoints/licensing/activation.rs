//! `POST /machines` (activation) and `DELETE /machines/{id}` (deactivation): use cases of a
//! license, served by `licensing::activation`.

use shared::service::licensing::activation;
use shared::Error;

use crate::endpoints::fleet::machines::one;
use crate::http::Reply;
use crate::router::Cx;

/// `POST /machines`: activation.
pub async fn activate(cx: &Cx<'_>) -> Result<Reply, Error> {
    let clock = shared::domain::activation_rules::parse_clock(cx.req.client_clock.as_deref())?;
    let ip = cx.req.client_ip.as_deref().and_then(|ip| ip.trim().parse().ok());
    let input = activation::parse(&cx.req.body)?.with_client(ip, cx.req.country(cx.env.test), clock);
    Ok(Reply::created(one(cx, &activation::activate(&cx.app, &cx.caller, input).await?)))
}

/// Deactivates a machine.
pub async fn deactivate(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    activation::deactivate(&cx.app, &cx.caller, id).await?;
    Ok(Reply::NoContent)
}

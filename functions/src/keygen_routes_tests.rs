//! Issue 8's route comparison as a test: every route of Keygen's `config/routes.rb` (its
//! licensing core and distribution, `keygen_routes.txt`, written by `scripts/keygen-routes.py`
//! from a keygen-api checkout) is served by a row of the route table of the same shape — the
//! same literal segments, a placeholder where Keygen has one — or is in [`NOT_SERVED`] with
//! the reason. Both lists are checked: a route that starts being served must leave
//! [`NOT_SERVED`].

use super::checks::row_for;

const KEYGEN: &str = include_str!("keygen_routes.txt");

/// Answered by the router before the table (`/v1/accounts/{account}/ping`).
const OUTSIDE: &[&str] = &["GET /ping"];

/// Keygen routes Latchkey does not serve, and why (`docs/API.md`, "Route diff" and
/// "Distribution").
const NOT_SERVED: &[(&str, &str)] = &[
    ("GET /releases/{id}/actions/upgrade", "API <= 1.0 only (version_constraint '<=1.0')"),
    ("PUT /releases", "API <= 1.0 only"),
    ("GET /releases/actions/upgrade", "API <= 1.0 only"),
    ("GET /releases/{id}/artifact", "API <= 1.0 only"),
    ("DELETE /releases/{id}/artifact", "API <= 1.0 only"),
    ("PUT /releases/{release_id}/artifact", "API <= 1.0 only"),
    ("GET /engines/rubygems/quick/Marshal.4.8/{gem}.gemspec.rz", "legacy Marshal index: the compact index only"),
    ("GET /engines/rubygems/specs.4.8.gz", "legacy Marshal index"),
    ("GET /engines/rubygems/latest_specs.4.8.gz", "legacy Marshal index"),
    ("GET /engines/rubygems/prerelease_specs.4.8.gz", "legacy Marshal index"),
];

fn keygen_routes() -> Vec<(&'static str, &'static str)> {
    KEYGEN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let route = l.split("  #").next().unwrap_or(l).trim();
            (route, l.split_once("  # ").map_or("", |(_, n)| n))
        })
        .collect()
}

/// Whether a row of the same shape serves `route` (Keygen's form, `METHOD /path`).
fn served(route: &str) -> Result<(), String> {
    let row = row_for(route)?;
    let path = route.split_once(' ').map_or("", |(_, p)| p);
    let (ours, theirs): (Vec<&str>, Vec<&str>) = (row.pattern.split('/').collect(), path.split('/').collect());
    let same = ours.len() == theirs.len() && ours.iter().zip(&theirs).all(|(o, t)| if o.starts_with('{') { t.contains('{') } else { o == t });
    if same {
        Ok(())
    } else {
        Err(format!("{route}: answered by {}, of another shape", row.pattern))
    }
}

#[test]
fn every_keygen_route_is_served_or_listed_with_its_reason() {
    let routes = keygen_routes();
    assert!(routes.len() >= 280, "keygen_routes.txt holds Keygen's routes, not {}", routes.len());
    let mut missing = Vec::new();
    for (route, note) in &routes {
        if note.contains("wildcard") || OUTSIDE.contains(route) || NOT_SERVED.iter().any(|(r, _)| r == route) {
            continue;
        }
        if let Err(e) = served(route) {
            missing.push(e);
        }
    }
    assert!(missing.is_empty(), "Keygen routes not served (serve them or list them in NOT_SERVED with why):\n{}", missing.join("\n"));
}

#[test]
fn the_not_served_list_is_keygens_and_still_not_served() {
    let routes = keygen_routes();
    for (route, why) in NOT_SERVED {
        assert!(routes.iter().any(|(r, _)| r == route), "{route} is not one of Keygen's routes");
        assert!(served(route).is_err(), "{route} is served now ({why}): take it out of NOT_SERVED");
    }
}

#[test]
fn the_shape_check_refuses_a_row_that_only_captures_the_path() {
    // `GET /releases/{id}/upgrade` would capture `actions` as an id: not the same route.
    assert!(served("GET /releases/actions/upgrade").is_err());
    assert_eq!(served("GET /licenses/{id}/actions/check-out"), Ok(()));
    assert!(served("GET /nowhere").is_err());
}

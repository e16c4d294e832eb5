//! Rights, route by route: every role against every route, pages and API alike, and every
//! route against malformed requests. One table ([`routes`]) says who may use each route; a
//! test fails when a route answers someone it should refuse, refuses someone it should
//! answer, shows another organization's things, or answers a bad request with a 5xx.

use reqwest::{Method, StatusCode};

use crate::app::{Client, TestApp, Who};

use Who::*;

/// A route and who may use it. `{m}` stands for a movement id.
struct Route {
    method: Method,
    path: &'static str,
    /// Who is allowed: everyone else signed in gets 403.
    allowed: &'static [Who],
    /// A route of the JSON API (401 without a session) rather than a page (redirect).
    api: bool,
}

const EVERYONE: &[Who] = &[Host, Activist, Member, Sponsor, Admin, Outsider];
const HOSTS: &[Who] = &[Host, Admin];
const DASHBOARD: &[Who] = &[Host, Sponsor, Admin];
const ACTIVISTS: &[Who] = &[Host, Activist];
const PARTICIPANTS: &[Who] = &[Host, Activist, Member];

fn page(method: Method, path: &'static str, allowed: &'static [Who]) -> Route {
    Route {
        method,
        path,
        allowed,
        api: false,
    }
}

fn api(method: Method, path: &'static str, allowed: &'static [Who]) -> Route {
    Route {
        method,
        path,
        allowed,
        api: true,
    }
}

/// Every route that needs a session. (Sign-in, set-up, join links, the demo and assets are
/// open by design and tested in their own modules.)
fn routes() -> Vec<Route> {
    vec![
        page(Method::GET, "/", EVERYONE),
        page(Method::GET, "/me", EVERYONE),
        page(Method::POST, "/me/opt-outs", EVERYONE),
        page(Method::POST, "/me/password", EVERYONE),
        page(Method::GET, "/movements/new", &[Admin]),
        page(Method::POST, "/movements", &[Admin]),
        page(Method::GET, "/m/{m}", EVERYONE),
        page(Method::POST, "/m/{m}/join", EVERYONE),
        api(Method::GET, "/api/v1/me", EVERYONE),
        api(Method::PUT, "/api/v1/me/opt-outs", EVERYONE),
        api(Method::GET, "/api/v1/movements", EVERYONE),
        api(Method::POST, "/api/v1/movements", &[Admin]),
        api(Method::GET, "/api/v1/movements/{m}", EVERYONE),
        api(Method::POST, "/api/v1/movements/{m}/memberships", EVERYONE),
    ]
    .into_iter()
    .chain(area_routes())
    .collect()
}

/// The routes of the areas: hosts, dashboards, outreach, stories.
fn area_routes() -> Vec<Route> {
    vec![
        page(Method::GET, "/m/{m}/outreach", ACTIVISTS),
        page(Method::POST, "/m/{m}/outreach/asks", ACTIVISTS),
        page(Method::POST, "/m/{m}/outreach/conversations", ACTIVISTS),
        page(Method::GET, "/m/{m}/stories", PARTICIPANTS),
        page(Method::POST, "/m/{m}/stories", PARTICIPANTS),
        page(Method::POST, "/m/{m}/adoptions", PARTICIPANTS),
        api(Method::GET, "/api/v1/movements/{m}/outreach", ACTIVISTS),
        api(Method::POST, "/api/v1/movements/{m}/asks", ACTIVISTS),
        api(
            Method::POST,
            "/api/v1/movements/{m}/conversations",
            ACTIVISTS,
        ),
        api(Method::GET, "/api/v1/movements/{m}/stories", PARTICIPANTS),
        api(Method::POST, "/api/v1/movements/{m}/stories", PARTICIPANTS),
        api(Method::GET, "/api/v1/movements/{m}/adoptions", PARTICIPANTS),
        api(
            Method::POST,
            "/api/v1/movements/{m}/adoptions",
            PARTICIPANTS,
        ),
        page(Method::GET, "/m/{m}/host", HOSTS),
        page(Method::POST, "/m/{m}/host/roles", HOSTS),
        page(Method::GET, "/m/{m}/host/import", HOSTS),
        page(Method::POST, "/m/{m}/host/import", HOSTS),
        page(Method::POST, "/m/{m}/host/import/confirm", HOSTS),
        page(Method::GET, "/m/{m}/host/recommendations", HOSTS),
        page(Method::GET, "/m/{m}/host/recommendations/progress", HOSTS),
        page(Method::POST, "/m/{m}/host/invite", HOSTS),
        page(Method::GET, "/m/{m}/dashboard", DASHBOARD),
        // Starts job 1 (the host is first), which the next two read.
        api(Method::POST, "/api/v1/movements/{m}/recommendations", HOSTS),
        api(
            Method::GET,
            "/api/v1/movements/{m}/recommendations/latest",
            HOSTS,
        ),
        api(Method::GET, "/api/v1/movements/{m}/jobs/1", HOSTS),
        api(Method::POST, "/api/v1/movements/{m}/invitations", HOSTS),
        api(Method::POST, "/api/v1/movements/{m}/roles", HOSTS),
        api(Method::POST, "/api/v1/movements/{m}/imports", HOSTS),
        api(Method::GET, "/api/v1/movements/{m}/dashboard", DASHBOARD),
    ]
}

fn path_for(route: &Route, movement: i64) -> String {
    route.path.replace("{m}", &movement.to_string())
}

async fn send(client: &Client, route: &Route, path: &str) -> reqwest::Response {
    let request = client.http.request(route.method.clone(), client.url(path));
    let request = if route.api {
        let request = request.header("x-csrf-token", &client.csrf);
        if route.method == Method::GET {
            request
        } else {
            request.json(&serde_json::json!({}))
        }
    } else {
        let request = request.header("accept", "text/html");
        if route.method == Method::GET {
            request
        } else {
            request.form(&[("csrf", client.csrf.as_str())])
        }
    };
    request.send().await.unwrap()
}

/// Whether `status` means the route let the caller through (it may still refuse the empty
/// body: 409, 422).
fn let_through(status: StatusCode) -> bool {
    !matches!(status.as_u16(), 401 | 403 | 404) && status.as_u16() < 500
}

#[tokio::test]
async fn every_role_gets_exactly_the_routes_its_role_allows() {
    let app = TestApp::start().await;
    let mut failures = Vec::new();
    for who in Who::ALL {
        // No route here signs out, and the empty forms change no role.
        let client = app.client(who).await;
        for route in routes() {
            let path = path_for(&route, app.acme.movement.0);
            let status = send(&client, &route, &path).await.status();
            let allowed = route.allowed.contains(&who);
            let ok = if allowed {
                let_through(status)
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                failures.push(format!(
                    "{who:?} {} {path}: {status} (allowed: {allowed})",
                    route.method
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    app.stop().await;
}

#[tokio::test]
async fn without_a_session_pages_redirect_to_sign_in_and_the_api_answers_401() {
    let app = TestApp::start().await;
    let anonymous = app.anonymous();
    for route in routes() {
        let path = path_for(&route, app.acme.movement.0);
        if path == "/" {
            continue; // the welcome page
        }
        let response = send(&anonymous, &route, &path).await;
        let status = response.status();
        if route.api {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {path}", route.method);
        } else if route.method == Method::GET {
            assert_eq!(status, StatusCode::SEE_OTHER, "{} {path}", route.method);
            let location = response.headers()["location"].to_str().unwrap();
            assert!(location.starts_with("/login?next="), "{path}: {location}");
        } else {
            // A post without a session is refused before its form is read.
            assert!(
                matches!(status.as_u16(), 303 | 401),
                "{} {path}: {status}",
                route.method
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn another_organizations_movement_is_not_found_for_anyone() {
    let app = TestApp::start().await;
    for who in Who::ALL {
        let client = app.client(who).await;
        for route in routes().iter().filter(|r| r.path.contains("{m}")) {
            let path = path_for(route, app.other.movement.0);
            let status = send(&client, route, &path).await.status();
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{who:?} {} {path}",
                route.method
            );
        }
    }
    app.stop().await;
}

/// Malformed requests on every route: none is answered 5xx (and the server stays up).
#[tokio::test]
async fn malformed_requests_never_cause_a_server_error() {
    let app = TestApp::start().await;
    let admin = app.client(Admin).await;
    let host = app.client(Host).await;
    let bad_ids = ["abc", "-1", "0", "99999999999999999999", "1.5", "%00"];
    let bodies: [(&str, Vec<u8>); 6] = [
        ("application/x-www-form-urlencoded", b"%%%=&&=%zz".to_vec()),
        (
            "application/x-www-form-urlencoded",
            vec![0xff, 0xfe, 0x00, 0x41],
        ),
        (
            "application/json",
            b"{\"name\": [1, 2, {\"deep\": null}]".to_vec(),
        ),
        ("application/json", b"[]".to_vec()),
        ("text/plain", b"hello".to_vec()),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nnonsense".to_vec(),
        ),
    ];
    let mut failures = Vec::new();
    for client in [&admin, &host] {
        for route in routes() {
            let mut paths = vec![path_for(&route, app.acme.movement.0)];
            if route.path.contains("{m}") {
                paths.extend(bad_ids.iter().map(|id| route.path.replace("{m}", id)));
            }
            for path in paths {
                for (content_type, body) in &bodies {
                    let response = client
                        .http
                        .request(route.method.clone(), client.url(&path))
                        .header("x-csrf-token", &client.csrf)
                        .header("content-type", *content_type)
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    if response.status().is_server_error() {
                        failures.push(format!(
                            "{} {path} ({content_type}): {}",
                            route.method,
                            response.status()
                        ));
                    }
                }
            }
        }
    }
    // Oversized bodies are 413 problems before any handler reads them.
    let huge = vec![b'a'; server::MAX_BODY_BYTES + 1];
    let response = admin
        .http
        .post(admin.url("/api/v1/movements"))
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        app.anonymous().get("/healthz").await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

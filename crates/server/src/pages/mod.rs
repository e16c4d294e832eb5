//! Server-rendered pages, one module per area, each with its routes.

pub(crate) mod account;
pub(crate) mod dashboard;
pub mod demo;
pub(crate) mod host;
pub(crate) mod join;
pub(crate) mod movements;
pub(crate) mod outreach;
pub(crate) mod stories;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};

use crate::auth::Viewer;
use crate::html::page;
use crate::{ApiError, AppState, PROBLEM_JSON};

/// Every page's route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .merge(account::routes())
        .merge(movements::routes())
        .merge(outreach::routes())
        .merge(join::routes())
        .merge(stories::routes())
        .merge(host::routes())
        .merge(dashboard::routes())
        .merge(demo::routes())
}

/// `GET /`: the movements of the viewer's organization, or an invitation to sign in.
async fn home(State(state): State<AppState>, viewer: Option<Viewer>) -> Result<Markup, ApiError> {
    let Some(viewer) = viewer else {
        let no_organization = state.store().organizations().await?.is_empty();
        let demo = !state.config().demo_sign_ins.is_empty();
        return Ok(page(
            "Welcome",
            None,
            html! {
                h1 { "Groundswell" }
                p { "Change that spreads person to person: a few volunteers ask colleagues they \
                     know, in their own words, and the behaviour travels through the informal \
                     network." }
                p { a class="button" href="/login" { "Sign in" } }
                @if demo {
                    p { "This is the demo: " a href="/demo" { "sign in as the host, an activist,                         a member or the sponsor" } " with one click." }
                }
                @if no_organization {
                    p { "No organization is set up yet. " a href="/setup" { "Set one up" } "." }
                }
            },
        ));
    };
    let org = viewer.org(&state);
    let name = org.name().await?;
    let movements = org.movements().await?;
    Ok(page(
        &name,
        Some(&viewer),
        html! {
            h1 { (name) }
            p { "Signed in as " (viewer.person.record.name) "." }
            h2 { "Movements" }
            @if movements.is_empty() {
                p { "No movement yet." }
            }
            ul class="cards" {
                @for (id, spec) in &movements {
                    li class="card" {
                        h3 { a href={"/m/" (id)} { (spec.name()) } }
                        p { (spec.mission()) }
                    }
                }
            }
            @if viewer.account.is_admin {
                p { a class="button" href="/movements/new" { "Start a movement" } }
            }
        },
    ))
}

/// Problems answered to a browser's page request become a page saying the same (with the
/// same status); "sign in first" becomes a redirect to the sign-in page. API clients and
/// htmx requests keep the problem document.
pub async fn errors_for_browsers(request: Request, next: Next) -> Response {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let is_api = request.uri().path().starts_with("/api/");
    let is_htmx = request.headers().contains_key("hx-request");
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|content_type| content_type == PROBLEM_JSON);
    if !wants_html || is_api || is_htmx || !is_problem {
        return response;
    }
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to(&format!("/login?next={}", urlencode(&path))).into_response();
    }
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|problem| problem["detail"].as_str().map(str::to_string))
        .unwrap_or_default();
    let title = status.canonical_reason().unwrap_or("Error");
    let markup = page(
        title,
        None,
        html! {
            h1 { (title) }
            p { (detail) }
            p { a href="/" { "Back to the start" } }
        },
    );
    let mut page_response = (status, markup).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            page_response.headers_mut().insert(name, value.clone());
        }
    }
    page_response
}

/// Percent-encodes a path for a query parameter.
pub(crate) fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|encoded| encoded.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// A redirect after a successful form post (303: the browser then GETs the target).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

//! The JSON API under `/api/v1`: the pages' operations for scripts and other tools, with its
//! OpenAPI document at `/api/openapi.json`.
//!
//! Clients sign in with `POST /api/v1/session` (or reuse a browser's session): the session
//! cookie authenticates, and every request that changes something carries the session's
//! CSRF token in the `x-csrf-token` header ([`Caller`]). Bodies are JSON ([`Body`]); every
//! failure is a problem document, and rights are the pages' ([`crate::access`]).
//!
//! Each area adds its handlers, annotated with `#[utoipa::path]`, to [`routes`] with
//! `utoipa_axum::routes!`; the document is assembled from them, so it cannot drift from
//! the routes.

mod host;
mod movements;
mod outreach;
mod session;
mod stories;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::access::InMovement;
use crate::auth::{Viewer, check_csrf_header};
use crate::{ApiError, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Groundswell",
        description = "Person-to-person change movements: movements, outreach, stories and \
                       their measures. Sign in with POST /api/v1/session; send the returned \
                       csrf_token in the x-csrf-token header of every request that changes \
                       something. Errors are RFC 9457 problem documents."
    ),
    components(schemas(crate::Problem)),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "movements", description = "Movements and memberships"),
        (name = "outreach", description = "Outreach lists, asks, conversations, join links"),
        (name = "stories", description = "Stories, reactions, retells, I did it"),
        (name = "host", description = "Hosting: imports, recommended activists, invitations, roles, the dashboard"),
    )
)]
struct ApiDoc;

/// The API's routes (under `/api/v1`) and its OpenAPI document.
pub fn routes() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            session::routes()
                .merge(movements::routes())
                .merge(outreach::routes())
                .merge(stories::routes())
                .merge(host::routes()),
        )
        .split_for_parts();
    let document = std::sync::Arc::new(document);
    router.route(
        "/api/openapi.json",
        get(move || {
            let document = document.clone();
            async move { Json(document.as_ref().clone()) }
        }),
    )
}

/// Whether `path` is an API route that takes an upload of up to
/// [`crate::UPLOAD_MAX_BODY_BYTES`].
pub(crate) fn is_upload(path: &str) -> bool {
    host::is_upload(path)
}

/// A signed-in API caller: their session cookie, and on every request that changes
/// something, the session's CSRF token in the `x-csrf-token` header (403 without it).
pub struct Caller(pub Viewer);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let viewer =
            <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        check_csrf_header(&parts.method, &parts.headers, &viewer)?;
        Ok(Caller(viewer))
    }
}

/// A caller in a movement (`{movement}` in the path), CSRF-checked like [`Caller`].
pub struct CallerIn(pub InMovement);

impl FromRequestParts<AppState> for CallerIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let here =
            <InMovement as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        check_csrf_header(&parts.method, &parts.headers, &here.viewer)?;
        Ok(CallerIn(here))
    }
}

/// A JSON body; what cannot be read is a 400, 415 or 422 problem naming the field. Routes
/// that check a right first take `Result<Body<T>, ApiError>` and open it after the check.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state)
            .await
            .map_err(|rejection: JsonRejection| ApiError::from(rejection))?;
        Ok(Body(value))
    }
}

//! Groundswell's web platform: server-rendered pages and the JSON API, over the store.
//!
//! Start reading at [`app`]: the routes, then the middleware every response goes through.
//! [`auth`] says who is asking ([`auth::Viewer`]) and checks CSRF tokens; [`access`] says
//! what their role in a movement lets them do; [`html`] is the pages' layout. Each area of
//! the product is one module of `pages` with its routes.
//!
//! Every response passes, outermost first: the security headers, the request id
//! ([`request_id`]), the trace span (method, path, request id — never the query string,
//! which may carry tokens), errors turned into HTML pages for browsers, and the body size
//! limit ([`MAX_BODY_BYTES`]). Errors are RFC 9457 problem documents ([`ApiError`]),
//! including unknown paths (404) and wrong methods (405).

pub mod access;
mod api;
pub mod assets;
pub mod auth;
mod error;
pub mod html;
pub mod mail;
mod pages;
pub use pages::demo::DemoSignIn;
pub mod request_id;

use std::future::Future;
use std::io;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, PROBLEM_JSON, Problem};
pub use request_id::{REQUEST_ID_HEADER, RequestId};

/// The largest request body accepted, 1 MiB: enough for any form or JSON command the
/// platform takes, small enough that a client cannot tie up memory. Larger bodies are
/// answered 413 before a handler runs. The import routes alone take up to
/// [`UPLOAD_MAX_BODY_BYTES`].
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest body of an import upload (a people file and a ties file together), 20 MiB:
/// about 200,000 people or 300,000 ties as CSV. Larger networks go through the command line.
pub const UPLOAD_MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// The Content-Security-Policy of every response: scripts, styles, images and frames only
/// from this origin, no inline scripts or styles.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'";

/// How this server is deployed.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address people reach the server at, for links in emails
    /// (`https://groundswell.example.org`).
    pub public_url: String,
    /// Mark cookies `Secure`: set when a TLS proxy is in front.
    pub secure_cookies: bool,
    /// Sign-in attempts (password or link requests) allowed per email address per minute.
    pub sign_ins_per_minute: NonZeroU32,
    /// `groundswell demo`'s one-click sign-ins (for this machine only); none otherwise.
    pub demo_sign_ins: Vec<pages::demo::DemoSignIn>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            sign_ins_per_minute: NonZeroU32::new(5).expect("5 is not 0"),
            demo_sign_ins: Vec::new(),
        }
    }
}

type KeyedLimiter = governor::DefaultKeyedRateLimiter<String>;

/// What every handler shares; cheap to clone (the store's pool is shared).
#[derive(Clone)]
pub struct AppState {
    store: store::Store,
    config: Arc<Config>,
    mailer: Arc<mail::Mailer>,
    sign_in_limiter: Arc<KeyedLimiter>,
    uploads: Arc<pages::host::PendingUploads>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// A server with the default configuration, whose mail goes to the log.
    pub fn new(store: store::Store) -> AppState {
        let mailer = mail::Mailer::new(mail::MailConfig::log_only())
            .expect("a mailer that only logs needs no configuration");
        AppState::with(store, Config::default(), mailer)
    }

    /// A server configured and mailing as given.
    pub fn with(store: store::Store, config: Config, mailer: mail::Mailer) -> AppState {
        let quota = governor::Quota::per_minute(config.sign_ins_per_minute);
        AppState {
            store,
            config: Arc::new(config),
            mailer: Arc::new(mailer),
            sign_in_limiter: Arc::new(governor::RateLimiter::keyed(quota)),
            uploads: Arc::new(pages::host::PendingUploads::default()),
        }
    }

    pub fn store(&self) -> &store::Store {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn mailer(&self) -> &mail::Mailer {
        &self.mailer
    }

    /// Uploaded import files waiting for their host's confirmation.
    pub(crate) fn uploads(&self) -> &pages::host::PendingUploads {
        &self.uploads
    }

    /// Counts a sign-in attempt for `email`; refuses once the minute's quota is spent.
    pub fn count_sign_in(&self, email: &str) -> Result<(), ApiError> {
        self.sign_in_limiter
            .check_key(&email.trim().to_lowercase())
            .map_err(|_| ApiError::TooManyRequests)
    }
}

/// The whole application: routes, fallbacks and middleware, ready to serve.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/assets/{name}", get(assets::serve))
        .merge(pages::routes())
        .merge(api::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    // `Router::layer` wraps what is already there: the last layer added is the outermost.
    routes
        .layer(axum::middleware::from_fn(limit_body))
        .layer(axum::middleware::from_fn(body_too_large_as_problem))
        .layer(axum::middleware::from_fn(pages::errors_for_browsers))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let request_id = request
                    .headers()
                    .get(&REQUEST_ID_HEADER)
                    .and_then(|id| id.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id,
                )
            }),
        )
        .layer(axum::middleware::from_fn(request_id::set_request_id))
        .layer(security_header(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(security_header(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(security_header(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(security_header(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
}

/// Limits every request body to [`MAX_BODY_BYTES`], and an import upload's to
/// [`UPLOAD_MAX_BODY_BYTES`] (the routes [`pages::host::is_upload`] names, which also raise
/// axum's `DefaultBodyLimit` for their extractors). A declared length over the limit is
/// refused before the handler runs; a body that turns out longer fails as it is read.
async fn limit_body(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let limit = if pages::host::is_upload(path) || api::is_upload(path) {
        UPLOAD_MAX_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return ApiError::PayloadTooLarge.into_response();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

/// The body limit answers 413 in plain text before any handler runs; clients get the same
/// problem document as for every other error.
async fn body_too_large_as_problem(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|content_type| content_type == PROBLEM_JSON);
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem {
        ApiError::PayloadTooLarge.into_response()
    } else {
        response
    }
}

/// A header set on every response, replacing any a handler set: these are policy.
fn security_header(name: HeaderName, value: HeaderValue) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, value)
}

/// Serves the application on `listener` until `shutdown` completes, then stops accepting,
/// lets requests in flight finish, and returns (the listener is closed, the port freed).
///
/// # Errors
/// The listener fails in a way the server cannot recover from.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // The peer's address reaches handlers that need it (the demo's loopback-only sign-in).
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

/// The health check's answer.
#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

/// `GET /healthz`: ok once the database has answered a query, 503 otherwise. It says which
/// backend runs, nothing about any organization.
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    if let Err(error) = state.store.schema_versions().await {
        tracing::error!(%error, "health check: the database did not answer");
        return Err(ApiError::Unavailable);
    }
    let database = match state.store.backend() {
        store::Backend::Sqlite => "sqlite",
        store::Backend::Postgres => "postgres",
    };
    Ok(Json(Health {
        status: "ok",
        database,
    }))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

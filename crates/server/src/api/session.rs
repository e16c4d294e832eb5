//! Signing in and out over the API, and one's own account and opt-outs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use movement::OptOut;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::auth::{self, SESSION_COOKIE, Viewer};
use crate::pages::account::{apply_opt_outs, opt_outs_of};
use crate::{ApiError, AppState, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(me))
        .routes(routes!(set_opt_outs))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    email: String,
    password: String,
}

/// Who is signed in, and the token their writes must carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    person_id: i64,
    name: String,
    email: String,
    is_admin: bool,
    /// Send it in the `x-csrf-token` header of every request that changes something.
    csrf_token: String,
    opt_outs: OptOuts,
}

/// The three opt-outs; each takes effect at once, everywhere.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct OptOuts {
    #[serde(default)]
    do_not_suggest: bool,
    #[serde(default)]
    do_not_contact: bool,
    #[serde(default)]
    exclude_from_analytics: bool,
}

impl OptOuts {
    fn from_list(list: &[OptOut]) -> OptOuts {
        OptOuts {
            do_not_suggest: list.contains(&OptOut::DoNotSuggest),
            do_not_contact: list.contains(&OptOut::DoNotContact),
            exclude_from_analytics: list.contains(&OptOut::ExcludeFromAnalytics),
        }
    }

    fn to_list(&self) -> Vec<OptOut> {
        [
            (self.do_not_suggest, OptOut::DoNotSuggest),
            (self.do_not_contact, OptOut::DoNotContact),
            (self.exclude_from_analytics, OptOut::ExcludeFromAnalytics),
        ]
        .into_iter()
        .filter_map(|(chosen, opt_out)| chosen.then_some(opt_out))
        .collect()
    }
}

async fn me_of(state: &AppState, viewer: &Viewer, csrf: &str) -> Result<Me, ApiError> {
    let opt_outs = opt_outs_of(&viewer.org(state), viewer.person.id).await?;
    Ok(Me {
        person_id: viewer.person.id.0,
        name: viewer.person.record.name.clone(),
        email: viewer.account.email.clone(),
        is_admin: viewer.account.is_admin,
        csrf_token: csrf.to_string(),
        opt_outs: OptOuts::from_list(&opt_outs),
    })
}

/// Signs in with email and password; the session comes back as a cookie.
#[utoipa::path(post, path = "/session", tag = "session", request_body = Credentials,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 401, description = "Wrong email or password", body = Problem),
        (status = 429, description = "Too many attempts for this email", body = Problem),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    jar: CookieJar,
    Body(credentials): Body<Credentials>,
) -> Result<Response, ApiError> {
    state.count_sign_in(&credentials.email)?;
    for (org, account) in auth::accounts_by_email(&state, &credentials.email).await? {
        let matches = account
            .password_hash
            .as_deref()
            .is_some_and(|hash| auth::verify_password(&credentials.password, hash));
        if !matches {
            continue;
        }
        let cookie = auth::start_session(&state, &org, &account).await?;
        let (_, secret) = auth::split_token(cookie.value()).ok_or(ApiError::Unavailable)?;
        let session = org
            .session(&auth::hash_secret(secret))
            .await?
            .ok_or(ApiError::Unavailable)?;
        let person = org.person(account.person).await?;
        let viewer = Viewer::new(org.id(), account, person, session.csrf_token.clone(), "");
        let me = me_of(&state, &viewer, &session.csrf_token).await?;
        return Ok((jar.add(cookie), axum::Json(me)).into_response());
    }
    tokio::time::sleep(auth::FAILED_LOGIN_DELAY).await;
    Err(ApiError::Unauthorized)
}

/// Ends this session.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204, description = "Signed out"), (status = 401, body = Problem)))]
async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    Caller(viewer): Caller,
) -> Result<Response, ApiError> {
    viewer
        .org(&state)
        .end_session(viewer.session_hash())
        .await?;
    let jar = jar.add(auth::removal(&state, SESSION_COOKIE));
    Ok((StatusCode::NO_CONTENT, jar).into_response())
}

/// The signed-in person, their opt-outs and their CSRF token.
#[utoipa::path(get, path = "/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
async fn me(
    State(state): State<AppState>,
    Caller(viewer): Caller,
) -> Result<axum::Json<Me>, ApiError> {
    Ok(axum::Json(me_of(&state, &viewer, &viewer.csrf).await?))
}

/// Sets exactly these opt-outs (absent means false).
#[utoipa::path(put, path = "/me/opt-outs", tag = "session", request_body = OptOuts,
    responses((status = 200, body = OptOuts), (status = 401, body = Problem),
        (status = 403, description = "No CSRF token", body = Problem),
        (status = 422, body = Problem)))]
async fn set_opt_outs(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Body(wanted): Body<OptOuts>,
) -> Result<axum::Json<OptOuts>, ApiError> {
    let org = viewer.org(&state);
    apply_opt_outs(&org, viewer.person.id, &wanted.to_list()).await?;
    let now = opt_outs_of(&org, viewer.person.id).await?;
    Ok(axum::Json(OptOuts::from_list(&now)))
}

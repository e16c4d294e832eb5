//! Movements over the API: list, start (admins), read, join or become an activist.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use movement::{MovementId, MovementSpec, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller, CallerIn};
use crate::access::InMovement;
use crate::pages::movements::{MovementForm, found, join_as, require_admin};
use crate::{ApiError, AppState, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(join))
}

/// A movement, and the caller's role in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementView {
    id: i64,
    name: String,
    mission: String,
    behaviours: Vec<String>,
    /// Share of the organization (0–1] at which the change carries itself.
    critical_mass: f64,
    starts_on: NaiveDate,
    /// `host`, `activist`, `member`, `sponsor`, or null when not in it.
    role: Option<String>,
}

fn view(id: MovementId, spec: &MovementSpec, role: Option<Role>) -> MovementView {
    MovementView {
        id: id.0,
        name: spec.name().to_string(),
        mission: spec.mission().to_string(),
        behaviours: spec
            .behaviours()
            .iter()
            .map(|b| b.as_str().to_string())
            .collect(),
        critical_mass: spec.critical_mass(),
        starts_on: spec.starts_on(),
        role: role.map(|role| role.as_str().to_string()),
    }
}

/// The movements of the caller's organization.
#[utoipa::path(get, path = "/movements", tag = "movements",
    responses((status = 200, body = Vec<MovementView>), (status = 401, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Caller(viewer): Caller,
) -> Result<axum::Json<Vec<MovementView>>, ApiError> {
    let org = viewer.org(&state);
    let mut views = Vec::new();
    for (id, spec) in org.movements().await? {
        let role = org
            .memberships(id)
            .await?
            .into_iter()
            .find(|(_, m)| m.person == viewer.person.id)
            .map(|(_, m)| m.role);
        views.push(view(id, &spec, role));
    }
    Ok(axum::Json(views))
}

/// A new movement.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMovement {
    name: String,
    mission: String,
    /// 3 to 7 behaviours.
    behaviours: Vec<String>,
    /// Share of the organization, above 0 and at most 1.
    critical_mass: f64,
    /// Defaults to today.
    starts_on: Option<NaiveDate>,
}

/// Starts a movement (organization admins); its founder becomes its first host.
#[utoipa::path(post, path = "/movements", tag = "movements", request_body = NewMovement,
    responses((status = 201, body = MovementView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    body: Result<Body<NewMovement>, ApiError>,
) -> Result<(StatusCode, axum::Json<MovementView>), ApiError> {
    // Rights first: a refused caller learns nothing from the body's errors.
    require_admin(&viewer)?;
    let Body(new) = body?;
    let form = MovementForm {
        name: new.name,
        mission: new.mission,
        behaviours: new.behaviours.join("\n"),
        critical_mass: (new.critical_mass * 100.0).to_string(),
        starts_on: new.starts_on.map(|d| d.to_string()).unwrap_or_default(),
    };
    let spec = form
        .parse()
        .map_err(|errors| ApiError::Unprocessable(errors.summary()))?;
    let id = found(&state, &viewer, &spec).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(id, &spec, Some(Role::Host))),
    ))
}

/// One movement of the caller's organization (404 for any other).
#[utoipa::path(get, path = "/movements/{movement}", tag = "movements",
    params(("movement" = i64, Path, description = "Movement id")),
    responses((status = 200, body = MovementView), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn show(CallerIn(here): CallerIn) -> axum::Json<MovementView> {
    axum::Json(view(here.id, &here.spec, here.role()))
}

/// Joining, or a member becoming an activist.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Joining {
    /// `member` or `activist`.
    role: String,
    /// Why this mission is mine.
    #[serde(default)]
    personal_mission: String,
}

/// Joins the movement (as member or activist), or makes a member an activist.
#[utoipa::path(post, path = "/movements/{movement}/memberships", tag = "movements",
    params(("movement" = i64, Path, description = "Movement id")), request_body = Joining,
    responses((status = 201, body = MovementView), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn join(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Body(joining): Body<Joining>,
) -> Result<(StatusCode, axum::Json<MovementView>), ApiError> {
    let role: Role = joining.role.parse()?;
    join_as(&state, &here, role, &joining.personal_mission).await?;
    let here = InMovement::load(&state, here.viewer, here.id.0).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(here.id, &here.spec, here.role())),
    ))
}

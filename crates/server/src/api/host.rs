//! The host's operations and the dashboard over the API, sharing the pages' functions
//! (`pages::host`, `pages::dashboard`): recommendation jobs, invitations through an asker,
//! roles, imports with a dry run, and the aggregates.
//!
//! Imports take up to 20 MiB ([`crate::UPLOAD_MAX_BODY_BYTES`]; every other body 1 MiB), as
//! multipart (`people` and `ties` files) or JSON (`people_csv`, `ties_csv` as text).

use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::{Json, extract::DefaultBodyLimit};
use movement::{JobId, PersonId, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, CallerIn};
use crate::access::Need;
use crate::pages::dashboard::aggregates;
use crate::pages::host::imports::{import, preview, read_upload};
use crate::pages::host::recommend::{
    RecommendParams, Recommendation, current_result, invite, job, latest, start_recommendation,
};
use crate::pages::host::{Upload, give_role};
use crate::{ApiError, AppState, Problem, UPLOAD_MAX_BODY_BYTES};

pub fn routes() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(post_import))
        .layer(DefaultBodyLimit::max(UPLOAD_MAX_BODY_BYTES));
    OpenApiRouter::new()
        .routes(routes!(start_job))
        .routes(routes!(latest_job))
        .routes(routes!(get_job))
        .routes(routes!(create_invitation))
        .routes(routes!(set_role))
        .routes(routes!(get_dashboard))
        .merge(uploads)
}

/// Whether `path` is the API's import upload (see [`crate::UPLOAD_MAX_BODY_BYTES`]).
pub(crate) fn is_upload(path: &str) -> bool {
    path.strip_prefix("/api/v1/movements/")
        .and_then(|rest| rest.strip_suffix("/imports"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// What to recommend.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RecommendRequest {
    /// How many activists (1–1000); by default about 4 % of the people.
    k: Option<usize>,
    /// At most this many per unit.
    max_per_unit: Option<usize>,
}

/// A recommendation job: its progress, and its result once it succeeded.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    id: i64,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    status: String,
    /// 0–1.
    progress: f64,
    error: Option<String>,
    /// The picks as they stand now (people who since opted out are dropped).
    result: Option<Recommendation>,
}

async fn job_view(
    state: &AppState,
    here: &crate::access::InMovement,
    job: store::Job,
) -> Result<JobView, ApiError> {
    let result = current_result(state, here, &job).await?;
    Ok(JobView {
        id: job.id.0,
        status: job.status.as_str().to_string(),
        progress: job.progress,
        error: job.error,
        result,
    })
}

/// Starts computing recommended activists (hosts); a job still running is returned instead.
#[utoipa::path(post, path = "/movements/{movement}/recommendations", tag = "host",
    params(("movement" = i64, Path, description = "Movement id")), request_body = RecommendRequest,
    responses((status = 202, body = JobView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn start_job(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    body: Result<Body<RecommendRequest>, ApiError>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    // Rights first: a refused caller learns nothing from the body's errors.
    here.require(Need::Host)?;
    let Body(request) = body?;
    let params = RecommendParams {
        k: request.k,
        max_per_unit: request.max_per_unit,
    };
    let job = start_recommendation(&state, &here, params).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(job_view(&state, &here, job).await?),
    ))
}

/// The latest recommendation job (hosts): its result is the cached recommendation.
#[utoipa::path(get, path = "/movements/{movement}/recommendations/latest", tag = "host",
    params(("movement" = i64, Path, description = "Movement id")),
    responses((status = 200, body = JobView), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn latest_job(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
) -> Result<Json<JobView>, ApiError> {
    let job = latest(&state, &here).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(job_view(&state, &here, job).await?))
}

/// One recommendation job of the movement (hosts).
#[utoipa::path(get, path = "/movements/{movement}/jobs/{job}", tag = "host",
    params(("movement" = i64, Path, description = "Movement id"), ("job" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobView), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn get_job(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    axum::extract::Path(ids): axum::extract::Path<(i64, i64)>,
) -> Result<Json<JobView>, ApiError> {
    let job = job(&state, &here, JobId(ids.1)).await?;
    Ok(Json(job_view(&state, &here, job).await?))
}

/// An invitation to draft: `asker` (a host or activist) is to ask `pick`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InvitationRequest {
    /// Person id of the one to invite.
    pick: i64,
    /// Person id of the host or activist who will ask them.
    asker: i64,
}

/// The drafted ask.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    ask: i64,
    from: i64,
    to: i64,
    /// Always `drafted`: the asker sends it, in their own words.
    status: String,
    channel: String,
    message: String,
}

/// Drafts an ask from the asker to the pick (hosts); it waits on the asker's outreach list.
#[utoipa::path(post, path = "/movements/{movement}/invitations", tag = "host",
    params(("movement" = i64, Path, description = "Movement id")), request_body = InvitationRequest,
    responses((status = 201, body = InvitationView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn create_invitation(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    body: Result<Body<InvitationRequest>, ApiError>,
) -> Result<(StatusCode, Json<InvitationView>), ApiError> {
    here.require(Need::Host)?;
    let Body(request) = body?;
    let (id, ask) = invite(
        &state,
        &here,
        PersonId(request.pick),
        PersonId(request.asker),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationView {
            ask: id.0,
            from: ask.from.0,
            to: ask.to.0,
            status: ask.status.as_str().to_string(),
            channel: ask.channel.as_str().to_string(),
            message: ask.message,
        }),
    ))
}

/// A role to give.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// The person's id in the HR export, or their email.
    person: String,
    /// `host` or `sponsor`.
    role: String,
}

/// Whom a role was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    name: String,
    role: String,
}

/// Makes someone a host or sponsor of the movement (hosts).
#[utoipa::path(post, path = "/movements/{movement}/roles", tag = "host",
    params(("movement" = i64, Path, description = "Movement id")), request_body = RoleRequest,
    responses((status = 200, body = RoleView), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn set_role(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    body: Result<Body<RoleRequest>, ApiError>,
) -> Result<Json<RoleView>, ApiError> {
    here.require(Need::Host)?;
    let Body(request) = body?;
    let role: Role = request.role.parse()?;
    let name = give_role(&state, &here, &request.person, role).await?;
    Ok(Json(RoleView {
        name,
        role: role.as_str().to_string(),
    }))
}

/// The dashboard's aggregates (hosts, sponsors): counts under 5 are
/// `{"shown": "fewer_than_min_group"}`, others `{"shown": "count", "n": 12}`.
#[utoipa::path(get, path = "/movements/{movement}/dashboard", tag = "host",
    params(("movement" = i64, Path, description = "Movement id")),
    responses((status = 200, body = serde_json::Value), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn get_dashboard(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
) -> Result<Json<serde_json::Value>, ApiError> {
    let board = aggregates(&state, &here).await?;
    let value = serde_json::to_value(&board).map_err(|error| {
        tracing::error!(%error, "the dashboard does not serialize");
        ApiError::Unavailable
    })?;
    Ok(Json(value))
}

/// An import as JSON: the files' text.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ImportRequest {
    /// `people.csv` as text.
    people_csv: Option<String>,
    /// `ties.csv` as text.
    ties_csv: Option<String>,
}

/// `?dry_run=true` previews.
#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// What an import did, or a dry run would do, per file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    dry_run: bool,
    people: Option<FileOutcome>,
    ties: Option<FileOutcome>,
}

/// One file's outcome: its diff or summary, or its bad rows (a dry run only: an import of
/// a bad file is a 422 problem).
#[derive(Debug, Serialize, ToSchema)]
pub struct FileOutcome {
    /// People: added, changed, left, unchanged. Ties: rows, written.
    counts: Option<std::collections::BTreeMap<String, usize>>,
    /// Bad rows, first 100, in file order.
    errors: Vec<RowErrorView>,
    /// Bad rows not listed.
    more_errors: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorView {
    line: u64,
    field: Option<String>,
    reason: String,
}

fn people_counts(diff: &store::PeopleDiff) -> FileOutcome {
    let counts = [
        ("added", diff.added),
        ("changed", diff.changed),
        ("left", diff.left),
        ("unchanged", diff.unchanged),
    ];
    counted(&counts)
}

fn ties_counts(summary: &store::ImportSummary) -> FileOutcome {
    counted(&[("rows", summary.rows), ("written", summary.written)])
}

fn counted(counts: &[(&str, usize)]) -> FileOutcome {
    FileOutcome {
        counts: Some(counts.iter().map(|(k, v)| (k.to_string(), *v)).collect()),
        errors: Vec::new(),
        more_errors: 0,
    }
}

fn outcome<T>(result: &Result<T, store::Error>, counts: fn(&T) -> FileOutcome) -> FileOutcome {
    match result {
        Ok(value) => counts(value),
        Err(store::Error::Rejected { errors, more, .. }) => FileOutcome {
            counts: None,
            errors: errors
                .iter()
                .map(|e| RowErrorView {
                    line: e.line,
                    field: e.field.clone(),
                    reason: e.reason.clone(),
                })
                .collect(),
            more_errors: *more,
        },
        Err(other) => FileOutcome {
            counts: None,
            errors: vec![RowErrorView {
                line: 0,
                field: None,
                reason: other.to_string(),
            }],
            more_errors: 0,
        },
    }
}

/// Imports a people file and/or a ties file (hosts), or with `dry_run=true` says what the
/// import would do, writing nothing. Multipart (`people`, `ties` files) or JSON.
#[utoipa::path(post, path = "/movements/{movement}/imports", tag = "host",
    params(("movement" = i64, Path, description = "Movement id"),
        ("dry_run" = Option<bool>, Query, description = "Preview only")),
    request_body = ImportRequest,
    responses((status = 200, body = ImportView), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
async fn post_import(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Query(query): Query<ImportQuery>,
    request: Request,
) -> Result<Json<ImportView>, ApiError> {
    here.require(Need::Host)?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    let upload = if is_multipart {
        let multipart = axum::extract::Multipart::from_request(request, &state).await;
        read_upload(multipart).await?.1
    } else {
        let Body(json) = Body::<ImportRequest>::from_request(request, &state).await?;
        Upload {
            people: json
                .people_csv
                .map(|text| ("people.csv".to_string(), text.into_bytes())),
            ties: json
                .ties_csv
                .map(|text| ("ties.csv".to_string(), text.into_bytes())),
        }
    };
    if upload.is_empty() {
        return Err(ApiError::Unprocessable(
            "Send a people file, a ties file, or both.".into(),
        ));
    }
    if query.dry_run {
        let preview = preview(&state, &here, &upload).await?;
        return Ok(Json(ImportView {
            dry_run: true,
            people: preview.people.as_ref().map(|r| outcome(r, people_counts)),
            ties: preview.ties.as_ref().map(|r| outcome(r, ties_counts)),
        }));
    }
    let imported = import(&state, &here, &upload).await?;
    Ok(Json(ImportView {
        dry_run: false,
        people: imported.people.as_ref().map(people_counts),
        ties: imported.ties.as_ref().map(ties_counts),
    }))
}

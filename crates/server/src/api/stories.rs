//! Stories over the API: read, publish, react, retell; and "I did it". Participants only;
//! the operations are the pages' ([`crate::pages::stories`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use movement::{AdoptionTime, ReactionKind, StoryId};
use serde::{Deserialize, Serialize};
use store::Story;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, CallerIn};
use crate::access::{InMovement, Need};
use crate::pages::stories::{self as ops, StoryInput};
use crate::{ApiError, AppState, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, publish))
        .routes(routes!(react))
        .routes(routes!(retell))
        .routes(routes!(confirm))
        .routes(routes!(adoptions, did_it))
}

/// A story with what it gathered.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryOut {
    id: i64,
    /// `aha`, `inspiration`, `problem_fixed`, `experience`, `celebration`.
    kind: String,
    text: String,
    author: i64,
    co_authors: Vec<i64>,
    behaviours: Vec<String>,
    /// `movement`, `organization` or `hosts`.
    visibility: String,
    published_at: chrono::DateTime<chrono::Utc>,
    inspired: i64,
    will_try: i64,
    did_it: i64,
    retells: i64,
}

fn story_out(story: &Story) -> StoryOut {
    let count = |kind: ReactionKind| {
        story
            .reactions
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    };
    StoryOut {
        id: story.id.0,
        kind: story.spec.kind.as_str().to_string(),
        text: story.spec.text.clone(),
        author: story.spec.author.0,
        co_authors: story.spec.co_authors.iter().map(|p| p.0).collect(),
        behaviours: story
            .spec
            .behaviours
            .iter()
            .map(|b| b.as_str().to_string())
            .collect(),
        visibility: story.spec.visibility.as_str().to_string(),
        published_at: story.published_at,
        inspired: count(ReactionKind::Inspired),
        will_try: count(ReactionKind::WillTry),
        did_it: count(ReactionKind::DidIt),
        retells: story.retells,
    }
}

/// The movement's stories the caller may read, newest first.
#[utoipa::path(get, path = "/movements/{movement}/stories", tag = "stories",
    params(("movement" = i64, Path, description = "Movement id")),
    responses((status = 200, body = Vec<StoryOut>), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
) -> Result<Json<Vec<StoryOut>>, ApiError> {
    let stories = ops::visible_stories(&state, &here).await?;
    Ok(Json(stories.iter().map(story_out).collect()))
}

/// A story to share.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewStory {
    /// `aha`, `inspiration`, `problem_fixed`, `experience`, `celebration`.
    kind: String,
    text: String,
    #[serde(default)]
    behaviours: Vec<String>,
    /// People in the movement; a celebration names whom it celebrates here.
    #[serde(default)]
    co_authors: Vec<i64>,
    /// `movement` (default) or `hosts`.
    #[serde(default)]
    visibility: Option<String>,
}

/// Shares a story by the caller.
#[utoipa::path(post, path = "/movements/{movement}/stories", tag = "stories",
    params(("movement" = i64, Path, description = "Movement id")), request_body = NewStory,
    responses((status = 201, body = StoryOut), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn publish(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Body(new): Body<NewStory>,
) -> Result<(StatusCode, Json<StoryOut>), ApiError> {
    here.require(Need::Participant)?;
    let input = StoryInput {
        kind: new.kind,
        text: new.text,
        behaviours: new.behaviours,
        co_authors: new.co_authors,
        visibility: new.visibility,
    };
    let id = ops::publish_story(&state, &here, &input)
        .await?
        .map_err(|errors| ApiError::Unprocessable(errors.summary()))?;
    let story = ops::visible_story(&state, &here, id).await?;
    Ok((StatusCode::CREATED, Json(story_out(&story))))
}

/// A reaction.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct Reaction {
    /// `inspired`, `will_try` or `did_it`.
    reaction: String,
}

/// Reacts to a story (once per kind); answers the story with its counts.
#[utoipa::path(post, path = "/movements/{movement}/stories/{story}/reactions", tag = "stories",
    params(("movement" = i64, Path, description = "Movement id"),
        ("story" = i64, Path, description = "Story id")), request_body = Reaction,
    responses((status = 200, body = StoryOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn react(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Path(ids): Path<(i64, i64)>,
    Body(reaction): Body<Reaction>,
) -> Result<Json<StoryOut>, ApiError> {
    here.require(Need::Participant)?;
    let kind: ReactionKind = reaction.reaction.parse()?;
    let story = ops::react_to(&state, &here, StoryId(ids.1), kind).await?;
    Ok(Json(story_out(&story)))
}

/// A retelling.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct Retell {
    #[serde(default)]
    note: String,
}

/// Retells a story with the caller's note.
#[utoipa::path(post, path = "/movements/{movement}/stories/{story}/retells", tag = "stories",
    params(("movement" = i64, Path, description = "Movement id"),
        ("story" = i64, Path, description = "Story id")), request_body = Retell,
    responses((status = 200, body = StoryOut), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn retell(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Path(ids): Path<(i64, i64)>,
    Body(retell): Body<Retell>,
) -> Result<Json<StoryOut>, ApiError> {
    here.require(Need::Participant)?;
    let story = ops::retell_story(&state, &here, StoryId(ids.1), &retell.note).await?;
    Ok(Json(story_out(&story)))
}

/// A behaviour and since when the caller practises it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionOut {
    behaviour: String,
    /// When they said "I did it" (null: not yet).
    since: Option<String>,
}

async fn adoptions_of(state: &AppState, here: &InMovement) -> Result<Vec<AdoptionOut>, ApiError> {
    Ok(ops::my_adoptions(state, here)
        .await?
        .into_iter()
        .map(|(behaviour, time)| AdoptionOut {
            behaviour: behaviour.as_str().to_string(),
            since: time.map(|time| match time {
                AdoptionTime::At(at) => at.to_rfc3339(),
                AdoptionTime::Date(date) => date.to_string(),
                AdoptionTime::Period(period) => period.to_string(),
            }),
        })
        .collect())
}

/// The movement's behaviours and which the caller practises.
#[utoipa::path(get, path = "/movements/{movement}/adoptions", tag = "stories",
    params(("movement" = i64, Path, description = "Movement id")),
    responses((status = 200, body = Vec<AdoptionOut>), (status = 403, body = Problem)))]
async fn adoptions(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
) -> Result<Json<Vec<AdoptionOut>>, ApiError> {
    Ok(Json(adoptions_of(&state, &here).await?))
}

/// "I did it".
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DidIt {
    behaviour: String,
}

/// Records that the caller practises a behaviour from now; answers all their adoptions.
#[utoipa::path(post, path = "/movements/{movement}/adoptions", tag = "stories",
    params(("movement" = i64, Path, description = "Movement id")), request_body = DidIt,
    responses((status = 201, body = Vec<AdoptionOut>), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn did_it(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Body(did_it): Body<DidIt>,
) -> Result<(StatusCode, Json<Vec<AdoptionOut>>), ApiError> {
    here.require(Need::Participant)?;
    ops::record_adoption(&state, &here, &did_it.behaviour).await?;
    Ok((
        StatusCode::CREATED,
        Json(adoptions_of(&state, &here).await?),
    ))
}

/// A peer's confirmation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct Confirmation {
    /// A behaviour the story is about, which its author said "I did it" for.
    behaviour: String,
}

/// Confirms that the story's author practises the behaviour (by a peer, not the author).
#[utoipa::path(post, path = "/movements/{movement}/stories/{story}/confirmations",
    tag = "stories",
    params(("movement" = i64, Path, description = "Movement id"),
        ("story" = i64, Path, description = "Story id")), request_body = Confirmation,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn confirm(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Path(ids): Path<(i64, i64)>,
    Body(confirmation): Body<Confirmation>,
) -> Result<StatusCode, ApiError> {
    here.require(Need::Participant)?;
    ops::confirm_adoption(&state, &here, StoryId(ids.1), &confirmation.behaviour).await?;
    Ok(StatusCode::NO_CONTENT)
}

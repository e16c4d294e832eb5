//! Outreach over the API: an activist's list, their asks (prepare, redraft, mark sent),
//! conversations; and the personal join link (`/join/{token}`), answered without an account.
//! The operations are the pages' ([`crate::pages::outreach`], [`crate::pages::join`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use movement::{AskId, Channel, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, CallerIn};
use crate::access::{InMovement, Need};
use crate::auth::Viewer;
use crate::pages::join::{self, Answer};
use crate::pages::outreach::{self as ops, AskView, ConversationInput};
use crate::{ApiError, AppState, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(prepare))
        .routes(routes!(redraft))
        .routes(routes!(mark_sent))
        .routes(routes!(log_conversation))
        .routes(routes!(invitation, answer))
}

/// Someone on a list, by name (activists see names, never scores).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    id: i64,
    name: String,
}

/// One of the activist's asks, with the links that open their own apps.
#[derive(Debug, Serialize, ToSchema)]
pub struct AskOut {
    id: i64,
    to: PersonRef,
    /// `in_person`, `sms`, `email`, `chat`, `call`.
    channel: String,
    /// `drafted`, `sent`, `opened`.
    status: String,
    message: String,
    /// The personal join link.
    link: String,
    /// `sms:` link with the message and the link, when the person has a phone.
    sms_href: Option<String>,
    /// `mailto:` link with a subject, the message and the link, when they have an email.
    mailto_href: Option<String>,
}

fn ask_out(here: &InMovement, view: &AskView) -> AskOut {
    let record = &view.person.record;
    AskOut {
        id: view.id.0,
        to: PersonRef {
            id: view.person.id.0,
            name: record.name.clone(),
        },
        channel: view.ask.channel.as_str().to_string(),
        status: view.ask.status.as_str().to_string(),
        message: view.ask.message.clone(),
        link: view.link.clone(),
        sms_href: record
            .phone
            .as_deref()
            .map(|phone| ops::sms_href(phone, &view.ask.message, &view.link)),
        mailto_href: record.email.as_deref().map(|email| {
            ops::mailto_href(
                email,
                &ops::mail_subject(&here.spec),
                &view.ask.message,
                &view.link,
            )
        }),
    }
}

/// The activist's outreach list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutreachOut {
    /// Their asks waiting for an answer, those a host drafted for them included.
    asks: Vec<AskOut>,
    /// Colleagues from their own ties not yet asked, strongest ties first (at most 15).
    colleagues: Vec<PersonRef>,
    /// True when fewer than 5 colleagues qualify: the list is not padded with strangers.
    short: bool,
}

/// The caller's outreach list, read fresh (opt-outs apply at once).
#[utoipa::path(get, path = "/movements/{movement}/outreach", tag = "outreach",
    params(("movement" = i64, Path, description = "Movement id")),
    responses((status = 200, body = OutreachOut), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
) -> Result<Json<OutreachOut>, ApiError> {
    let list = ops::outreach_list(&state, &here).await?;
    Ok(Json(OutreachOut {
        asks: list.asks.iter().map(|view| ask_out(&here, view)).collect(),
        short: list.colleagues.len() < ops::MIN_LIST,
        colleagues: list
            .colleagues
            .into_iter()
            .map(|c| PersonRef {
                id: c.person.id.0,
                name: c.person.record.name,
            })
            .collect(),
    }))
}

/// Whom to ask.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewAsk {
    /// A person on the caller's list.
    person: i64,
}

/// Drafts an ask to someone on the caller's list, with a personal default message.
#[utoipa::path(post, path = "/movements/{movement}/asks", tag = "outreach",
    params(("movement" = i64, Path, description = "Movement id")), request_body = NewAsk,
    responses((status = 201, body = AskOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn prepare(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Body(new): Body<NewAsk>,
) -> Result<(StatusCode, Json<AskOut>), ApiError> {
    here.require(Need::Activist)?;
    let id = ops::prepare_ask(&state, &here, PersonId(new.person)).await?;
    let view = ops::own_ask(&state, &here, id).await?;
    Ok((StatusCode::CREATED, Json(ask_out(&here, &view))))
}

/// A draft's new words.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct Redraft {
    message: String,
}

/// Rewrites one of the caller's drafted asks.
#[utoipa::path(put, path = "/movements/{movement}/asks/{ask}/message", tag = "outreach",
    params(("movement" = i64, Path, description = "Movement id"),
        ("ask" = i64, Path, description = "Ask id")), request_body = Redraft,
    responses((status = 200, body = AskOut), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn redraft(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Path(ids): Path<(i64, i64)>,
    Body(redraft): Body<Redraft>,
) -> Result<Json<AskOut>, ApiError> {
    here.require(Need::Activist)?;
    let view = ops::redraft_ask(&state, &here, AskId(ids.1), &redraft.message)
        .await?
        .map_err(|errors| ApiError::Unprocessable(errors.summary()))?;
    Ok(Json(ask_out(&here, &view)))
}

/// How the caller sent their ask themselves.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct Sent {
    /// `in_person`, `sms`, `email`, `chat` or `call`.
    channel: String,
}

/// Records that the caller sent their drafted ask (nothing is sent by the server).
#[utoipa::path(post, path = "/movements/{movement}/asks/{ask}/sent", tag = "outreach",
    params(("movement" = i64, Path, description = "Movement id"),
        ("ask" = i64, Path, description = "Ask id")), request_body = Sent,
    responses((status = 200, body = AskOut), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn mark_sent(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Path(ids): Path<(i64, i64)>,
    Body(sent): Body<Sent>,
) -> Result<Json<AskOut>, ApiError> {
    here.require(Need::Activist)?;
    let channel: Channel = sent.channel.parse()?;
    let view = ops::mark_sent(&state, &here, AskId(ids.1), channel).await?;
    Ok(Json(ask_out(&here, &view)))
}

/// A talk, as the activist logs it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewConversation {
    person: i64,
    /// Names of the movement's behaviours that came up.
    #[serde(default)]
    behaviours: Vec<String>,
    outcome: String,
    #[serde(default)]
    follow_up: String,
}

/// A logged conversation's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Logs a conversation.
#[utoipa::path(post, path = "/movements/{movement}/conversations", tag = "outreach",
    params(("movement" = i64, Path, description = "Movement id")),
    request_body = NewConversation,
    responses((status = 201, body = Created), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn log_conversation(
    State(state): State<AppState>,
    CallerIn(here): CallerIn,
    Body(new): Body<NewConversation>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    here.require(Need::Activist)?;
    let input = ConversationInput {
        person: new.person,
        behaviours: new.behaviours,
        outcome: new.outcome,
        follow_up: new.follow_up,
    };
    let id = ops::log_conversation(&state, &here, &input)
        .await?
        .map_err(|errors| ApiError::Unprocessable(errors.summary()))?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// An invitation as its person sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    asker: String,
    /// The asker's note.
    message: String,
    /// The asker's own "why this mission is mine".
    asker_mission: Option<String>,
    movement: String,
    mission: String,
    behaviours: Vec<String>,
    /// `sent`, `opened`, or the answer given.
    status: String,
}

/// The invitation behind a personal join link (no account needed); reading it marks a sent
/// ask opened.
#[utoipa::path(get, path = "/join/{token}", tag = "outreach",
    params(("token" = String, Path, description = "The link's ORG.SECRET token")),
    responses((status = 200, body = InvitationOut), (status = 404, body = Problem)))]
async fn invitation(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    Path(token): Path<String>,
) -> Result<Json<InvitationOut>, ApiError> {
    let invitation = join::open_invitation(&state, &token, viewer.as_ref()).await?;
    Ok(Json(InvitationOut {
        asker: invitation.asker.record.name.clone(),
        message: invitation.ask.message.clone(),
        asker_mission: invitation.asker_mission.clone(),
        movement: invitation.spec.name().to_string(),
        mission: invitation.spec.mission().to_string(),
        behaviours: invitation
            .spec
            .behaviours()
            .iter()
            .map(|b| b.as_str().to_string())
            .collect(),
        status: invitation.ask.status.as_str().to_string(),
    }))
}

/// The person's answer.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AnswerIn {
    /// `join`, `decline` or `opt_out`.
    answer: String,
}

/// What answering did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredOut {
    movement: i64,
    answer: String,
    /// Joining created the person's account and this response carries its session cookie.
    signed_in: bool,
    /// A sign-in link went to the person's email.
    mailed: bool,
}

/// Answers a personal invitation. The token is the capability; the body must be JSON, which
/// a cross-site form cannot send. Joining makes the person a member recruited by the asker.
#[utoipa::path(post, path = "/join/{token}", tag = "outreach",
    params(("token" = String, Path, description = "The link's ORG.SECRET token")),
    request_body = AnswerIn,
    responses((status = 200, body = AnsweredOut), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn answer(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Body(answer): Body<AnswerIn>,
) -> Result<Response, ApiError> {
    let parsed = match answer.answer.as_str() {
        "join" => Answer::Join,
        "decline" => Answer::Decline,
        "opt_out" => Answer::OptOut,
        other => {
            return Err(ApiError::Unprocessable(format!(
                "answer: {other:?} is not one of join, decline, opt_out."
            )));
        }
    };
    let answered = join::answer_invitation(&state, &token, parsed).await?;
    let out = AnsweredOut {
        movement: answered.movement.0,
        answer: answer.answer,
        signed_in: answered.session.is_some(),
        mailed: answered.mailed,
    };
    let jar = match answered.session {
        Some(session) => jar.add(session),
        None => jar,
    };
    Ok((jar, Json(out)).into_response())
}

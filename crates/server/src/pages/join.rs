//! The personal page behind an ask's link, `/join/ORG.TOKEN`: who asks, in their words, and
//! the movement; the person joins (attributed to the asker), says "not now", or asks never to
//! be contacted again. No account is needed: the token is the capability, and the answer
//! form carries the double-submit CSRF token of the sign-in forms.
//!
//! Joining creates an account for a person who has none but an email in the directory,
//! signs this browser in with it at once, and mails a sign-in link for next time. An account
//! that existed before is never opened by a join link (a forwarded link must not sign
//! anyone into someone's account): it gets the mailed link only.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use chrono::Utc;
use maud::{Markup, html};
use movement::{
    Ask, AskId, AskStatus, Membership, MovementId, MovementSpec, OptOut, Recruitment, Role,
};
use serde::Deserialize;
use store::{Org, Person};

use super::account::{check_login_csrf, login_csrf, send_login_links};
use crate::auth::{self, Viewer};
use crate::html::{notice, page};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/join/{token}", get(show).post(answer))
}

// ----- the operations -----

/// An ask as its person sees it.
pub(crate) struct Invitation<'s> {
    pub org: Org<'s>,
    pub ask_id: AskId,
    pub ask: Ask,
    pub asker: Person,
    /// The asker's own "why this mission is mine".
    pub asker_mission: Option<String>,
    pub spec: MovementSpec,
    pub person: Person,
}

/// The ask behind `token` (`ORG.SECRET`): the organization routes the lookup, so a token
/// opens only its own organization's ask. Anything else is not found.
pub(crate) async fn invitation<'s>(
    state: &'s AppState,
    token: &str,
) -> Result<Invitation<'s>, ApiError> {
    let (org_id, secret) = auth::split_token(token).ok_or(ApiError::NotFound)?;
    let org = state.store().org(org_id);
    // Asks keep the whole `ORG.SECRET`; one stored without its prefix is found too.
    let found = match org.ask_by_token(token).await? {
        Some(found) => Some(found),
        None => org.ask_by_token(secret).await?,
    };
    let (ask_id, ask) = found.ok_or(ApiError::NotFound)?;
    let asker = org.person(ask.from).await?;
    let person = org.person(ask.to).await?;
    let spec = org.movement(ask.movement).await?;
    let asker_mission = org
        .memberships(ask.movement)
        .await?
        .into_iter()
        .find(|(_, membership)| membership.person == ask.from)
        .and_then(|(_, membership)| membership.personal_mission);
    Ok(Invitation {
        org,
        ask_id,
        ask,
        asker,
        asker_mission,
        spec,
        person,
    })
}

/// Opens the invitation: a sent ask becomes opened, unless the asker is looking at their
/// own link.
pub(crate) async fn open_invitation<'s>(
    state: &'s AppState,
    token: &str,
    viewer: Option<&Viewer>,
) -> Result<Invitation<'s>, ApiError> {
    let mut invitation = invitation(state, token).await?;
    let is_asker = viewer.is_some_and(|viewer| {
        viewer.org == invitation.org.id() && viewer.person.id == invitation.ask.from
    });
    if invitation.ask.status == AskStatus::Sent && !is_asker {
        invitation
            .org
            .advance_ask(invitation.ask_id, AskStatus::Opened)
            .await?;
        invitation.ask.status = AskStatus::Opened;
    }
    Ok(invitation)
}

/// The person's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Answer {
    Join,
    Decline,
    OptOut,
}

/// What answering did.
pub(crate) struct Answered {
    pub movement: MovementId,
    pub movement_name: String,
    pub answer: Answer,
    /// A session for this browser, when joining created the person's account.
    pub session: Option<Cookie<'static>>,
    /// Whether a sign-in link went to the person's email.
    pub mailed: bool,
}

/// Answers the invitation behind `token`. Joining makes the person a member recruited by
/// the asker; an answer is final, so a second one is refused (409).
pub(crate) async fn answer_invitation(
    state: &AppState,
    token: &str,
    answer: Answer,
) -> Result<Answered, ApiError> {
    let invitation = invitation(state, token).await?;
    let Invitation {
        org,
        ask_id,
        ask,
        person,
        spec,
        ..
    } = invitation;
    if ask.status.is_final() {
        return Err(ApiError::Conflict(
            "This invitation was answered already.".into(),
        ));
    }
    let next = match answer {
        Answer::Join => AskStatus::Joined,
        Answer::Decline => AskStatus::Declined,
        Answer::OptOut => AskStatus::OptedOut,
    };
    let mut answered = Answered {
        movement: ask.movement,
        movement_name: spec.name().to_string(),
        answer,
        session: None,
        mailed: false,
    };
    if answer == Answer::Join {
        let already_in = org
            .memberships(ask.movement)
            .await?
            .iter()
            .any(|(_, membership)| membership.person == person.id);
        if already_in {
            return Err(ApiError::Conflict(
                "You are in this movement already.".into(),
            ));
        }
        org.join(Membership {
            movement: ask.movement,
            person: person.id,
            role: Role::Member,
            personal_mission: None,
            joined_at: Utc::now(),
            recruited_by: Recruitment::Person(ask.from),
        })
        .await?;
    }
    // Following the link proves the ask was sent, even if its author never said so.
    if ask.status == AskStatus::Drafted {
        org.advance_ask(ask_id, AskStatus::Sent).await?;
    }
    org.advance_ask(ask_id, next).await?;
    match answer {
        Answer::OptOut => org.set_opt_out(person.id, OptOut::DoNotContact).await?,
        Answer::Decline => {}
        Answer::Join => {
            if let Some(email) = &person.record.email {
                let account = match org.account_of(person.id).await? {
                    Some(account) => account,
                    None => {
                        let id = org.create_account(person.id, email).await?;
                        let account = org.account(id).await?.ok_or(ApiError::NotFound)?;
                        answered.session = Some(auth::start_session(state, &org, &account).await?);
                        account
                    }
                };
                // The membership stands even if the mail cannot go now.
                answered.mailed = send_login_links(state, &account.email).await.is_ok();
            }
        }
    }
    Ok(answered)
}

// ----- pages -----

fn first_name(person: &Person) -> &str {
    person
        .record
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&person.record.name)
}

fn invitation_page(
    token: &str,
    csrf: &str,
    invitation: &Invitation<'_>,
    viewer: Option<&Viewer>,
) -> Markup {
    let asker = &invitation.asker.record.name;
    let is_asker =
        viewer.is_some_and(|v| v.org == invitation.org.id() && v.person.id == invitation.ask.from);
    let status = invitation.ask.status;
    page(
        &format!("{asker} asks you to join"),
        viewer,
        html! {
            h1 { (asker) " asks you to join " (invitation.spec.name()) }
            @if is_asker {
                (notice(&format!("This is your personal link for {}: what they will see. \
                    Opening it yourself changes nothing.", invitation.person.record.name)))
            }
            p { "Hello " (first_name(&invitation.person)) "," }
            blockquote class="note" { (invitation.ask.message) }
            @if let Some(mission) = &invitation.asker_mission {
                h2 { "Why it matters to " (first_name(&invitation.asker)) }
                blockquote class="mission" { (mission) }
            }
            h2 { "The movement" }
            p class="mission" { (invitation.spec.mission()) }
            h3 { "What we do" }
            ul { @for behaviour in invitation.spec.behaviours() { li { (behaviour.as_str()) } } }
            @match status {
                AskStatus::Joined => { p class="notice" { "You joined already. " a href="/login" { "Sign in" } " to take part." } }
                AskStatus::Declined => { p class="notice" { "You said not now. That's fine." } }
                AskStatus::OptedOut => { p class="notice" { "You asked not to be contacted again; nobody will be." } }
                _ => {
                    form method="post" action={"/join/" (token)} {
                        input type="hidden" name="csrf" value=(csrf);
                        div class="actions" {
                            button type="submit" name="answer" value="join" { "Join" }
                            button type="submit" name="answer" value="decline" class="secondary" { "Not now" }
                        }
                        p { button type="submit" name="answer" value="opt_out" class="secondary" {
                            "Don't contact me again" } }
                    }
                    p class="hint" { "No account needed. Joining tells " (first_name(&invitation.asker))
                        " you said yes; nothing else is shared." }
                }
            }
        },
    )
}

async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    viewer: Option<Viewer>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let invitation = open_invitation(&state, &token, viewer.as_ref()).await?;
    let (jar, csrf) = login_csrf(&state, jar);
    let markup = invitation_page(&token, &csrf, &invitation, viewer.as_ref());
    Ok((jar, markup).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    answer: Answer,
    #[serde(default)]
    csrf: String,
}

async fn answer(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, ApiError> {
    check_login_csrf(&jar, &form.csrf)?;
    let answered = answer_invitation(&state, &token, form.answer).await?;
    let signed_in = answered.session.is_some();
    let markup = page(
        match answered.answer {
            Answer::Join => "Welcome",
            _ => "Thank you",
        },
        None,
        html! {
            @match answered.answer {
                Answer::Join => {
                    h1 { "Welcome to " (answered.movement_name) }
                    (notice("You're in."))
                    @if answered.mailed {
                        p { "We emailed you a sign-in link for next time." }
                    }
                    @if signed_in {
                        p { a class="button" href={"/m/" (answered.movement)} { "Continue" } }
                    } @else if !answered.mailed {
                        p { "To sign in later, ask a host to add your email address." }
                    }
                }
                Answer::Decline => {
                    h1 { "Not now" }
                    p { "Thank you for answering. Nobody will hold it against you." }
                }
                Answer::OptOut => {
                    h1 { "You won't be contacted again" }
                    p { "Nobody will ask you again, about this movement or any other." }
                }
            }
        },
    );
    let jar = match answered.session {
        Some(session) => jar.add(session),
        None => jar,
    };
    Ok((jar, markup).into_response())
}

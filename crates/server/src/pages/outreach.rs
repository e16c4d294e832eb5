//! An activist's outreach: the short list of colleagues drawn from their own ties, the asks
//! they prepare (in their own words, sent from their own phone or mailbox: the server never
//! sends an ask), and the conversations they log.
//!
//! Every operation is one function the pages and the JSON API share ([`outreach_list`],
//! [`prepare_ask`], [`redraft_ask`], [`mark_sent`], [`log_conversation`]). Nothing is cached:
//! an opt-out takes effect on the next request.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maud::{Markup, html};
use movement::{
    Ask, AskId, AskStatus, Channel, Conversation, ConversationId, MovementSpec, OptOut, PersonId,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use store::Person;

use super::see_other;
use crate::access::{InMovement, Need};
use crate::auth::{self, CsrfForm};
use crate::html::{FieldErrors, Input, csrf_field, field, notice, page};
use crate::{ApiError, AppState};

/// The longest outreach list: a few people one can really talk to.
pub const MAX_LIST: usize = 15;
/// Below this many, the page says honestly that the list is short.
pub const MIN_LIST: usize = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/{movement}/outreach", get(show))
        .route("/m/{movement}/outreach/asks", post(prepare))
        .route("/m/{movement}/outreach/asks/{ask}/draft", post(redraft))
        .route("/m/{movement}/outreach/asks/{ask}/sent", post(sent))
        .route("/m/{movement}/outreach/conversations", post(log))
}

// ----- the operations -----

/// A colleague one could ask, with the strength of the ties between them (the sum of the
/// weights of every tie, both directions, every layer). Activists never see scores; the
/// strength only orders the list.
#[derive(Clone, Debug)]
pub(crate) struct Colleague {
    pub person: Person,
    pub strength: f64,
}

/// One of the activist's own asks still waiting for an answer, with its person and link.
#[derive(Clone, Debug)]
pub(crate) struct AskView {
    pub id: AskId,
    pub ask: Ask,
    pub person: Person,
    /// The personal join link, as the person will open it.
    pub link: String,
}

/// What the outreach page shows.
#[derive(Clone, Debug)]
pub(crate) struct Outreach {
    /// The activist's open asks (drafted, sent, opened), those a host drafted for them too.
    pub asks: Vec<AskView>,
    /// Colleagues not yet asked, strongest ties first, at most [`MAX_LIST`].
    pub colleagues: Vec<Colleague>,
}

/// The personal join link of an ask whose stored token is `token`: `/join/ORG.TOKEN`, so
/// that the organization routes the lookup. Tokens are stored with their `ORG.` prefix; one
/// stored without it gets it here.
pub(crate) fn join_link(state: &AppState, org: movement::OrgId, token: &str) -> String {
    let token = match auth::split_token(token) {
        Some((prefix, _)) if prefix == org => token.to_string(),
        _ => auth::org_token(org, token),
    };
    format!(
        "{}/join/{token}",
        state.config().public_url.trim_end_matches('/'),
    )
}

/// A new ask token, `ORG.SECRET`: what the store keeps and the link carries.
pub(crate) fn new_ask_token(org: movement::OrgId) -> String {
    auth::org_token(org, &auth::new_secret())
}

/// The activist's list, read fresh: colleagues from their own ties, minus people who opted
/// out of being suggested or contacted, who left, who are in the movement already, or whom
/// someone already asked in it; plus their own open asks.
pub(crate) async fn outreach_list(
    state: &AppState,
    here: &InMovement,
) -> Result<Outreach, ApiError> {
    here.require(Need::Activist)?;
    let org = here.viewer.org(state);
    let me = here.viewer.person.id;
    let people: HashMap<PersonId, Person> = org
        .people()
        .await?
        .into_iter()
        .map(|person| (person.id, person))
        .collect();
    let mut excluded: HashSet<PersonId> = HashSet::new();
    for opt_out in [OptOut::DoNotSuggest, OptOut::DoNotContact] {
        excluded.extend(org.opted_out(opt_out).await?);
    }
    excluded.extend(people.values().filter(|p| p.left).map(|p| p.id));
    let members: HashSet<PersonId> = org
        .memberships(here.id)
        .await?
        .into_iter()
        .map(|(_, membership)| membership.person)
        .collect();
    let all_asks = org.asks(here.id).await?;
    let asked: HashSet<PersonId> = all_asks.iter().map(|(_, ask)| ask.to).collect();

    let asks = all_asks
        .into_iter()
        .filter(|(_, ask)| ask.from == me && !ask.status.is_final())
        .filter(|(_, ask)| !excluded.contains(&ask.to) && !members.contains(&ask.to))
        .filter_map(|(id, ask)| {
            let person = people.get(&ask.to)?.clone();
            let link = join_link(state, here.viewer.org, &ask.token);
            Some(AskView {
                id,
                ask,
                person,
                link,
            })
        })
        .collect();

    let mut strength: HashMap<PersonId, f64> = HashMap::new();
    for tie in org.ties_of(me).await? {
        let other = if tie.source == me {
            tie.target
        } else {
            tie.source
        };
        *strength.entry(other).or_default() += tie.weight;
    }
    let mut colleagues: Vec<Colleague> = strength
        .into_iter()
        .filter(|(id, _)| {
            *id != me && !excluded.contains(id) && !members.contains(id) && !asked.contains(id)
        })
        .filter_map(|(id, strength)| {
            Some(Colleague {
                person: people.get(&id)?.clone(),
                strength,
            })
        })
        .collect();
    colleagues.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then_with(|| a.person.record.name.cmp(&b.person.record.name))
            .then_with(|| a.person.id.cmp(&b.person.id))
    });
    colleagues.truncate(MAX_LIST);
    Ok(Outreach { asks, colleagues })
}

/// The draft an ask starts with: the movement's mission and the activist's own "why this
/// mission is mine", ending where the personal link follows.
pub(crate) fn default_draft(
    spec: &MovementSpec,
    to: &Person,
    personal_mission: Option<&str>,
) -> String {
    let first_name = to
        .record
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&to.record.name);
    let mut draft = format!(
        "Hi {first_name}, I've joined \"{}\": {}",
        spec.name(),
        spec.mission().trim()
    );
    if let Some(mine) = personal_mission.map(str::trim).filter(|m| !m.is_empty()) {
        draft.push_str(&format!(" For me it's personal: {mine}"));
    }
    draft.push_str(" Would you join me? Here is your personal link:");
    draft
}

/// Drafts an ask to `to`, who must be on the activist's list; preparing it again for
/// someone they already asked returns that ask.
pub(crate) async fn prepare_ask(
    state: &AppState,
    here: &InMovement,
    to: PersonId,
) -> Result<AskId, ApiError> {
    let list = outreach_list(state, here).await?;
    if let Some(existing) = list.asks.iter().find(|view| view.person.id == to) {
        return Ok(existing.id);
    }
    let Some(colleague) = list.colleagues.iter().find(|c| c.person.id == to) else {
        return Err(ApiError::Unprocessable(
            "person: not on your outreach list (they may have opted out, joined, or been asked \
             by someone else)."
                .into(),
        ));
    };
    let personal_mission = here
        .membership
        .as_ref()
        .and_then(|(_, m)| m.personal_mission.as_deref());
    let message = default_draft(&here.spec, &colleague.person, personal_mission);
    let org = here.viewer.org(state);
    Ok(org
        .create_ask(Ask {
            movement: here.id,
            from: here.viewer.person.id,
            to,
            channel: Channel::InPerson,
            message,
            token: new_ask_token(here.viewer.org),
            status: AskStatus::Drafted,
            arm: None,
        })
        .await?)
}

/// One of the viewer's own asks in this movement; anyone else's is not found.
pub(crate) async fn own_ask(
    state: &AppState,
    here: &InMovement,
    id: AskId,
) -> Result<AskView, ApiError> {
    here.require(Need::Activist)?;
    let org = here.viewer.org(state);
    let (id, ask) = org
        .asks(here.id)
        .await?
        .into_iter()
        .find(|(ask_id, ask)| *ask_id == id && ask.from == here.viewer.person.id)
        .ok_or(ApiError::NotFound)?;
    let person = org.person(ask.to).await?;
    let link = join_link(state, here.viewer.org, &ask.token);
    Ok(AskView {
        id,
        ask,
        person,
        link,
    })
}

/// Rewrites a drafted ask in the activist's own words.
pub(crate) async fn redraft_ask(
    state: &AppState,
    here: &InMovement,
    id: AskId,
    message: &str,
) -> Result<Result<AskView, FieldErrors>, ApiError> {
    let view = own_ask(state, here, id).await?;
    let mut errors = FieldErrors::default();
    if message.trim().is_empty() {
        errors.add("message", "Write a few words of your own.");
    } else if message.chars().count() > 2_000 {
        errors.add(
            "message",
            "Keep it under 2,000 characters: it is a message.",
        );
    } else if view.ask.status != AskStatus::Drafted {
        errors.add(
            "message",
            "This ask was sent already; it cannot be rewritten.",
        );
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    here.viewer
        .org(state)
        .redraft_ask(id, view.ask.channel, message)
        .await?;
    Ok(Ok(own_ask(state, here, id).await?))
}

/// Records that the activist sent their ask (or talked in person): nothing is sent here.
pub(crate) async fn mark_sent(
    state: &AppState,
    here: &InMovement,
    id: AskId,
    channel: Channel,
) -> Result<AskView, ApiError> {
    if !channel.is_personal() {
        return Err(ApiError::Unprocessable(
            "channel: an activist's ask is personal, not a broadcast.".into(),
        ));
    }
    let view = own_ask(state, here, id).await?;
    if view.ask.status != AskStatus::Drafted {
        return Err(ApiError::Conflict(format!(
            "This ask is {} already.",
            status_words(view.ask.status)
        )));
    }
    let org = here.viewer.org(state);
    if view.ask.channel != channel {
        org.redraft_ask(id, channel, &view.ask.message).await?;
    }
    org.advance_ask(id, AskStatus::Sent).await?;
    own_ask(state, here, id).await
}

/// A conversation as the activist logs it.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct ConversationInput {
    pub person: i64,
    pub behaviours: Vec<String>,
    pub outcome: String,
    pub follow_up: String,
}

/// Logs a talk; the follow-up note is kept with the outcome.
pub(crate) async fn log_conversation(
    state: &AppState,
    here: &InMovement,
    input: &ConversationInput,
) -> Result<Result<ConversationId, FieldErrors>, ApiError> {
    here.require(Need::Activist)?;
    let org = here.viewer.org(state);
    let mut errors = FieldErrors::default();
    let with = PersonId(input.person);
    let known = org.people().await?.iter().any(|p| p.id == with);
    if !known || with == here.viewer.person.id {
        errors.add("person", "Choose the colleague you talked with.");
    }
    let mut behaviours = Vec::new();
    for name in &input.behaviours {
        match here.spec.behaviour(name) {
            Some(behaviour) => behaviours.push(behaviour.clone()),
            None => errors.add("behaviours", format!("{name:?} is not one of ours.")),
        }
    }
    if input.outcome.trim().is_empty() {
        errors.add("outcome", "Say in a few words how it went.");
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut outcome = input.outcome.trim().to_string();
    if !input.follow_up.trim().is_empty() {
        outcome.push_str(&format!("\nFollow-up: {}", input.follow_up.trim()));
    }
    let id = org
        .log_conversation(&Conversation {
            movement: here.id,
            activist: here.viewer.person.id,
            with,
            behaviours,
            outcome,
            at: Utc::now(),
        })
        .await?;
    Ok(Ok(id))
}

// ----- links the activist sends from their own phone or mailbox -----

/// What RFC 3986 lets through unencoded: letters, digits and `-._~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a mail address keeps unencoded in a `mailto:` link.
const ADDRESS: &AsciiSet = &UNRESERVED.remove(b'@');

/// `text` percent-encoded for a URI query (spaces as `%20`, never `+`: SMS and mail apps
/// read `+` literally).
pub(crate) fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// The message the person receives: the draft, then the personal link on its own line.
pub(crate) fn message_with_link(message: &str, link: &str) -> String {
    format!("{}\n{link}", message.trim_end())
}

/// An `sms:` link that opens the phone's messages app with the text filled in. `?&body=`
/// is the form both iOS and Android read.
pub(crate) fn sms_href(phone: &str, message: &str, link: &str) -> String {
    let number: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!(
        "sms:{number}?&body={}",
        percent_encode(&message_with_link(message, link))
    )
}

/// A `mailto:` link with the subject and the text filled in.
pub(crate) fn mailto_href(email: &str, subject: &str, message: &str, link: &str) -> String {
    let address = utf8_percent_encode(email, ADDRESS).to_string();
    format!(
        "mailto:{address}?subject={}&body={}",
        percent_encode(subject),
        percent_encode(&message_with_link(message, link))
    )
}

/// The subject of an ask by mail.
pub(crate) fn mail_subject(spec: &MovementSpec) -> String {
    format!("Will you join me? {}", spec.name())
}

// ----- pages -----

/// Whether htmx sent the request (it then wants only the fragment it swaps).
pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

fn status_words(status: AskStatus) -> &'static str {
    match status {
        AskStatus::Drafted => "a draft",
        AskStatus::Sent => "sent",
        AskStatus::Opened => "opened",
        AskStatus::Joined => "answered: joined",
        AskStatus::Declined => "answered: not now",
        AskStatus::OptedOut => "answered: do not contact",
    }
}

fn channel_words(channel: Channel) -> &'static str {
    match channel {
        Channel::InPerson => "in person",
        Channel::Sms => "by text",
        Channel::Email => "by email",
        Channel::Chat => "by chat",
        Channel::Call => "by phone call",
        Channel::Broadcast => "by broadcast",
    }
}

fn outreach_path(here: &InMovement) -> String {
    format!("/m/{}/outreach", here.id)
}

/// One ask's card: the draft to edit, the links that open the activist's own apps, the
/// personal link to copy, and "mark sent".
fn ask_card(here: &InMovement, view: &AskView, errors: &FieldErrors) -> Markup {
    let base = format!("{}/asks/{}", outreach_path(here), view.id);
    let card_id = format!("ask-{}", view.id);
    let link_id = format!("link-{}", view.id);
    let name = &view.person.record.name;
    let drafted = view.ask.status == AskStatus::Drafted;
    html! {
        article class="card" id=(card_id) {
            h3 { (name) }
            p class="hint" {
                @if drafted { "Draft — nothing is sent until you send it yourself." }
                @else { "Asked " (channel_words(view.ask.channel)) " · " (status_words(view.ask.status)) }
            }
            @if drafted {
                form method="post" action={(base) "/draft"} hx-post={(base) "/draft"}
                    hx-target={"#" (card_id)} hx-swap="outerHTML" {
                    (csrf_field(&here.viewer.csrf))
                    (field(&format!("Your message to {name}"), "message", Input::TextArea,
                        &view.ask.message, errors))
                    button type="submit" class="secondary" { "Save draft" }
                }
            } @else {
                blockquote { (view.ask.message) }
            }
            p { "Personal link: " code id=(link_id) { (view.link) } " "
                button type="button" class="secondary" data-copy=(link_id) hidden { "Copy link" } }
            div class="actions" {
                @if let Some(phone) = &view.person.record.phone {
                    a class="button" href=(sms_href(phone, &view.ask.message, &view.link)) { "Text " (name) }
                }
                @if let Some(email) = &view.person.record.email {
                    a class="button secondary"
                        href=(mailto_href(email, &mail_subject(&here.spec), &view.ask.message, &view.link)) {
                        "Email " (name)
                    }
                }
            }
            @if view.person.record.phone.is_some() {
                p data-quiet-hours hidden class="hint" {
                    "It's late — maybe text in the morning."
                }
            }
            @if drafted {
                div class="actions" {
                    form method="post" action={(base) "/sent"} hx-post={(base) "/sent"}
                        hx-target={"#" (card_id)} hx-swap="outerHTML" class="inline" {
                        (csrf_field(&here.viewer.csrf))
                        input type="hidden" name="channel" value="in_person";
                        button type="submit" class="secondary" { "We talked in person" }
                    }
                }
                form method="post" action={(base) "/sent"} hx-post={(base) "/sent"}
                    hx-target={"#" (card_id)} hx-swap="outerHTML" {
                    (csrf_field(&here.viewer.csrf))
                    div class="field" {
                        label for={"channel-" (view.id)} { "I sent it" }
                        select id={"channel-" (view.id)} name="channel" {
                            @for channel in [Channel::Sms, Channel::Email, Channel::Chat, Channel::Call] {
                                option value=(channel.as_str()) { (channel_words(channel)) }
                            }
                        }
                    }
                    button type="submit" { "Mark sent" }
                }
            }
        }
    }
}

fn colleague_card(here: &InMovement, colleague: &Colleague) -> Markup {
    let path = format!("{}/asks", outreach_path(here));
    let card_id = format!("colleague-{}", colleague.person.id);
    let record = &colleague.person.record;
    html! {
        article class="card" id=(card_id) {
            h3 { (record.name) }
            @if let Some(unit) = &record.unit { p class="hint" { (unit) } }
            form method="post" action=(path) hx-post=(path) hx-target={"#" (card_id)}
                hx-swap="outerHTML" {
                (csrf_field(&here.viewer.csrf))
                input type="hidden" name="person" value=(colleague.person.id);
                button type="submit" { "Prepare an ask" }
            }
        }
    }
}

fn conversation_form(
    here: &InMovement,
    people: &[Person],
    input: &ConversationInput,
    errors: &FieldErrors,
) -> Markup {
    let person_error = errors.of("person");
    html! {
        form method="post" action={(outreach_path(here)) "/conversations"} {
            (csrf_field(&here.viewer.csrf))
            div class="field" {
                label for="field-person" { "With" }
                select id="field-person" name="person"
                    aria-invalid=[person_error.map(|_| "true")]
                    aria-describedby=[person_error.map(|_| "field-person-error")] {
                    option value="0" { "Choose a colleague" }
                    @for person in people {
                        option value=(person.id) selected[person.id.0 == input.person] { (person.record.name) }
                    }
                }
                @if let Some(message) = person_error {
                    p class="field-error" id="field-person-error" { (message) }
                }
            }
            fieldset {
                legend { "What you talked about" }
                @for behaviour in here.spec.behaviours() {
                    label class="choice" {
                        input type="checkbox" name="behaviours" value=(behaviour.as_str())
                            checked[input.behaviours.iter().any(|b| b == behaviour.as_str())];
                        (behaviour.as_str())
                    }
                }
                @if let Some(message) = errors.of("behaviours") { p class="field-error" { (message) } }
            }
            (field("How it went", "outcome", Input::TextArea, &input.outcome, errors))
            (field("Follow-up (optional)", "follow_up", Input::Text, &input.follow_up, errors))
            button type="submit" { "Log the conversation" }
        }
    }
}

/// The people an activist may log a talk with: their tie partners and the people they
/// asked, minus those who asked not to be contacted or left.
async fn conversation_partners(
    state: &AppState,
    here: &InMovement,
    list: &Outreach,
) -> Result<Vec<Person>, ApiError> {
    let org = here.viewer.org(state);
    let me = here.viewer.person.id;
    let mut ids: HashSet<PersonId> = org
        .ties_of(me)
        .await?
        .into_iter()
        .flat_map(|tie| [tie.source, tie.target])
        .collect();
    ids.extend(list.asks.iter().map(|view| view.person.id));
    ids.remove(&me);
    let no_contact: HashSet<PersonId> = org
        .opted_out(OptOut::DoNotContact)
        .await?
        .into_iter()
        .collect();
    let mut people: Vec<Person> = org
        .people()
        .await?
        .into_iter()
        .filter(|p| ids.contains(&p.id) && !p.left && !no_contact.contains(&p.id))
        .collect();
    people.sort_by(|a, b| a.record.name.cmp(&b.record.name));
    Ok(people)
}

async fn outreach_page(
    state: &AppState,
    here: &InMovement,
    message: Option<&str>,
    input: &ConversationInput,
    errors: &FieldErrors,
) -> Result<Markup, ApiError> {
    let list = outreach_list(state, here).await?;
    let partners = conversation_partners(state, here, &list).await?;
    let org = here.viewer.org(state);
    let names: HashMap<PersonId, String> = org
        .people()
        .await?
        .into_iter()
        .map(|p| (p.id, p.record.name))
        .collect();
    let mine: Vec<(ConversationId, Conversation)> = org
        .conversations(here.id)
        .await?
        .into_iter()
        .filter(|(_, c)| c.activist == here.viewer.person.id)
        .take(10)
        .collect();
    let n_colleagues = list.colleagues.len();
    Ok(page(
        "My outreach list",
        Some(&here.viewer),
        html! {
            p { a href={"/m/" (here.id)} { (here.spec.name()) } }
            h1 { "My outreach list" }
            @if let Some(message) = message { (notice(message)) }
            p { "People you work with, from your own network. Only you see this list. Nothing \
                 is sent for you: ask in your own words, from your own phone or mailbox, and \
                 mark it sent here." }
            @if !list.asks.is_empty() {
                h2 { "Your asks" }
                div class="cards" {
                    @for view in &list.asks { (ask_card(here, view, &FieldErrors::default())) }
                }
            }
            h2 { "Colleagues you could ask" }
            @if n_colleagues < MIN_LIST {
                p class="notice" {
                    @if n_colleagues == 0 { "Nobody from your network can be on your list right now" }
                    @else { "Only " (n_colleagues) " of your colleagues can be on your list right now" }
                    " — the others opted out, joined already, or were asked by someone. We don't \
                     fill the list with strangers; a host can help you find more."
                }
            }
            div class="cards" {
                @for colleague in &list.colleagues { (colleague_card(here, colleague)) }
            }
            h2 id="conversations" { "Log a conversation" }
            (conversation_form(here, &partners, input, errors))
            @if !mine.is_empty() {
                h3 { "Your conversations" }
                ul {
                    @for (_, conversation) in &mine {
                        li {
                            strong { (names.get(&conversation.with).map_or("someone", String::as_str)) }
                            " · " (conversation.at.format("%Y-%m-%d")) ": " (conversation.outcome)
                        }
                    }
                }
            }
        },
    ))
}

async fn show(State(state): State<AppState>, here: InMovement) -> Result<Markup, ApiError> {
    outreach_page(
        &state,
        &here,
        None,
        &ConversationInput::default(),
        &FieldErrors::default(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PrepareForm {
    #[serde(default)]
    person: i64,
}

async fn prepare(
    State(state): State<AppState>,
    here: InMovement,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<PrepareForm>,
) -> Result<Response, ApiError> {
    let id = prepare_ask(&state, &here, PersonId(form.person)).await?;
    if is_htmx(&headers) {
        let view = own_ask(&state, &here, id).await?;
        return Ok(ask_card(&here, &view, &FieldErrors::default()).into_response());
    }
    Ok(see_other(&format!("{}#ask-{id}", outreach_path(&here))))
}

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    message: String,
}

async fn redraft(
    State(state): State<AppState>,
    here: InMovement,
    Path((_, ask)): Path<(i64, i64)>,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<DraftForm>,
) -> Result<Response, ApiError> {
    let id = AskId(ask);
    match redraft_ask(&state, &here, id, &form.message).await? {
        Ok(view) if is_htmx(&headers) => {
            Ok(ask_card(&here, &view, &FieldErrors::default()).into_response())
        }
        Ok(_) => Ok(see_other(&format!("{}#ask-{id}", outreach_path(&here)))),
        Err(errors) => {
            let mut view = own_ask(&state, &here, id).await?;
            view.ask.message = form.message;
            let card = ask_card(&here, &view, &errors);
            if is_htmx(&headers) {
                // htmx swaps only successful responses: the card with its error is one.
                return Ok(card.into_response());
            }
            let markup = page(
                "Your message",
                Some(&here.viewer),
                html! {
                    h1 { "Your message" }
                    div class="cards" { (card) }
                    p { a href=(outreach_path(&here)) { "Back to my outreach list" } }
                },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SentForm {
    #[serde(default)]
    channel: String,
}

async fn sent(
    State(state): State<AppState>,
    here: InMovement,
    Path((_, ask)): Path<(i64, i64)>,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<SentForm>,
) -> Result<Response, ApiError> {
    here.require(Need::Activist)?;
    let channel: Channel = form.channel.parse()?;
    let view = mark_sent(&state, &here, AskId(ask), channel).await?;
    if is_htmx(&headers) {
        return Ok(ask_card(&here, &view, &FieldErrors::default()).into_response());
    }
    Ok(see_other(&format!("{}#ask-{ask}", outreach_path(&here))))
}

async fn log(
    State(state): State<AppState>,
    here: InMovement,
    CsrfForm { form, .. }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let value = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let input = ConversationInput {
        person: value("person").parse().unwrap_or(0),
        behaviours: form
            .iter()
            .filter(|(key, _)| key == "behaviours")
            .map(|(_, value)| value.clone())
            .collect(),
        outcome: value("outcome"),
        follow_up: value("follow_up"),
    };
    match log_conversation(&state, &here, &input).await? {
        Ok(_) => Ok(outreach_page(
            &state,
            &here,
            Some("Conversation logged."),
            &ConversationInput::default(),
            &FieldErrors::default(),
        )
        .await?
        .into_response()),
        Err(errors) => {
            let markup = outreach_page(&state, &here, None, &input, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_and_mailto_links_carry_the_encoded_message_and_link() {
        let link = "https://gs.example.org/join/1.abc";
        assert_eq!(
            sms_href("+44 (0)7700 900-123", "Hi Bo, join me? 100% & more", link),
            "sms:+4407700900123?&body=Hi%20Bo%2C%20join%20me%3F%20100%25%20%26%20more%0A\
             https%3A%2F%2Fgs.example.org%2Fjoin%2F1.abc"
        );
        assert_eq!(
            mailto_href("bo@example.org", "Join? Ünits", "Hi+", link),
            "mailto:bo@example.org?subject=Join%3F%20%C3%9Cnits&body=Hi%2B%0A\
             https%3A%2F%2Fgs.example.org%2Fjoin%2F1.abc"
        );
    }
}

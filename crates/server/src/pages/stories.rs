//! Stories, the moments that matter: reading them (newest first; those for hosts only, only
//! by hosts), reacting (inspired, will try, did it), retelling with one's own note, sharing
//! one, celebrating someone; "I did it" for each of the movement's behaviours, and a peer's
//! "I saw it" confirming a story author's adoption.
//!
//! Participants only (members, activists, hosts): sponsors read aggregates on the dashboard,
//! never individual stories. Each operation is one function the pages and the JSON API share.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maud::{Markup, html};
use movement::{
    AdoptionTime, Behaviour, PersonId, ReactionKind, Role, StoryId, StoryKind, StorySpec,
    Visibility,
};
use serde::Deserialize;
use store::Story;

use super::outreach::is_htmx;
use super::see_other;
use crate::access::{InMovement, Need};
use crate::auth::CsrfForm;
use crate::html::{FieldErrors, csrf_field, notice, page};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/{movement}/stories", get(show).post(publish))
        .route("/m/{movement}/stories/{story}/react", post(react))
        .route("/m/{movement}/stories/{story}/retell", post(retell))
        .route("/m/{movement}/stories/{story}/confirm", post(confirm))
        .route("/m/{movement}/adoptions", post(did_it))
}

// ----- the operations -----

/// The stories the viewer may read, newest first.
pub(crate) async fn visible_stories(
    state: &AppState,
    here: &InMovement,
) -> Result<Vec<Story>, ApiError> {
    here.require(Need::Participant)?;
    let is_host = here.role() == Some(Role::Host);
    Ok(here
        .viewer
        .org(state)
        .stories(here.id)
        .await?
        .into_iter()
        .filter(|story| is_host || story.spec.visibility != Visibility::Hosts)
        .collect())
}

/// One story the viewer may read; any other is not found.
pub(crate) async fn visible_story(
    state: &AppState,
    here: &InMovement,
    id: StoryId,
) -> Result<Story, ApiError> {
    visible_stories(state, here)
        .await?
        .into_iter()
        .find(|story| story.id == id)
        .ok_or(ApiError::NotFound)
}

/// A story as its author writes it.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct StoryInput {
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub behaviours: Vec<String>,
    #[serde(default)]
    pub co_authors: Vec<i64>,
    /// `movement` (the default) or `hosts`.
    #[serde(default)]
    pub visibility: Option<String>,
}

/// Publishes a story by the viewer; co-authors must be in the movement.
pub(crate) async fn publish_story(
    state: &AppState,
    here: &InMovement,
    input: &StoryInput,
) -> Result<Result<StoryId, FieldErrors>, ApiError> {
    here.require(Need::Participant)?;
    let org = here.viewer.org(state);
    let mut errors = FieldErrors::default();
    let kind = input.kind.parse::<StoryKind>().unwrap_or_else(|e| {
        errors.add("kind", e.to_string());
        StoryKind::Experience
    });
    let text = input.text.trim();
    if text.is_empty() {
        errors.add("text", "Tell the story in a few sentences.");
    } else if text.chars().count() > 5_000 {
        errors.add(
            "text",
            "Keep it under 5,000 characters: a moment, not a report.",
        );
    }
    let mut behaviours: Vec<Behaviour> = Vec::new();
    for name in &input.behaviours {
        match here.spec.behaviour(name) {
            Some(behaviour) if !behaviours.contains(behaviour) => {
                behaviours.push(behaviour.clone())
            }
            Some(_) => {}
            None => errors.add("behaviours", format!("{name:?} is not one of ours.")),
        }
    }
    let members: Vec<PersonId> = org
        .memberships(here.id)
        .await?
        .into_iter()
        .map(|(_, membership)| membership.person)
        .collect();
    let mut co_authors: Vec<PersonId> = Vec::new();
    for id in input.co_authors.iter().copied().map(PersonId) {
        if id == here.viewer.person.id || co_authors.contains(&id) {
            continue;
        }
        if members.contains(&id) {
            co_authors.push(id);
        } else {
            errors.add("co_authors", "Co-authors are people in the movement.");
        }
    }
    if kind == StoryKind::Celebration && input.kind == "celebration" && co_authors.is_empty() {
        errors.add("co_authors", "Choose whom you celebrate.");
    }
    let visibility = match input.visibility.as_deref().unwrap_or("movement") {
        "" | "movement" => Visibility::Movement,
        "hosts" => Visibility::Hosts,
        other => {
            errors.add(
                "visibility",
                format!("{other:?}: choose movement or hosts."),
            );
            Visibility::Movement
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = org
        .publish_story(StorySpec {
            movement: here.id,
            author: here.viewer.person.id,
            co_authors,
            kind,
            text: text.to_string(),
            behaviours,
            visibility,
        })
        .await?;
    Ok(Ok(id))
}

/// The viewer reacts to a story they can read; returns it with its new counts.
pub(crate) async fn react_to(
    state: &AppState,
    here: &InMovement,
    id: StoryId,
    reaction: ReactionKind,
) -> Result<Story, ApiError> {
    visible_story(state, here, id).await?;
    here.viewer
        .org(state)
        .react(id, here.viewer.person.id, reaction)
        .await?;
    visible_story(state, here, id).await
}

/// The viewer retells a story they can read, with their own note.
pub(crate) async fn retell_story(
    state: &AppState,
    here: &InMovement,
    id: StoryId,
    note: &str,
) -> Result<Story, ApiError> {
    visible_story(state, here, id).await?;
    if note.chars().count() > 1_000 {
        return Err(ApiError::Unprocessable(
            "note: keep it under 1,000 characters.".into(),
        ));
    }
    here.viewer
        .org(state)
        .retell(id, here.viewer.person.id, note)
        .await?;
    visible_story(state, here, id).await
}

/// A peer confirms that the author of a story they can read practises one of the
/// behaviours it is about, which the author said "I did it" for.
pub(crate) async fn confirm_adoption(
    state: &AppState,
    here: &InMovement,
    id: StoryId,
    behaviour: &str,
) -> Result<(), ApiError> {
    let story = visible_story(state, here, id).await?;
    let behaviour = story
        .spec
        .behaviours
        .iter()
        .find(|b| b.as_str() == behaviour)
        .ok_or_else(|| {
            ApiError::Unprocessable(format!("behaviour: the story is not about {behaviour:?}."))
        })?;
    let author = story.spec.author;
    if author == here.viewer.person.id {
        return Err(ApiError::Unprocessable(
            "behaviour: a peer confirms an adoption, not its author.".into(),
        ));
    }
    let org = here.viewer.org(state);
    let adopted = org
        .adoptions()
        .await?
        .contains_key(&(author, behaviour.as_str().to_string()));
    if !adopted {
        return Err(ApiError::Unprocessable(
            "behaviour: the author has not said \"I did it\" for it yet.".into(),
        ));
    }
    org.confirm_adoption(author, behaviour, here.viewer.person.id)
        .await?;
    Ok(())
}

/// "I did it": the viewer practises `behaviour` from now (an earlier record is kept).
pub(crate) async fn record_adoption(
    state: &AppState,
    here: &InMovement,
    behaviour: &str,
) -> Result<(), ApiError> {
    here.require(Need::Participant)?;
    let behaviour = here.spec.behaviour(behaviour).ok_or_else(|| {
        ApiError::Unprocessable(format!("behaviour: {behaviour:?} is not one of ours."))
    })?;
    here.viewer
        .org(state)
        .record_adoption(
            here.viewer.person.id,
            behaviour,
            AdoptionTime::At(Utc::now()),
        )
        .await?;
    Ok(())
}

/// The movement's behaviours and since when the viewer practises each, if they do.
pub(crate) async fn my_adoptions(
    state: &AppState,
    here: &InMovement,
) -> Result<Vec<(Behaviour, Option<AdoptionTime>)>, ApiError> {
    here.require(Need::Participant)?;
    let adoptions = here.viewer.org(state).adoptions().await?;
    Ok(here
        .spec
        .behaviours()
        .iter()
        .map(|behaviour| {
            let time = adoptions
                .get(&(here.viewer.person.id, behaviour.as_str().to_string()))
                .copied();
            (behaviour.clone(), time)
        })
        .collect())
}

// ----- pages -----

pub(crate) fn kind_words(kind: StoryKind) -> &'static str {
    match kind {
        StoryKind::Aha => "An aha moment",
        StoryKind::Inspiration => "Inspiration",
        StoryKind::ProblemFixed => "A problem fixed",
        StoryKind::Experience => "An experience",
        StoryKind::Celebration => "A celebration",
    }
}

fn reaction_words(reaction: ReactionKind) -> &'static str {
    match reaction {
        ReactionKind::Inspired => "Inspired",
        ReactionKind::WillTry => "I'll try it",
        ReactionKind::DidIt => "I did it too",
    }
}

fn stories_path(here: &InMovement) -> String {
    format!("/m/{}/stories", here.id)
}

/// A story's reaction buttons with their counts: what htmx swaps after a reaction.
fn reactions(here: &InMovement, story: &Story) -> Markup {
    let id = format!("reactions-{}", story.id);
    let action = format!("{}/{}/react", stories_path(here), story.id);
    html! {
        div class="actions" id=(id) {
            @for (reaction, count) in &story.reactions {
                form method="post" action=(action) hx-post=(action) hx-target={"#" (id)}
                    hx-swap="outerHTML" class="inline" {
                    (csrf_field(&here.viewer.csrf))
                    input type="hidden" name="reaction" value=(reaction.as_str());
                    button type="submit" class="secondary" data-reaction=(reaction.as_str()) {
                        span { (reaction_words(*reaction)) " · " span class="count" { (count) } }
                    }
                }
            }
        }
    }
}

/// Who practises what (recorded adoptions) and who confirmed it: what a story card needs to
/// offer peers "I saw it".
pub(crate) struct Practice {
    pub adopted: HashSet<(PersonId, String)>,
    pub confirmed_by: BTreeMap<(PersonId, String), BTreeSet<PersonId>>,
}

fn story_card(
    here: &InMovement,
    story: &Story,
    names: &HashMap<PersonId, String>,
    practice: &Practice,
) -> Markup {
    let name = |id: &PersonId| names.get(id).map_or("someone", String::as_str);
    let spec = &story.spec;
    let note_id = format!("retell-{}", story.id);
    let action = format!("{}/{}/retell", stories_path(here), story.id);
    html! {
        article class="card" id={"story-" (story.id)} {
            p class="hint" {
                (kind_words(spec.kind)) " · " (story.published_at.format("%Y-%m-%d"))
                @if spec.visibility == Visibility::Hosts { " · for hosts only" }
            }
            p class="story" { (spec.text) }
            p class="hint" {
                "By " (name(&spec.author))
                @if !spec.co_authors.is_empty() {
                    " with "
                    (spec.co_authors.iter().map(name).collect::<Vec<_>>().join(", "))
                }
            }
            @if !spec.behaviours.is_empty() {
                p class="hint" { "About: "
                    (spec.behaviours.iter().map(Behaviour::as_str).collect::<Vec<_>>().join(", ")) }
            }
            (reactions(here, story))
            @for behaviour in &spec.behaviours {
                @let key = (spec.author, behaviour.as_str().to_string());
                @if practice.adopted.contains(&key) {
                    @let peers = practice.confirmed_by.get(&key);
                    @let n_peers = peers.map_or(0, BTreeSet::len);
                    @let mine = peers.is_some_and(|p| p.contains(&here.viewer.person.id));
                    p class="hint" {
                        (name(&spec.author)) " does " (behaviour.as_str())
                        @if n_peers > 0 { " — confirmed by " (n_peers) }
                    }
                    @if spec.author != here.viewer.person.id && !mine {
                        form method="post" action={(stories_path(here)) "/" (story.id) "/confirm"} {
                            (csrf_field(&here.viewer.csrf))
                            input type="hidden" name="behaviour" value=(behaviour.as_str());
                            button type="submit" class="secondary" {
                                "I saw it: " (behaviour.as_str()) }
                        }
                    }
                }
            }
            form method="post" action=(action) {
                (csrf_field(&here.viewer.csrf))
                div class="field" {
                    label for=(note_id) { "Retell it, with a note of your own" }
                    input id=(note_id) name="note" type="text";
                }
                button type="submit" class="secondary" { "Retell" }
                @if story.retells > 0 { " " span class="hint" { "Retold " (story.retells) " times" } }
            }
        }
    }
}

/// "I did it" for each behaviour: what htmx swaps after one.
fn adoptions_section(here: &InMovement, adoptions: &[(Behaviour, Option<AdoptionTime>)]) -> Markup {
    let action = format!("/m/{}/adoptions", here.id);
    html! {
        div id="adoptions" class="cards" {
            @for (behaviour, time) in adoptions {
                article class="card" {
                    p { strong { (behaviour.as_str()) } }
                    @match time {
                        Some(time) => { p class="hint" { "You do this — since " (since(time)) "." } }
                        None => {
                            form method="post" action=(action) hx-post=(action)
                                hx-target="#adoptions" hx-swap="outerHTML" {
                                (csrf_field(&here.viewer.csrf))
                                input type="hidden" name="behaviour" value=(behaviour.as_str());
                                button type="submit" aria-label={"I did it: " (behaviour.as_str())} { "I did it" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn since(time: &AdoptionTime) -> String {
    match time {
        AdoptionTime::At(at) => at.format("%Y-%m-%d").to_string(),
        AdoptionTime::Date(date) => date.to_string(),
        AdoptionTime::Period(period) => format!("period {period}"),
    }
}

fn checkbox_list(
    name: &'static str,
    legend: &str,
    options: &[(String, String)],
    chosen: &[String],
    errors: &FieldErrors,
) -> Markup {
    html! {
        fieldset {
            legend { (legend) }
            @for (value, label) in options {
                label class="choice" {
                    input type="checkbox" name=(name) value=(value) checked[chosen.contains(value)];
                    (label)
                }
            }
            @if let Some(message) = errors.of(name) { p class="field-error" { (message) } }
        }
    }
}

async fn stories_page(
    state: &AppState,
    here: &InMovement,
    message: Option<&str>,
    input: &StoryInput,
    errors: &FieldErrors,
) -> Result<Markup, ApiError> {
    let stories = visible_stories(state, here).await?;
    let adoptions = my_adoptions(state, here).await?;
    let org = here.viewer.org(state);
    let practice = Practice {
        adopted: org.adoptions().await?.into_keys().collect(),
        confirmed_by: org.adoption_confirmations().await?,
    };
    let names: HashMap<PersonId, String> = org
        .people()
        .await?
        .into_iter()
        .map(|p| (p.id, p.record.name))
        .collect();
    let mut members: Vec<(String, String)> = org
        .memberships(here.id)
        .await?
        .into_iter()
        .filter(|(_, m)| m.person != here.viewer.person.id)
        .filter_map(|(_, m)| Some((m.person.0.to_string(), names.get(&m.person)?.clone())))
        .collect();
    members.sort_by(|a, b| a.1.cmp(&b.1));
    let behaviours: Vec<(String, String)> = here
        .spec
        .behaviours()
        .iter()
        .map(|b| (b.as_str().to_string(), b.as_str().to_string()))
        .collect();
    let chosen_co_authors: Vec<String> = input.co_authors.iter().map(i64::to_string).collect();
    let path = stories_path(here);
    let text_error = errors.of("text");
    Ok(page(
        "Stories",
        Some(&here.viewer),
        html! {
            p { a href={"/m/" (here.id)} { (here.spec.name()) } }
            h1 { "Stories" }
            @if let Some(message) = message { (notice(message)) }
            h2 id="did-it" { "I did it" }
            p { "Say so when you practise one of our behaviours: it counts." }
            (adoptions_section(here, &adoptions))
            h2 { "What people tell" }
            @if stories.is_empty() { p { "No story yet: be the first." } }
            div class="cards" {
                @for story in &stories { (story_card(here, story, &names, &practice)) }
            }
            h2 id="share" { "Share a story" }
            form method="post" action=(path) {
                (csrf_field(&here.viewer.csrf))
                div class="field" {
                    label for="story-kind" { "What kind of moment" }
                    select id="story-kind" name="kind" {
                        @for kind in StoryKind::ALL {
                            option value=(kind.as_str()) selected[input.kind == kind.as_str()] {
                                (kind_words(*kind)) }
                        }
                    }
                    @if let Some(message) = errors.of("kind") { p class="field-error" { (message) } }
                }
                div class="field" {
                    label for="story-text" { "Your story" }
                    textarea id="story-text" name="text" rows="4"
                        aria-invalid=[text_error.map(|_| "true")]
                        aria-describedby=[text_error.map(|_| "story-text-error")] { (input.text) }
                    @if let Some(message) = text_error {
                        p class="field-error" id="story-text-error" { (message) }
                    }
                }
                (checkbox_list("behaviours", "About", &behaviours, &input.behaviours, errors))
                @if !members.is_empty() {
                    (checkbox_list("co_authors", "Written with", &members, &chosen_co_authors, errors))
                }
                div class="field" {
                    label for="story-visibility" { "Who reads it" }
                    select id="story-visibility" name="visibility" {
                        option value="movement" { "Everyone in the movement" }
                        option value="hosts" selected[input.visibility.as_deref() == Some("hosts")] {
                            "The hosts only" }
                    }
                }
                button type="submit" { "Share" }
            }
            @if !members.is_empty() {
                h2 id="celebrate" { "Celebrate someone" }
                form method="post" action=(path) {
                    (csrf_field(&here.viewer.csrf))
                    input type="hidden" name="kind" value="celebration";
                    div class="field" {
                        label for="celebrate-person" { "Whom" }
                        select id="celebrate-person" name="co_authors" {
                            @for (id, name) in &members { option value=(id) { (name) } }
                        }
                    }
                    div class="field" {
                        label for="celebrate-text" { "What they did" }
                        textarea id="celebrate-text" name="text" rows="3" {}
                    }
                    button type="submit" { "Celebrate" }
                }
            }
        },
    ))
}

async fn show(State(state): State<AppState>, here: InMovement) -> Result<Markup, ApiError> {
    stories_page(
        &state,
        &here,
        None,
        &StoryInput::default(),
        &FieldErrors::default(),
    )
    .await
}

/// Reads the story form's fields (checkboxes repeat their name).
fn story_input(fields: &[(String, String)]) -> StoryInput {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let all = |name: &str| {
        fields
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect::<Vec<_>>()
    };
    StoryInput {
        kind: value("kind"),
        text: value("text"),
        behaviours: all("behaviours"),
        co_authors: all("co_authors")
            .iter()
            .filter_map(|id| id.parse().ok())
            .collect(),
        visibility: Some(value("visibility")),
    }
}

async fn publish(
    State(state): State<AppState>,
    here: InMovement,
    CsrfForm { form, .. }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let input = story_input(&form);
    match publish_story(&state, &here, &input).await? {
        Ok(id) => Ok(see_other(&format!("{}#story-{id}", stories_path(&here)))),
        Err(errors) => {
            let markup = stories_page(&state, &here, None, &input, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReactForm {
    #[serde(default)]
    reaction: String,
}

async fn react(
    State(state): State<AppState>,
    here: InMovement,
    Path((_, story)): Path<(i64, i64)>,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<ReactForm>,
) -> Result<Response, ApiError> {
    here.require(Need::Participant)?;
    let reaction: ReactionKind = form.reaction.parse()?;
    let story = react_to(&state, &here, StoryId(story), reaction).await?;
    if is_htmx(&headers) {
        return Ok(reactions(&here, &story).into_response());
    }
    Ok(see_other(&format!(
        "{}#story-{}",
        stories_path(&here),
        story.id
    )))
}

#[derive(Debug, Deserialize)]
pub struct RetellForm {
    #[serde(default)]
    note: String,
}

async fn retell(
    State(state): State<AppState>,
    here: InMovement,
    Path((_, story)): Path<(i64, i64)>,
    CsrfForm { form, .. }: CsrfForm<RetellForm>,
) -> Result<Response, ApiError> {
    let story = retell_story(&state, &here, StoryId(story), &form.note).await?;
    Ok(see_other(&format!(
        "{}#story-{}",
        stories_path(&here),
        story.id
    )))
}

#[derive(Debug, Deserialize)]
pub struct DidItForm {
    #[serde(default)]
    behaviour: String,
}

async fn did_it(
    State(state): State<AppState>,
    here: InMovement,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<DidItForm>,
) -> Result<Response, ApiError> {
    record_adoption(&state, &here, &form.behaviour).await?;
    if is_htmx(&headers) {
        let adoptions = my_adoptions(&state, &here).await?;
        return Ok(adoptions_section(&here, &adoptions).into_response());
    }
    Ok(see_other(&format!("{}#did-it", stories_path(&here))))
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    behaviour: String,
}

async fn confirm(
    State(state): State<AppState>,
    here: InMovement,
    Path((_, story)): Path<(i64, i64)>,
    CsrfForm { form, .. }: CsrfForm<ConfirmForm>,
) -> Result<Response, ApiError> {
    confirm_adoption(&state, &here, StoryId(story), &form.behaviour).await?;
    Ok(see_other(&format!("{}#story-{story}", stories_path(&here))))
}

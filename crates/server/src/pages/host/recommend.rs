//! Recommended activists, computed in the background: a POST queues a job (task
//! `recommend:{movement}`), a task runs the engine's activist selection off the async
//! threads (`spawn_blocking`), reports its progress and keeps its result as JSON; the page
//! polls a progress fragment with htmx until the job is done, then shows the cached result
//! (loading the page again never reruns it). Each pick comes with its reason, its marginal
//! gain and who should ask them; "Ask … to invite" drafts an ask from that person, which
//! then waits on their outreach list: nothing is sent on anyone's behalf.
//!
//! Who may be picked: people still in the organization who did not opt out of being
//! suggested or contacted, and who are not hosts or activists of the movement already.
//! The hosts and activists are the fixed seeds: their reach counts as reached, and they are
//! the ones who can ask picks (unless they opted out of being suggested).
//!
//! Progress is reported at steps (0.1 inputs read, 0.3 graph built, 0.9 selection done, 1
//! result kept), since the engine's selection runs as one call.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use engine::influence::{ActivistSelection, Constraints, Units};
use engine::{Graph, NodeIdx};
use maud::{Markup, html};
use movement::{
    Ask, AskId, AskStatus, Channel, JobId, JobStatus, MovementId, OptOut, OrgId, PersonId, Role,
};
use serde::{Deserialize, Serialize};
use store::{Job, Person};

use super::super::see_other;
use crate::access::{InMovement, Need};
use crate::auth::CsrfForm;
use crate::html::{FieldErrors, Input, csrf_field, field, notice, page};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/{movement}/host/recommendations", get(show).post(start))
        .route("/m/{movement}/host/recommendations/progress", get(progress))
        .route("/m/{movement}/host/invite", post(invite_form))
}

/// The job's task name for a movement.
pub(crate) fn task(movement: MovementId) -> String {
    format!("recommend:{movement}")
}

/// What a host asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RecommendParams {
    /// How many activists; by default 4 % of the people (at least 1).
    pub k: Option<usize>,
    /// At most this many picks per unit.
    pub max_per_unit: Option<usize>,
}

/// The largest k a host may ask for.
pub const MAX_K: usize = 1_000;

/// The cached result of a recommendation job (its JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct Recommendation {
    /// Activists asked for.
    pub k: usize,
    /// People in the graph.
    pub n_people: usize,
    /// Expected people reached by the current hosts and activists and the picks.
    pub spread: f64,
    /// Lower end of its 95 % interval.
    pub spread_low: f64,
    /// Upper end of its 95 % interval.
    pub spread_high: f64,
    /// The share of the best possible reach the data prove these picks achieve.
    pub certified_ratio: f64,
    /// The picks in greedy order.
    pub picks: Vec<PickView>,
}

/// One recommended activist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct PickView {
    /// Person id.
    pub person: i64,
    pub name: String,
    pub unit: Option<String>,
    /// Expected extra people reached given the earlier picks.
    pub marginal_gain: f64,
    /// Why, in plain language.
    pub reason: String,
    /// The host or activist best placed to ask them.
    pub asker: Option<AskerView>,
}

/// Who should ask a pick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct AskerView {
    /// Person id.
    pub person: i64,
    pub name: String,
    /// Ties between them (1: they know each other directly).
    pub hops: u32,
}

/// Queues a recommendation and starts computing it; a job of this movement still queued or
/// running is returned instead of starting another.
pub(crate) async fn start_recommendation(
    state: &AppState,
    here: &InMovement,
    params: RecommendParams,
) -> Result<Job, ApiError> {
    here.require(Need::Host)?;
    if params.k.is_some_and(|k| k == 0 || k > MAX_K) {
        return Err(ApiError::Unprocessable(format!(
            "k: between 1 and {MAX_K}."
        )));
    }
    let org = here.viewer.org(state);
    let task = task(here.id);
    if let Some(job) = org.latest_job(&task).await?
        && matches!(job.status, JobStatus::Queued | JobStatus::Running)
    {
        return Ok(job);
    }
    let job = org.queue_job(&task).await?;
    let worker = Worker {
        state: state.clone(),
        org: here.viewer.org,
        account: here.viewer.account.id,
        movement: here.id,
        job,
        params,
    };
    tokio::spawn(worker.run());
    Ok(org.job(job).await?)
}

/// The latest recommendation job of the movement, if any (hosts only).
pub(crate) async fn latest(state: &AppState, here: &InMovement) -> Result<Option<Job>, ApiError> {
    here.require(Need::Host)?;
    Ok(here.viewer.org(state).latest_job(&task(here.id)).await?)
}

/// A recommendation job of this movement by id (hosts only); 404 for any other job.
pub(crate) async fn job(state: &AppState, here: &InMovement, id: JobId) -> Result<Job, ApiError> {
    here.require(Need::Host)?;
    let job = here.viewer.org(state).job(id).await?;
    if job.task != task(here.id) {
        return Err(ApiError::NotFound);
    }
    Ok(job)
}

/// A finished job's result, as its picks stand now: people who have since opted out of
/// being suggested or contacted, left, or joined as host or activist are dropped, and an
/// asker who opted out is no longer named.
pub(crate) async fn current_result(
    state: &AppState,
    here: &InMovement,
    job: &Job,
) -> Result<Option<Recommendation>, ApiError> {
    let Some(json) = job.result.as_deref() else {
        return Ok(None);
    };
    let mut result: Recommendation = serde_json::from_str(json).map_err(|error| {
        tracing::error!(%error, job = %job.id, "a recommendation result does not parse");
        ApiError::Unavailable
    })?;
    let org = here.viewer.org(state);
    let suggestable: BTreeSet<i64> = org
        .suggestable_people()
        .await?
        .iter()
        .map(|p| p.id.0)
        .collect();
    let no_contact: BTreeSet<i64> = org
        .opted_out(OptOut::DoNotContact)
        .await?
        .iter()
        .map(|p| p.0)
        .collect();
    let active: BTreeSet<i64> = org
        .memberships(here.id)
        .await?
        .iter()
        .filter(|(_, m)| matches!(m.role, Role::Host | Role::Activist))
        .map(|(_, m)| m.person.0)
        .collect();
    result.picks.retain(|pick| {
        suggestable.contains(&pick.person)
            && !no_contact.contains(&pick.person)
            && !active.contains(&pick.person)
    });
    for pick in &mut result.picks {
        if pick
            .asker
            .as_ref()
            .is_some_and(|asker| !suggestable.contains(&asker.person))
        {
            pick.asker = None;
        }
    }
    Ok(Some(result))
}

/// The background computation of one job.
struct Worker {
    state: AppState,
    org: OrgId,
    account: movement::AccountId,
    movement: MovementId,
    job: JobId,
    params: RecommendParams,
}

impl Worker {
    async fn run(self) {
        let org = self.state.store().org(self.org).acting_as(self.account);
        let finished = match self.compute().await {
            Ok(()) => org.advance_job(self.job, JobStatus::Succeeded, None).await,
            Err(message) => {
                tracing::warn!(job = %self.job, %message, "recommendation failed");
                org.advance_job(self.job, JobStatus::Failed, Some(&message))
                    .await
            }
        };
        if let Err(error) = finished {
            tracing::error!(job = %self.job, %error, "a recommendation job could not be finished");
        }
    }

    async fn compute(&self) -> Result<(), String> {
        let org = self.state.store().org(self.org).acting_as(self.account);
        let db = |error: store::Error| {
            tracing::error!(job = %self.job, %error, "recommendation: store failure");
            "the database did not answer; try again".to_string()
        };
        org.advance_job(self.job, JobStatus::Running, None)
            .await
            .map_err(db)?;
        tracing::info!(job = %self.job, movement = %self.movement, "recommendation started");
        let people = org.people().await.map_err(db)?;
        let suggestable: BTreeSet<PersonId> = org
            .suggestable_people()
            .await
            .map_err(db)?
            .iter()
            .map(|p| p.id)
            .collect();
        let no_contact: BTreeSet<PersonId> = org
            .opted_out(OptOut::DoNotContact)
            .await
            .map_err(db)?
            .into_iter()
            .collect();
        let active: BTreeSet<PersonId> = org
            .memberships(self.movement)
            .await
            .map_err(db)?
            .into_iter()
            .filter(|(_, m)| matches!(m.role, Role::Host | Role::Activist))
            .map(|(_, m)| m.person)
            .collect();
        let ties: Vec<(PersonId, PersonId, f64)> = org
            .ties()
            .await
            .map_err(db)?
            .into_iter()
            .map(|t| (t.source, t.target, t.weight))
            .collect();
        org.report_job_progress(self.job, 0.1).await.map_err(db)?;
        let input = SelectionInput {
            people,
            suggestable,
            no_contact,
            active,
            ties,
            params: self.params,
        };
        let (graph, plan) = tokio::task::spawn_blocking(move || input.graph())
            .await
            .map_err(|e| format!("the computation stopped: {e}"))??;
        org.report_job_progress(self.job, 0.3).await.map_err(db)?;
        let result = tokio::task::spawn_blocking(move || plan.run(&graph))
            .await
            .map_err(|e| format!("the computation stopped: {e}"))??;
        org.report_job_progress(self.job, 0.9).await.map_err(db)?;
        let json = serde_json::to_string(&result).map_err(|e| e.to_string())?;
        org.keep_job_result(self.job, &json).await.map_err(db)?;
        org.report_job_progress(self.job, 1.0).await.map_err(db)?;
        tracing::info!(job = %self.job, picks = result.picks.len(), "recommendation done");
        Ok(())
    }
}

/// What the selection reads, gathered from the store.
struct SelectionInput {
    people: Vec<Person>,
    suggestable: BTreeSet<PersonId>,
    no_contact: BTreeSet<PersonId>,
    active: BTreeSet<PersonId>,
    ties: Vec<(PersonId, PersonId, f64)>,
    params: RecommendParams,
}

/// The selection ready to run, with what maps its nodes back to people.
struct Plan {
    selection: ActivistSelection,
    nodes: Vec<Person>,
}

impl SelectionInput {
    /// The graph of the people still in the organization (every layer, parallel ties'
    /// weights summed) and the selection's parameters.
    fn graph(self) -> Result<(Graph, Plan), String> {
        let nodes: Vec<Person> = self.people.into_iter().filter(|p| !p.left).collect();
        let index: HashMap<PersonId, NodeIdx> = nodes
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i as NodeIdx))
            .collect();
        let mut weights: BTreeMap<(NodeIdx, NodeIdx), f64> = BTreeMap::new();
        for (source, target, weight) in &self.ties {
            if let (Some(s), Some(t)) = (index.get(source), index.get(target))
                && s != t
            {
                *weights.entry((*s, *t)).or_default() += weight;
            }
        }
        let graph = Graph::directed(
            nodes.len(),
            weights.into_iter().map(|((s, t), w)| (s, t, w)),
        );
        let mut fixed = Vec::new();
        let mut excluded = Vec::new();
        for (i, person) in nodes.iter().enumerate() {
            let node = i as NodeIdx;
            let suggestable = self.suggestable.contains(&person.id);
            if self.active.contains(&person.id) && suggestable {
                fixed.push(node);
            } else if !suggestable
                || self.no_contact.contains(&person.id)
                || self.active.contains(&person.id)
            {
                excluded.push(node);
            }
        }
        let candidates = nodes.len() - fixed.len() - excluded.len();
        if candidates == 0 {
            return Err(
                "no one can be recommended: everyone is active already, opted out or \
                        left"
                    .into(),
            );
        }
        let default_k = ((nodes.len() as f64) * 0.04).round().max(1.0) as usize;
        let k = self.params.k.unwrap_or(default_k).min(candidates);
        let labels: Vec<Option<String>> = nodes.iter().map(|p| p.record.unit.clone()).collect();
        let selection = ActivistSelection {
            k,
            seed: 0,
            constraints: Constraints {
                fixed,
                excluded,
                quotas: Vec::new(),
                max_per_unit: self.params.max_per_unit,
            },
            units: Some(Units::from_labels(&labels)),
            ..ActivistSelection::default()
        };
        Ok((graph, Plan { selection, nodes }))
    }
}

impl Plan {
    fn run(self, graph: &Graph) -> Result<Recommendation, String> {
        let selection = self.selection.run(graph).map_err(|e| e.to_string())?;
        let person = |node: NodeIdx| &self.nodes[node as usize];
        let picks = selection
            .picks
            .iter()
            .map(|pick| {
                let chosen = person(pick.node);
                PickView {
                    person: chosen.id.0,
                    name: chosen.record.name.clone(),
                    unit: chosen.record.unit.clone(),
                    marginal_gain: pick.marginal_gain,
                    reason: pick.reason.clone(),
                    asker: pick.asker.as_ref().map(|asker| AskerView {
                        person: person(asker.node).id.0,
                        name: person(asker.node).record.name.clone(),
                        hops: asker.hops,
                    }),
                }
            })
            .collect();
        Ok(Recommendation {
            k: self.selection.k,
            n_people: self.nodes.len(),
            spread: selection.spread,
            spread_low: selection.spread_interval.0,
            spread_high: selection.spread_interval.1,
            certified_ratio: selection.certified_ratio,
            picks,
        })
    }
}

/// Drafts an ask from `asker` (a host or activist of the movement) to `pick`: in person,
/// with a default message the asker can rewrite, and a personal join link. Refused when the
/// pick opted out of contact, left, is in the movement already or has an open ask in it.
pub(crate) async fn invite(
    state: &AppState,
    here: &InMovement,
    pick: PersonId,
    asker: PersonId,
) -> Result<(AskId, Ask), ApiError> {
    here.require(Need::Host)?;
    let org = here.viewer.org(state);
    let pick_person = org.person(pick).await?;
    let asker_person = org.person(asker).await?;
    let memberships = org.memberships(here.id).await?;
    let asker_is_active = memberships
        .iter()
        .any(|(_, m)| m.person == asker && matches!(m.role, Role::Host | Role::Activist));
    if !asker_is_active {
        return Err(ApiError::Unprocessable(format!(
            "asker: {} is not a host or activist of this movement.",
            asker_person.record.name
        )));
    }
    if pick_person.left || org.opted_out(OptOut::DoNotContact).await?.contains(&pick) {
        return Err(ApiError::Conflict(format!(
            "{} asked not to be contacted.",
            pick_person.record.name
        )));
    }
    if memberships.iter().any(|(_, m)| m.person == pick) {
        return Err(ApiError::Conflict(format!(
            "{} is in the movement already.",
            pick_person.record.name
        )));
    }
    let open = org
        .asks(here.id)
        .await?
        .into_iter()
        .any(|(_, ask)| ask.to == pick && !ask.status.is_final());
    if open {
        return Err(ApiError::Conflict(format!(
            "{} has an open ask in this movement already.",
            pick_person.record.name
        )));
    }
    let first_name = pick_person
        .record
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&pick_person.record.name)
        .to_string();
    let ask = Ask {
        movement: here.id,
        from: asker,
        to: pick,
        channel: Channel::InPerson,
        message: format!(
            "Hi {first_name}, I'm part of {}: {} I thought of you — would you join us?",
            here.spec.name(),
            here.spec.mission()
        ),
        // The stored secret; the personal link reads ORG.SECRET (`auth::org_token`).
        token: crate::auth::new_secret(),
        status: AskStatus::Drafted,
        arm: None,
    };
    let id = org.create_ask(ask.clone()).await?;
    Ok((id, ask))
}

/// The recommendation form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RecommendForm {
    #[serde(default)]
    k: String,
    #[serde(default)]
    max_per_unit: String,
}

impl RecommendForm {
    fn parse(&self) -> Result<RecommendParams, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut number = |name: &'static str, text: &str, message: &str| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            match text.parse::<usize>() {
                Ok(n) if (1..=MAX_K).contains(&n) => Some(n),
                _ => {
                    errors.add(name, message);
                    None
                }
            }
        };
        let k = number(
            "k",
            &self.k,
            "A whole number from 1 to 1000, or empty for about 4 %.",
        );
        let max_per_unit = number(
            "max_per_unit",
            &self.max_per_unit,
            "A whole number from 1 to 1000, or empty for no limit.",
        );
        if errors.is_empty() {
            Ok(RecommendParams { k, max_per_unit })
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    invited: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    here: InMovement,
    Query(query): Query<ShowQuery>,
) -> Result<Markup, ApiError> {
    here.require(Need::Host)?;
    let status = status_fragment(&state, &here).await?;
    let done = query.invited.map(|name| {
        format!("Drafted an ask from {name}: it waits on their outreach list, for them to send.")
    });
    Ok(recommendations_page(
        &here,
        done.as_deref(),
        &RecommendForm::default(),
        &FieldErrors::default(),
        status,
    ))
}

fn recommendations_page(
    here: &InMovement,
    done: Option<&str>,
    form: &RecommendForm,
    errors: &FieldErrors,
    status: Markup,
) -> Markup {
    page(
        "Recommended activists",
        Some(&here.viewer),
        html! {
            h1 { "Recommended activists" }
            @if let Some(done) = done { (notice(done)) }
            p { "Who, if they joined as activists, would carry the movement furthest through \
                 the network, given the hosts and activists there are. People who opted out of \
                 being suggested or contacted, and people who left, are never picked. Scores \
                 are for hosts only." }
            form method="post" action={"/m/" (here.id) "/host/recommendations"} {
                (csrf_field(&here.viewer.csrf))
                (field("How many (empty: about 4 % of the people)", "k", Input::Number, &form.k, errors))
                (field("At most this many per unit (optional)", "max_per_unit", Input::Number, &form.max_per_unit, errors))
                button type="submit" { "Recommend" }
            }
            (status)
            p { a href={"/m/" (here.id) "/host"} { "Back to hosting" } }
        },
    )
}

async fn start(
    State(state): State<AppState>,
    here: InMovement,
    CsrfForm { form, .. }: CsrfForm<RecommendForm>,
) -> Result<Response, ApiError> {
    here.require(Need::Host)?;
    match form.parse() {
        Ok(params) => {
            start_recommendation(&state, &here, params).await?;
            Ok(see_other(&format!("/m/{}/host/recommendations", here.id)))
        }
        Err(errors) => {
            let status = status_fragment(&state, &here).await?;
            let markup = recommendations_page(&here, None, &form, &errors, status);
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
    }
}

async fn progress(State(state): State<AppState>, here: InMovement) -> Result<Markup, ApiError> {
    here.require(Need::Host)?;
    status_fragment(&state, &here).await
}

/// The latest job's state; while it runs, it replaces itself every second (htmx), and once
/// done it shows the result and stops polling.
async fn status_fragment(state: &AppState, here: &InMovement) -> Result<Markup, ApiError> {
    let url = format!("/m/{}/host/recommendations/progress", here.id);
    let Some(job) = latest(state, here).await? else {
        return Ok(html! { section id="recommendation" { p { "No recommendation yet." } } });
    };
    let running = matches!(job.status, JobStatus::Queued | JobStatus::Running);
    let result = if job.status == JobStatus::Succeeded {
        current_result(state, here, &job).await?
    } else {
        None
    };
    let percent = (job.progress * 100.0).round();
    Ok(html! {
        @if running {
            section id="recommendation" hx-get=(url) hx-trigger="every 1s" hx-swap="outerHTML" aria-busy="true" {
                p role="status" { "Computing… " (percent) " %" }
                progress max="100" value=(percent) { (percent) " %" }
            }
        } @else {
            section id="recommendation" {
                @match job.status {
                    JobStatus::Failed => p class="notice error" role="alert" {
                        "The recommendation failed: " (job.error.as_deref().unwrap_or("no reason given")) "."
                    },
                    JobStatus::Cancelled => p { "The recommendation was cancelled." },
                    _ => {}
                }
                @if let Some(result) = &result {
                    (result_table(here, &job, result))
                }
            }
        }
    })
}

fn result_table(here: &InMovement, job: &Job, result: &Recommendation) -> Markup {
    html! {
        h2 { "Picks" }
        p class="muted" { "Computed " (job.updated_at.format("%Y-%m-%d %H:%M UTC")) " for "
            (result.n_people) " people. Expected reach with today's hosts and activists and these picks: "
            (format!("{:.0}", result.spread)) " people (95 %: "
            (format!("{:.0}–{:.0}", result.spread_low, result.spread_high)) ")." }
        @if result.picks.is_empty() {
            p { "No one to recommend now." }
        } @else {
            div class="table-scroll" {
                table {
                    caption { "Recommended activists, best first" }
                    thead { tr {
                        th scope="col" { "Person" }
                        th scope="col" { "Unit" }
                        th scope="col" class="num" { "Marginal gain" }
                        th scope="col" { "Why" }
                        th scope="col" { "Who should ask" }
                    } }
                    tbody {
                        @for pick in &result.picks {
                            tr {
                                td { (pick.name) }
                                td { (pick.unit.as_deref().unwrap_or("")) }
                                td class="num" { (format!("{:.1}", pick.marginal_gain)) }
                                td { (pick.reason) }
                                td {
                                    @if let Some(asker) = &pick.asker {
                                        (asker.name)
                                        @if asker.hops > 1 { " (" (asker.hops) " ties away)" }
                                        form method="post" action={"/m/" (here.id) "/host/invite"} class="inline" {
                                            (csrf_field(&here.viewer.csrf))
                                            input type="hidden" name="pick" value=(pick.person);
                                            input type="hidden" name="asker" value=(asker.person);
                                            button type="submit" class="secondary" { "Ask " (asker.name) " to invite" }
                                        }
                                    } @else {
                                        span class="muted" { "No host or activist is connected." }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Person ids as the invite buttons send them; read after the rights check.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pick: String,
    #[serde(default)]
    asker: String,
}

async fn invite_form(
    State(state): State<AppState>,
    here: InMovement,
    CsrfForm { form, .. }: CsrfForm<InviteForm>,
) -> Result<Response, ApiError> {
    here.require(Need::Host)?;
    let id = |text: &str, name: &str| {
        text.trim()
            .parse::<i64>()
            .map(PersonId)
            .map_err(|_| ApiError::Unprocessable(format!("{name}: a person id.")))
    };
    let (pick, asker) = (id(&form.pick, "pick")?, id(&form.asker, "asker")?);
    let (_, ask) = invite(&state, &here, pick, asker).await?;
    let name = here.viewer.org(&state).person(ask.from).await?.record.name;
    Ok(see_other(&format!(
        "/m/{}/host/recommendations?invited={}",
        here.id,
        super::super::urlencode(&name)
    )))
}

//! Movements: starting one (organization admins), its page, joining it, becoming an
//! activist.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use movement::{Behaviour, Membership, MovementSpec, Recruitment, Role};
use serde::Deserialize;

use super::see_other;
use crate::access::{InMovement, Need};
use crate::auth::{CsrfForm, Viewer};
use crate::html::{FieldErrors, Input, csrf_field, field, page};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/movements/new", get(new_form))
        .route("/movements", post(create))
        .route("/m/{movement}", get(show))
        .route("/m/{movement}/join", post(join))
}

/// The movement form as typed: behaviours one per line.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MovementForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mission: String,
    #[serde(default)]
    pub behaviours: String,
    /// Percent of the organization.
    #[serde(default)]
    pub critical_mass: String,
    #[serde(default)]
    pub starts_on: String,
}

impl MovementForm {
    /// The movement it describes, or what is wrong with each field.
    pub fn parse(&self) -> Result<MovementSpec, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.name.trim().is_empty() {
            errors.add("name", "Give the movement a name.");
        }
        if self.mission.trim().is_empty() {
            errors.add("mission", "Say in a sentence what the movement is for.");
        }
        let behaviours: Vec<&str> = self
            .behaviours
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let parsed: Result<Vec<Behaviour>, _> =
            behaviours.iter().map(|b| Behaviour::new(b)).collect();
        match &parsed {
            Err(error) => errors.add("behaviours", error.to_string()),
            Ok(list) if !(3..=7).contains(&list.len()) => errors.add(
                "behaviours",
                format!(
                    "List 3 to 7 behaviours, one per line (there are {}).",
                    list.len()
                ),
            ),
            Ok(_) => {}
        }
        let critical_mass = match self
            .critical_mass
            .trim()
            .trim_end_matches('%')
            .parse::<f64>()
        {
            Ok(percent) if percent > 0.0 && percent <= 100.0 => percent / 100.0,
            _ => {
                errors.add(
                    "critical_mass",
                    "A percentage above 0 and at most 100, e.g. 25.",
                );
                0.25
            }
        };
        let starts_on = if self.starts_on.trim().is_empty() {
            Utc::now().date_naive()
        } else {
            match self.starts_on.trim().parse::<NaiveDate>() {
                Ok(date) => date,
                Err(_) => {
                    errors.add("starts_on", "A date as YYYY-MM-DD.");
                    Utc::now().date_naive()
                }
            }
        };
        let (Ok(behaviours), true) = (parsed, errors.is_empty()) else {
            return Err(errors);
        };
        MovementSpec::new(
            &self.name,
            &self.mission,
            behaviours,
            critical_mass,
            starts_on,
        )
        .map_err(|error| {
            let mut errors = FieldErrors::default();
            errors.add("mission", error.to_string());
            errors
        })
    }
}

fn form_page(viewer: &Viewer, form: &MovementForm, errors: &FieldErrors) -> Markup {
    page(
        "Start a movement",
        Some(viewer),
        html! {
            h1 { "Start a movement" }
            p { "A mission, three to seven behaviours people can do, and the share of the \
                 organization at which the change carries itself (about 25 % in field studies)." }
            form method="post" action="/movements" {
                (csrf_field(&viewer.csrf))
                (field("Name", "name", Input::Text, &form.name, errors))
                (field("Mission", "mission", Input::TextArea, &form.mission, errors))
                (field("Behaviours, one per line", "behaviours", Input::TextArea, &form.behaviours, errors))
                (field("Critical mass (% of the organization)", "critical_mass", Input::Number,
                    if form.critical_mass.is_empty() { "25" } else { &form.critical_mass }, errors))
                (field("Starts on", "starts_on", Input::Date, &form.starts_on, errors))
                button type="submit" { "Start" }
            }
        },
    )
}

pub(crate) fn require_admin(viewer: &Viewer) -> Result<(), ApiError> {
    if viewer.account.is_admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only the organization's admins start movements.".into(),
        ))
    }
}

async fn new_form(viewer: Viewer) -> Result<Markup, ApiError> {
    require_admin(&viewer)?;
    Ok(form_page(
        &viewer,
        &MovementForm::default(),
        &FieldErrors::default(),
    ))
}

/// Founds the movement and makes its founder its first host.
pub(crate) async fn found(
    state: &AppState,
    viewer: &Viewer,
    spec: &MovementSpec,
) -> Result<movement::MovementId, ApiError> {
    let org = viewer.org(state);
    let id = org.create_movement(spec).await?;
    org.join(Membership {
        movement: id,
        person: viewer.person.id,
        role: Role::Host,
        personal_mission: None,
        joined_at: Utc::now(),
        recruited_by: Recruitment::SelfSignup,
    })
    .await?;
    Ok(id)
}

async fn create(
    State(state): State<AppState>,
    CsrfForm { viewer, form }: CsrfForm<MovementForm>,
) -> Result<Response, ApiError> {
    require_admin(&viewer)?;
    let spec = match form.parse() {
        Ok(spec) => spec,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&viewer, &form, &errors),
            )
                .into_response());
        }
    };
    let id = found(&state, &viewer, &spec).await?;
    Ok(see_other(&format!("/m/{id}")))
}

/// The places a viewer can go from a movement's page, by what their role allows.
fn sections(here: &InMovement) -> Markup {
    let id = here.id;
    html! {
        nav class="sections" aria-label="Movement" {
            @if here.can(Need::Participant) { a href={"/m/" (id) "/stories"} { "Stories" } }
            @if here.can(Need::Activist) { a href={"/m/" (id) "/outreach"} { "My outreach list" } }
            @if here.can(Need::Dashboard) { a href={"/m/" (id) "/dashboard"} { "Dashboard" } }
            @if here.can(Need::Host) { a href={"/m/" (id) "/host"} { "Host" } }
        }
    }
}

async fn show(here: InMovement) -> Markup {
    let role = here.role();
    page(
        here.spec.name(),
        Some(&here.viewer),
        html! {
            h1 { (here.spec.name()) }
            p class="mission" { (here.spec.mission()) }
            h2 { "What we do" }
            ul { @for behaviour in here.spec.behaviours() { li { (behaviour.as_str()) } } }
            @if let Some(role) = role {
                p { "You are " strong { (role_name(role)) } " here." }
                @if let Some((_, membership)) = &here.membership {
                    @if let Some(mission) = &membership.personal_mission {
                        blockquote { (mission) }
                    }
                }
            }
            (sections(&here))
            @match role {
                None => {
                    h2 { "Join" }
                    (join_form(&here, Role::Member, "Join the movement"))
                }
                Some(Role::Member) => {
                    h2 { "Become an activist" }
                    p { "Activists ask a few colleagues they know, personally. You get a short \
                         list drawn from your own network; you decide whom to ask and how." }
                    (join_form(&here, Role::Activist, "Become an activist"))
                }
                Some(_) => {}
            }
        },
    )
}

fn join_form(here: &InMovement, role: Role, button: &str) -> Markup {
    html! {
        form method="post" action={"/m/" (here.id) "/join"} {
            (csrf_field(&here.viewer.csrf))
            input type="hidden" name="role" value=(role.as_str());
            (field("Why this mission is mine (optional)", "personal_mission", Input::TextArea, "", &FieldErrors::default()))
            button type="submit" { (button) }
        }
    }
}

/// A role as people say it.
pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Host => "a host",
        Role::Activist => "an activist",
        Role::Member => "a member",
        Role::Sponsor => "a sponsor",
    }
}

#[derive(Debug, Deserialize)]
pub struct JoinForm {
    role: String,
    #[serde(default)]
    personal_mission: String,
}

/// Joins the movement as a member or an activist, or moves a member up to activist. Hosts
/// and sponsors are made by hosts, not chosen here.
pub(crate) async fn join_as(
    state: &AppState,
    here: &InMovement,
    role: Role,
    personal_mission: &str,
) -> Result<(), ApiError> {
    if !matches!(role, Role::Member | Role::Activist) {
        return Err(ApiError::Unprocessable(
            "role: join as a member or an activist.".into(),
        ));
    }
    let org = here.viewer.org(state);
    let mission = Some(personal_mission.trim()).filter(|m| !m.is_empty());
    match &here.membership {
        None => {
            org.join(Membership {
                movement: here.id,
                person: here.viewer.person.id,
                role,
                personal_mission: mission.map(str::to_string),
                joined_at: Utc::now(),
                recruited_by: Recruitment::SelfSignup,
            })
            .await?;
        }
        Some((id, membership)) if membership.role == Role::Member && role == Role::Activist => {
            org.change_role(*id, Role::Activist, mission).await?;
        }
        Some(_) => {
            return Err(ApiError::Conflict(
                "You are in this movement already.".into(),
            ));
        }
    }
    Ok(())
}

async fn join(
    State(state): State<AppState>,
    here: InMovement,
    CsrfForm { form, .. }: CsrfForm<JoinForm>,
) -> Result<Response, ApiError> {
    let role: Role = form.role.parse()?;
    join_as(&state, &here, role, &form.personal_mission).await?;
    let to = if role == Role::Activist {
        format!("/m/{}/outreach", here.id)
    } else {
        format!("/m/{}", here.id)
    };
    Ok(see_other(&to))
}

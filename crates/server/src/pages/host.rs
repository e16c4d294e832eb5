//! The host's pages (`/m/{movement}/host…`, [`Need::Host`]: the movement's hosts and the
//! organization's admins): an overview, giving the host and sponsor roles, imports of the
//! directory and its ties with a preview ([`imports`]), and recommended activists computed
//! as a background job, each invited through the activist or host who knows them
//! ([`recommend`]).
//!
//! **Upload size.** Every request body is limited to 1 MiB ([`crate::MAX_BODY_BYTES`]) but
//! the import upload's, `POST /m/{movement}/host/import`, which takes up to 20 MiB
//! ([`crate::UPLOAD_MAX_BODY_BYTES`], about 200,000 people): the route raises axum's
//! `DefaultBodyLimit` and [`is_upload`] tells the server-wide limit to let it through.
//! Uploaded files wait for the host's confirmation in memory ([`PendingUploads`]), for
//! [`UPLOAD_MINUTES`] at most, one upload per host and movement.

pub(crate) mod imports;
pub(crate) mod recommend;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maud::{Markup, html};
use movement::{AccountId, Membership, MovementId, OrgId, Recruitment, Role};
use serde::Deserialize;

use crate::access::{InMovement, Need};
use crate::auth::CsrfForm;
use crate::html::{FieldErrors, Input, csrf_field, field, notice, page};
use crate::{ApiError, AppState};

/// How long uploaded files wait for confirmation.
pub const UPLOAD_MINUTES: u64 = 15;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/{movement}/host", get(overview))
        .route("/m/{movement}/host/roles", post(roles))
        .merge(imports::routes())
        .merge(recommend::routes())
}

/// Whether `path` is the import upload, whose body may be up to
/// [`crate::UPLOAD_MAX_BODY_BYTES`].
pub(crate) fn is_upload(path: &str) -> bool {
    path.strip_prefix("/m/")
        .and_then(|rest| rest.strip_suffix("/host/import"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The host's overview: where to go, and the roles form.
async fn overview(State(state): State<AppState>, here: InMovement) -> Result<Markup, ApiError> {
    here.require(Need::Host)?;
    overview_page(
        &state,
        &here,
        None,
        &RoleForm::default(),
        &FieldErrors::default(),
    )
    .await
}

async fn overview_page(
    state: &AppState,
    here: &InMovement,
    done: Option<&str>,
    form: &RoleForm,
    errors: &FieldErrors,
) -> Result<Markup, ApiError> {
    let org = here.viewer.org(state);
    let memberships = org.memberships(here.id).await?;
    let count = |role: Role| memberships.iter().filter(|(_, m)| m.role == role).count();
    let id = here.id;
    Ok(page(
        &format!("Host · {}", here.spec.name()),
        Some(&here.viewer),
        html! {
            h1 { "Hosting " (here.spec.name()) }
            @if let Some(done) = done { (notice(done)) }
            p { (count(Role::Host)) " hosts, " (count(Role::Activist)) " activists, "
                (count(Role::Member)) " members, " (count(Role::Sponsor)) " sponsors." }
            ul class="cards" {
                li class="card" {
                    h2 { a href={"/m/" (id) "/host/import"} { "Import people and ties" } }
                    p { "Upload the HR export and the network; see what would change before anything is written." }
                }
                li class="card" {
                    h2 { a href={"/m/" (id) "/host/recommendations"} { "Recommended activists" } }
                    p { "Who could carry the movement furthest, why, and who should ask them." }
                }
                li class="card" {
                    h2 { a href={"/m/" (id) "/dashboard"} { "Dashboard" } }
                    p { "Aggregates only: members, adoption, channels, units." }
                }
            }
            h2 { "Give a role" }
            p { "Hosts convene the movement; sponsors read the dashboard and celebrate, they direct nothing." }
            form method="post" action={"/m/" (id) "/host/roles"} {
                (csrf_field(&here.viewer.csrf))
                (field("Person (id from the HR export, or email)", "person", Input::Text, &form.person, errors))
                div class="field" {
                    label for="field-role" { "Role" }
                    select id="field-role" name="role" {
                        option value="host" selected[form.role != "sponsor"] { "Host" }
                        option value="sponsor" selected[form.role == "sponsor"] { "Sponsor" }
                    }
                    @if let Some(message) = errors.of("role") { p class="field-error" { (message) } }
                }
                button type="submit" { "Give the role" }
            }
            p { a href={"/m/" (id)} { "Back to the movement" } }
        },
    ))
}

/// The roles form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub role: String,
}

async fn roles(
    State(state): State<AppState>,
    here: InMovement,
    CsrfForm { form, .. }: CsrfForm<RoleForm>,
) -> Result<Response, ApiError> {
    here.require(Need::Host)?;
    let role = form.role.parse::<Role>().ok();
    let outcome = match role {
        Some(role) => give_role(&state, &here, &form.person, role).await,
        None => Err(ApiError::Unprocessable("role: host or sponsor.".into())),
    };
    match outcome {
        Ok(name) => {
            let done = format!("{name} is now {}.", role_word(role.unwrap_or(Role::Host)));
            Ok(overview_page(
                &state,
                &here,
                Some(&done),
                &RoleForm::default(),
                &FieldErrors::default(),
            )
            .await?
            .into_response())
        }
        Err(ApiError::Unprocessable(message) | ApiError::Conflict(message)) => {
            let mut errors = FieldErrors::default();
            let (name, message) = match message.split_once(": ") {
                Some(("role", rest)) => ("role", rest.to_string()),
                Some(("person", rest)) => ("person", rest.to_string()),
                _ => ("person", message),
            };
            errors.add(name, message);
            let markup = overview_page(&state, &here, None, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
        Err(other) => Err(other),
    }
}

fn role_word(role: Role) -> &'static str {
    match role {
        Role::Host => "a host",
        Role::Sponsor => "a sponsor",
        Role::Activist => "an activist",
        Role::Member => "a member",
    }
}

/// Makes the person named by `who` (external id or email) a host or a sponsor of the
/// movement: joins them, or changes their role. Returns their name.
pub(crate) async fn give_role(
    state: &AppState,
    here: &InMovement,
    who: &str,
    role: Role,
) -> Result<String, ApiError> {
    here.require(Need::Host)?;
    if !matches!(role, Role::Host | Role::Sponsor) {
        return Err(ApiError::Unprocessable(
            "role: hosts give the host or sponsor role; activists and members join themselves."
                .into(),
        ));
    }
    let org = here.viewer.org(state);
    let who = who.trim();
    let person = org
        .people()
        .await?
        .into_iter()
        .filter(|p| !p.left)
        .find(|p| {
            p.record.external_id == who
                || p.record
                    .email
                    .as_deref()
                    .is_some_and(|email| email.eq_ignore_ascii_case(who))
        })
        .ok_or_else(|| {
            ApiError::Unprocessable("person: no one in the directory has this id or email.".into())
        })?;
    let memberships = org.memberships(here.id).await?;
    match memberships.iter().find(|(_, m)| m.person == person.id) {
        Some((_, membership)) if membership.role == role => {
            return Err(ApiError::Conflict(format!(
                "person: {} is {} already.",
                person.record.name,
                role_word(role)
            )));
        }
        Some((id, _)) => org.change_role(*id, role, None).await?,
        None => {
            let recruited_by = if person.id == here.viewer.person.id {
                Recruitment::SelfSignup
            } else {
                Recruitment::Person(here.viewer.person.id)
            };
            org.join(Membership {
                movement: here.id,
                person: person.id,
                role,
                personal_mission: None,
                joined_at: Utc::now(),
                recruited_by,
            })
            .await?;
        }
    }
    Ok(person.record.name)
}

/// Files uploaded for an import, as received.
#[derive(Clone, Debug, Default)]
pub(crate) struct Upload {
    /// The people file's name and bytes.
    pub people: Option<(String, Vec<u8>)>,
    /// The ties file's name and bytes.
    pub ties: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn is_empty(&self) -> bool {
        self.people.is_none() && self.ties.is_none()
    }
}

/// Who an upload belongs to: only they, in that movement, can confirm it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Owner {
    org: OrgId,
    account: AccountId,
    movement: MovementId,
}

/// Uploads waiting for confirmation, by a random token; each expires after
/// [`UPLOAD_MINUTES`], and a host's new upload replaces their previous one, so memory holds
/// at most one upload per host and movement.
#[derive(Debug, Default)]
pub(crate) struct PendingUploads {
    waiting: Mutex<HashMap<String, (Owner, Instant, Upload)>>,
}

impl PendingUploads {
    /// Keeps `upload` for the viewer in this movement; returns the token that confirms it.
    pub(crate) fn keep(&self, here: &InMovement, upload: Upload) -> String {
        let owner = owner(here);
        let token = crate::auth::new_secret();
        let now = Instant::now();
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        waiting.retain(|_, (kept_for, expires, _)| *expires > now && *kept_for != owner);
        let expires = now + Duration::from_secs(UPLOAD_MINUTES * 60);
        waiting.insert(token.clone(), (owner, expires, upload));
        token
    }

    /// Takes the upload `token` names, if it is the viewer's, for this movement, and not
    /// expired.
    pub(crate) fn take(&self, here: &InMovement, token: &str) -> Option<Upload> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let (kept_for, expires, _) = waiting.get(token)?;
        if *kept_for != owner(here) || *expires <= Instant::now() {
            return None;
        }
        waiting.remove(token).map(|(_, _, upload)| upload)
    }
}

fn owner(here: &InMovement) -> Owner {
    Owner {
        org: here.viewer.org,
        account: here.viewer.account.id,
        movement: here.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_import_route_is_an_upload() {
        assert!(is_upload("/m/12/host/import"));
        for path in [
            "/m/12/host/import/confirm",
            "/m//host/import",
            "/m/x/host/import",
            "/m/12/host",
            "/login",
        ] {
            assert!(!is_upload(path), "{path}");
        }
    }
}

//! Setting up, signing in and out, and one's own settings (password, opt-outs).
//!
//! Sign-in forms exist before any session, so their CSRF token is checked against a cookie
//! set with the form ([`LOGIN_CSRF_COOKIE`], double submit). Failed sign-ins and link
//! requests count against a per-email quota ([`AppState::count_sign_in`]); a link request
//! answers the same whether or not the address has an account, so that it tells nobody who
//! has one.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use maud::{Markup, html};
use movement::{OptOut, PersonRecord};
use serde::Deserialize;

use super::see_other;
use crate::auth::{
    self, CsrfForm, LOGIN_CSRF_COOKIE, MIN_PASSWORD, SESSION_COOKIE, Viewer, new_secret,
};
use crate::html::{FieldErrors, Input, csrf_field, field, notice, page};
use crate::{ApiError, AppState};

pub fn routes() -> axum::Router<AppState> {
    Router::new()
        .route("/setup", get(setup_form).post(setup))
        .route("/login", get(login_form).post(login))
        .route("/login/link", post(request_link))
        .route("/login/link/{token}", get(link_form).post(use_link))
        .route("/logout", post(logout))
        .route("/logout/all", post(logout_everywhere))
        .route("/me", get(me))
        .route("/me/opt-outs", post(set_opt_outs))
        .route("/me/password", post(set_password))
}

/// A sign-in form's CSRF token: the cookie's if the browser has one, else a new one.
pub(crate) fn login_csrf(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    match jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()) {
        Some(token) if !token.is_empty() => (jar, token),
        _ => {
            let token = new_secret();
            let cookie = auth::cookie(state, LOGIN_CSRF_COOKIE, token.clone(), 1);
            (jar.add(cookie), token)
        }
    }
}

pub(crate) fn check_login_csrf(jar: &CookieJar, sent: &str) -> Result<(), ApiError> {
    match jar.get(LOGIN_CSRF_COOKIE) {
        Some(cookie) if !sent.is_empty() && cookie.value() == sent => Ok(()),
        _ => Err(ApiError::Forbidden(
            "The form is out of date or was not sent from this site; reload the page and try \
             again."
                .into(),
        )),
    }
}

/// Only local paths may be redirected to after signing in.
fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

// ----- first set-up -----

#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    organization: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn no_organization_yet(state: &AppState) -> Result<(), ApiError> {
    if state.store().organizations().await?.is_empty() {
        Ok(())
    } else {
        // Set-up happens once; afterwards the page does not exist.
        Err(ApiError::NotFound)
    }
}

fn setup_page(csrf: &str, form: &SetupForm, errors: &FieldErrors) -> Markup {
    page(
        "Set up",
        None,
        html! {
            h1 { "Set up Groundswell" }
            p { "Name your organization and create the first account: it administers the \
                 organization (starts movements, imports people and ties)." }
            form method="post" action="/setup" {
                input type="hidden" name="csrf" value=(csrf);
                (field("Organization", "organization", Input::Text, &form.organization, errors))
                (field("Your name", "name", Input::Text, &form.name, errors))
                (field("Your email", "email", Input::Email, &form.email, errors))
                (field("Password (10 characters or more)", "password", Input::Password, "", errors))
                button type="submit" { "Create" }
            }
        },
    )
}

async fn setup_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, ApiError> {
    no_organization_yet(&state).await?;
    let (jar, csrf) = login_csrf(&state, jar);
    Ok((
        jar,
        setup_page(&csrf, &SetupForm::default(), &FieldErrors::default()),
    )
        .into_response())
}

async fn setup(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<SetupForm>,
) -> Result<Response, ApiError> {
    check_login_csrf(&jar, &form.csrf)?;
    no_organization_yet(&state).await?;
    let mut errors = FieldErrors::default();
    if form.organization.trim().is_empty() {
        errors.add("organization", "Give the organization a name.");
    }
    let record = PersonRecord::new(form.email.trim(), form.name.trim())
        .and_then(|record| record.with_email(form.email.trim()));
    if form.name.trim().is_empty() {
        errors.add("name", "Say who you are.");
    } else if let Err(error) = &record {
        errors.add("email", error.to_string());
    }
    if form.password.chars().count() < MIN_PASSWORD {
        errors.add(
            "password",
            format!("Use at least {MIN_PASSWORD} characters."),
        );
    }
    let record = match record {
        Ok(record) if errors.is_empty() => record,
        _ => {
            let status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok((status, setup_page(&form.csrf, &form, &errors)).into_response());
        }
    };
    let org = state
        .store()
        .create_organization(&form.organization)
        .await?;
    let person = org.add_person(&record).await?;
    let account_id = org.create_account(person, &form.email).await?;
    org.set_password_hash(account_id, Some(&auth::hash_password(&form.password)))
        .await?;
    org.set_admin(account_id, true).await?;
    let account = org.account(account_id).await?.ok_or(ApiError::NotFound)?;
    let session = auth::start_session(&state, &org, &account).await?;
    Ok((jar.add(session), see_other("/movements/new")).into_response())
}

// ----- signing in -----

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

fn login_page(csrf: &str, form: &LoginForm, errors: &FieldErrors, message: Option<&str>) -> Markup {
    page(
        "Sign in",
        None,
        html! {
            h1 { "Sign in" }
            @if let Some(message) = message { (notice(message)) }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(form.next);
                (field("Email", "email", Input::Email, &form.email, errors))
                (field("Password", "password", Input::Password, "", errors))
                button type="submit" { "Sign in" }
            }
            h2 { "No password?" }
            p { "We email you a link that signs you in, once, within "
                (auth::LOGIN_LINK_MINUTES) " minutes." }
            form method="post" action="/login/link" {
                input type="hidden" name="csrf" value=(csrf);
                div class="field" {
                    label for="link-email" { "Email" }
                    input id="link-email" name="email" type="email" autocomplete="email"
                        value=(form.email);
                }
                button type="submit" class="secondary" { "Email me a link" }
            }
        },
    )
}

async fn login_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Response {
    let (jar, csrf) = login_csrf(&state, jar);
    let form = LoginForm {
        next: query.next,
        ..LoginForm::default()
    };
    (jar, login_page(&csrf, &form, &FieldErrors::default(), None)).into_response()
}

async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    check_login_csrf(&jar, &form.csrf)?;
    state.count_sign_in(&form.email)?;
    for (org, account) in auth::accounts_by_email(&state, &form.email).await? {
        let matches = account
            .password_hash
            .as_deref()
            .is_some_and(|hash| auth::verify_password(&form.password, hash));
        if matches {
            let session = auth::start_session(&state, &org, &account).await?;
            return Ok((jar.add(session), see_other(local_path(&form.next))).into_response());
        }
    }
    tokio::time::sleep(auth::FAILED_LOGIN_DELAY).await;
    let mut errors = FieldErrors::default();
    errors.add("password", "The email or the password is wrong.");
    let status = axum::http::StatusCode::UNAUTHORIZED;
    Ok((status, login_page(&form.csrf, &form, &errors, None)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

/// Emails a login link to every account with this address (one per organization).
pub(crate) async fn send_login_links(state: &AppState, email: &str) -> Result<(), ApiError> {
    for (org, account) in auth::accounts_by_email(state, email).await? {
        let link = auth::login_link(state, &org, &account).await?;
        let name = org.name().await?;
        let body = format!(
            "Hello,\n\nThis link signs you in to Groundswell ({name}), once, within {} minutes:\n\n\
             {link}\n\nIf you did not ask for it, ignore this message: nothing happens without \
             the link.\n",
            auth::LOGIN_LINK_MINUTES
        );
        if let Err(error) = state
            .mailer()
            .send(&account.email, "Your Groundswell sign-in link", &body)
            .await
        {
            tracing::error!(%error, "a login link could not be mailed");
            return Err(ApiError::Unavailable);
        }
    }
    Ok(())
}

async fn request_link(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(request): Form<LinkRequest>,
) -> Result<Response, ApiError> {
    check_login_csrf(&jar, &request.csrf)?;
    state.count_sign_in(&request.email)?;
    let mut errors = FieldErrors::default();
    if !request.email.contains('@') {
        errors.add("email", "Give the email address you sign in with.");
        let form = LoginForm {
            email: request.email.clone(),
            ..LoginForm::default()
        };
        let status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok((status, login_page(&request.csrf, &form, &errors, None)).into_response());
    }
    send_login_links(&state, &request.email).await?;
    let form = LoginForm::default();
    let message = "If this address has an account, a sign-in link is on its way. It works once.";
    Ok(login_page(&request.csrf, &form, &errors, Some(message)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `GET /login/link/{token}`: a button, not a sign-in: mail scanners open links, and a
/// single-use link must survive them.
async fn link_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Response {
    let (jar, csrf) = login_csrf(&state, jar);
    let markup = page(
        "Sign in",
        None,
        html! {
            h1 { "Sign in" }
            form method="post" action={"/login/link/" (token)} {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Sign in to Groundswell" }
            }
        },
    );
    (jar, markup).into_response()
}

async fn use_link(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, ApiError> {
    check_login_csrf(&jar, &form.csrf)?;
    let expired = || {
        ApiError::Forbidden(
            "This sign-in link has expired or was used already; ask for a new one.".into(),
        )
    };
    let (org_id, secret) = auth::split_token(&token).ok_or_else(expired)?;
    let org = state.store().org(org_id);
    let account_id = org
        .use_login_link(&auth::hash_secret(secret))
        .await?
        .ok_or_else(expired)?;
    let account = org.account(account_id).await?.ok_or_else(expired)?;
    let session = auth::start_session(&state, &org, &account).await?;
    Ok((jar.add(session), see_other("/")).into_response())
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { viewer, .. }: CsrfForm<CsrfOnly>,
) -> Result<Response, ApiError> {
    viewer
        .org(&state)
        .end_session(viewer.session_hash())
        .await?;
    let jar = jar.add(auth::removal(&state, SESSION_COOKIE));
    Ok((jar, see_other("/login")).into_response())
}

async fn logout_everywhere(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { viewer, .. }: CsrfForm<CsrfOnly>,
) -> Result<Response, ApiError> {
    viewer
        .org(&state)
        .end_all_sessions(viewer.account.id)
        .await?;
    let jar = jar.add(auth::removal(&state, SESSION_COOKIE));
    Ok((jar, see_other("/login")).into_response())
}

// ----- one's own settings -----

/// The opt-outs in the words people choose them by.
pub(crate) fn opt_out_label(opt_out: OptOut) -> &'static str {
    match opt_out {
        OptOut::DoNotSuggest => "Don't suggest me (to anyone's outreach list or as an activist)",
        OptOut::DoNotContact => "Don't contact me (no asks, no invitations)",
        OptOut::ExcludeFromAnalytics => "Leave me out of analytics (dashboards and forecasts)",
    }
}

/// The opt-outs a person has chosen.
pub(crate) async fn opt_outs_of(
    org: &store::Org<'_>,
    person: movement::PersonId,
) -> Result<Vec<OptOut>, ApiError> {
    let mut chosen = Vec::new();
    for opt_out in OptOut::ALL {
        if org.opted_out(*opt_out).await?.contains(&person) {
            chosen.push(*opt_out);
        }
    }
    Ok(chosen)
}

async fn me_page(
    state: &AppState,
    viewer: &Viewer,
    message: Option<&str>,
    errors: &FieldErrors,
) -> Result<Markup, ApiError> {
    let chosen = opt_outs_of(&viewer.org(state), viewer.person.id).await?;
    Ok(page(
        "Me",
        Some(viewer),
        html! {
            h1 { (viewer.person.record.name) }
            @if let Some(message) = message { (notice(message)) }
            p { "Signed in as " (viewer.account.email)
                @if viewer.account.is_admin { " · organization admin" } }
            h2 { "Privacy" }
            p { "These take effect at once, everywhere." }
            form method="post" action="/me/opt-outs" {
                (csrf_field(&viewer.csrf))
                fieldset {
                    legend { "Opt-outs" }
                    @for opt_out in OptOut::ALL {
                        div class="check" {
                            input type="checkbox" id={"opt-" (opt_out.as_str())}
                                name=(opt_out.as_str()) value="on"
                                checked[chosen.contains(opt_out)];
                            label for={"opt-" (opt_out.as_str())} { (opt_out_label(*opt_out)) }
                        }
                    }
                }
                button type="submit" { "Save" }
            }
            h2 { "Password" }
            form method="post" action="/me/password" {
                (csrf_field(&viewer.csrf))
                (field("New password (10 characters or more)", "password", Input::Password, "", errors))
                button type="submit" { "Set password" }
            }
            h2 { "Sessions" }
            form method="post" action="/logout/all" {
                (csrf_field(&viewer.csrf))
                button type="submit" class="secondary" { "Sign out everywhere" }
            }
        },
    ))
}

async fn me(State(state): State<AppState>, viewer: Viewer) -> Result<Markup, ApiError> {
    me_page(&state, &viewer, None, &FieldErrors::default()).await
}

/// The opt-out checkboxes: a box present means chosen.
#[derive(Debug, Deserialize)]
pub struct OptOutForm {
    do_not_suggest: Option<String>,
    do_not_contact: Option<String>,
    exclude_from_analytics: Option<String>,
}

/// Sets exactly the opt-outs `wanted`, clearing the others.
pub(crate) async fn apply_opt_outs(
    org: &store::Org<'_>,
    person: movement::PersonId,
    wanted: &[OptOut],
) -> Result<(), ApiError> {
    let chosen = opt_outs_of(org, person).await?;
    for opt_out in OptOut::ALL {
        match (chosen.contains(opt_out), wanted.contains(opt_out)) {
            (false, true) => org.set_opt_out(person, *opt_out).await?,
            (true, false) => org.clear_opt_out(person, *opt_out).await?,
            _ => {}
        }
    }
    Ok(())
}

async fn set_opt_outs(
    State(state): State<AppState>,
    CsrfForm { viewer, form }: CsrfForm<OptOutForm>,
) -> Result<Markup, ApiError> {
    let wanted: Vec<OptOut> = [
        (form.do_not_suggest, OptOut::DoNotSuggest),
        (form.do_not_contact, OptOut::DoNotContact),
        (form.exclude_from_analytics, OptOut::ExcludeFromAnalytics),
    ]
    .into_iter()
    .filter_map(|(value, opt_out)| value.map(|_| opt_out))
    .collect();
    apply_opt_outs(&viewer.org(&state), viewer.person.id, &wanted).await?;
    me_page(&state, &viewer, Some("Saved."), &FieldErrors::default()).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn set_password(
    State(state): State<AppState>,
    CsrfForm { viewer, form }: CsrfForm<PasswordForm>,
) -> Result<Response, ApiError> {
    if form.password.chars().count() < MIN_PASSWORD {
        let mut errors = FieldErrors::default();
        errors.add(
            "password",
            format!("Use at least {MIN_PASSWORD} characters."),
        );
        let status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok((status, me_page(&state, &viewer, None, &errors).await?).into_response());
    }
    viewer
        .org(&state)
        .set_password_hash(
            viewer.account.id,
            Some(&auth::hash_password(&form.password)),
        )
        .await?;
    Ok(me_page(
        &state,
        &viewer,
        Some("Password set."),
        &FieldErrors::default(),
    )
    .await?
    .into_response())
}

//! The demo's one-click sign-in: exists only when the server runs as `groundswell demo`
//! ([`crate::Config::demo_sign_ins`] not empty), and answers only requests from this machine
//! (a loopback peer) — anywhere else it is 404, as if it did not exist.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use maud::html;
use serde::Deserialize;

use super::account::{check_login_csrf, login_csrf};
use super::see_other;
use crate::html::page;
use crate::{ApiError, AppState, auth};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/demo", get(choose))
        .route("/demo/sign-in", post(sign_in))
}

/// Someone the demo lets anyone on this machine sign in as.
#[derive(Clone, Debug)]
pub struct DemoSignIn {
    /// What they do here: "host", "activist", "member", "sponsor".
    pub role: String,
    pub org: movement::OrgId,
    pub account: movement::AccountId,
    pub name: String,
    /// What they will see, in a few words.
    pub what_they_see: String,
}

fn refuse_unless_local(state: &AppState, peer: SocketAddr) -> Result<(), ApiError> {
    if state.config().demo_sign_ins.is_empty() || !peer.ip().is_loopback() {
        Err(ApiError::NotFound)
    } else {
        Ok(())
    }
}

async fn choose(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    refuse_unless_local(&state, peer)?;
    let (jar, csrf) = login_csrf(&state, jar);
    let markup = page(
        "Demo",
        None,
        html! {
            h1 { "Groundswell demo" }
            p { "A synthetic organization with 60 days of a living movement. Sign in as anyone \
                 below, with one click: this page exists only in the demo, and only for this \
                 machine." }
            ul class="cards" {
                @for (index, person) in state.config().demo_sign_ins.iter().enumerate() {
                    li class="card" {
                        h2 { (person.name) ", " (person.role) }
                        p { (person.what_they_see) }
                        form method="post" action="/demo/sign-in" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="who" value=(index);
                            button type="submit" { "Sign in as the " (person.role) }
                        }
                    }
                }
            }
        },
    );
    Ok((jar, markup).into_response())
}

#[derive(Debug, Deserialize)]
pub struct Choice {
    #[serde(default)]
    who: usize,
    #[serde(default)]
    csrf: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(choice): Form<Choice>,
) -> Result<Response, ApiError> {
    refuse_unless_local(&state, peer)?;
    check_login_csrf(&jar, &choice.csrf)?;
    let person = state
        .config()
        .demo_sign_ins
        .get(choice.who)
        .ok_or(ApiError::NotFound)?;
    let org = state.store().org(person.org);
    let account = org
        .account(person.account)
        .await?
        .ok_or(ApiError::NotFound)?;
    let session = auth::start_session(&state, &org, &account).await?;
    Ok((jar.add(session), see_other("/")).into_response())
}

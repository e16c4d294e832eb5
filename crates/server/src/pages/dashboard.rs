//! The movement's dashboard (`/m/{movement}/dashboard`, [`Need::Dashboard`]: hosts, sponsors,
//! organization admins): aggregates only, never a name. The figures and their privacy rules
//! (groups under 5 withheld, analytics opt-outs left out) are `movement::metrics`'.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};
use movement::metrics::{Conversion, Dashboard, Shown, dashboard};

use crate::access::{InMovement, Need};
use crate::html::page;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/{movement}/dashboard", get(show))
}

/// The movement's aggregates, computed from the organization's analytics inputs.
pub(crate) async fn aggregates(state: &AppState, here: &InMovement) -> Result<Dashboard, ApiError> {
    here.require(Need::Dashboard)?;
    let inputs = here.viewer.org(state).analytics_inputs().await?;
    Ok(dashboard(&inputs, here.id, &here.spec))
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(
        || "withheld (fewer than 5)".to_string(),
        |s| format!("{:.0} %", s * 100.0),
    )
}

fn conversion_row(row: &Conversion) -> Markup {
    html! {
        tr {
            th scope="row" { (row.label.replace('_', " ")) }
            td class="num" { (row.sent) }
            td class="num" { (row.joined) }
            td class="num" {
                @match &row.rate {
                    Some(rate) => { (format!("{:.0} % ({:.0}–{:.0} %)", rate.value * 100.0, rate.low * 100.0, rate.high * 100.0)) }
                    None => { "withheld" }
                }
            }
        }
    }
}

async fn show(State(state): State<AppState>, here: InMovement) -> Result<Markup, ApiError> {
    let board = aggregates(&state, &here).await?;
    let role_word = |role: movement::Role| match role {
        movement::Role::Host => "Hosts",
        movement::Role::Activist => "Activists",
        movement::Role::Member => "Members",
        movement::Role::Sponsor => "Sponsors",
    };
    let account = &board.accountability;
    Ok(page(
        &format!("Dashboard · {}", here.spec.name()),
        Some(&here.viewer),
        html! {
            h1 { "Dashboard: " (here.spec.name()) }
            p class="muted" { "Aggregates only. Every group of fewer than 5 people is shown as \
                \"fewer than 5\"; people who opted out of analytics are in no figure." }
            h2 { "Members" }
            div class="table-scroll" { table {
                caption { "Members by role" }
                tbody { @for (role, n) in &board.members_by_role {
                    tr { th scope="row" { (role_word(*role)) } td class="num" { (n) } }
                } }
            } }
            h2 { "Joins by week" }
            @if board.joins_by_week.is_empty() { p { "No one has joined yet." } } @else {
                div class="table-scroll" { table {
                    caption { "Joins per week (starting Monday)" }
                    tbody { @for (week, n) in &board.joins_by_week {
                        tr { th scope="row" { (week) } td class="num" { (n) } }
                    } }
                } }
            }
            h2 { "Adoption" }
            p { "People in the directory: " (board.people) ". Practising at least one behaviour: "
                (board.adopters) ". Critical mass: " (format!("{:.0} %", board.critical_mass * 100.0))
                " of the people; progress: "
                @match board.progress {
                    Some(progress) => { (format!("{:.0} %", progress * 100.0)) }
                    None => { "withheld (fewer than 5 adopters)" }
                }
                "." }
            @if let Some(progress) = board.progress {
                progress max="100" value=(format!("{:.0}", (progress * 100.0).min(100.0))) aria-label="Progress to critical mass" {}
            }
            div class="table-scroll" { table {
                caption { "People practising each behaviour" }
                tbody { @for (behaviour, n) in &board.adoption_by_behaviour {
                    tr { th scope="row" { (behaviour) } td class="num" { (n) } }
                } }
            } }
            h2 { "Asks and conversion" }
            div class="table-scroll" { table {
                caption { "Asks sent and joins, by channel, with 95 % intervals" }
                thead { tr { th scope="col" { "Channel" } th scope="col" class="num" { "Sent" }
                    th scope="col" class="num" { "Joined" } th scope="col" class="num" { "Conversion" } } }
                tbody { @for row in &board.channels { (conversion_row(row)) } }
            } }
            h2 { "Units" }
            div class="table-scroll" { table {
                caption { "Members and adopters per unit" }
                thead { tr { th scope="col" { "Unit" } th scope="col" class="num" { "People" }
                    th scope="col" class="num" { "Members" } th scope="col" class="num" { "Adopters" } } }
                tbody { @for unit in &board.units {
                    tr {
                        th scope="row" { (unit.unit) }
                        td class="num" { (unit.people) }
                        td class="num" { (unit.members.map_or("withheld".to_string(), |n: Shown| n.to_string())) }
                        td class="num" { (unit.adopters.map_or("withheld".to_string(), |n: Shown| n.to_string())) }
                    }
                } }
            } }
            h2 { "Who carries it" }
            ul {
                li { "Joins: " (account.joins) "." }
                li { "Recruited by the most active recruiter: " (percent(account.top_recruiter_share)) "." }
                li { "Recruited by hosts: " (percent(account.by_hosts_share)) "; by others personally: "
                    (percent(account.by_others_share)) "." }
                li { "Units with an activist: " (account.units_with_activist) " of " (account.units) "." }
            }
            p { a href={"/m/" (here.id)} { "Back to the movement" } }
        },
    ))
}

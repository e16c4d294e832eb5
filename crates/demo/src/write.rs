//! Who plays which part (the host, the sponsor, the engine's activist picks), and the
//! plan's writes carried out through the store, each at its moment and as its doer.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use engine::influence::{ActivistSelection, Constraints, EdgeProbability, Model, Units};
use engine::{Graph, Network, NodeIdx};
use movement::{
    AccountId, AdoptionTime, Ask, AskId, Behaviour, Conversation, JobStatus, Membership,
    MovementId, MovementSpec, Recruitment, StoryId, StorySpec,
};

use crate::plan::{ACTIVIST_SHARE, Action, Cast, DAY_MS, HOUR_MS, Plan, Recruiter};
use crate::{Error, JOB_TASK, person_ids, text};

/// The units whose work is the workplace itself, where a host is most likely found.
const HOST_UNITS: [&str; 4] = ["IT", "Communications", "Human Resources", "Strategy"];

/// Grades never picked as activists: no hierarchy in the room.
const SENIOR_GRADES: [&str; 2] = ["executive", "director"];

/// The sponsor is the chief executive (the org chart's root); the host the best-connected
/// manager of a workplace unit; the activists the engine's picks, at most twice the even
/// share per unit, with the host already active and able to ask them.
pub(crate) fn cast(network: &Network, graph: &Graph, seed: u64) -> Result<Cast, engine::Error> {
    let n = network.n_nodes();
    let sponsor: NodeIdx = 0;
    let grade = |v: NodeIdx| network.attribute(v, "grade").unwrap_or("");
    let unit = |v: NodeIdx| network.attribute(v, "unit").unwrap_or("");
    let best_connected = |keep: &dyn Fn(NodeIdx) -> bool| {
        (0..n as NodeIdx)
            .filter(|&v| v != sponsor && keep(v))
            .max_by_key(|&v| (graph.out_neighbors(v).len(), std::cmp::Reverse(v)))
    };
    let host = HOST_UNITS
        .iter()
        .find_map(|&u| best_connected(&|v| grade(v) == "manager" && unit(v) == u))
        .or_else(|| best_connected(&|v| grade(v) == "manager"))
        .or_else(|| best_connected(&|_| true))
        .unwrap_or(1);
    let k = ((n as f64 * ACTIVIST_SHARE).round() as usize).max(3);
    let labels: Vec<Option<String>> = match network.attribute_column("unit") {
        Some(column) => column.to_vec(),
        None => vec![None; n],
    };
    let units = Units::from_labels(&labels);
    let max_per_unit = (2 * k).div_ceil(units.n_units().max(1)).max(1);
    let excluded: Vec<NodeIdx> = (0..n as NodeIdx)
        .filter(|&v| v == sponsor || SENIOR_GRADES.contains(&grade(v)))
        .collect();
    let selection = ActivistSelection {
        k,
        model: Model::IndependentCascade(EdgeProbability::Uniform(0.05)),
        seed,
        constraints: Constraints {
            fixed: vec![host],
            excluded,
            quotas: Vec::new(),
            max_per_unit: Some(max_per_unit),
        },
        units: Some(units),
        engaged: vec![host],
        askers_include_picks: true,
        compare_baselines: false,
        ..ActivistSelection::default()
    }
    .run(graph)?;
    let picks = selection
        .picks
        .iter()
        .map(|pick| (pick.node, pick.asker.as_ref().map(|asker| asker.node)))
        .collect();
    Ok(Cast {
        host,
        sponsor,
        picks,
    })
}

fn instant(at_ms: i64) -> Result<DateTime<Utc>, Error> {
    DateTime::from_timestamp_millis(at_ms)
        .ok_or_else(|| Error::Invalid(format!("{at_ms} ms is not a representable time")))
}

/// Writes the organization and its history: the seeding job, the import (two days before
/// the movement starts), then the plan, write by write, ending with the job's success.
pub(crate) async fn write(
    org: &store::Org<'_>,
    network: &Network,
    plan: &Plan,
    start_ms: i64,
    until: DateTime<Utc>,
) -> Result<(), Error> {
    let setup = org.at(instant(start_ms - 2 * DAY_MS + 9 * HOUR_MS)?);
    let job = setup.queue_job(JOB_TASK).await?;
    setup.advance_job(job, JobStatus::Running, None).await?;
    let mut people_csv = Vec::new();
    let mut ties_csv = Vec::new();
    engine::io::write_people_csv(network, &mut people_csv)
        .and_then(|()| engine::io::write_ties_csv(network, &mut ties_csv))
        .map_err(|e| Error::Invalid(format!("the synthetic organization: {e}")))?;
    setup
        .import_people("people.csv", people_csv.as_slice())
        .await?;
    setup.import_ties("ties.csv", ties_csv.as_slice()).await?;
    let ids = person_ids(network, &org.people().await?)?;
    let person = |node: NodeIdx| ids[node as usize];
    let behaviours = text::BEHAVIOURS
        .iter()
        .map(|name| Behaviour::new(name))
        .collect::<Result<Vec<_>, _>>()
        .map_err(store::Error::from)?;
    let starts_on = instant(start_ms)?.date_naive();
    let spec = MovementSpec::new(
        text::MOVEMENT_NAME,
        text::MISSION,
        behaviours.clone(),
        0.25,
        starts_on,
    )
    .map_err(store::Error::from)?;

    let mut movement: Option<MovementId> = None;
    let mut accounts: HashMap<NodeIdx, AccountId> = HashMap::new();
    let mut asks: HashMap<usize, AskId> = HashMap::new();
    let mut stories: HashMap<usize, StoryId> = HashMap::new();
    let not_yet = |what: &str| Error::Invalid(format!("the plan uses {what} before making it"));
    for planned in &plan.actions {
        let at = instant(planned.at_ms)?;
        let mut now = org.at(at);
        if let Some(account) = planned.doer.and_then(|doer| accounts.get(&doer)) {
            now = now.acting_as(*account);
        }
        let the_movement = || movement.ok_or_else(|| not_yet("the movement"));
        let names = |indices: &[usize]| -> Vec<Behaviour> {
            indices.iter().map(|&b| behaviours[b].clone()).collect()
        };
        match &planned.action {
            Action::Movement => movement = Some(now.create_movement(&spec).await?),
            Action::Account { person: node } => {
                let email = network.attribute(*node, "email").map_or_else(
                    || format!("{}@example.org", network.id(*node)),
                    String::from,
                );
                let account = now.create_account(person(*node), &email).await?;
                accounts.insert(*node, account);
            }
            Action::Join {
                person: node,
                role,
                recruited_by,
                mission,
            } => {
                let recruited_by = match recruited_by {
                    Recruiter::Person(asker) => Recruitment::Person(person(*asker)),
                    Recruiter::Broadcast => Recruitment::Broadcast,
                    Recruiter::SelfSignup => Recruitment::SelfSignup,
                };
                now.join(Membership {
                    movement: the_movement()?,
                    person: person(*node),
                    role: *role,
                    personal_mission: mission.clone(),
                    joined_at: at,
                    recruited_by,
                })
                .await?;
            }
            Action::CreateAsk {
                ask,
                from,
                to,
                channel,
                status,
                message,
                token,
            } => {
                let id = now
                    .create_ask(Ask {
                        movement: the_movement()?,
                        from: person(*from),
                        to: person(*to),
                        channel: *channel,
                        message: message.clone(),
                        // `ORG.SECRET`, as the server routes join links.
                        token: format!("{}.{token}", now.id().0),
                        status: *status,
                        arm: None,
                    })
                    .await?;
                asks.insert(*ask, id);
            }
            Action::AdvanceAsk { ask, status } => {
                let id = asks.get(ask).ok_or_else(|| not_yet("an ask"))?;
                now.advance_ask(*id, *status).await?;
            }
            Action::Conversation {
                activist,
                with,
                behaviours: talked_about,
                outcome,
            } => {
                now.log_conversation(&Conversation {
                    movement: the_movement()?,
                    activist: person(*activist),
                    with: person(*with),
                    behaviours: names(talked_about),
                    outcome: outcome.clone(),
                    at,
                })
                .await?;
            }
            Action::Story {
                story,
                author,
                co_authors,
                kind,
                behaviours: about,
                visibility,
                text,
            } => {
                let id = now
                    .publish_story(StorySpec {
                        movement: the_movement()?,
                        author: person(*author),
                        co_authors: co_authors.iter().map(|&v| person(v)).collect(),
                        kind: *kind,
                        text: text.clone(),
                        behaviours: names(about),
                        visibility: *visibility,
                    })
                    .await?;
                stories.insert(*story, id);
            }
            Action::React {
                story,
                person: node,
                reaction,
            } => {
                let id = stories.get(story).ok_or_else(|| not_yet("a story"))?;
                now.react(*id, person(*node), *reaction).await?;
            }
            Action::Retell {
                story,
                person: node,
                note,
            } => {
                let id = stories.get(story).ok_or_else(|| not_yet("a story"))?;
                now.retell(*id, person(*node), note).await?;
            }
            Action::Adopt {
                person: node,
                behaviour,
            } => {
                now.record_adoption(person(*node), &behaviours[*behaviour], AdoptionTime::At(at))
                    .await?;
            }
            Action::Confirm {
                person: node,
                behaviour,
                by,
            } => {
                now.confirm_adoption(person(*node), &behaviours[*behaviour], person(*by))
                    .await?;
            }
            Action::OptOut {
                person: node,
                opt_out,
            } => now.set_opt_out(person(*node), *opt_out).await?,
        }
    }
    org.at(until)
        .advance_job(job, JobStatus::Succeeded, None)
        .await?;
    tracing::info!(n_writes = plan.actions.len(), "demo history written");
    Ok(())
}

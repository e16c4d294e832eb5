//! The demo organization: a synthetic company with a movement that has been alive for about
//! two months — for `groundswell demo`, for trying the platform, for screenshots.
//!
//! [`seed_demo`] writes it into a [`store::Store`] through the store's public API only:
//!
//! 1. the organization comes from the engine's [`engine::synthetic::SyntheticOrg`] (units,
//!    sites, an org chart, an informal network) and is imported as `people.csv` and
//!    `ties.csv` by [`store::Org::import_people`] and [`store::Org::import_ties`];
//! 2. a host (a manager, preferably in IT or Communications) founds the movement
//!    "Work Out Loud" (five behaviours, critical mass 0.25); the chief executive is its
//!    sponsor; about [`ACTIVIST_SHARE`] of people are picked as activists by the engine's
//!    activist selection (no executives or directors, a cap per unit), each asked by the
//!    person the selection says should ask them;
//! 3. the history — who joins when, recruited by whom, through which channel — follows the
//!    engine's diffusion model on the informal network; around it, asks advance from
//!    drafted to joined or declined, activists log conversations, members adopt behaviours,
//!    tell stories of every kind, react, retell, say "I did it", confirm each other's
//!    adoptions, and a few opt out (see `plan.rs` for the whole story);
//! 4. every write is stamped with the moment it happens in the story
//!    ([`store::Org::at`]), and made as its doer's account where they have one
//!    ([`store::Org::acting_as`]): the event log reads as two months of activity, and the
//!    analytics replay it like any other.
//!
//! The same options (seed included) give the same organization and the same history, down
//! to the link tokens; only the dates follow [`DemoOptions::until`].
//!
//! **One demo per database.** The organization is named [`ORG_NAME`]. Seeding a database
//! that already holds it writes nothing and returns the existing demo
//! ([`DemoOrg::created`] is false), whatever the options. The seeding is recorded as a
//! background job (task [`JOB_TASK`]) that succeeds as the very last write, so a database
//! whose seeding was interrupted is recognised and refused ([`Error::Interrupted`]) rather
//! than shown half-made.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let store = store::Store::open("sqlite://demo.db").await?;
//! let demo = demo::seed_demo(&store, &demo::DemoOptions::default()).await?;
//! for person in demo.people() {
//!     println!("{}: {} <{}>", person.role.as_str(), person.name, person.email);
//! }
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod plan;
mod text;
mod write;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use engine::synthetic::SyntheticOrg;
use engine::{Graph, GraphOptions, Layer, Network, NodeIdx};
use movement::{AccountId, EventPayload, JobStatus, MovementId, OrgId, PersonId, Role};

pub use plan::ACTIVIST_SHARE;

/// The demo organization's name; a database holds at most one.
pub const ORG_NAME: &str = "Northwind (demo)";

/// The task of the background job that records the seeding.
pub const JOB_TASK: &str = "demo_seed";

/// What to make.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoOptions {
    /// People in the organization (at least 100).
    pub people: usize,
    /// Units (departments), at least 1 and at most a tenth of the people.
    pub units: usize,
    /// Sites (locations), at least 1.
    pub sites: usize,
    /// Seed of the organization and of its history.
    pub seed: u64,
    /// Days of history (at least 14): the movement started this many days before the day
    /// of [`DemoOptions::until`], and nothing happens on that day itself.
    pub days: u32,
    /// When the history ends: "now" for the demo (the default), a fixed instant for tests.
    pub until: DateTime<Utc>,
}

impl Default for DemoOptions {
    /// 2,000 people in 12 units on 3 sites, seed 1, 60 days up to now.
    fn default() -> DemoOptions {
        DemoOptions {
            people: 2_000,
            units: 12,
            sites: 3,
            seed: 1,
            days: 60,
            until: Utc::now(),
        }
    }
}

/// The demo as a sign-in page lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoOrg {
    /// The organization.
    pub org: OrgId,
    /// Its name, [`ORG_NAME`].
    pub name: String,
    /// The movement.
    pub movement: MovementId,
    /// The movement's host.
    pub host: DemoPerson,
    /// The first activist to have joined.
    pub activist: DemoPerson,
    /// The member with an account who did the most.
    pub member: DemoPerson,
    /// The sponsor.
    pub sponsor: DemoPerson,
    /// Whether this call wrote the demo (false: it was there already).
    pub created: bool,
}

impl DemoOrg {
    /// The four people, one per role: host, activist, member, sponsor.
    pub fn people(&self) -> [&DemoPerson; 4] {
        [&self.host, &self.activist, &self.member, &self.sponsor]
    }
}

/// Someone to sign in as.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoPerson {
    /// Their role in the movement.
    pub role: Role,
    /// The person.
    pub person: PersonId,
    /// Their account.
    pub account: AccountId,
    /// Their name.
    pub name: String,
    /// Their account's email.
    pub email: String,
    /// Their unit.
    pub unit: Option<String>,
}

/// Why there is no demo.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Options out of range.
    #[error("demo options: {0}")]
    Invalid(String),
    /// The database holds a demo whose seeding did not finish.
    #[error(
        "the database holds an unfinished demo organization `{0}` (its seeding was interrupted); \
         start from an empty database"
    )]
    Interrupted(String),
    /// The engine refused a parameter (a bug: the options were checked).
    #[error("demo: {0}")]
    Engine(#[from] engine::Error),
    /// The database failed or refused a write.
    #[error("demo: {0}")]
    Store(#[from] store::Error),
}

/// Writes the demo organization and its history into `store`, or returns the one already
/// there (see the crate documentation).
///
/// # Errors
/// [`Error::Invalid`] for options out of range; [`Error::Interrupted`] for a demo whose
/// seeding was interrupted; [`Error::Store`] when the database fails.
#[tracing::instrument(skip(store))]
pub async fn seed_demo(store: &store::Store, options: &DemoOptions) -> Result<DemoOrg, Error> {
    options.check()?;
    if let Some(org) = store.find_organization(ORG_NAME).await? {
        tracing::info!("the demo organization exists already");
        return read_demo(&org, false).await;
    }
    let network = SyntheticOrg {
        n_people: options.people,
        n_units: options.units,
        n_sites: options.sites,
        seed: options.seed,
        ..SyntheticOrg::default()
    }
    .generate()?;
    let graph = influence_graph(&network);
    let cast = write::cast(&network, &graph, options.seed)?;
    let start_ms = history_start(options);
    let plan = plan::plan(
        &network,
        &graph,
        &cast,
        options.days,
        start_ms,
        options.seed,
    )?;
    tracing::info!(n_writes = plan.actions.len(), "history planned");
    let org = store.create_organization(ORG_NAME).await?;
    write::write(&org, &network, &plan, start_ms, options.until).await?;
    read_demo(&org, true).await
}

impl DemoOptions {
    fn check(&self) -> Result<(), Error> {
        if self.people < 100 {
            return Err(Error::Invalid(format!(
                "{} people is too few for a demo (at least 100)",
                self.people
            )));
        }
        if self.units == 0 || self.units * 10 > self.people || self.sites == 0 {
            return Err(Error::Invalid(format!(
                "{} units and {} sites for {} people: at least one of each, and ten people \
                 per unit",
                self.units, self.sites, self.people
            )));
        }
        if self.days < 14 {
            return Err(Error::Invalid(format!(
                "{} days of history is too short (at least 14)",
                self.days
            )));
        }
        Ok(())
    }
}

/// Midnight (UTC) of the history's first day: `days` days before the day of `until`.
fn history_start(options: &DemoOptions) -> i64 {
    let today = options.until.timestamp_millis().div_euclid(plan::DAY_MS);
    (today - i64::from(options.days)) * plan::DAY_MS
}

/// The informal network through which behaviours spread: advice and collaboration ties,
/// influence both ways.
fn influence_graph(network: &Network) -> Graph {
    network
        .graph(&GraphOptions {
            layers: Some(vec![Layer::Advice, Layer::Collaboration]),
            drop_self_loops: true,
        })
        .to_undirected()
}

/// The demo as the database holds it: rebuilt from the event log, so that a second call
/// returns what the first wrote.
async fn read_demo(org: &store::Org<'_>, created: bool) -> Result<DemoOrg, Error> {
    let interrupted = || Error::Interrupted(ORG_NAME.to_string());
    let events = org.events().await?;
    let mut job = None;
    let mut movement = None;
    let mut accounts: HashMap<PersonId, AccountId> = HashMap::new();
    let mut members: Vec<(PersonId, Role)> = Vec::new();
    let mut activity: HashMap<AccountId, usize> = HashMap::new();
    for event in &events {
        if let Some(actor) = event.actor {
            *activity.entry(actor).or_default() += 1;
        }
        match &event.payload {
            EventPayload::JobQueued { job: id, task } if task == JOB_TASK => job = Some(*id),
            EventPayload::MovementCreated { movement: id, .. } => {
                movement = movement.or(Some(*id));
            }
            EventPayload::AccountCreated { account, person } => {
                accounts.insert(*person, *account);
            }
            EventPayload::MembershipCreated { spec, .. } if Some(spec.movement) == movement => {
                members.push((spec.person, spec.role));
            }
            _ => {}
        }
    }
    let job = job.ok_or_else(interrupted)?;
    if org.job_status(job).await? != JobStatus::Succeeded {
        return Err(interrupted());
    }
    let movement = movement.ok_or_else(interrupted)?;
    let accounts = &accounts;
    let with_account = |role: Role| {
        members
            .iter()
            .filter(move |(person, r)| *r == role && accounts.contains_key(person))
            .map(|(person, _)| *person)
    };
    let host = with_account(Role::Host).next();
    let sponsor = with_account(Role::Sponsor).next();
    let activist = with_account(Role::Activist).next();
    // The most active member: ties go to whoever joined first.
    let member = with_account(Role::Member)
        .enumerate()
        .max_by_key(|&(order, person)| {
            let n_events = activity.get(&accounts[&person]).copied().unwrap_or(0);
            (n_events, std::cmp::Reverse(order))
        })
        .map(|(_, person)| person);
    let (Some(host), Some(activist), Some(member), Some(sponsor)) =
        (host, activist, member, sponsor)
    else {
        return Err(interrupted());
    };
    let people: HashMap<PersonId, store::Person> = org
        .people()
        .await?
        .into_iter()
        .map(|person| (person.id, person))
        .collect();
    let describe = |person: PersonId, role: Role| -> Result<DemoPerson, Error> {
        let record = &people.get(&person).ok_or_else(interrupted)?.record;
        Ok(DemoPerson {
            role,
            person,
            account: accounts[&person],
            name: record.name.clone(),
            email: record.email.clone().unwrap_or_default(),
            unit: record.unit.clone(),
        })
    };
    Ok(DemoOrg {
        org: org.id(),
        name: ORG_NAME.to_string(),
        movement,
        host: describe(host, Role::Host)?,
        activist: describe(activist, Role::Activist)?,
        member: describe(member, Role::Member)?,
        sponsor: describe(sponsor, Role::Sponsor)?,
        created,
    })
}

/// A node's person id, through the external ids the import kept.
pub(crate) fn person_ids(
    network: &Network,
    people: &[store::Person],
) -> Result<Vec<PersonId>, Error> {
    let by_external: HashMap<&str, PersonId> = people
        .iter()
        .map(|p| (p.record.external_id.as_str(), p.id))
        .collect();
    (0..network.n_nodes() as NodeIdx)
        .map(|node| {
            by_external
                .get(network.id(node))
                .copied()
                .ok_or_else(|| Error::Interrupted(ORG_NAME.to_string()))
        })
        .collect()
}

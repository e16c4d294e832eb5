//! A realistic organization, written through the public API only, shared by the event-log
//! and tenancy tests: people imported and re-imported (one leaves, one changes), ties
//! imported twice, adoptions from a file and by hand (an earlier one overriding a later
//! one), a movement with members recruited every way, an experiment, asks at every stage,
//! a conversation, a story with reactions and a retell, opt-outs set and cleared, and a job
//! run to the end. Everything is keyed by external id, so two organizations given the same
//! scenario hold the same data under different row ids.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use movement::{
    AccountId, AdoptionTime, Ask, AskId, AskStatus, Behaviour, Channel, Conversation, Experiment,
    ExperimentId, JobId, JobStatus, Membership, MembershipId, MovementId, MovementSpec, OptOut,
    PersonId, ReactionKind, Recruitment, Role, StoryId, StoryKind, StorySpec, Visibility,
};
use store::Org;

/// The first HR export: six people, one manager chain, an extra attribute column.
pub const PEOPLE_CSV: &str = "\
id,name,email,unit,manager_id,team
p1,Ada Lovelace,ada@acme.example,Finance,,Ledgers
p2,Grace Hopper,grace@acme.example,Engineering,p1,Compilers
p3,Alan Turing,,Engineering,p2,Codes
p4,Katherine Johnson,katherine@acme.example,Research,p1,Orbits
p5,Edsger Dijkstra,,Research,p4,Paths
p6,Barbara Liskov,barbara@acme.example,Engineering,p2,Types
";

/// The next export: p6 is gone (so leaves), p2 moved unit, the rest unchanged.
pub const PEOPLE_CSV_AGAIN: &str = "\
id,name,email,unit,manager_id,team
p1,Ada Lovelace,ada@acme.example,Finance,,Ledgers
p2,Grace Hopper,grace@acme.example,Research,p1,Compilers
p3,Alan Turing,,Engineering,p2,Codes
p4,Katherine Johnson,katherine@acme.example,Research,p1,Orbits
p5,Edsger Dijkstra,,Research,p4,Paths
";

pub const TIES_CSV: &str = "\
source,target,layer,weight
p1,p2,advice,2
p2,p3,advice,1
p3,p4,collaboration,1.5
p4,p5,advice,1
p5,p1,friendship,3
p6,p2,advice,1
";

/// A second ties file: one weight changes, one tie is new.
pub const TIES_CSV_AGAIN: &str = "\
source,target,layer,weight
p1,p2,advice,4
p2,p5,advice,1
";

pub const ADOPTIONS_CSV: &str = "\
id,behaviour,time
p1,walk,3
p2,walk,4
p2,cycle,2
p3,bus,5
p6,walk,1
";

/// The ids one organization's scenario produced.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Person by external id.
    pub people: BTreeMap<String, PersonId>,
    pub account: AccountId,
    pub movement: MovementId,
    pub experiment: ExperimentId,
    /// Asks and their link tokens: joined, declined, still drafted.
    pub asks: Vec<(AskId, String)>,
    pub story: StoryId,
    /// A job run to success.
    pub job: JobId,
    /// A job still queued.
    pub pending_job: JobId,
    /// The external id of a person only this organization has (`<tag>-only`).
    pub own_person: String,
    /// p4's membership (a member who became an activist).
    pub membership: MembershipId,
    /// The hash a live session of `account` is known by.
    pub session: String,
    /// The hash an unused login link of `account` is known by.
    pub login_link: String,
}

impl Scenario {
    pub fn person(&self, external_id: &str) -> PersonId {
        self.people[external_id]
    }
}

pub fn behaviours() -> Vec<Behaviour> {
    ["walk", "cycle", "bus"]
        .iter()
        .map(|b| Behaviour::new(b).unwrap())
        .collect()
}

pub fn movement_spec() -> MovementSpec {
    let starts_on = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    MovementSpec::new(
        "Green commute",
        "Fewer cars at the office",
        behaviours(),
        0.25,
        starts_on,
    )
    .unwrap()
}

/// A link token unique to this organization (`tag`) and ask (`n`): tokens are unique
/// across the whole database, as unguessable links are.
pub fn token(tag: &str, n: u32) -> String {
    format!("{tag}-join-link-{n:08}")
}

/// Writes the scenario into `org`; `tag` makes its link tokens its own.
pub async fn populate(org: &Org<'_>, tag: &str) -> Scenario {
    org.import_people("people.csv", PEOPLE_CSV.as_bytes())
        .await
        .unwrap();
    org.import_ties("ties.csv", TIES_CSV.as_bytes())
        .await
        .unwrap();
    org.import_adoptions("adoptions.csv", ADOPTIONS_CSV.as_bytes())
        .await
        .unwrap();
    org.import_people("people.csv", PEOPLE_CSV_AGAIN.as_bytes())
        .await
        .unwrap();
    org.import_ties("ties.csv", TIES_CSV_AGAIN.as_bytes())
        .await
        .unwrap();
    let people: BTreeMap<String, PersonId> = org
        .people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.record.external_id, p.id))
        .collect();
    let p = |id: &str| people[id];

    // By hand: a later adoption (kept at the earlier time), then an earlier one (wins).
    let walk = Behaviour::new("walk").unwrap();
    org.record_adoption(p("p1"), &walk, AdoptionTime::Period(7))
        .await
        .unwrap();
    org.record_adoption(p("p2"), &walk, AdoptionTime::Period(1))
        .await
        .unwrap();
    let dated = AdoptionTime::Date(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
    org.record_adoption(p("p4"), &Behaviour::new("bus").unwrap(), dated)
        .await
        .unwrap();
    // A peer confirms p2's walking, twice (one confirmation), and another peer too.
    for by in ["p1", "p1", "p3"] {
        org.confirm_adoption(p("p2"), &walk, p(by)).await.unwrap();
    }

    let account = org
        .create_account(p("p1"), "Ada@Acme.example")
        .await
        .unwrap();
    let movement = org.create_movement(&movement_spec()).await.unwrap();
    let member = |person: &str, role, recruited_by| Membership {
        movement,
        person: p(person),
        role,
        personal_mission: (role == Role::Host).then(|| "Walk every Friday".to_string()),
        joined_at: Utc::now(),
        recruited_by,
    };
    for membership in [
        member("p1", Role::Host, Recruitment::SelfSignup),
        member("p2", Role::Activist, Recruitment::Person(p("p1"))),
        member("p3", Role::Member, Recruitment::Broadcast),
        member("p4", Role::Member, Recruitment::Person(p("p2"))),
    ] {
        org.join(membership).await.unwrap();
    }
    let experiment = org
        .create_experiment(Experiment {
            movement,
            name: "sms or email".into(),
            arms: vec!["sms".into(), "email".into()],
        })
        .await
        .unwrap();
    let ask = |from: &str, to: &str, channel, n, arm: Option<&str>| Ask {
        movement,
        from: p(from),
        to: p(to),
        channel,
        message: "Walk with us on Friday?".into(),
        token: token(tag, n),
        status: AskStatus::Drafted,
        arm: arm.map(|arm| (experiment, arm.to_string())),
    };
    let joined = org
        .create_ask(ask("p2", "p4", Channel::Sms, 1, Some("sms")))
        .await
        .unwrap();
    for status in [AskStatus::Sent, AskStatus::Opened, AskStatus::Joined] {
        org.advance_ask(joined, status).await.unwrap();
    }
    let declined = org
        .create_ask(ask("p1", "p5", Channel::Email, 2, Some("email")))
        .await
        .unwrap();
    for status in [AskStatus::Sent, AskStatus::Declined] {
        org.advance_ask(declined, status).await.unwrap();
    }
    let drafted = org
        .create_ask(ask("p2", "p3", Channel::InPerson, 3, None))
        .await
        .unwrap();
    // The drafted ask moves to chat with a new text; a member becomes an activist.
    org.redraft_ask(
        drafted,
        Channel::Chat,
        "Walk with us on Friday? It's 20 minutes.",
    )
    .await
    .unwrap();
    let memberships = org.memberships(movement).await.unwrap();
    let (p4_membership, _) = memberships
        .iter()
        .find(|(_, m)| m.person == p("p4"))
        .unwrap();
    org.change_role(
        *p4_membership,
        Role::Activist,
        Some("My team walks already"),
    )
    .await
    .unwrap();
    let asks = vec![
        (joined, token(tag, 1)),
        (declined, token(tag, 2)),
        (drafted, token(tag, 3)),
    ];

    org.log_conversation(&Conversation {
        movement,
        activist: p("p2"),
        with: p("p3"),
        behaviours: vec![walk.clone()],
        outcome: "will try on Friday".into(),
        at: Utc::now(),
    })
    .await
    .unwrap();
    let story = org
        .publish_story(StorySpec {
            movement,
            author: p("p1"),
            co_authors: vec![p("p2")],
            kind: StoryKind::Aha,
            text: "Walking in takes ten minutes more and I arrive awake.".into(),
            behaviours: vec![walk],
            visibility: Visibility::Organization,
        })
        .await
        .unwrap();
    org.react(story, p("p3"), ReactionKind::Inspired)
        .await
        .unwrap();
    org.react(story, p("p4"), ReactionKind::DidIt)
        .await
        .unwrap();
    org.react(story, p("p5"), ReactionKind::DidIt)
        .await
        .unwrap();
    org.retell(story, p("p3"), "  Tried it, it works  ")
        .await
        .unwrap();

    org.set_opt_out(p("p5"), OptOut::DoNotContact)
        .await
        .unwrap();
    org.set_opt_out(p("p4"), OptOut::DoNotSuggest)
        .await
        .unwrap();
    org.set_opt_out(p("p3"), OptOut::ExcludeFromAnalytics)
        .await
        .unwrap();
    org.clear_opt_out(p("p4"), OptOut::DoNotSuggest)
        .await
        .unwrap();

    let job = org.queue_job("recommend").await.unwrap();
    org.advance_job(job, JobStatus::Running, None)
        .await
        .unwrap();
    org.report_job_progress(job, 0.5).await.unwrap();
    org.keep_job_result(job, r#"{"picks":[]}"#).await.unwrap();
    org.advance_job(job, JobStatus::Succeeded, None)
        .await
        .unwrap();

    let pending_job = org.queue_job("export").await.unwrap();

    let own_person = format!("{tag}-only");
    let mut people = people;
    let record = movement::PersonRecord::new(&own_person, "Only Here").unwrap();
    people.insert(own_person.clone(), org.add_person(&record).await.unwrap());

    // The account signs in: a password, the admin right, a session, a link not yet used.
    org.set_password_hash(
        account,
        Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
    )
    .await
    .unwrap();
    org.set_admin(account, true).await.unwrap();
    let session = format!("{tag}-session-hash");
    let hour = chrono::Duration::hours(1);
    org.create_session(account, &session, "csrf", hour)
        .await
        .unwrap();
    let login_link = format!("{tag}-login-link-hash");
    org.create_login_link(account, &login_link, hour)
        .await
        .unwrap();

    Scenario {
        membership: *p4_membership,
        session,
        login_link,
        people,
        account,
        movement,
        experiment,
        asks,
        story,
        job,
        pending_job,
        own_person,
    }
}

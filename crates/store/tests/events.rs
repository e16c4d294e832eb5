//! The event log: every write appends exactly its events, a refused write appends nothing,
//! the database refuses to change or remove events, and replaying the log gives what the
//! tables hold.

use chrono::Utc;
use movement::{
    AdoptionTime, Ask, AskStatus, Behaviour, Channel, Conversation, Event, Experiment, JobStatus,
    Membership, OptOut, PersonId, PersonRecord, ReactionKind, Recruitment, Role, StoryKind,
    StorySpec, Visibility,
};
use store::{Error, Org};

use crate::scenario::{self, populate};
use crate::util::both_backends;

/// Everything an organization shows through its API that a write could change.
async fn state(org: &Org<'_>) -> (Vec<Event>, movement::AnalyticsInputs, String) {
    let people = format!("{:?}", org.people().await.unwrap());
    (
        org.events().await.unwrap(),
        org.analytics_inputs().await.unwrap(),
        people,
    )
}

/// Runs `$write` and checks that it appended exactly events of `$kinds`, in that order, and
/// nothing else; gives the write's value.
macro_rules! appends {
    ($org:expr, [$($kind:literal),*], $write:expr) => {{
        let before = $org.events().await.unwrap();
        let value = $write.await.unwrap();
        let after = $org.events().await.unwrap();
        assert_eq!(&after[..before.len()], &before[..], "{}: earlier events changed", stringify!($write));
        let kinds: Vec<&str> = after[before.len()..].iter().map(|e| e.payload.kind()).collect();
        let expected: Vec<&str> = vec![$($kind),*];
        assert_eq!(kinds, expected, "{}", stringify!($write));
        value
    }};
}

/// Runs `$write`, which must be refused with an error matching `$error`, and checks that
/// the organization's events, analytics inputs and directory are exactly as before.
macro_rules! refused {
    ($org:expr, $error:pat, $write:expr) => {{
        let before = state(&$org).await;
        let result = $write.await;
        assert!(
            matches!(result, Err($error)),
            "{}: {result:?}",
            stringify!($write)
        );
        assert!(
            before == state(&$org).await,
            "{} changed something",
            stringify!($write)
        );
    }};
}

fn person(id: &str) -> PersonRecord {
    PersonRecord::new(id, &format!("Person {id}")).unwrap()
}

both_backends! {
    async fn every_write_appends_its_events(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let csv = "id,name,manager_id\nq1,Quinn,\nq2,Robin,q1\nq3,Sam,q1\n";
        appends!(org, ["person_added", "person_added", "person_added"], org.import_people("people.csv", csv.as_bytes()));
        // Re-import: q2 changes, q3 is missing and so leaves, q1 is unchanged (no event).
        let csv = "id,name,manager_id\nq1,Quinn,\nq2,Robin Hood,q1\n";
        appends!(org, ["person_changed", "person_left"], org.import_people("people.csv", csv.as_bytes()));
        let people = org.people().await.unwrap();
        let [q1, q2] = [0, 1].map(|i| people[i].id);
        assert!(people[2].left && people[2].record.external_id == "q3");
        // One event per batch of ties, whatever their number.
        let ties = "source,target,layer,weight\nq1,q2,advice,1\nq2,q1,advice,2\nq2,q3,friendship,1\n";
        appends!(org, ["ties_set"], org.import_ties("ties.csv", ties.as_bytes()));
        let dir = tempfile::tempdir().unwrap();
        let edges = dir.path().join("ties.txt");
        std::fs::write(&edges, "q1 q3\n").unwrap();
        appends!(org, ["ties_set"], org.import_ties_file(&edges));
        // Adoptions: one event per adoption that changed something.
        let adoptions = "id,behaviour,time\nq1,walk,3\nq1,walk,2\nq2,bus,4\n";
        appends!(org, ["adoption_recorded", "adoption_recorded"], org.import_adoptions("adoptions.csv", adoptions.as_bytes()));
        appends!(org, [], org.import_adoptions("adoptions.csv", "id,behaviour,time\nq1,walk,9\n".as_bytes()));

        let r1 = appends!(org, ["person_added"], org.add_person(&person("r1")));
        let r2 = appends!(org, ["person_added"], org.add_person(&person("r2")));
        appends!(org, ["adoption_recorded"], org.record_adoption(r1, &Behaviour::new("walk").unwrap(), AdoptionTime::Period(1)));
        appends!(org, ["adoption_confirmed"], org.confirm_adoption(r1, &Behaviour::new("walk").unwrap(), r2));
        appends!(org, ["opt_out_set"], org.set_opt_out(r1, OptOut::DoNotContact));
        appends!(org, ["opt_out_cleared"], org.clear_opt_out(r1, OptOut::DoNotContact));
        let account = appends!(org, ["account_created"], org.create_account(r1, "r1@acme.example"));
        let movement = appends!(org, ["movement_created"], org.create_movement(&scenario::movement_spec()));
        appends!(org, ["membership_created"], org.join(Membership {
            movement,
            person: r2,
            role: Role::Member,
            personal_mission: None,
            joined_at: Utc::now(),
            recruited_by: Recruitment::Person(r1),
        }));
        let experiment = appends!(org, ["experiment_created"], org.create_experiment(Experiment {
            movement,
            name: "a or b".into(),
            arms: vec!["a".into(), "b".into()],
        }));
        let ask = appends!(org, ["ask_created"], org.create_ask(Ask {
            movement,
            from: r1,
            to: r2,
            channel: Channel::Chat,
            message: "Join?".into(),
            token: scenario::token("acme", 1),
            status: AskStatus::Drafted,
            arm: Some((experiment, "a".into())),
        }));
        appends!(org, ["ask_advanced"], org.advance_ask(ask, AskStatus::Sent));
        appends!(org, ["conversation_logged"], org.log_conversation(&Conversation {
            movement,
            activist: r1,
            with: q2,
            behaviours: scenario::behaviours(),
            outcome: "maybe".into(),
            at: Utc::now(),
        }));
        let story = appends!(org, ["story_published"], org.publish_story(StorySpec {
            movement,
            author: r1,
            co_authors: vec![q1],
            kind: StoryKind::Celebration,
            text: "Ten of us walked in today.".into(),
            behaviours: vec![],
            visibility: Visibility::Movement,
        }));
        appends!(org, ["reacted"], org.react(story, r2, ReactionKind::WillTry));
        appends!(org, ["retold"], org.retell(story, r2, "me too"));
        let job = appends!(org, ["job_queued"], org.queue_job("recommend"));
        appends!(org, ["job_advanced"], org.advance_job(job, JobStatus::Running, None));
        appends!(org, ["job_advanced"], org.advance_job(job, JobStatus::Failed, Some("out of memory")));

        appends!(org, ["person_left"], org.mark_left(q1));
        // An account acting: its writes carry it as the actor.
        let acting = org.acting_as(account);
        appends!(acting, ["job_queued"], acting.queue_job("report"));
        assert_eq!(org.events().await.unwrap().last().unwrap().actor, Some(account));
    }

    async fn a_refused_write_appends_nothing_and_changes_nothing(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        let s = populate(&org, "acme").await;
        let (joined, _) = s.asks[0].clone();
        let (drafted, _) = s.asks[2].clone();
        let nobody = PersonId(i64::MAX / 2);
        let ask = Ask {
            movement: s.movement,
            from: s.person("p1"),
            to: s.person("p3"),
            channel: Channel::Sms,
            message: "Join?".into(),
            token: scenario::token("acme", 99),
            status: AskStatus::Drafted,
            arm: None,
        };

        refused!(org, Error::Invalid(_), org.advance_ask(joined, AskStatus::Sent));
        refused!(org, Error::Invalid(_), org.advance_ask(drafted, AskStatus::Joined));
        refused!(org, Error::Invalid(_), org.advance_job(s.job, JobStatus::Running, None));
        refused!(org, Error::Duplicate { .. }, org.add_person(&person("p1")));
        refused!(org, Error::Duplicate { .. }, org.create_ask(Ask { token: s.asks[1].1.clone(), ..ask.clone() }));
        refused!(org, Error::Dangling, org.create_ask(Ask { to: nobody, ..ask.clone() }));
        refused!(org, Error::Dangling, org.record_adoption(nobody, &Behaviour::new("walk").unwrap(), AdoptionTime::Period(0)));
        refused!(org, Error::Dangling, org.set_opt_out(nobody, OptOut::DoNotSuggest));
        refused!(org, Error::Dangling, org.confirm_adoption(s.person("p1"), &Behaviour::new("never-adopted").unwrap(), s.person("p2")));
        refused!(org, Error::Invalid(_), org.confirm_adoption(s.person("p2"), &Behaviour::new("walk").unwrap(), s.person("p2")));
        refused!(org, Error::Dangling, org.clear_opt_out(nobody, OptOut::DoNotSuggest));
        refused!(org, Error::Dangling, org.react(s.story, nobody, ReactionKind::Inspired));
        refused!(org, Error::NotFound { .. }, org.mark_left(nobody));
        // p6 left with the second export; leaving twice is refused too.
        refused!(org, Error::NotFound { .. }, org.mark_left(s.person("p6")));
        // One bad row refuses the whole file, good rows included.
        let people = format!("{}p7,New Person,,,,\np8,,,,,\n", scenario::PEOPLE_CSV);
        refused!(org, Error::Rejected { .. }, org.import_people("people.csv", people.as_bytes()));
        refused!(org, Error::Rejected { .. }, org.import_ties("ties.csv", "source,target\np1,p3\np1,nobody\n".as_bytes()));
        refused!(org, Error::Rejected { .. }, org.import_adoptions("adoptions.csv", "id,behaviour,time\np3,walk,0\np1,walk,soon\n".as_bytes()));
    }

    async fn events_cannot_be_changed_or_removed(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        populate(&org, "acme").await;
        let events = org.events().await.unwrap();
        let count = db.raw_count("events").await;
        assert_eq!(count, events.len() as i64);
        let mut attempts = vec![
            "UPDATE events SET kind = 'person_left'".to_string(),
            format!("UPDATE events SET payload = '{{}}' WHERE id = {}", events[0].id),
            format!("DELETE FROM events WHERE id = {}", events.last().unwrap().id),
            "DELETE FROM events".to_string(),
        ];
        if matches!(db.raw, crate::util::Raw::Postgres { .. }) {
            attempts.push("TRUNCATE events".to_string());
        }
        for sql in &attempts {
            let error = db.raw_execute(sql).await.expect_err(sql);
            assert!(error.contains("append-only"), "{sql}: {error}");
        }
        assert_eq!(db.raw_count("events").await, count);
        assert_eq!(org.events().await.unwrap(), events);
    }

    async fn replaying_the_log_gives_what_the_tables_hold(db) {
        let org = db.store.create_organization("Acme").await.unwrap();
        populate(&org, "acme").await;
        // A second organization's writes must not leak into the first one's replay.
        let other = db.store.create_organization("Other").await.unwrap();
        populate(&other, "other").await;
        for org in [org, other] {
            let events = org.events().await.unwrap();
            let replayed = movement::replay(events.iter().map(|e| &e.payload));
            let tables = org.analytics_inputs().await.unwrap();
            assert_eq!(replayed, tables);
            check_scenario_shape(&tables);
        }
    }
}

/// The scenario's analytics inputs have what it wrote, so that replay is compared on
/// something: the leaver, the overriding adoptions, every kind of recruitment, the asks'
/// final statuses, the opt-outs left in force.
fn check_scenario_shape(inputs: &movement::AnalyticsInputs) {
    let by_external: std::collections::BTreeMap<&str, PersonId> = inputs
        .people
        .iter()
        .map(|(id, p)| (p.record.external_id.as_str(), *id))
        .collect();
    let p = |id: &str| by_external[id];
    assert_eq!(inputs.people.len(), 7);
    assert!(inputs.people[&p("p6")].left && !inputs.people[&p("p5")].left);
    assert_eq!(
        inputs.people[&p("p2")].record.unit.as_deref(),
        Some("Research")
    );
    assert_eq!(inputs.ties.len(), 7);
    assert_eq!(inputs.ties[&(p("p1"), p("p2"), "advice".to_string())], 4.0);
    assert_eq!(
        inputs.adoptions[&(p("p1"), "walk".to_string())],
        AdoptionTime::Period(3)
    );
    assert_eq!(
        inputs.adoptions[&(p("p2"), "walk".to_string())],
        AdoptionTime::Period(1)
    );
    let recruitments: Vec<Recruitment> = inputs
        .memberships
        .values()
        .map(|m| m.recruited_by)
        .collect();
    assert!(
        recruitments.contains(&Recruitment::Broadcast)
            && recruitments.contains(&Recruitment::SelfSignup)
    );
    assert!(recruitments.contains(&Recruitment::Person(p("p1"))));
    let statuses: Vec<AskStatus> = inputs.asks.values().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        vec![AskStatus::Joined, AskStatus::Declined, AskStatus::Drafted]
    );
    let opt_outs: Vec<(PersonId, OptOut)> = inputs.opt_outs.iter().copied().collect();
    assert_eq!(opt_outs.len(), 2);
    assert!(opt_outs.contains(&(p("p5"), OptOut::DoNotContact)));
    assert!(opt_outs.contains(&(p("p3"), OptOut::ExcludeFromAnalytics)));
}

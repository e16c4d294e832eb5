//! What a seeded demo holds: every role with an account to sign in with, asks on every
//! channel through their whole lifecycle with personal asks converting far better than
//! broadcasts, stories of every kind with co-authors, reactions, retells, adoptions spread
//! over the weeks, confirmations, conversations and opt-outs; the same seed gives the same
//! history; a second seeding returns the first demo; an unfinished one is refused.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeZone, Utc};
use demo::{DemoOptions, DemoOrg, Error, ORG_NAME, seed_demo};
use movement::{AskStatus, Channel, EventPayload, Recruitment, Role};
use store::Store;

/// 300 people in 6 units on 2 sites, 60 days up to 1 June 2026, 14:30.
fn options(seed: u64) -> DemoOptions {
    DemoOptions {
        people: 300,
        units: 6,
        sites: 2,
        seed,
        days: 60,
        until: until(),
    }
}

fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 14, 30, 0).unwrap()
}

/// A store on a fresh SQLite file (kept alive with the returned directory).
async fn fresh_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    (Store::open(&url).await.unwrap(), dir)
}

/// Counts of (kind, detail) over the demo's events, e.g. ("story_published", "aha").
async fn event_counts(store: &Store, demo: &DemoOrg) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for event in store.org(demo.org).events().await.unwrap() {
        let detail = match &event.payload {
            EventPayload::StoryPublished { spec, .. } => spec.kind.as_str().to_string(),
            EventPayload::Reacted { reaction, .. } => reaction.as_str().to_string(),
            EventPayload::MembershipCreated { spec, .. } => spec.role.as_str().to_string(),
            EventPayload::AskCreated { spec, .. } => spec.channel.as_str().to_string(),
            EventPayload::AskAdvanced { status, .. } => status.as_str().to_string(),
            EventPayload::OptOutSet { opt_out, .. } => opt_out.as_str().to_string(),
            _ => String::new(),
        };
        *counts
            .entry((event.payload.kind().to_string(), detail))
            .or_default() += 1;
    }
    counts
}

fn count(counts: &BTreeMap<(String, String), usize>, kind: &str, detail: &str) -> usize {
    counts
        .get(&(kind.to_string(), detail.to_string()))
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn the_demo_has_every_role_channel_kind_and_a_living_history() {
    let (store, _dir) = fresh_store().await;
    let demo = seed_demo(&store, &options(7)).await.unwrap();
    assert!(demo.created);
    assert_eq!(demo.name, ORG_NAME);
    let org = store.org(demo.org);

    // One person per role to sign in as, each with their account.
    let counts = event_counts(&store, &demo).await;
    let memberships = org.memberships(demo.movement).await.unwrap();
    let role_of: BTreeMap<_, _> = memberships
        .iter()
        .map(|(_, m)| (m.person, m.role))
        .collect();
    let accounts: BTreeMap<_, _> = org
        .events()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.payload {
            EventPayload::AccountCreated { account, person } => Some((person, account)),
            _ => None,
        })
        .collect();
    for person in demo.people() {
        assert_eq!(
            role_of.get(&person.person),
            Some(&person.role),
            "{person:?}"
        );
        assert_eq!(
            accounts.get(&person.person),
            Some(&person.account),
            "{person:?}"
        );
        assert!(
            person.email.contains('@') && !person.name.is_empty(),
            "{person:?}"
        );
    }
    let n_activists = role_of.values().filter(|&&r| r == Role::Activist).count();
    assert!(
        (8..=15).contains(&n_activists),
        "{n_activists} activists of 300"
    );
    let n_members = memberships.len();
    assert!(
        (30..=120).contains(&n_members),
        "{n_members} people in after 60 days"
    );
    // Accounts: host, sponsor, every activist, some members (not all).
    let with_account = role_of.keys().filter(|p| accounts.contains_key(p)).count();
    assert!(with_account > n_activists + 2 && with_account < n_members);
    // Members recruited personally (the recruitment tree), by broadcast and on their own.
    let recruited = |f: fn(&Recruitment) -> bool| {
        memberships
            .iter()
            .filter(|(_, m)| f(&m.recruited_by))
            .count()
    };
    assert!(recruited(|r| matches!(r, Recruitment::Person(_))) > n_members / 2);
    assert!(recruited(|r| *r == Recruitment::Broadcast) >= 1);

    // Asks on every channel, through every status.
    let asks = org.asks(demo.movement).await.unwrap();
    let channels: BTreeSet<Channel> = asks.iter().map(|(_, a)| a.channel).collect();
    assert_eq!(channels.len(), 6, "{channels:?}");
    let statuses: BTreeSet<&str> = asks.iter().map(|(_, a)| a.status.as_str()).collect();
    assert_eq!(
        statuses,
        BTreeSet::from([
            "drafted",
            "sent",
            "opened",
            "joined",
            "declined",
            "opted_out"
        ])
    );
    for status in ["sent", "opened", "joined", "declined"] {
        assert!(count(&counts, "ask_advanced", status) > 0, "{status}");
    }
    // Personal asks convert far better than broadcast.
    let rate = |personal: bool| {
        let sent: Vec<_> = asks
            .iter()
            .filter(|(_, a)| a.channel.is_personal() == personal)
            .filter(|(_, a)| a.status != AskStatus::Drafted)
            .collect();
        let joined = sent
            .iter()
            .filter(|(_, a)| a.status == AskStatus::Joined)
            .count();
        joined as f64 / sent.len() as f64
    };
    let (personal, broadcast) = (rate(true), rate(false));
    assert!((0.25..=0.55).contains(&personal), "personal {personal}");
    assert!((0.005..=0.08).contains(&broadcast), "broadcast {broadcast}");
    assert!(personal > 4.0 * broadcast, "{personal} vs {broadcast}");

    // Stories of every kind, some with co-authors; reactions of every kind; retells.
    for kind in [
        "aha",
        "inspiration",
        "problem_fixed",
        "experience",
        "celebration",
    ] {
        assert!(
            count(&counts, "story_published", kind) > 0,
            "no {kind} story"
        );
    }
    let co_authored = org
        .events()
        .await
        .unwrap()
        .iter()
        .filter(|e| matches!(&e.payload, EventPayload::StoryPublished { spec, .. } if !spec.co_authors.is_empty()))
        .count();
    assert!(co_authored > 0);
    for reaction in ["inspired", "will_try", "did_it"] {
        assert!(count(&counts, "reacted", reaction) > 0, "no {reaction}");
    }
    assert!(count(&counts, "retold", "") > 0);
    assert!(count(&counts, "conversation_logged", "") > 0);
    assert!(count(&counts, "adoption_confirmed", "") > 0);
    assert!(count(&counts, "opt_out_set", "do_not_contact") > 0);
    assert!(count(&counts, "opt_out_set", "do_not_suggest") > 0);

    // Adoptions spread over the weeks, all in the past.
    let adoptions = org.adoptions().await.unwrap();
    assert!(adoptions.len() > n_members, "{} adoptions", adoptions.len());
    let times: Vec<DateTime<Utc>> = adoptions
        .values()
        .map(|t| match t {
            movement::AdoptionTime::At(at) => *at,
            other => panic!("adoption time {other:?}"),
        })
        .collect();
    let first = *times.iter().min().unwrap();
    let last = *times.iter().max().unwrap();
    assert!(last < until() && first > until() - chrono::Duration::days(61));
    assert!(
        last - first > chrono::Duration::days(40),
        "{first} .. {last}"
    );
    let by_week = |week: i64| {
        let from = until() - chrono::Duration::days(60 - 7 * week);
        times
            .iter()
            .filter(|&&t| t >= from && t < from + chrono::Duration::days(7))
            .count()
    };
    assert!(by_week(7) > by_week(1), "adoptions grow");

    // The log is in time order, every event in the past, and replays to the tables.
    let events = org.events().await.unwrap();
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(events.iter().all(|e| e.at <= until()));
    assert!(events.iter().filter(|e| e.actor.is_some()).count() > events.len() / 3);
    let replayed = movement::replay(events.iter().map(|e| &e.payload));
    assert_eq!(replayed, org.analytics_inputs().await.unwrap());
}

/// The demo's event log: when, by whom, what.
async fn log(
    store: &Store,
    demo: &DemoOrg,
) -> Vec<(DateTime<Utc>, Option<movement::AccountId>, EventPayload)> {
    let events = store.org(demo.org).events().await.unwrap();
    events
        .into_iter()
        .map(|e| (e.at, e.actor, e.payload))
        .collect()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_history_and_another_seed_another() {
    let (store_1, _dir_1) = fresh_store().await;
    let (store_2, _dir_2) = fresh_store().await;
    let demo_1 = seed_demo(&store_1, &options(3)).await.unwrap();
    let demo_2 = seed_demo(&store_2, &options(3)).await.unwrap();
    assert_eq!(demo_1, demo_2);
    let log_1 = log(&store_1, &demo_1).await;
    assert_eq!(log_1, log(&store_2, &demo_2).await);
    assert_eq!(
        event_counts(&store_1, &demo_1).await,
        event_counts(&store_2, &demo_2).await
    );

    let (store_3, _dir_3) = fresh_store().await;
    let demo_3 = seed_demo(&store_3, &options(4)).await.unwrap();
    assert_ne!(log_1.len(), log(&store_3, &demo_3).await.len());
}

#[tokio::test]
async fn seeding_again_returns_the_demo_already_there() {
    let (store, _dir) = fresh_store().await;
    let first = seed_demo(&store, &options(5)).await.unwrap();
    let n_events = store.org(first.org).events().await.unwrap().len();
    // Whatever the options: nothing is written.
    let again = seed_demo(&store, &options(6)).await.unwrap();
    assert!(!again.created);
    assert_eq!(
        DemoOrg {
            created: true,
            ..again
        },
        first
    );
    assert_eq!(store.org(first.org).events().await.unwrap().len(), n_events);
}

#[tokio::test]
async fn an_unfinished_demo_is_refused_and_bad_options_are_named() {
    let (store, _dir) = fresh_store().await;
    store.create_organization(ORG_NAME).await.unwrap();
    let error = seed_demo(&store, &options(1)).await.unwrap_err();
    assert!(matches!(error, Error::Interrupted(_)), "{error}");
    assert!(error.to_string().contains("interrupted"), "{error}");

    let (store, _dir) = fresh_store().await;
    for bad in [
        DemoOptions {
            people: 20,
            ..options(1)
        },
        DemoOptions {
            units: 0,
            ..options(1)
        },
        DemoOptions {
            days: 5,
            ..options(1)
        },
    ] {
        let error = seed_demo(&store, &bad).await.unwrap_err();
        assert!(matches!(error, Error::Invalid(_)), "{error}");
    }
    assert!(store.find_organization(ORG_NAME).await.unwrap().is_none());
}

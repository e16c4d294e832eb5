//! How long `seed_demo` takes on a fresh SQLite file: the whole demo (synthetic
//! organization, import, activist selection, cascade, history, every write), timed end to
//! end; prints each run, the median, and what the demo holds.
//!
//! ```text
//! cargo bench -p demo --bench demo_seed -- [--runs 3] [--people 2000] [--seed 1] [--days 60]
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use demo::{DemoOptions, seed_demo};
use movement::{AskStatus, EventPayload};
use store::Store;

fn main() {
    let mut options = DemoOptions::default();
    let mut runs = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => runs = value().parse().expect("--runs N"),
            "--people" => options.people = value().parse().expect("--people N"),
            "--seed" => options.seed = value().parse().expect("--seed N"),
            "--days" => options.days = value().parse().expect("--days N"),
            // `cargo bench` passes `--bench`.
            _ => {}
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut times: Vec<Duration> = Vec::new();
    for run in 1..=runs {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let elapsed = runtime.block_on(async {
            let store = Store::open(&url).await.expect("open the store");
            let started = Instant::now();
            let demo = seed_demo(&store, &options).await.expect("seed the demo");
            let elapsed = started.elapsed();
            if run == 1 {
                describe(&store, &demo).await;
            }
            store.close().await;
            elapsed
        });
        println!("run {run}: {:.2} s", elapsed.as_secs_f64());
        times.push(elapsed);
    }
    times.sort();
    println!(
        "median of {runs} runs, {} people, {} days: {:.2} s",
        options.people,
        options.days,
        times[times.len() / 2].as_secs_f64()
    );
}

/// The day the movement started: its host's joining.
fn demo_start(
    memberships: &[(movement::MembershipId, movement::Membership)],
) -> chrono::DateTime<chrono::Utc> {
    memberships
        .iter()
        .map(|(_, m)| m.joined_at)
        .min()
        .expect("a host")
}

/// What the demo holds: people in by role, asks and their conversion, events by kind.
async fn describe(store: &Store, demo: &demo::DemoOrg) {
    let org = store.org(demo.org);
    let memberships = org.memberships(demo.movement).await.unwrap();
    let mut roles: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, membership) in &memberships {
        *roles.entry(membership.role.as_str()).or_default() += 1;
    }
    println!("memberships: {} {roles:?}", memberships.len());
    let asks = org.asks(demo.movement).await.unwrap();
    let mut by_channel: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (_, ask) in &asks {
        if ask.status == AskStatus::Drafted {
            continue;
        }
        let entry = by_channel.entry(ask.channel.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(ask.status == AskStatus::Joined);
    }
    for (channel, (sent, joined)) in &by_channel {
        println!(
            "  {channel:>10}: {sent:>5} sent, {joined:>4} joined ({:.1} %)",
            100.0 * *joined as f64 / *sent as f64
        );
    }
    let events = org.events().await.unwrap();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for event in &events {
        *kinds.entry(event.payload.kind()).or_default() += 1;
    }
    println!("events: {} {kinds:?}", events.len());
    let stories: BTreeMap<&str, usize> =
        events.iter().fold(BTreeMap::new(), |mut counts, event| {
            if let EventPayload::StoryPublished { spec, .. } = &event.payload {
                *counts.entry(spec.kind.as_str()).or_default() += 1;
            }
            counts
        });
    println!("stories: {stories:?}");
    let adoptions = org.adoptions().await.unwrap();
    println!("adoptions: {}", adoptions.len());
    // People in, and adoptions, at the end of each week.
    let start = demo_start(&memberships);
    let weekly = |times: &[chrono::DateTime<chrono::Utc>]| -> Vec<usize> {
        (1..=9)
            .map(|week| {
                let end = start + chrono::Duration::days(7 * week);
                times.iter().filter(|&&t| t < end).count()
            })
            .collect()
    };
    let joined: Vec<_> = memberships.iter().map(|(_, m)| m.joined_at).collect();
    let adopted: Vec<_> = adoptions
        .values()
        .filter_map(|t| match t {
            movement::AdoptionTime::At(at) => Some(*at),
            _ => None,
        })
        .collect();
    println!("people in by week: {:?}", weekly(&joined));
    println!("adoptions by week: {:?}", weekly(&adopted));
    for person in demo.people() {
        println!(
            "  sign in as {}: {} <{}>",
            person.role.as_str(),
            person.name,
            person.email
        );
    }
}

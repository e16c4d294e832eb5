//! A process killed with SIGKILL in the middle of an import leaves the database with all of
//! the file or none of it, never a part, and never damaged.
//!
//! The test re-runs its own binary as a child that runs only [`import_child`] (ignored, so
//! it never runs on its own), importing a generated people.csv and ties.csv into an SQLite
//! file and printing a marker line as each stage begins and ends. The parent first lets one
//! child finish, to time the imports on this machine; then, three times, waits for a marker,
//! sleeps a seeded fraction of the stage's duration, kills the child, reopens the store and
//! checks what is there. A marker printed after an import returned means that import committed, so it
//! must be found whole.
//!
//! On SQLite the store owns the crash safety (one transaction per import, WAL, the settings
//! in `Store::open_sqlite`), so that is where the kills are many. A PostgreSQL server's own
//! crash safety is not ours to test; what is ours is that an import is one transaction, so
//! a client killed in the middle of it leaves nothing: one kill checks that.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use store::Store;

use crate::util::Raw;

/// Where the child finds its database and its data: `DB_PATH|DATA_DIR` for SQLite,
/// `postgres:SCHEMA|DATA_DIR` for a PostgreSQL schema made as `util::postgres` makes them.
const CHILD_ENV: &str = "GROUNDSWELL_DURABILITY_CHILD";
const MARKER: &str = "durability-marker:";
const PEOPLE: usize = 20_000;
const TIES: usize = 400_000;

/// The stages the child announces, in order.
const IMPORT_BEGUN: &str = "import-begun";
const PEOPLE_DONE: &str = "people-done";
const TIES_DONE: &str = "ties-done";

/// The child: imports people then ties into the database the parent names. Does nothing
/// when run without the parent's environment (e.g. `--include-ignored` by hand).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child of sigkill_mid_import_leaves_all_or_nothing; runs only under it"]
async fn import_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (target, data) = spec.split_once('|').expect("TARGET|DATA_DIR");
    let store = match target.strip_prefix("postgres:") {
        Some(schema) => {
            let options = PgConnectOptions::from_str(&crate::util::postgres_admin_url())
                .unwrap()
                .username(crate::util::TEST_ROLE)
                .options([("search_path", schema)]);
            Store::open_postgres(options).await.unwrap()
        }
        None => Store::open(&format!("sqlite://{target}")).await.unwrap(),
    };
    let org = store
        .find_organization("Acme")
        .await
        .unwrap()
        .expect("the parent made it");
    let open =
        |name: &str| BufReader::new(std::fs::File::open(Path::new(data).join(name)).unwrap());
    mark(IMPORT_BEGUN);
    org.import_people("people.csv", open("people.csv"))
        .await
        .unwrap();
    mark(PEOPLE_DONE);
    org.import_ties("ties.csv", open("ties.csv")).await.unwrap();
    mark(TIES_DONE);
}

fn mark(stage: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARKER} {stage}").unwrap();
    out.flush().unwrap();
}

/// SplitMix64, for delays that differ from kill to kill but not from run to run.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn write_data(dir: &Path) {
    let mut people = String::from("id,name,email,unit,manager_id\n");
    for i in 0..PEOPLE {
        let manager = if i == 0 {
            String::new()
        } else {
            format!("e{}", (i - 1) / 10)
        };
        people.push_str(&format!(
            "e{i},Person {i},p{i}@acme.example,Unit {},{manager}\n",
            i % 50
        ));
    }
    std::fs::write(dir.join("people.csv"), people).unwrap();
    // Distinct ties without a set: person i to the `k`-th next person, k = 1..=TIES/PEOPLE.
    let mut ties = String::from("source,target,layer,weight\n");
    for n in 0..TIES {
        let (source, step) = (n % PEOPLE, 1 + n / PEOPLE);
        ties.push_str(&format!(
            "e{source},e{},advice,{}\n",
            (source + step) % PEOPLE,
            1 + n % 3
        ));
    }
    std::fs::write(dir.join("ties.csv"), ties).unwrap();
}

/// How many ties the `ties_set` events hold.
fn ties_in(payloads: &[String]) -> i64 {
    payloads
        .iter()
        .map(|payload| {
            let payload: serde_json::Value = serde_json::from_str(payload).unwrap();
            payload["ties"].as_array().unwrap().len() as i64
        })
        .sum()
}

/// What a killed child left: rows and events, read straight from the file.
struct Found {
    people: i64,
    ties: i64,
    people_events: i64,
    tied_in_events: i64,
    integrity: String,
    foreign_key_problems: i64,
}

async fn inspect(db: &Path) -> Found {
    // Reopening through the store first: recovery of the write-ahead log, migrations.
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    store.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let ties_payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'ties_set'")
            .fetch_all(&pool)
            .await
            .unwrap();
    let tied_in_events = ties_in(&ties_payloads);
    let found = Found {
        people: count("SELECT COUNT(*) FROM people").await,
        ties: count("SELECT COUNT(*) FROM ties").await,
        people_events: count("SELECT COUNT(*) FROM events WHERE kind = 'person_added'").await,
        tied_in_events,
        integrity: sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap(),
        foreign_key_problems: sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .unwrap()
            .len() as i64,
    };
    pool.close().await;
    found
}

/// Runs the child on `db`; with `kill = Some((stage, delay))`, kills it `delay` after it
/// announced `stage`, otherwise lets it finish. Returns the stages it announced (before
/// dying), each with when the parent read it.
fn run_child(target: &str, data: &Path, kill: Option<(&str, Duration)>) -> Vec<(String, Instant)> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "durability::import_child",
            "--nocapture",
            "--include-ignored",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, format!("{target}|{}", data.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest may print its "test … ..." on the same line, before the first marker.
            if let Some((_, stage)) = line.split_once(MARKER) {
                // The parent may have stopped listening; the stage is still kept below.
                let _ = send.send((stage.trim().to_string(), Instant::now()));
            }
        }
    });
    let mut announced = Vec::new();
    if let Some((stage, delay)) = kill {
        loop {
            let seen = receive
                .recv_timeout(Duration::from_secs(120))
                .unwrap_or_else(|e| {
                    let _ = child.kill();
                    panic!("the child never announced {stage:?} ({e}); it announced {announced:?}")
                });
            let done = seen.0 == stage;
            announced.push(seen);
            if done {
                break;
            }
        }
        std::thread::sleep(delay);
        // SIGKILL on Unix: no destructor, no rollback, no flush runs in the child.
        child.kill().unwrap();
        child.wait().unwrap();
    } else {
        assert!(child.wait().unwrap().success(), "the child failed");
    }
    reader.join().unwrap();
    // Whatever the child printed before it died is in the pipe, and now read.
    announced.extend(receive.try_iter());
    announced
}

/// A fresh database holding the organization the child imports into.
fn fresh_database(runtime: &tokio::runtime::Runtime, db: &Path) {
    runtime.block_on(async {
        let store = Store::open(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        store.create_organization("Acme").await.unwrap();
        store.close().await;
    });
}

fn when(announced: &[(String, Instant)], stage: &str) -> Instant {
    announced
        .iter()
        .find(|(s, _)| s == stage)
        .unwrap_or_else(|| panic!("{stage} was not announced: {announced:?}"))
        .1
}

#[test]
fn sigkill_mid_import_leaves_all_or_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());

    // First a run to the end: the whole data must be there, and it says how long each
    // import takes on this machine, so that the kills land inside them.
    let db = dir.path().join("complete.db");
    fresh_database(&runtime, &db);
    let announced = run_child(&db.display().to_string(), dir.path(), None);
    let found = runtime.block_on(inspect(&db));
    assert_eq!((found.people, found.ties), (PEOPLE as i64, TIES as i64));
    assert_eq!(
        (found.people_events, found.tied_in_events),
        (PEOPLE as i64, TIES as i64)
    );
    let people_time = when(&announced, PEOPLE_DONE) - when(&announced, IMPORT_BEGUN);
    let ties_time = when(&announced, TIES_DONE) - when(&announced, PEOPLE_DONE);
    eprintln!("uninterrupted: people {people_time:?}, ties {ties_time:?}");

    // Three kills at seeded points: inside the people import, and twice in the second
    // half of the ties import (reading and checking come first, the writes last).
    let plan = [
        (IMPORT_BEGUN, people_time, 0.2..0.9),
        (PEOPLE_DONE, ties_time, 0.4..0.85),
        (PEOPLE_DONE, ties_time, 0.4..0.85),
    ];
    let mut seed = 0x5eed_u64;
    let mut interrupted = 0;
    for (round, (stage, duration, fraction)) in plan.into_iter().enumerate() {
        let db: PathBuf = dir.path().join(format!("kill-{round}.db"));
        fresh_database(&runtime, &db);
        let unit = (splitmix(&mut seed) % 1_000) as f64 / 1_000.0;
        let delay = duration.mul_f64(fraction.start + (fraction.end - fraction.start) * unit);
        let announced: Vec<String> =
            run_child(&db.display().to_string(), dir.path(), Some((stage, delay)))
                .into_iter()
                .map(|(stage, _)| stage)
                .collect();
        let found = runtime.block_on(inspect(&db));
        let context = format!(
            "kill {round}, {delay:?} after {stage}: announced {announced:?}, found {} people, {} ties",
            found.people, found.ties
        );
        eprintln!("{context}");

        assert_eq!(found.integrity, "ok", "{context}");
        assert_eq!(found.foreign_key_problems, 0, "{context}");
        let people_done = announced.iter().any(|s| s == PEOPLE_DONE);
        let ties_done = announced.iter().any(|s| s == TIES_DONE);
        // All or nothing, and what was announced as done is there.
        assert!(
            found.people == 0 || found.people == PEOPLE as i64,
            "{context}"
        );
        assert!(found.ties == 0 || found.ties == TIES as i64, "{context}");
        assert!(!people_done || found.people == PEOPLE as i64, "{context}");
        assert!(!ties_done || found.ties == TIES as i64, "{context}");
        assert!(found.ties == 0 || found.people > 0, "{context}");
        // The event log matches the tables: one event per person added, and the ties
        // events holding exactly the ties stored.
        assert_eq!(found.people_events, found.people, "{context}");
        assert_eq!(found.tied_in_events, found.ties, "{context}");
        // (A kill just after the commit, before the marker, finds the ties whole.)
        if found.ties == 0 {
            interrupted += 1;
        }
    }
    // Otherwise the kills came too late to test anything (a machine much faster or much
    // more loaded than when the run to the end was timed).
    assert!(
        interrupted >= 2,
        "only {interrupted} of the kills interrupted an import"
    );
}

/// What a killed client left in its PostgreSQL schema, read as the administrator.
async fn inspect_postgres(db: &crate::util::TestDb) -> Found {
    let Raw::Postgres { admin, schema, .. } = &db.raw else {
        unreachable!()
    };
    let count = |sql: String| async move {
        sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(admin)
            .await
            .unwrap()
    };
    let payloads: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT payload FROM {schema}.events WHERE kind = 'ties_set'"
    ))
    .fetch_all(admin)
    .await
    .unwrap();
    Found {
        people: count(format!("SELECT COUNT(*) FROM {schema}.people")).await,
        ties: count(format!("SELECT COUNT(*) FROM {schema}.ties")).await,
        people_events: count(format!(
            "SELECT COUNT(*) FROM {schema}.events WHERE kind = 'person_added'"
        ))
        .await,
        tied_in_events: ties_in(&payloads),
        // The server's business (see the module's comment).
        integrity: "ok".to_string(),
        foreign_key_problems: 0,
    }
}

#[test]
fn killing_a_postgres_client_mid_import_leaves_all_or_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let fresh_schema = || {
        runtime.block_on(async {
            let db = crate::util::postgres().await;
            db.store.create_organization("Acme").await.unwrap();
            let Raw::Postgres { schema, .. } = &db.raw else {
                unreachable!()
            };
            let target = format!("postgres:{schema}");
            (db, target)
        })
    };

    // A run to the end, to time the ties import here.
    let (db, target) = fresh_schema();
    let announced = run_child(&target, dir.path(), None);
    let found = runtime.block_on(inspect_postgres(&db));
    assert_eq!((found.people, found.ties), (PEOPLE as i64, TIES as i64));
    assert_eq!(
        (found.people_events, found.tied_in_events),
        (PEOPLE as i64, TIES as i64)
    );
    runtime.block_on(db.finish());
    let ties_time = when(&announced, TIES_DONE) - when(&announced, PEOPLE_DONE);

    // Killed in the second half of the ties import, where the writes are.
    let (db, target) = fresh_schema();
    let delay = ties_time.mul_f64(0.7);
    let announced: Vec<String> = run_child(&target, dir.path(), Some((PEOPLE_DONE, delay)))
        .into_iter()
        .map(|(stage, _)| stage)
        .collect();
    let found = runtime.block_on(inspect_postgres(&db));
    let context = format!(
        "killed {delay:?} after {PEOPLE_DONE}: announced {announced:?}, found {} people, {} ties",
        found.people, found.ties
    );
    eprintln!("{context}");
    assert_eq!(found.people, PEOPLE as i64, "{context}");
    let ties_done = announced.iter().any(|s| s == TIES_DONE);
    assert!(found.ties == 0 || found.ties == TIES as i64, "{context}");
    assert!(!ties_done || found.ties == TIES as i64, "{context}");
    assert_eq!(found.people_events, found.people, "{context}");
    assert_eq!(found.tied_in_events, found.ties, "{context}");
    runtime.block_on(db.finish());
}

//! How long importing a large organization takes: `people.csv` then `ties.csv`, into a fresh
//! SQLite file and into a fresh PostgreSQL schema, timed end to end (parse, validate, write,
//! events) as `Org::import_people` + `Org::import_ties` do it.
//!
//! ```text
//! cargo bench -p store --bench import -- --runs 3 [--people 100000] [--ties 1000000] [--backend sqlite|postgres|both]
//! ```
//!
//! The organization is synthetic and deterministic (a fixed seed): people with unit,
//! location, grade and a manager (a tree ten wide), and ties spread over four layers with no
//! duplicates. PostgreSQL: `GROUNDSWELL_TEST_POSTGRES` (default
//! `postgres://root@127.0.0.1:5432/test`) is the administrator connection; each run gets its
//! own schema owned by the non-superuser role `groundswell_test`, so row-level security is in
//! force as in production, and the schema is dropped afterwards.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use store::Store;

const LAYERS: [&str; 4] = ["advice", "collaboration", "friendship", "communication"];
const ROLE: &str = "groundswell_test";

struct Options {
    runs: usize,
    people: usize,
    ties: usize,
    sqlite: bool,
    postgres: bool,
}

fn options() -> Options {
    let mut options = Options {
        runs: 3,
        people: 100_000,
        ties: 1_000_000,
        sqlite: true,
        postgres: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => options.runs = value().parse().expect("--runs N"),
            "--people" => options.people = value().parse().expect("--people N"),
            "--ties" => options.ties = value().parse().expect("--ties N"),
            "--backend" => match value().as_str() {
                "sqlite" => options.postgres = false,
                "postgres" => options.sqlite = false,
                "both" => {}
                other => panic!("--backend sqlite|postgres|both, not {other}"),
            },
            // `cargo bench` passes `--bench`; anything else of libtest's is not ours either.
            _ => {}
        }
    }
    options
}

/// SplitMix64: a few lines, deterministic across platforms, good enough to scatter ties.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Writes `people.csv` and `ties.csv` of the synthetic organization into `dir`.
fn write_organization(dir: &Path, people: usize, ties: usize) -> (PathBuf, PathBuf) {
    let mut text = String::with_capacity(people * 80);
    text.push_str("id,name,email,unit,location,grade,manager_id\n");
    for i in 0..people {
        let manager = if i == 0 {
            String::new()
        } else {
            format!("e{}", (i - 1) / 10)
        };
        writeln!(
            text,
            "e{i},Person {i},person.{i}@acme.example,Unit {},Site {},G{},{manager}",
            i % 300,
            i % 12,
            1 + i % 8
        )
        .unwrap();
    }
    let people_path = dir.join("people.csv");
    std::fs::write(&people_path, &text).unwrap();

    let mut random = SplitMix(0x67_726f_756e_6473);
    let mut seen = HashSet::with_capacity(ties);
    let mut text = String::with_capacity(ties * 32);
    text.push_str("source,target,layer,weight\n");
    while seen.len() < ties {
        let (source, target, layer) = (
            random.below(people),
            random.below(people),
            random.below(LAYERS.len()),
        );
        if source == target || !seen.insert((source, target, layer)) {
            continue;
        }
        let weight = 1 + random.below(5);
        writeln!(text, "e{source},e{target},{},{weight}", LAYERS[layer]).unwrap();
    }
    let ties_path = dir.join("ties.csv");
    std::fs::write(&ties_path, &text).unwrap();
    (people_path, ties_path)
}

/// Imports both files into a fresh organization of `store`: (people, ties) durations.
async fn import(
    store: &Store,
    people: &Path,
    ties: &Path,
    expected_ties: usize,
) -> (Duration, Duration) {
    let org = store.create_organization("Bench").await.unwrap();
    let start = Instant::now();
    let diff = org
        .import_people(
            "people.csv",
            BufReader::new(std::fs::File::open(people).unwrap()),
        )
        .await
        .unwrap();
    let people_time = start.elapsed();
    let start = Instant::now();
    let summary = org
        .import_ties(
            "ties.csv",
            BufReader::new(std::fs::File::open(ties).unwrap()),
        )
        .await
        .unwrap();
    let ties_time = start.elapsed();
    assert_eq!(summary.written, expected_ties);
    assert!(diff.added > 0);
    (people_time, ties_time)
}

fn report(backend: &str, times: &mut [Duration]) {
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{backend}: median {:.2} s over {} runs",
        median.as_secs_f64(),
        times.len()
    );
}

fn line(backend: &str, run: usize, (people, ties): (Duration, Duration)) -> Duration {
    let total = people + ties;
    println!(
        "{backend} run {run}: people {:.2} s + ties {:.2} s = {:.2} s",
        people.as_secs_f64(),
        ties.as_secs_f64(),
        total.as_secs_f64()
    );
    total
}

async fn bench_sqlite(options: &Options, dir: &Path, people: &Path, ties: &Path) {
    let mut times = Vec::new();
    for run in 1..=options.runs {
        let path = dir.join(format!("run-{run}.db"));
        let store = Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        times.push(line(
            "sqlite",
            run,
            import(&store, people, ties, options.ties).await,
        ));
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    report("sqlite", &mut times);
}

async fn bench_postgres(options: &Options, people: &Path, ties: &Path) {
    let url = std::env::var("GROUNDSWELL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query(&format!(
        "DO $$ BEGIN CREATE ROLE {ROLE} LOGIN NOSUPERUSER; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ))
    .execute(&admin)
    .await
    .unwrap();
    let mut times = Vec::new();
    for run in 1..=options.runs {
        let schema = format!("gs_bench_{}_{run}", std::process::id());
        sqlx::query(&format!("CREATE SCHEMA {schema} AUTHORIZATION {ROLE}"))
            .execute(&admin)
            .await
            .unwrap();
        let connect = PgConnectOptions::from_str(&url)
            .unwrap()
            .username(ROLE)
            .options([("search_path", schema.as_str())]);
        let store = Store::open_postgres(connect).await.unwrap();
        times.push(line(
            "postgres",
            run,
            import(&store, people, ties, options.ties).await,
        ));
        store.close().await;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&admin)
            .await
            .unwrap();
    }
    report("postgres", &mut times);
}

#[tokio::main]
async fn main() {
    let options = options();
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let (people, ties) = write_organization(dir.path(), options.people, options.ties);
    println!(
        "organization: {} people, {} ties, written in {:.1} s",
        options.people,
        options.ties,
        start.elapsed().as_secs_f64()
    );
    if options.sqlite {
        bench_sqlite(&options, dir.path(), &people, &ties).await;
    }
    if options.postgres {
        bench_postgres(&options, &people, &ties).await;
    }
}

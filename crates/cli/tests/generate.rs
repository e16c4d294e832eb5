//! `groundswell generate` end to end: the files it writes are read back by the other
//! commands, the seed fixes them, existing files and bad parameters are refused.

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{TestDir, stdout};

fn generate(dir: &TestDir, extra: &[&str]) -> Value {
    let mut args = vec!["generate", "--format", "json"];
    args.extend(extra);
    let assert = dir.run(&args).success().stderr("");
    serde_json::from_str(&stdout(&assert)).expect("stdout is JSON")
}

#[test]
fn the_files_it_writes_are_read_by_the_analyst_commands() {
    let dir = TestDir::new();
    let report = generate(&dir, &["--dir", "org", "--people", "300", "--units", "5"]);
    assert_eq!(report["people"], 300);
    let people = std::fs::read_to_string(dir.path().join("org/people.csv")).unwrap();
    assert_eq!(
        people.lines().count(),
        301,
        "a header and one row per person"
    );
    assert!(
        people.starts_with("id,name,email,unit,location,grade,manager_id\n"),
        "{}",
        &people[..80]
    );
    let ties = std::fs::read_to_string(dir.path().join("org/ties.csv")).unwrap();
    assert_eq!(
        ties.lines().count() as u64 - 1,
        report["ties"].as_u64().unwrap()
    );
    let analyze = dir
        .run(&[
            "analyze",
            "--people",
            "org/people.csv",
            "--ties",
            "org/ties.csv",
            "--layers",
            "advice,collaboration",
            "--format",
            "json",
        ])
        .success();
    let analysis: Value = serde_json::from_str(&stdout(&analyze)).unwrap();
    assert_eq!(analysis["network"]["n_people"], 300, "{analysis}");
}

#[test]
fn the_seed_fixes_the_files() {
    let dir = TestDir::new();
    generate(&dir, &["--dir", "a", "--people", "200", "--seed", "4"]);
    generate(&dir, &["--dir", "b", "--people", "200", "--seed", "4"]);
    generate(&dir, &["--dir", "c", "--people", "200", "--seed", "5"]);
    let read = |path: &str| std::fs::read(dir.path().join(path)).unwrap();
    assert_eq!(read("a/ties.csv"), read("b/ties.csv"));
    assert_eq!(read("a/people.csv"), read("b/people.csv"));
    assert_ne!(read("a/ties.csv"), read("c/ties.csv"));
}

#[test]
fn existing_files_are_kept_unless_forced() {
    let dir = TestDir::new();
    generate(&dir, &["--dir", "org", "--people", "100"]);
    let before = std::fs::read(dir.path().join("org/people.csv")).unwrap();
    dir.run(&["generate", "--dir", "org", "--people", "120"])
        .code(2)
        .stderr(predicate::str::contains("exists already; pass --force"));
    assert_eq!(
        std::fs::read(dir.path().join("org/people.csv")).unwrap(),
        before
    );
    let report = generate(&dir, &["--dir", "org", "--people", "120", "--force"]);
    assert_eq!(report["people"], 120);
}

#[test]
fn bad_parameters_are_refused_with_their_name() {
    let dir = TestDir::new();
    dir.run(&[
        "generate", "--dir", "org", "--people", "10", "--units", "12",
    ])
    .code(2)
    .stderr(predicate::str::contains("n_people"));
    dir.run(&["generate", "--dir", "org", "--people", "many"])
        .code(2)
        .stderr(predicate::str::contains("--people"));
    assert!(!dir.path().join("org/people.csv").exists());
}

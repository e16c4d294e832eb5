//! `groundswell recommend` end to end: picks that can be read off the files by hand, who
//! asks whom, exclusions and quotas, the three formats, bad input, thread independence.

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{TestDir, fixture, stderr, stdout};

/// Ann talks to Bob, Cat and Dan (sales); Eve talks to Fay (ops); Gus (ops, a director)
/// talks to everyone in ops and to Dan.
const PEOPLE: &str = "id,name,unit,grade\n\
                      a,Ann,sales,staff\nb,Bob,sales,staff\nc,Cat,sales,staff\nd,Dan,sales,staff\n\
                      e,Eve,ops,staff\nf,Fay,ops,staff\ng,Gus,ops,director\n";
const TIES: &str = "source,target,layer,weight\n\
                    a,b,communication,1\na,c,communication,1\na,d,communication,1\n\
                    e,f,communication,1\ng,e,communication,3\ng,f,communication,1\ng,d,communication,1\n";

fn args(dir: &TestDir, extra: &[&str]) -> Vec<String> {
    dir.write("people.csv", PEOPLE);
    dir.write("ties.csv", TIES);
    let mut args: Vec<String> = ["recommend", "--people", "people.csv", "--ties", "ties.csv"]
        .map(String::from)
        .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn json(dir: &TestDir, extra: &[&str]) -> Value {
    let mut all = args(dir, extra);
    all.extend(["--format".to_string(), "json".to_string()]);
    let assert = dir.run(&all).success().stderr("");
    serde_json::from_str(&stdout(&assert)).expect("stdout is JSON")
}

fn ids(report: &Value) -> Vec<String> {
    report["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pick| pick["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn certain_spread_picks_the_biggest_reach_first() {
    let dir = TestDir::new();
    // p = 1: Gus reaches {g, e, f, d} (4), Ann {a, b, c, d} (4): Gus first (lower index
    // breaks no tie here: both reach 4, Ann then adds a, b, c = 3).
    let report = json(&dir, &["--k", "2", "--p", "1"]);
    let picks = ids(&report);
    assert_eq!(picks.len(), 2);
    assert!(
        picks.contains(&"a".to_string()) && picks.contains(&"g".to_string()),
        "{picks:?}"
    );
    // Together they reach all seven people: the spread is exact.
    assert_eq!(report["spread"]["mean"], 7.0);
    let curve: Vec<f64> = report["reach_curve"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reach"].as_f64().unwrap())
        .collect();
    assert_eq!(curve.len(), 3);
    assert!(curve[0] == 0.0 && curve[1] <= curve[2]);
    assert!(
        report["picks"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("reaches ~")
    );
    assert_eq!(report["parameters"]["k"], 2);
}

#[test]
fn exclusions_grades_and_the_already_active_are_never_picked() {
    let dir = TestDir::new();
    let report = json(
        &dir,
        &[
            "--k",
            "2",
            "--p",
            "1",
            "--exclude-grade",
            "Director",
            "--exclude",
            "a",
        ],
    );
    let picks = ids(&report);
    assert!(
        !picks.contains(&"g".to_string()) && !picks.contains(&"a".to_string()),
        "{picks:?}"
    );
    let report = json(&dir, &["--k", "1", "--p", "1", "--fixed", "g"]);
    // Gus is active: Ann adds a, b, c (d is Gus's already). No tie between them, but a
    // path through Dan: Gus asks, two steps away.
    assert_eq!(ids(&report), vec!["a"]);
    assert_eq!(report["picks"][0]["asked_by"], "g");
    assert_eq!(report["picks"][0]["ask_hops"], 2);
    assert!(report["picks"][0]["ask_tie_weight"].is_null());
    assert_eq!(report["parameters"]["n_fixed"], 1);
}

#[test]
fn the_strongest_tie_asks_and_paths_count_steps() {
    let dir = TestDir::new();
    // Eve is active and picks exclude Ann: Gus (tie weight 3 to Eve) is asked by Eve.
    let report = json(
        &dir,
        &["--k", "1", "--p", "1", "--fixed", "e", "--exclude", "a"],
    );
    assert_eq!(ids(&report), vec!["g"]);
    assert_eq!(report["picks"][0]["asked_by"], "e");
    assert_eq!(report["picks"][0]["asked_by_name"], "Eve");
    assert_eq!(report["picks"][0]["ask_hops"], 1);
    assert_eq!(report["picks"][0]["ask_tie_weight"], 3.0);
    // Fay is engaged; Ann is two ties from Gus … and three from Fay: via Dan and Gus.
    let report = json(
        &dir,
        &["--k", "1", "--p", "1", "--engaged", "f", "--exclude", "g"],
    );
    assert_eq!(ids(&report), vec!["a"]);
    assert_eq!(report["picks"][0]["asked_by"], "f");
    assert_eq!(report["picks"][0]["ask_hops"], 3);
}

#[test]
fn per_unit_caps_spread_the_picks() {
    let dir = TestDir::new();
    let report = json(&dir, &["--k", "2", "--p", "0.5", "--max-per-unit", "1"]);
    let units: Vec<&str> = report["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units.len(), 2);
    assert_ne!(units[0], units[1]);
}

#[test]
fn table_and_csv_formats() {
    let dir = TestDir::new();
    let assert = dir.run(&args(&dir, &["--k", "2", "--p", "1"])).success();
    let table = stdout(&assert);
    assert!(
        table.contains("expected reach") && table.contains("asked by"),
        "{table}"
    );
    let assert = dir
        .run(&args(&dir, &["--k", "2", "--p", "1", "--format", "csv"]))
        .success()
        .stderr(predicate::str::contains("expected reach 7"));
    let csv = stdout(&assert);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("rank,id,name,unit,marginal_gain,reach")
    );
    assert_eq!(lines.count(), 2);
}

#[test]
fn bad_ids_grades_and_impossible_quotas_are_bad_input() {
    let dir = TestDir::new();
    for (extra, needle) in [
        (
            vec!["--k", "1", "--fixed", "zed"],
            "unknown id `zed` in --fixed",
        ),
        (
            vec!["--k", "1", "--exclude", "b,zed"],
            "unknown id `zed` in --exclude",
        ),
        (
            vec!["--k", "1", "--exclude-grade", "ceo"],
            "no one has grade `ceo`",
        ),
        (
            vec!["--k", "3", "--max-per-unit", "1"],
            "at most 2 picks, fewer than k = 3",
        ),
        (
            vec!["--k", "2", "--min-per-unit", "4"],
            "needs at least 4 picks",
        ),
        (vec!["--k", "8"], "8 activists requested, but only 7"),
        (vec!["--k", "1", "--epsilon", "0.9"], "epsilon"),
        (
            vec!["--k", "1", "--quota-by", "office", "--max-per-unit", "1"],
            "`office` column",
        ),
    ] {
        let assert = dir.run(&args(&dir, &extra)).code(2).stdout("");
        let text = stderr(&assert);
        assert!(
            text.starts_with("error: ") && text.contains(needle),
            "{extra:?}: {text}"
        );
        assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    }
    dir.run(&args(&dir, &["--k", "0"])).code(2);
    dir.run(&args(&dir, &["--k", "1", "--p", "2"])).code(2);
}

#[test]
fn same_picks_on_any_number_of_threads() {
    let dir = TestDir::new();
    let people = fixture("email_eu_core", "people.csv");
    let ties = fixture("email_eu_core", "ties.csv");
    let run = |threads: &str| {
        let assert = dir
            .run(&[
                "--threads",
                threads,
                "recommend",
                "--people",
                people.to_str().unwrap(),
                "--ties",
                ties.to_str().unwrap(),
                "--k",
                "5",
                "--p",
                "0.02",
                "--max-per-unit",
                "2",
                "--format",
                "json",
            ])
            .success();
        stdout(&assert)
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let report: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(ids(&report).len(), 5);
}

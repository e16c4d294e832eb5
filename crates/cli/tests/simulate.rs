//! `groundswell simulate` end to end: certain cascades whose outcome can be read off the
//! files by hand, the three formats, adoptions files, bad input, and thread independence.

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{TestDir, fixture, stderr, stdout};

/// A path a → b → c → d (advice ties) and Eve without ties; units sales {a, b}, ops {c, d, e}.
const PEOPLE: &str = "id,name,unit\na,Ann,sales\nb,Bob,sales\nc,Cat,ops\nd,Dan,ops\ne,Eve,ops\n";
const TIES: &str = "source,target,layer,weight\na,b,advice,1\nb,c,advice,1\nc,d,advice,1\n";

fn args(dir: &TestDir, extra: &[&str]) -> Vec<String> {
    dir.write("people.csv", PEOPLE);
    dir.write("ties.csv", TIES);
    let mut args: Vec<String> = ["simulate", "--people", "people.csv", "--ties", "ties.csv"]
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

fn means(curve: &Value) -> Vec<f64> {
    curve
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["mean"].as_f64().unwrap())
        .collect()
}

#[test]
fn certain_cascade_reaches_the_path_one_step_at_a_time() {
    let dir = TestDir::new();
    let report = json(&dir, &["--seeds", "a", "--p", "1", "--runs", "20"]);
    assert_eq!(report["spread"]["mean"], 4.0);
    assert_eq!(report["spread"]["ci_low"], 4.0);
    assert_eq!(
        report["final_sizes"],
        serde_json::json!([{"size": 4, "runs": 20}])
    );
    assert_eq!(means(&report["curve"]), vec![0.2, 0.4, 0.6, 0.8]);
    assert_eq!(report["curve"][3]["band_low"], 0.8);
    let units = report["units"].as_array().unwrap();
    assert_eq!(units.len(), 2);
    // Units in alphabetical order: ops {c, d, e} adopts c at step 2 and d at step 3.
    assert_eq!(units[0]["unit"], "ops");
    assert_eq!(units[0]["n_members"], 3);
    let ops = means(&units[0]["curve"]);
    assert_eq!(ops[0..2], [0.0, 0.0]);
    assert!((ops[3] - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(means(&units[1]["curve"]), vec![0.5, 1.0, 1.0, 1.0]);
    assert_eq!(report["parameters"]["model"], "ic");
    assert_eq!(report["parameters"]["n_seeds"], 1);
}

#[test]
fn reverse_direction_follows_advice_ties_backwards() {
    let dir = TestDir::new();
    let report = json(
        &dir,
        &[
            "--seeds",
            "d",
            "--p",
            "1",
            "--runs",
            "5",
            "--direction",
            "reverse",
        ],
    );
    assert_eq!(report["spread"]["mean"], 4.0);
    let forward = json(&dir, &["--seeds", "d", "--p", "1", "--runs", "5"]);
    assert_eq!(forward["spread"]["mean"], 1.0);
}

#[test]
fn complex_contagion_needs_two_adopting_influencers() {
    let dir = TestDir::new();
    // c has a single influencer (b): with k = 2 nothing spreads beyond the seeds.
    let report = json(
        &dir,
        &["--seeds", "a,b", "--model", "complex", "--runs", "3"],
    );
    assert_eq!(report["spread"]["mean"], 2.0);
    assert_eq!(report["parameters"]["k"], 2);
}

#[test]
fn adoptions_continue_from_their_own_steps() {
    let dir = TestDir::new();
    dir.write(
        "adoptions.csv",
        "id,behaviour,time\na,recycle,3\nb,recycle,5\nc,cycle,1\n",
    );
    let report = json(
        &dir,
        &[
            "--adoptions",
            "adoptions.csv",
            "--behaviour",
            "recycle",
            "--p",
            "1",
            "--runs",
            "4",
        ],
    );
    // a at step 0, b at step 2 (the start), then c at 3 and d at 4.
    assert_eq!(means(&report["curve"]), vec![0.2, 0.2, 0.4, 0.6, 0.8]);
    assert_eq!(report["parameters"]["start_step"], 2);
    assert_eq!(report["parameters"]["n_already_adopted"], 2);
}

#[test]
fn adoption_dates_are_grouped_into_steps_of_days() {
    let dir = TestDir::new();
    dir.write(
        "adoptions.csv",
        "id,behaviour,time\na,recycle,2024-02-26\nb,recycle,2024-03-05\n",
    );
    let report = json(
        &dir,
        &["--adoptions", "adoptions.csv", "--p", "1", "--runs", "2"],
    );
    // 8 days apart: step 1 in weeks (the default), so c and d follow at 2 and 3.
    assert_eq!(report["parameters"]["start_step"], 1);
    assert_eq!(means(&report["curve"]), vec![0.2, 0.4, 0.6, 0.8]);
}

#[test]
fn csv_has_a_row_per_step_and_scope_and_the_summary_on_stderr() {
    let dir = TestDir::new();
    let mut all = args(&dir, &["--seeds", "a", "--p", "1", "--runs", "3"]);
    all.extend(["--format", "csv", "--out", "curve.csv"].map(String::from));
    let assert = dir.run(&all).success().stdout("");
    assert!(
        stderr(&assert).contains("expected adopters 4"),
        "{}",
        stderr(&assert)
    );
    let text = std::fs::read_to_string(dir.path().join("curve.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "scope,unit,step,mean,mean_low,mean_high,band_low,band_high"
    );
    // 4 steps overall and for each of 2 units.
    assert_eq!(lines.len(), 1 + 4 * 3);
    assert!(lines[1].starts_with("all,,0,0.2,"));
    assert!(lines[5].starts_with("unit,ops,0,0.0,"), "{text}");
}

#[test]
fn table_reads_like_a_summary() {
    let dir = TestDir::new();
    let assert = dir
        .run(&args(&dir, &["--seeds", "a", "--p", "1", "--runs", "3"]))
        .success();
    let text = stdout(&assert);
    for expected in ["expected adopters", "4 (95 % CI 4 to 4)", "80 %", "sales"] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
}

#[test]
fn unknown_seed_id_is_bad_input_naming_it() {
    let dir = TestDir::new();
    let assert = dir
        .run(&args(&dir, &["--seeds", "a,zed"]))
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`zed`"));
    let text = stderr(&assert);
    assert!(text.starts_with("error: "), "{text}");
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
}

#[test]
fn bad_adoptions_are_bad_input_with_file_and_line() {
    let dir = TestDir::new();
    dir.write(
        "unknown.csv",
        "id,behaviour,time\na,recycle,1\nzed,recycle,2\n",
    );
    dir.run(&args(&dir, &["--adoptions", "unknown.csv"]))
        .code(2)
        .stderr(predicate::str::contains("unknown.csv:3").and(predicate::str::contains("zed")));
    dir.write("two.csv", "id,behaviour,time\na,recycle,1\nb,cycle,2\n");
    dir.run(&args(&dir, &["--adoptions", "two.csv"]))
        .code(2)
        .stderr(predicate::str::contains("--behaviour"));
    dir.write("time.csv", "id,behaviour,time\na,recycle,soon\n");
    dir.run(&args(&dir, &["--adoptions", "time.csv"]))
        .code(2)
        .stderr(predicate::str::contains("time.csv:2").and(predicate::str::contains("soon")));
}

#[test]
fn missing_steps_and_bad_probabilities_are_usage_errors() {
    let dir = TestDir::new();
    dir.run(&args(&dir, &["--seeds", "a", "--broadcast", "0.1"]))
        .code(2)
        .stderr(predicate::str::contains("--steps"));
    dir.run(&args(&dir, &["--seeds", "a", "--model", "persistent"]))
        .code(2)
        .stderr(predicate::str::contains("--steps"));
    dir.run(&args(&dir, &["--seeds", "a", "--p", "1.5"]))
        .code(2);
    dir.run(&args(&dir, &[])).code(2);
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let dir = TestDir::new();
    let run = |threads: &str| {
        let assert = dir
            .run(&[
                "simulate",
                "--people",
                fixture("krackhardt_hightech", "people.csv")
                    .to_str()
                    .unwrap(),
                "--ties",
                fixture("krackhardt_hightech", "ties.csv").to_str().unwrap(),
                "--seeds",
                "1,2",
                "--p",
                "0.1",
                "--broadcast",
                "0.01",
                "--steps",
                "10",
                "--runs",
                "3000",
                "--threads",
                threads,
                "--format",
                "json",
            ])
            .success();
        stdout(&assert)
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let report: Value = serde_json::from_str(&one).unwrap();
    assert!(report["spread"]["mean"].as_f64().unwrap() > 2.0);
    assert_eq!(report["curve"].as_array().unwrap().len(), 11);
}

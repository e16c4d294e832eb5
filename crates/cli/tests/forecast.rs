//! `groundswell forecast` end to end: the medical-innovation backtest against an independent
//! fit, the three formats, dated adoptions, bad input, and thread independence.

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{TestDir, fixture, stderr, stdout};

/// a asks b, b asks c (advice); d has no ties.
const PEOPLE: &str = "id,name\na,Ann\nb,Bob\nc,Cat\nd,Dan\n";
const TIES: &str = "source,target,layer,weight\na,b,advice,1\nb,c,advice,1\n";

fn medical(extra: &[&str]) -> Vec<String> {
    let file = |name: &str| {
        fixture("medical_innovation", name)
            .to_string_lossy()
            .into_owned()
    };
    let mut args: Vec<String> = vec![
        "forecast".into(),
        "--people".into(),
        file("people.csv"),
        "--ties".into(),
        file("ties.csv"),
        "--adoptions".into(),
        file("adoptions.csv"),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn small(dir: &TestDir, adoptions: &str, extra: &[&str]) -> Vec<String> {
    dir.write("people.csv", PEOPLE);
    dir.write("ties.csv", TIES);
    dir.write("adoptions.csv", adoptions);
    let mut args: Vec<String> = [
        "forecast",
        "--people",
        "people.csv",
        "--ties",
        "ties.csv",
        "--adoptions",
        "adoptions.csv",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn json(dir: &TestDir, args: &[String]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format".to_string(), "json".to_string()]);
    let assert = dir.run(&all).success().stderr("");
    serde_json::from_str(&stdout(&assert)).expect("stdout is JSON")
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[test]
fn medical_innovation_estimates_match_an_independent_fit() {
    // scipy.optimize on the person-period rows built in Python (docs/validation.md): all
    // layers, exposure both ways, months 1–17: ℓ = −340.61362, p = 0.0134803, q = 0.0954666.
    let dir = TestDir::new();
    let report = json(
        &dir,
        &medical(&["--cutoff", "17", "--until", "20", "--runs", "50"]),
    );
    let estimate = &report["estimate"];
    assert!((number(&estimate["log_likelihood"]) - -340.613620).abs() < 1e-5);
    assert!((number(&estimate["personal"]["estimate"]) - 0.0134803).abs() < 1e-4);
    assert!((number(&estimate["broadcast"]["estimate"]) - 0.0954666).abs() < 1e-4);
    assert_eq!(estimate["n_adoptions"], 109);
    assert_eq!(report["parameters"]["n_adopted_by_cutoff"], 109);
    assert_eq!(report["parameters"]["exposure"], "both");
    let periods = report["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 3);
    assert!(periods.iter().all(|row| row["observed"].is_null()));
}

#[test]
fn backtest_from_the_median_month_follows_what_happened() {
    let dir = TestDir::new();
    let report = json(
        &dir,
        &medical(&["--cutoff", "6", "--until", "17", "--runs", "500"]),
    );
    let periods = report["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 11);
    assert_eq!(periods[0]["period"], 7);
    let mut total_error = 0.0;
    let mut previous = 0.0;
    for row in periods {
        let (lower, median, upper) = (
            number(&row["lower"]),
            number(&row["median"]),
            number(&row["upper"]),
        );
        assert!(lower <= median && median <= upper, "{row}");
        assert!(median >= previous, "medians never fall: {row}");
        previous = median;
        total_error += (median - number(&row["observed"])).abs();
    }
    // As in docs/validation.md: within 0.03 of the observed share on average.
    assert!(total_error / 11.0 < 0.03, "MAE {}", total_error / 11.0);
    // 25 % was reached in month 4, before the cut-off.
    assert_eq!(report["target"]["reached_in"], 4);
    assert!(report["bass"]["market"].as_f64().unwrap() <= 125.0);
}

#[test]
fn table_and_csv_say_the_same() {
    let dir = TestDir::new();
    let args = medical(&[
        "--cutoff", "3", "--until", "8", "--runs", "200", "--target", "0.5",
    ]);
    let table = stdout(&dir.run(&args).success());
    assert!(table.contains("Forecast of tetracycline"), "{table}");
    assert!(table.contains("personal rate p"), "{table}");
    assert!(table.contains("P(≥ 50 %)"), "{table}");
    assert!(table.contains("Target: 50 % of people"), "{table}");
    let mut csv_args = args.clone();
    csv_args.extend(["--format".to_string(), "csv".to_string()]);
    let assert = dir.run(&csv_args).success();
    let csv = stdout(&assert);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("period,date,observed,median,lower,upper,probability_target,bass")
    );
    assert_eq!(lines.count(), 5);
    assert!(stderr(&assert).starts_with("groundswell: tetracycline: personal rate p"));
}

#[test]
fn dated_adoptions_become_weeks_and_label_the_periods() {
    let dir = TestDir::new();
    let adoptions = "id,behaviour,time\na,cycling,2024-01-01\nb,cycling,2024-01-09\n";
    let report = json(
        &dir,
        &small(&dir, adoptions, &["--until", "4", "--runs", "20"]),
    );
    assert_eq!(report["parameters"]["period"], "week");
    assert_eq!(report["parameters"]["cutoff"], 2);
    assert_eq!(report["estimate"]["n_adoptions"], 2);
    let periods = report["periods"].as_array().unwrap();
    assert_eq!(periods[0]["period"], 3);
    assert_eq!(periods[0]["date"], "2024-01-15");
    assert_eq!(periods[1]["date"], "2024-01-22");
    // Monthly periods instead.
    let report = json(
        &dir,
        &small(
            &dir,
            adoptions,
            &["--period", "month", "--until", "3", "--runs", "20"],
        ),
    );
    assert_eq!(report["parameters"]["cutoff"], 1);
    assert_eq!(report["periods"][0]["date"], "2024-02-01");
}

#[test]
fn the_same_seed_gives_the_same_forecast_on_any_number_of_threads() {
    let dir = TestDir::new();
    let args = medical(&[
        "--cutoff", "6", "--until", "12", "--runs", "300", "--seed", "9",
    ]);
    let run = |threads: &str| {
        let mut all = vec!["--threads".to_string(), threads.to_string()];
        all.extend(args.iter().cloned());
        all.extend(["--format".to_string(), "json".to_string()]);
        stdout(&dir.run(&all).success())
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn unknown_id_in_adoptions_is_bad_input_naming_file_and_line() {
    let dir = TestDir::new();
    let adoptions = "id,behaviour,time\na,cycling,1\nzed,cycling,2\n";
    let assert = dir
        .run(&small(&dir, adoptions, &[]))
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("adoptions.csv:3"))
        .stderr(predicate::str::contains("unknown id `zed`"));
    assert_eq!(stderr(&assert).trim_end().lines().count(), 1);
}

#[test]
fn bad_time_and_duplicates_are_bad_input_naming_the_line() {
    let dir = TestDir::new();
    dir.run(&small(
        &dir,
        "id,behaviour,time\na,cycling,1\nb,cycling,soon\n",
        &[],
    ))
    .code(2)
    .stderr(predicate::str::contains("adoptions.csv:3").and(predicate::str::contains("time")));
    dir.run(&small(
        &dir,
        "id,behaviour,time\na,cycling,1\na,cycling,2\n",
        &[],
    ))
    .code(2)
    .stderr(predicate::str::contains("adoptions.csv:3").and(predicate::str::contains("already")));
}

#[test]
fn behaviours_must_be_chosen_when_there_are_several() {
    let dir = TestDir::new();
    let adoptions = "id,behaviour,time\na,cycling,1\nb,recycling,2\nc,recycling,3\n";
    dir.run(&small(&dir, adoptions, &[])).code(2).stderr(
        predicate::str::contains("cycling, recycling").and(predicate::str::contains("--behaviour")),
    );
    dir.run(&small(&dir, adoptions, &["--behaviour", "walking"]))
        .code(2)
        .stderr(predicate::str::contains("unknown behaviour `walking`"));
    let report = json(
        &dir,
        &small(
            &dir,
            adoptions,
            &["--behaviour", "recycling", "--runs", "10"],
        ),
    );
    assert_eq!(report["parameters"]["behaviour"], "recycling");
    assert_eq!(report["estimate"]["n_adoptions"], 2);
}

#[test]
fn a_horizon_before_the_cutoff_is_bad_input() {
    let dir = TestDir::new();
    let adoptions = "id,behaviour,time\na,cycling,1\nb,cycling,2\n";
    dir.run(&small(&dir, adoptions, &["--cutoff", "2", "--until", "2"]))
        .code(2)
        .stderr(predicate::str::contains(
            "--until 2 must be after --cutoff 2",
        ));
    dir.run(&small(&dir, adoptions, &["--cutoff", "0"]))
        .code(2)
        .stderr(predicate::str::contains("cutoff"));
    dir.run(&small(&dir, adoptions, &["--target", "1.5"]))
        .code(2);
}

//! `groundswell analyze` end to end: the report's shape in each format, and facts about the
//! data that hold whatever the measures' fine details (counts read off the files by hand,
//! PageRank summing to 1, the unit matrix adding up to the edges analysed).

use std::io::pipe;
use std::process::Stdio;

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{TestDir, fixture, stderr, stdout};

/// A hand-checkable network: five people (Dan has no unit, Eve no ties) and six ties.
/// Merged edges: a→b (2), b→a (2), a→c (1), c→c (1), c→d (3).
const PEOPLE: &str = "id,name,unit\na,Ann,sales\nb,Bob,sales\nc,Cat,ops\nd,Dan,\ne,Eve,ops\n";
const TIES: &str = "source,target,layer,weight\n\
                    a,b,advice,1\nb,a,advice,2\na,c,advice,1\nc,c,advice,1\n\
                    a,b,friendship,1\nc,d,friendship,3\n";

const PERSON_FIELDS: [&str; 14] = [
    "id",
    "name",
    "unit",
    "in_degree",
    "out_degree",
    "in_strength",
    "out_strength",
    "pagerank",
    "betweenness",
    "harmonic_closeness",
    "core_number",
    "constraint",
    "effective_size",
    "community",
];

fn krackhardt(extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "analyze".to_string(),
        "--people".to_string(),
        fixture("krackhardt_hightech", "people.csv")
            .display()
            .to_string(),
        "--ties".to_string(),
        fixture("krackhardt_hightech", "ties.csv")
            .display()
            .to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn small(dir: &TestDir, extra: &[&str]) -> Vec<String> {
    dir.write("people.csv", PEOPLE);
    dir.write("ties.csv", TIES);
    let mut args: Vec<String> = ["analyze", "--people", "people.csv", "--ties", "ties.csv"]
        .map(String::from)
        .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs with `--format json`, expects success and nothing on stderr (no progress bar when
/// stderr is not a terminal, no logs without RUST_LOG), and parses stdout.
fn json(dir: &TestDir, mut args: Vec<String>) -> Value {
    args.extend(["--format".to_string(), "json".to_string()]);
    let assert = dir.run(&args).success().stderr("");
    serde_json::from_str(&stdout(&assert)).expect("stdout is JSON")
}

fn person<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no person {id}"))
}

fn sum(people: &[Value], field: &str) -> f64 {
    people.iter().map(|p| p[field].as_f64().unwrap()).sum()
}

#[test]
fn krackhardt_json_has_the_shape_and_the_counts_of_the_files() {
    let dir = TestDir::new();
    let report = json(&dir, krackhardt(&[]));
    let network = &report["network"];
    assert_eq!(network["n_people"], 21);
    assert_eq!(network["n_ties"], 312);
    assert_eq!(
        network["n_ties_by_layer"],
        serde_json::json!({"advice": 190, "friendship": 102, "reports_to": 20})
    );
    // 232 distinct (source, target) pairs over the three layers, none a self-tie.
    assert_eq!(network["n_edges"], 232);
    assert_eq!(network["betweenness"]["method"], "exact");
    let largest = network["largest_weak_component"].as_u64().unwrap();
    assert!((1..=21).contains(&largest));

    let people = report["people"].as_array().unwrap();
    assert_eq!(people.len(), 21);
    assert_eq!(people[0]["id"], "1");
    assert_eq!(people[0]["name"], "P0001");
    assert_eq!(people[0]["unit"], "dept_4");
    for p in people {
        let fields: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        for field in PERSON_FIELDS {
            assert!(fields.contains(&field), "{field} missing from {p}");
        }
        let pagerank = p["pagerank"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&pagerank), "{p}");
        let betweenness = p["betweenness"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&betweenness), "{p}");
        assert!(p["community"].as_u64().unwrap() < network["n_communities"].as_u64().unwrap());
    }
    assert!((sum(people, "pagerank") - 1.0).abs() < 1e-6);
    assert_eq!(sum(people, "in_degree"), 232.0);
    assert_eq!(sum(people, "out_degree"), 232.0);
    // Every tie has weight 1; parallel ties merge by adding weights.
    assert_eq!(sum(people, "in_strength"), 312.0);
    assert_eq!(sum(people, "out_strength"), 312.0);

    let matrix = &report["unit_matrix"];
    assert_eq!(
        matrix["units"],
        serde_json::json!(["ceo_office", "dept_1", "dept_2", "dept_3", "dept_4"])
    );
    let total: u64 = matrix["counts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, 232);
}

#[test]
fn layers_choose_the_analysed_graph() {
    let dir = TestDir::new();
    let report = json(&dir, krackhardt(&["--layers", "advice"]));
    assert_eq!(report["network"]["n_ties"], 312);
    assert_eq!(report["network"]["n_edges"], 190);
    assert_eq!(
        report["network"]["layers_analysed"],
        serde_json::json!(["advice"])
    );

    let report = json(&dir, small(&dir, &["--layers", "Friendship"]));
    assert_eq!(report["network"]["n_edges"], 2);
    assert_eq!(
        report["network"]["layers_analysed"],
        serde_json::json!(["friendship"])
    );
}

#[test]
fn small_network_checks_by_hand() {
    let dir = TestDir::new();
    let report = json(&dir, small(&dir, &[]));
    let network = &report["network"];
    assert_eq!(network["n_people"], 5);
    assert_eq!(network["n_ties"], 6);
    assert_eq!(network["n_edges"], 5);
    assert_eq!(network["self_loops_dropped"], false);
    // {a, b, c, d} and {e}; strongly: {a, b}, {c}, {d}, {e}.
    assert_eq!(network["n_weak_components"], 2);
    assert_eq!(network["largest_weak_component"], 4);
    assert_eq!(network["n_strong_components"], 4);
    assert_eq!(network["largest_strong_component"], 2);

    let (a, b, c, d, e) = (
        person(&report, "a"),
        person(&report, "b"),
        person(&report, "c"),
        person(&report, "d"),
        person(&report, "e"),
    );
    assert_eq!(a["out_degree"], 2);
    assert_eq!(b["in_degree"], 1);
    assert_eq!(b["in_strength"], 2.0);
    assert_eq!(c["out_degree"], 2);
    assert_eq!(c["out_strength"], 4.0);
    assert_eq!(d["unit"], Value::Null);
    assert_eq!(d["name"], "Dan");
    assert_eq!(e["in_degree"], 0);
    assert_eq!(e["constraint"], Value::Null, "Eve is isolated");
    assert_eq!(e["effective_size"], Value::Null, "Eve is isolated");

    assert_eq!(
        report["unit_matrix"],
        serde_json::json!({
            "units": ["ops", "sales", "(none)"],
            "counts": [[1, 0, 1], [1, 2, 0], [0, 0, 0]],
        })
    );

    let dropped = json(&dir, small(&dir, &["--drop-self-loops"]));
    assert_eq!(dropped["network"]["n_edges"], 4);
    assert_eq!(dropped["network"]["n_ties"], 6);
    assert_eq!(dropped["network"]["self_loops_dropped"], true);
    assert_eq!(dropped["unit_matrix"]["counts"][0][0], 0);
}

#[test]
fn edge_list_without_people_puts_everyone_under_no_unit() {
    let dir = TestDir::new();
    dir.write("ring.txt", "# a directed triangle\n1 2\n2 3\n3 1\n");
    let args = ["analyze", "--ties", "ring.txt", "--ties-format", "edgelist"]
        .map(String::from)
        .to_vec();
    let report = json(&dir, args);
    assert_eq!(report["network"]["n_people"], 3);
    assert_eq!(report["network"]["n_edges"], 3);
    assert_eq!(person(&report, "2")["name"], Value::Null);
    assert_eq!(
        report["unit_matrix"],
        serde_json::json!({"units": ["(none)"], "counts": [[3]]})
    );
}

#[test]
fn csv_has_one_row_per_person_and_the_summary_on_stderr() {
    let dir = TestDir::new();
    let assert = dir
        .run(&krackhardt(&["--format", "csv"]))
        .success()
        .stderr(predicate::str::contains("21 people").and(predicate::str::contains("312 ties")));
    let text = stdout(&assert);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, PERSON_FIELDS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 21);
    assert_eq!(&rows[20][0], "21");

    // Missing values are empty fields: Dan's unit, Eve's constraint.
    let assert = dir.run(&small(&dir, &["--format", "csv"])).success();
    let text = stdout(&assert);
    let dan = text.lines().find(|line| line.starts_with("d,")).unwrap();
    assert!(dan.starts_with("d,Dan,,"), "{dan}");
    let eve = text.lines().find(|line| line.starts_with("e,")).unwrap();
    assert!(eve.contains(",,,"), "{eve}");
}

#[test]
fn table_shows_the_summary_and_the_top_people_by_pagerank() {
    let dir = TestDir::new();
    let assert = dir.run(&krackhardt(&[])).success().stderr("");
    let text = stdout(&assert);
    assert!(
        text.contains("312 (advice 190, friendship 102, reports_to 20)"),
        "{text}"
    );
    let (_, listed) = text
        .split_once("Top 20 of 21 people by PageRank")
        .expect("a top-20 heading");
    // The heading's own line, the column header, 20 people.
    assert_eq!(listed.lines().count(), 1 + 1 + 20, "{text}");

    let assert = dir.run(&krackhardt(&["--all"])).success();
    let text = stdout(&assert);
    let (_, listed) = text
        .split_once("All 21 people")
        .expect("an all-people heading");
    assert_eq!(listed.lines().count(), 1 + 1 + 21, "{text}");
}

#[test]
fn out_writes_the_file_and_nothing_to_stdout() {
    let dir = TestDir::new();
    dir.run(&krackhardt(&["--format", "json", "--out", "report.json"]))
        .success()
        .stdout("");
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["network"]["n_people"], 21);
}

#[test]
fn output_is_the_same_for_any_thread_count() {
    let dir = TestDir::new();
    let one = json(&dir, krackhardt(&["--threads", "1", "--seed", "7"]));
    let two = json(&dir, krackhardt(&["--threads", "2", "--seed", "7"]));
    let four = json(&dir, krackhardt(&["--threads", "4", "--seed", "7"]));
    assert_eq!(one, two);
    assert_eq!(one, four);
    assert_eq!(one["network"]["seed"], 7);
}

#[test]
fn forced_approximate_betweenness_reports_its_error_bound() {
    let dir = TestDir::new();
    let report = json(
        &dir,
        krackhardt(&["--betweenness", "approx", "--epsilon", "0.05"]),
    );
    let method = &report["network"]["betweenness"];
    assert_eq!(method["method"], "approximate");
    assert_eq!(method["epsilon"], 0.05);
    assert!(method["delta"].as_f64().unwrap() > 0.0);
}

#[test]
fn broken_pipe_is_a_clean_exit() {
    let dir = TestDir::new();
    // A pipe whose reading end is already closed: every write fails with EPIPE, as when
    // `head` has quit.
    let (reader, writer) = pipe().unwrap();
    drop(reader);
    for format in ["table", "csv", "json"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_groundswell"))
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .args(krackhardt(&["--format", format]))
            .stdout(Stdio::from(writer.try_clone().unwrap()))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        dir.assert_output(output).success().stderr("");
    }
}

#[test]
fn logs_go_to_stderr_and_leave_stdout_clean() {
    let dir = TestDir::new();
    let mut cmd = dir.command();
    cmd.env("RUST_LOG", "info")
        .args(krackhardt(&["--format", "json"]));
    let assert = dir.with_context(cmd.assert()).success();
    assert!(stderr(&assert).contains("pagerank"), "{}", stderr(&assert));
    let report: Value = serde_json::from_str(&stdout(&assert)).expect("stdout is JSON");
    assert_eq!(report["network"]["n_people"], 21);
}

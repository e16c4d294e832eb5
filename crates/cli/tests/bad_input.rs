//! Bad usage and bad input: exit status 2 and a one-line message that says where and why.
//! Other failures: exit status 1.

use predicates::prelude::*;

use crate::util::{TestDir, stderr};

const PEOPLE: &str = "id,name,unit\na,Ann,sales\nb,Bob,ops\nc,Cat,ops\n";
const TIES: &str = "source,target,layer,weight\na,b,advice,1\nb,c,friendship,1\n";

/// The error message is a single line starting with `error: `.
fn assert_one_line_error(text: &str) {
    assert!(text.starts_with("error: "), "stderr: {text}");
    assert_eq!(text.trim_end().lines().count(), 1, "stderr: {text}");
}

#[test]
fn missing_ties_file_is_bad_input_naming_the_path() {
    let dir = TestDir::new();
    dir.write("people.csv", PEOPLE);
    let assert = dir
        .run(&[
            "analyze",
            "--people",
            "people.csv",
            "--ties",
            "no_such_ties.csv",
        ])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no_such_ties.csv"));
    assert_one_line_error(&stderr(&assert));
}

#[test]
fn missing_people_file_is_bad_input_naming_the_path() {
    let dir = TestDir::new();
    dir.write("ties.csv", TIES);
    let assert = dir
        .run(&[
            "analyze",
            "--people",
            "no_such_people.csv",
            "--ties",
            "ties.csv",
        ])
        .code(2)
        .stderr(predicate::str::contains("no_such_people.csv"));
    assert_one_line_error(&stderr(&assert));
}

#[test]
fn bad_weight_names_file_and_line() {
    let dir = TestDir::new();
    dir.write("people.csv", PEOPLE);
    dir.write(
        "ties.csv",
        "source,target,layer,weight\na,b,advice,1\nb,c,advice,heavy\n",
    );
    let assert = dir
        .run(&["analyze", "--people", "people.csv", "--ties", "ties.csv"])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("ties.csv:3"));
    assert_one_line_error(&stderr(&assert));
}

#[test]
fn unknown_layer_names_the_layers_that_exist() {
    let dir = TestDir::new();
    dir.write("people.csv", PEOPLE);
    dir.write("ties.csv", TIES);
    let assert = dir
        .run(&[
            "analyze",
            "--people",
            "people.csv",
            "--ties",
            "ties.csv",
            "--layers",
            "advice,gossip",
        ])
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("gossip")
                .and(predicate::str::contains("advice"))
                .and(predicate::str::contains("friendship")),
        );
    assert_one_line_error(&stderr(&assert));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let dir = TestDir::new();
    dir.run(&["analyze", "--ties", "ties.csv", "--colour", "blue"])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--colour"));
}

#[test]
fn unknown_format_is_a_usage_error_listing_the_formats() {
    let dir = TestDir::new();
    dir.run(&["analyze", "--ties", "ties.csv", "--format", "xml"])
        .code(2)
        .stderr(predicate::str::contains("xml").and(predicate::str::contains("json")));
}

#[test]
fn missing_ties_argument_is_a_usage_error() {
    let dir = TestDir::new();
    dir.run(&["analyze", "--people", "people.csv"])
        .code(2)
        .stderr(predicate::str::contains("--ties"));
}

#[test]
fn epsilon_outside_zero_one_is_a_usage_error() {
    let dir = TestDir::new();
    for epsilon in ["0", "1.5", "-0.1", "lots"] {
        dir.run(&["analyze", "--ties", "ties.csv", "--epsilon", epsilon])
            .code(2)
            .stderr(predicate::str::contains("--epsilon"));
    }
}

#[test]
fn zero_threads_is_a_usage_error() {
    let dir = TestDir::new();
    dir.run(&["analyze", "--ties", "ties.csv", "--threads", "0"])
        .code(2)
        .stderr(predicate::str::contains("--threads"));
}

#[test]
fn unwritable_output_is_a_failure_naming_the_path() {
    let dir = TestDir::new();
    dir.write("people.csv", PEOPLE);
    dir.write("ties.csv", TIES);
    let assert = dir
        .run(&[
            "analyze",
            "--people",
            "people.csv",
            "--ties",
            "ties.csv",
            "--out",
            "no_such_dir/out.json",
        ])
        .code(1)
        .stderr(predicate::str::contains("no_such_dir/out.json"));
    assert_one_line_error(&stderr(&assert));
}

#[test]
fn failed_run_leaves_no_out_file() {
    let dir = TestDir::new();
    dir.write("people.csv", PEOPLE);
    dir.write(
        "ties.csv",
        "source,target,layer,weight\na,b,advice,1\nb,c,advice,heavy\n",
    );
    dir.run(&[
        "analyze",
        "--people",
        "people.csv",
        "--ties",
        "ties.csv",
        "--format",
        "json",
        "--out",
        "report.json",
    ])
    .code(2);
    assert!(
        !dir.path().join("report.json").exists(),
        "a failed run must not leave a half-written or empty output file"
    );
}

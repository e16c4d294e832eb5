//! Help texts: each command explains itself with examples.

use predicates::prelude::*;

use crate::util::{TestDir, stdout};

#[test]
fn analyze_help_shows_examples_and_output_formats() {
    let dir = TestDir::new();
    for flag in ["--help", "-h"] {
        dir.run(&["analyze", flag]).success().stdout(
            predicate::str::contains("Examples:")
                .and(predicate::str::contains("groundswell analyze --people"))
                .and(predicate::str::contains("--format"))
                .and(predicate::str::contains("stderr")),
        );
    }
}

#[test]
fn simulate_help_shows_examples_and_output_formats() {
    let dir = TestDir::new();
    dir.run(&["simulate", "--help"]).success().stdout(
        predicate::str::contains("Examples:")
            .and(predicate::str::contains("groundswell simulate --people"))
            .and(predicate::str::contains("--direction"))
            .and(predicate::str::contains("--broadcast")),
    );
}

#[test]
fn forecast_help_explains_the_model_with_examples() {
    let dir = TestDir::new();
    dir.run(&["forecast", "--help"]).success().stdout(
        predicate::str::contains("Examples:")
            .and(predicate::str::contains("groundswell forecast --people"))
            .and(predicate::str::contains("--cutoff"))
            .and(predicate::str::contains("1 - (1 - q)(1 - p)^k")),
    );
}

#[test]
fn recommend_help_shows_examples_and_the_guarantee() {
    let dir = TestDir::new();
    dir.run(&["recommend", "--help"]).success().stdout(
        predicate::str::contains("Examples:")
            .and(predicate::str::contains("groundswell recommend --people"))
            .and(predicate::str::contains("--max-per-unit"))
            .and(predicate::str::contains("certified_ratio")),
    );
}

#[test]
fn top_level_help_lists_analyze() {
    let dir = TestDir::new();
    dir.run(&["--help"])
        .success()
        .stdout(predicate::str::contains("analyze"));
}

#[test]
fn no_command_is_a_usage_error() {
    let dir = TestDir::new();
    dir.run::<&str>(&[]).code(2);
}

#[test]
fn every_command_shows_examples() {
    let dir = TestDir::new();
    let commands = [
        "analyze",
        "simulate",
        "forecast",
        "recommend",
        "generate",
        "import",
        "backup",
        "restore",
        "serve",
        "demo",
    ];
    for command in commands {
        dir.run(&[command, "--help"]).success().stdout(
            predicate::str::contains("Examples:")
                .and(predicate::str::contains(format!("groundswell {command}"))),
        );
    }
    // And no command is missing from the list.
    let top = stdout(&dir.run(&["--help"]).success());
    let listed: Vec<&str> = top
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert_eq!(listed, commands);
}

#[test]
fn the_top_level_help_explains_where_options_come_from() {
    let dir = TestDir::new();
    dir.run(&["--help"]).success().stdout(
        predicate::str::contains("--config <FILE>")
            .and(predicate::str::contains("GROUNDSWELL_CONFIG"))
            .and(predicate::str::contains("./groundswell.toml")),
    );
}

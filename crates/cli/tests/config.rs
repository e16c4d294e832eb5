//! Where options come from: the command line beats `GROUNDSWELL_*` variables, which beat the
//! configuration file (`--config`, `GROUNDSWELL_CONFIG` or `./groundswell.toml`), which beats
//! the built-in defaults; a bad file is bad input (exit 2) naming file, line and key.

use std::fs;

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{TestDir, fixture, stderr, stdout};

/// The layers `analyze --format json` reports it analysed.
fn layers_analysed(output: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(output).expect("analyze prints JSON");
    report["network"]["layers_analysed"]
        .as_array()
        .expect("layers_analysed")
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

/// `analyze` of the Krackhardt data (layers advice, friendship, reports_to) as JSON, with
/// `configure` adding flags and variables.
fn analyze_layers(dir: &TestDir, configure: impl Fn(&mut assert_cmd::Command)) -> Vec<String> {
    let mut cmd = dir.command();
    cmd.arg("analyze")
        .arg("--ties")
        .arg(fixture("krackhardt_hightech", "ties.csv"))
        .args(["--format", "json"]);
    configure(&mut cmd);
    let assert = dir.with_context(cmd.assert()).success();
    layers_analysed(&stdout(&assert))
}

#[test]
fn layers_come_from_the_flag_then_the_variable_then_the_file() {
    let dir = TestDir::new();
    dir.write(
        "groundswell.toml",
        "layers = [\"reports_to\"]\n\n[analyze]\nlayers = [\"advice\"]\n",
    );
    // The file's [analyze] table overrides its shared key.
    assert_eq!(analyze_layers(&dir, |_| {}), ["advice"]);
    assert_eq!(
        analyze_layers(&dir, |cmd| {
            cmd.env("GROUNDSWELL_LAYERS", "friendship,reports_to");
        }),
        ["friendship", "reports_to"]
    );
    assert_eq!(
        analyze_layers(&dir, |cmd| {
            cmd.env("GROUNDSWELL_LAYERS", "friendship")
                .args(["--layers", "reports_to"]);
        }),
        ["reports_to"]
    );
    // No file at all: every layer.
    assert_eq!(
        analyze_layers(&dir, |cmd| {
            cmd.args(["--config", ""]);
        }),
        ["advice", "friendship", "reports_to"]
    );
}

/// The first line `generate` prints: tells which format it chose.
fn generate_first_line(dir: &TestDir, configure: impl Fn(&mut assert_cmd::Command)) -> String {
    let mut cmd = dir.command();
    cmd.args([
        "generate", "--dir", "org", "--people", "30", "--units", "3", "--force",
    ]);
    configure(&mut cmd);
    let assert = dir.with_context(cmd.assert()).success();
    stdout(&assert)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

#[test]
fn format_comes_from_the_flag_then_the_variable_then_a_named_file() {
    let dir = TestDir::new();
    let file = dir.write(
        "settings.toml",
        "format = \"table\"\n[generate]\nformat = \"csv\"\n",
    );
    let csv_header = "people,units,sites,seed,ties,people_file,ties_file";
    // Named by --config, and by GROUNDSWELL_CONFIG.
    let by_flag = generate_first_line(&dir, |cmd| {
        cmd.arg("--config").arg(&file);
    });
    assert_eq!(by_flag, csv_header);
    let by_variable = generate_first_line(&dir, |cmd| {
        cmd.env("GROUNDSWELL_CONFIG", &file);
    });
    assert_eq!(by_variable, csv_header);
    // The variable beats the file, the flag beats both.
    let env_format = generate_first_line(&dir, |cmd| {
        cmd.env("GROUNDSWELL_CONFIG", &file)
            .env("GROUNDSWELL_FORMAT", "json");
    });
    assert_eq!(env_format, "{");
    let flag_format = generate_first_line(&dir, |cmd| {
        cmd.env("GROUNDSWELL_CONFIG", &file)
            .env("GROUNDSWELL_FORMAT", "json")
            .args(["--format", "csv"]);
    });
    assert_eq!(flag_format, csv_header);
    let flag_format = generate_first_line(&dir, |cmd| {
        cmd.arg(format!("--config={}", file.display()))
            .env("GROUNDSWELL_FORMAT", "csv")
            .args(["--format", "table"]);
    });
    assert!(flag_format.starts_with("people"), "{flag_format}");
    assert_ne!(flag_format, csv_header);
    // No file: the built-in default (table).
    assert!(generate_first_line(&dir, |_| {}).starts_with("people "));
}

#[test]
fn the_database_and_organization_come_from_the_flag_then_the_variable_then_the_file() {
    let dir = TestDir::new();
    fs::copy(
        fixture("krackhardt_hightech", "people.csv"),
        dir.path().join("people.csv"),
    )
    .unwrap();
    dir.write(
        "groundswell.toml",
        "db = \"sqlite://shared.db\"\n[import]\ndb = \"sqlite://file.db\"\norg = \"FileOrg\"\n",
    );
    let import = |configure: &dyn Fn(&mut assert_cmd::Command)| -> Value {
        let mut cmd = dir.command();
        cmd.args(["import", "--people", "people.csv", "--format", "json"]);
        configure(&mut cmd);
        let assert = dir.with_context(cmd.assert()).success();
        serde_json::from_str(&stdout(&assert)).expect("import prints JSON")
    };
    // The file gives the required --org and the database ([import] beats the shared key).
    let report = import(&|_| {});
    assert_eq!(report["organization"], "FileOrg");
    assert!(dir.path().join("file.db").exists());
    assert!(!dir.path().join("shared.db").exists());
    // The variables beat the file.
    let report = import(&|cmd| {
        cmd.env("GROUNDSWELL_DB", "sqlite://env.db")
            .env("GROUNDSWELL_ORG", "EnvOrg");
    });
    assert_eq!(report["organization"], "EnvOrg");
    assert!(dir.path().join("env.db").exists());
    // The flags beat both.
    let report = import(&|cmd| {
        cmd.env("GROUNDSWELL_DB", "sqlite://env.db")
            .env("GROUNDSWELL_ORG", "EnvOrg")
            .args(["--db", "sqlite://flag.db", "--org", "FlagOrg"]);
    });
    assert_eq!(report["organization"], "FlagOrg");
    assert!(dir.path().join("flag.db").exists());
}

#[test]
fn the_help_shows_the_files_values_as_defaults() {
    let dir = TestDir::new();
    dir.write(
        "groundswell.toml",
        "[simulate]\nruns = 500\nmodel = \"persistent\"\n",
    );
    dir.run(&["simulate", "--help"]).success().stdout(
        predicate::str::contains("[default: 500]")
            .and(predicate::str::contains("[default: persistent]")),
    );
}

#[test]
fn a_toml_syntax_error_names_the_file_line_and_column() {
    let dir = TestDir::new();
    dir.write(
        "broken.toml",
        "db = \"sqlite://a.db\"\n\n[serve]\nbind = \"127.0.0.1:8080\n",
    );
    let assert = dir
        .run(&["--config", "broken.toml", "serve"])
        .code(2)
        .stdout("");
    let err = stderr(&assert);
    assert!(err.starts_with("error: broken.toml:4:"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn an_unknown_key_is_named_with_its_file_and_line() {
    let dir = TestDir::new();
    dir.write("groundswell.toml", "[serve]\nbnd = \"127.0.0.1:0\"\n");
    let assert = dir.run(&["serve"]).code(2);
    let err = stderr(&assert);
    assert!(err.contains("groundswell.toml:2:1"), "{err}");
    assert!(err.contains("unknown field `bnd`"), "{err}");
    assert!(err.contains("`bind`"), "{err}");

    dir.write("groundswell.toml", "dbb = \"sqlite://x.db\"\n");
    let assert = dir.run(&["generate", "--dir", "x"]).code(2);
    let err = stderr(&assert);
    assert!(err.contains("groundswell.toml:1:1"), "{err}");
    assert!(err.contains("unknown field `dbb`"), "{err}");
    assert!(!dir.path().join("x").exists());
}

#[test]
fn a_value_its_option_refuses_is_named_with_its_key() {
    let dir = TestDir::new();
    dir.write("groundswell.toml", "[simulate]\nmodel = \"sir\"\n");
    let assert = dir.run(&["simulate", "--help"]).code(2);
    let err = stderr(&assert);
    assert!(
        err.contains("groundswell.toml:2:9: [simulate] model: `sir` is not one of: ic,"),
        "{err}"
    );

    dir.write("groundswell.toml", "[recommend]\np = 1.5\n");
    let err = stderr(&dir.run(&["recommend", "--help"]).code(2));
    assert!(
        err.contains("[recommend] p: `1.5`: must be a probability"),
        "{err}"
    );

    dir.write("groundswell.toml", "threads = \"four\"\n");
    let err = stderr(&dir.run(&["--help"]).code(2));
    assert!(err.contains("groundswell.toml:1:11"), "{err}");
    assert!(err.contains("invalid type: string \"four\""), "{err}");
}

#[test]
fn a_named_file_must_exist_the_default_one_need_not() {
    let dir = TestDir::new();
    let err = stderr(
        &dir.run(&["--config", "missing.toml", "generate", "--dir", "x"])
            .code(2),
    );
    assert!(
        err.contains("cannot read the configuration file missing.toml"),
        "{err}"
    );
    let mut cmd = dir.command();
    cmd.env("GROUNDSWELL_CONFIG", "gone.toml")
        .args(["generate", "--dir", "x"]);
    let err = stderr(&dir.with_context(cmd.assert()).code(2));
    assert!(err.contains("gone.toml"), "{err}");
    dir.run(&["generate", "--dir", "x", "--people", "20", "--units", "2"])
        .success();
}

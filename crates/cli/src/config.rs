//! Where an option's value comes from: the command line, then the `GROUNDSWELL_*`
//! environment variables, then a TOML file, then the built-in default.
//!
//! clap already ranks the command line above the environment and both above an argument's
//! default; the file slots in by *becoming* the defaults. [`with_file_defaults`] reads the
//! file before clap parses anything, checks every value with the option's own parser (an
//! error names the file, line, column and key), and sets it as the default of that option;
//! `--help` then shows the file's values as `[default: …]`.
//!
//! Which file: `--config FILE`, else `GROUNDSWELL_CONFIG`, else `./groundswell.toml` when it
//! exists (beside `./groundswell.db`, the default database). A file named by the flag or
//! the variable must exist; an empty name reads no file at all.
//!
//! Keys are the options' long names. A few are shared, at the top of the file, and apply to
//! every command that has the option; one table per command sets its own, overriding the
//! shared ones:
//!
//! ```toml
//! db = "sqlite://acme.db"
//! threads = 4
//! format = "table"
//! layers = ["advice", "collaboration"]
//!
//! [recommend]
//! k = 20
//! max-per-unit = 3
//!
//! [serve]
//! bind = "0.0.0.0:8080"
//! ```

use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue};
use clap::{Arg, ArgAction, Command};
use serde::Deserialize;
use toml::Spanned;

use crate::BadInput;

/// The file read when neither `--config` nor `GROUNDSWELL_CONFIG` names one, if it exists.
pub const DEFAULT_FILE: &str = "groundswell.toml";

/// The environment variable naming the configuration file.
pub const ENV_VAR: &str = "GROUNDSWELL_CONFIG";

/// `command` with the configuration file's values as the defaults of its options. `args`
/// is the whole command line (program name first); only its `--config` is read here.
///
/// # Errors
/// [`BadInput`] (exit status 2) for a named file that cannot be read, a TOML syntax error,
/// an unknown key or a value of the wrong type (each naming the file, line and column), and
/// a value its option refuses (naming the key too).
pub fn with_file_defaults(command: Command, args: &[OsString]) -> Result<Command, BadInput> {
    let Some((path, text)) = read_file(args)? else {
        return Ok(command);
    };
    let file: File = toml::from_str(&text).map_err(|error| {
        let at = error.span().map(|span| position(&text, span.start));
        BadInput(format!(
            "{}: {}",
            located(&path, at),
            error.message().trim_end()
        ))
    })?;
    let shared = file.shared_settings();
    let mut command = command;
    // `threads` belongs to the program, not to a command.
    if let Some(threads) = shared.iter().find(|s| s.key == "threads") {
        command = set_default(command, None, threads, &path, &text)?;
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in names {
        for setting in shared.iter().filter(|s| s.key != "threads") {
            let has_option = command
                .find_subcommand(&name)
                .is_some_and(|sub| find_long(sub, &setting.key).is_some());
            if has_option {
                command = set_default(command, Some(&name), setting, &path, &text)?;
            }
        }
        for setting in file.table_settings(&name) {
            command = set_default(command, Some(&name), &setting, &path, &text)?;
        }
    }
    Ok(command)
}

/// The `--config` value on the command line, before `--`: `--config FILE` or
/// `--config=FILE`, anywhere (the flag is global).
fn config_flag(args: &[OsString]) -> Option<OsString> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return args.next().cloned();
        }
        if let Some(value) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(value.into());
        }
    }
    None
}

/// The configuration file's path and text, or `None` when there is none to read.
fn read_file(args: &[OsString]) -> Result<Option<(PathBuf, String)>, BadInput> {
    let named = config_flag(args).or_else(|| std::env::var_os(ENV_VAR));
    let path = match named {
        Some(name) if name.is_empty() => return Ok(None),
        Some(name) => PathBuf::from(name),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok(None),
    };
    let text = std::fs::read_to_string(&path).map_err(|error| {
        BadInput(format!(
            "cannot read the configuration file {}: {error}",
            path.display()
        ))
    })?;
    Ok(Some((path, text)))
}

/// Sets one setting as the default of its option, in the subcommand `name` (the program
/// itself for `None`), after checking the value with the option's own parser.
fn set_default(
    command: Command,
    name: Option<&str>,
    setting: &Setting,
    path: &Path,
    text: &str,
) -> Result<Command, BadInput> {
    let owner = match name {
        Some(name) => command.find_subcommand(name),
        None => Some(&command),
    };
    let table = name.map_or(String::new(), |name| format!("[{name}] "));
    let Some(arg) = owner.and_then(|owner| find_long(owner, &setting.key)) else {
        // Every key of every table is an option of its command (a unit test checks).
        return Err(BadInput(format!(
            "{}: {table}{}: no such option",
            located(path, Some(position(text, setting.span.start))),
            setting.key
        )));
    };
    let id = arg.get_id().clone();
    for value in &setting.values {
        check_value(arg, value).map_err(|reason| {
            BadInput(format!(
                "{}: {table}{}: {reason}",
                located(path, Some(position(text, setting.span.start))),
                setting.key
            ))
        })?;
    }
    let values = setting.values.clone();
    let with_default = move |arg: Arg| arg.default_values(values).required(false);
    Ok(match name {
        Some(name) => command.mut_subcommand(name, |sub| sub.mut_arg(id, with_default)),
        None => command.mut_arg(id, with_default),
    })
}

fn find_long<'c>(command: &'c Command, long: &str) -> Option<&'c Arg> {
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))
}

/// Runs `value` through the option's own parser, on a command of that one option: the file
/// is checked exactly as the command line would be.
fn check_value(arg: &Arg, value: &str) -> Result<(), String> {
    let probe = Command::new("groundswell").no_binary_name(true).arg(
        Arg::new("value")
            .long("value")
            .action(ArgAction::Set)
            .value_parser(arg.get_value_parser().clone()),
    );
    match probe.try_get_matches_from([format!("--value={value}")]) {
        Ok(_) => Ok(()),
        Err(error) => Err(reason(&error, value)),
    }
}

/// What a clap error says about a value, without the flag it names (the file has none).
fn reason(error: &clap::Error, value: &str) -> String {
    if let Some(source) = std::error::Error::source(error) {
        return format!("`{value}`: {source}");
    }
    if let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) {
        return format!("`{value}` is not one of: {}", valid.join(", "));
    }
    format!("`{value}` is not a valid value")
}

/// "FILE:LINE:COLUMN" (or "FILE" without a position).
fn located(path: &Path, at: Option<(usize, usize)>) -> String {
    match at {
        Some((line, column)) => format!("{}:{line}:{column}", path.display()),
        None => path.display().to_string(),
    }
}

/// The line and column (from 1, in characters) of a byte offset in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// One value from the file: the option's long name, its value(s) as the command line
/// would spell them, and where it was written.
#[derive(Debug)]
struct Setting {
    key: String,
    values: Vec<String>,
    span: Range<usize>,
}

/// A value of the file as command-line words.
trait ToArgs {
    fn to_args(&self) -> Vec<String>;
}

impl ToArgs for String {
    fn to_args(&self) -> Vec<String> {
        vec![self.clone()]
    }
}

impl ToArgs for u64 {
    fn to_args(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

impl ToArgs for f64 {
    fn to_args(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

impl ToArgs for Vec<String> {
    fn to_args(&self) -> Vec<String> {
        self.clone()
    }
}

fn setting<T: ToArgs>(field: &str, value: &Option<Spanned<T>>) -> Option<Setting> {
    value.as_ref().map(|value| Setting {
        key: field.replace('_', "-"),
        values: value.get_ref().to_args(),
        span: value.span(),
    })
}

/// Defines a table of keys (the options' long names, `_` for `-`) and how it lists them.
macro_rules! table {
    ($(#[$doc:meta])* $name:ident { $($key:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct $name {
            $($key: Option<Spanned<$ty>>,)*
        }

        impl $name {
            fn settings(&self) -> Vec<Setting> {
                [$(setting(stringify!($key), &self.$key)),*].into_iter().flatten().collect()
            }
        }
    };
}

table! {
    /// The keys at the top of the file, shared by every command with the option.
    Shared { db: String, threads: u64, format: String, layers: Vec<String> }
}

table! {
    /// `[analyze]`.
    Analyze { format: String, layers: Vec<String>, seed: u64, betweenness: String, epsilon: f64 }
}

table! {
    /// `[simulate]`.
    Simulate {
        format: String, layers: Vec<String>, model: String, p: f64, tie_probability: String,
        direction: String, broadcast: f64, steps: u64, runs: u64, seed: u64,
    }
}

table! {
    /// `[forecast]`.
    Forecast {
        format: String, layers: Vec<String>, period: String, exposure: String, target: f64,
        runs: u64, seed: u64,
    }
}

table! {
    /// `[recommend]`.
    Recommend {
        format: String, layers: Vec<String>, k: u64, model: String, p: f64,
        tie_probability: String, direction: String, quota_by: String, max_per_unit: u64,
        min_per_unit: u64, exclude_grade: Vec<String>, epsilon: f64, seed: u64,
    }
}

table! {
    /// `[generate]`.
    Generate { format: String, people: u64, units: u64, sites: u64, mean_ties: f64, seed: u64 }
}

table! {
    /// `[import]`.
    Import { db: String, format: String, org: String }
}

table! {
    /// `[backup]` and `[restore]`.
    Database { db: String }
}

table! {
    /// `[serve]`.
    Serve {
        db: String, bind: String, public_url: String, smtp_host: String, smtp_port: u64,
        smtp_user: String, mail_from: String,
    }
}

table! {
    /// `[demo]`.
    Demo { db: String, bind: String, people: u64, seed: u64, public_url: String }
}

/// The whole file. serde cannot flatten the shared keys into it and still refuse unknown
/// keys, so they are listed here and in [`Shared`] alike.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    db: Option<Spanned<String>>,
    threads: Option<Spanned<u64>>,
    format: Option<Spanned<String>>,
    layers: Option<Spanned<Vec<String>>>,
    analyze: Option<Analyze>,
    simulate: Option<Simulate>,
    forecast: Option<Forecast>,
    recommend: Option<Recommend>,
    generate: Option<Generate>,
    import: Option<Import>,
    backup: Option<Database>,
    restore: Option<Database>,
    serve: Option<Serve>,
    demo: Option<Demo>,
}

impl File {
    fn shared_settings(&self) -> Vec<Setting> {
        Shared {
            db: self.db.clone(),
            threads: self.threads.clone(),
            format: self.format.clone(),
            layers: self.layers.clone(),
        }
        .settings()
    }

    /// The settings of the command `name`'s table (none if it has no table).
    fn table_settings(&self, name: &str) -> Vec<Setting> {
        fn of<T>(table: &Option<T>, settings: impl Fn(&T) -> Vec<Setting>) -> Vec<Setting> {
            table.as_ref().map(settings).unwrap_or_default()
        }
        match name {
            "analyze" => of(&self.analyze, Analyze::settings),
            "simulate" => of(&self.simulate, Simulate::settings),
            "forecast" => of(&self.forecast, Forecast::settings),
            "recommend" => of(&self.recommend, Recommend::settings),
            "generate" => of(&self.generate, Generate::settings),
            "import" => of(&self.import, Import::settings),
            "backup" => of(&self.backup, Database::settings),
            "restore" => of(&self.restore, Database::settings),
            "serve" => of(&self.serve, Serve::settings),
            "demo" => of(&self.demo, Demo::settings),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn the_flag_is_found_anywhere_before_the_end_of_options() {
        let args = |words: &[&str]| -> Vec<OsString> {
            std::iter::once("groundswell")
                .chain(words.iter().copied())
                .map(OsString::from)
                .collect()
        };
        let found = |words: &[&str]| config_flag(&args(words));
        assert_eq!(
            found(&["--config", "a.toml", "analyze"]),
            Some("a.toml".into())
        );
        assert_eq!(
            found(&["analyze", "--config=b.toml"]),
            Some("b.toml".into())
        );
        assert_eq!(found(&["analyze", "--", "--config", "c.toml"]), None);
        assert_eq!(found(&["analyze"]), None);
    }

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let text = "a = 1\n[é]\nbé = 2\n";
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, 6), (2, 1));
        assert_eq!(position(text, text.find("= 2").unwrap()), (3, 4));
    }

    /// A file setting every key of every table: each must be an option of its command, or
    /// `with_file_defaults` says "no such option".
    #[test]
    fn every_key_is_an_option_of_its_command() {
        let text = r#"
db = "sqlite://a.db"
threads = 2
format = "json"
layers = ["advice"]
[analyze]
format = "csv"
layers = ["advice"]
seed = 1
betweenness = "exact"
epsilon = 0.02
[simulate]
format = "csv"
layers = ["advice"]
model = "persistent"
p = 0.1
tie-probability = "uniform"
direction = "reverse"
broadcast = 0.01
steps = 10
runs = 100
seed = 1
[forecast]
format = "csv"
layers = ["advice"]
period = "month"
exposure = "out"
target = 0.5
runs = 100
seed = 1
[recommend]
format = "csv"
layers = ["advice"]
k = 5
model = "ic"
p = 0.1
tie-probability = "uniform"
direction = "reverse"
quota-by = "unit"
max-per-unit = 2
min-per-unit = 1
exclude-grade = ["director"]
epsilon = 0.2
seed = 1
[generate]
format = "csv"
people = 100
units = 4
sites = 2
mean-ties = 5.0
seed = 1
[import]
db = "sqlite://b.db"
format = "csv"
org = "Acme"
[backup]
db = "sqlite://c.db"
[restore]
db = "sqlite://d.db"
[serve]
db = "sqlite://e.db"
bind = "127.0.0.1:0"
"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("every.toml");
        std::fs::write(&path, text).unwrap();
        let args: Vec<OsString> = vec!["groundswell".into(), "--config".into(), path.into()];
        let command = with_file_defaults(crate::cli_command(), &args).unwrap();
        let analyze = command.find_subcommand("analyze").unwrap();
        let format = find_long(analyze, "format").unwrap();
        assert_eq!(format.get_default_values(), [OsStr::new("csv")]);
        let serve = command.find_subcommand("serve").unwrap();
        let db = find_long(serve, "db").unwrap();
        assert_eq!(db.get_default_values(), [OsStr::new("sqlite://e.db")]);
    }
}

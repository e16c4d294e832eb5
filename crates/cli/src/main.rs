//! `groundswell`: the analyst's command line. Only glue: the work happens in `engine` (the
//! analyses) and `store` (`import`, `backup`, `restore`).
//!
//! `main` parses the arguments, installs logging and hands over to [`try_main`]; every
//! failure comes back as an [`anyhow::Error`] that [`exit_code`] maps to the process's exit
//! status: 0 ok, 1 failure, 2 bad usage or bad input (clap's own usage errors are 2 too).
//! A closed stdout (`groundswell analyze … | head`) ends the program quietly with 0.

mod analyze;
mod backup;
mod config;
mod database;
mod demo;
mod forecast;
mod generate;
mod import;
mod input;
mod output;
mod progress;
mod recommend;
mod serve;
mod simulate;

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use tracing_subscriber::filter::{EnvFilter, LevelFilter};

#[derive(Parser)]
#[command(
    name = "groundswell",
    version,
    about = "Person-to-person change movements: network analytics and the platform.",
    after_help = "Run `groundswell <COMMAND> --help` for a command's options and examples.\n\
                  Options come from, in order: the command line; GROUNDSWELL_* variables\n\
                  ([env: …] in each command's help); the configuration file (--config FILE,\n\
                  else ./groundswell.toml if present), whose keys are the options' long\n\
                  names, shared at the top (db, threads, format, layers) or in a table per\n\
                  command ([serve] bind = \"0.0.0.0:8080\"); then the built-in defaults.\n\
                  Logging: set RUST_LOG (e.g. RUST_LOG=info) to log each step to stderr."
)]
struct Cli {
    /// Worker threads for parallel measures [default: one per core].
    #[arg(long, global = true, value_name = "N", env = "GROUNDSWELL_THREADS")]
    threads: Option<NonZeroUsize>,

    /// Configuration file (TOML) giving options their defaults [default: ./groundswell.toml
    /// if it exists; "" reads none].
    // Read before the rest of the command line: see `config::with_file_defaults`.
    #[arg(long, global = true, value_name = "FILE", env = config::ENV_VAR)]
    config: Option<OsString>,

    #[command(subcommand)]
    command: Command,
}

/// One variant per subcommand; each lives in its own module with an `Args` and a `run`.
#[derive(Subcommand)]
enum Command {
    /// Measure a network: who is central, brokers, communities, ties between units.
    Analyze(analyze::Args),
    /// Simulate how a behaviour spreads: expected adopters, adoption curves, per unit.
    Simulate(simulate::Args),
    /// Fit a behaviour's personal and broadcast rates on its adoptions and forecast the rest.
    Forecast(forecast::Args),
    /// Choose activists: who spreads a behaviour furthest, why, and who should ask them.
    Recommend(recommend::Args),
    /// Write a synthetic organization (people.csv, ties.csv) to try the other commands on.
    Generate(generate::Args),
    /// Load an organization's people, ties and adoptions into the database.
    Import(import::Args),
    /// Copy the SQLite database, consistently, while it is in use.
    Backup(backup::BackupArgs),
    /// Put a backup in place of the SQLite database, after checking it.
    Restore(backup::RestoreArgs),
    /// Run the web platform: pages and the JSON API, until Ctrl-C.
    Serve(serve::Args),
    /// Try it: a synthetic organization with a living movement, served on this machine.
    Demo(demo::Args),
}

/// Bad input from the user that clap could not catch (an unknown layer, a parameter out of
/// range): exit status 2, like a usage error. Parse errors of input files are also bad input.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(err) => {
            eprintln!("error: {err:#}");
            return exit_code(&err);
        }
    };
    init_tracing();
    match try_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the context chain on one line: "cannot write out.csv: No space…".
            eprintln!("error: {err:#}");
            exit_code(&err)
        }
    }
}

/// The command line, with the configuration file's values as defaults (see [`config`]).
/// Usage errors, `--help` and `--version` end the program here, as clap does.
fn parse_args() -> anyhow::Result<Cli> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let command = config::with_file_defaults(cli_command(), &args)?;
    let matches = command.get_matches_from(args);
    Ok(Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit()))
}

/// The clap command of the whole program, before the configuration file.
fn cli_command() -> clap::Command {
    Cli::command()
}

fn try_main(cli: Cli) -> anyhow::Result<()> {
    if let Some(n_threads) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n_threads.get())
            .build_global()?;
    }
    match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Forecast(args) => forecast::run(&args),
        Command::Recommend(args) => recommend::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Backup(args) => backup::run_backup(&args),
        Command::Restore(args) => backup::run_restore(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Demo(args) => demo::run(&args),
    }
}

/// Logs go to stderr, filtered by `RUST_LOG`; warnings and errors only when it is unset.
fn init_tracing() {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::WARN.into())
        .from_env_lossy();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .init();
}

/// 2 for bad input (our [`BadInput`], a file that does not parse, a file or URL the store
/// refuses, a backup that is not one), 1 for anything else.
fn exit_code(err: &anyhow::Error) -> ExitCode {
    let bad_input = err.chain().any(|cause| {
        cause.is::<BadInput>()
            || cause.is::<engine::io::ParseError>()
            || cause
                .downcast_ref::<store::Error>()
                .is_some_and(database::is_bad_input)
            || cause
                .downcast_ref::<store::BackupError>()
                .is_some_and(database::is_bad_backup_input)
    });
    if bad_input {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// Whether the error is a write to a closed pipe, which ends the program cleanly. Output
/// code converts csv and JSON errors into `io::Error`, which keeps their kind.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io_err| io_err.kind() == io::ErrorKind::BrokenPipe)
    })
}

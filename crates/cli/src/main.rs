//! `groundswell`: the analyst's command line. Only glue: the work happens in `engine`.

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "groundswell",
    version,
    about = "Person-to-person change movements: network analytics and the platform."
)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    ExitCode::SUCCESS
}

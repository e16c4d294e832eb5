//! `groundswell generate`: a synthetic organization (`engine::synthetic`) written as
//! `people.csv` and `ties.csv`, for trying the other commands without anyone's HR data.

use std::path::{Path, PathBuf};

use anyhow::Context;
use engine::synthetic::SyntheticOrg;
use serde::Serialize;

use crate::BadInput;
use crate::output::{Format, OutputArgs, write_csv, write_fields, write_json};

const EXAMPLES: &str = "\
Examples:
  The demo's organization (2,000 people, 12 units, 3 sites) into ./acme:
    groundswell generate --dir acme

  A larger one, then what the analyst commands make of it:
    groundswell generate --dir big --people 100000 --units 40 --sites 6 --seed 7
    groundswell analyze --people big/people.csv --ties big/ties.csv --layers advice,collaboration

Files written (existing ones are refused unless --force):
  people.csv  id,name,email,unit,location,grade,manager_id
  ties.csv    source,target,layer,weight in the layers reports_to (the org chart), advice
              (directed) and collaboration (both ways, weight 1-5)

The same options and seed give the same files, byte for byte.";

/// Arguments of `groundswell generate`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Folder to write people.csv and ties.csv into (created if missing).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,

    /// People in the organization.
    #[arg(long, default_value_t = 2_000, value_name = "N")]
    people: usize,

    /// Units (departments).
    #[arg(long, default_value_t = 12, value_name = "N")]
    units: usize,

    /// Sites (locations).
    #[arg(long, default_value_t = 3, value_name = "N")]
    sites: usize,

    /// Mean number of colleagues each person names.
    #[arg(long, default_value_t = 8.0, value_name = "X")]
    mean_ties: f64,

    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Overwrite people.csv and ties.csv if they exist.
    #[arg(long)]
    force: bool,

    #[command(flatten, next_help_heading = "Output")]
    output: OutputArgs,
}

/// What was written.
#[derive(Debug, Serialize)]
struct Report {
    people: usize,
    units: usize,
    sites: usize,
    seed: u64,
    ties: usize,
    people_file: String,
    ties_file: String,
}

/// Runs `groundswell generate`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let org = SyntheticOrg {
        n_people: args.people,
        n_units: args.units,
        n_sites: args.sites,
        mean_ties: args.mean_ties,
        seed: args.seed,
        ..SyntheticOrg::default()
    };
    let network = org.generate().map_err(|e| BadInput(e.to_string()))?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let people_file = args.dir.join("people.csv");
    let ties_file = args.dir.join("ties.csv");
    for file in [&people_file, &ties_file] {
        if file.exists() && !args.force {
            return Err(BadInput(format!(
                "{} exists already; pass --force to overwrite it",
                file.display()
            ))
            .into());
        }
    }
    write_atomically(&people_file, |out| {
        engine::io::write_people_csv(&network, out)
    })?;
    write_atomically(&ties_file, |out| engine::io::write_ties_csv(&network, out))?;
    let report = Report {
        people: network.n_nodes(),
        units: args.units,
        sites: args.sites,
        seed: args.seed,
        ties: network.ties().len(),
        people_file: people_file.display().to_string(),
        ties_file: ties_file.display().to_string(),
    };
    let mut sink = args.output.sink()?;
    match args.output.format {
        Format::Json => write_json(&mut sink, &report)?,
        Format::Csv => write_csv(&mut sink, std::slice::from_ref(&report))?,
        Format::Table => write_fields(
            &mut sink,
            &[
                ("people", report.people.to_string()),
                ("units", report.units.to_string()),
                ("sites", report.sites.to_string()),
                ("ties", report.ties.to_string()),
                ("seed", report.seed.to_string()),
                ("people file", report.people_file.clone()),
                ("ties file", report.ties_file.clone()),
            ],
        )?,
    }
    sink.finish()?;
    Ok(())
}

/// Writes beside `path` and renames into place, so a failed run leaves no half file.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&mut tempfile::NamedTempFile>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot create {}", path.display()))?;
    {
        let mut out = std::io::BufWriter::new(&mut file);
        write(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
        std::io::Write::flush(&mut out)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

//! `groundswell import`: load an organization's people, ties and adoptions into the
//! database (SQLite or PostgreSQL) through `store`, and report what changed.
//!
//! The files are imported in the order their contents depend on each other: people, then
//! ties (between people), then adoptions (by people). Each file is all or nothing: a file
//! with bad rows is refused with every bad row listed, and nothing of it is written. A
//! refusal stops the command; files imported before it stay imported (each file is its own
//! transaction), and stderr says which.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::BadInput;
use crate::database::{DbArgs, block_on};
use crate::output::{Align, Format, OutputArgs, Table, write_csv, write_json};

const EXAMPLES: &str = "\
Examples:
  An organization's first import, into the default SQLite file ./groundswell.db:
    groundswell import --org Acme --people people.csv --ties ties.csv

  The monthly HR export: new people are added, changed ones updated, people missing from
  the export marked as having left (their history is kept):
    groundswell import --org Acme --people people-2026-11.csv

  Ties from GraphML and adoptions, into PostgreSQL, the summary as JSON:
    GROUNDSWELL_DB=postgres://groundswell@db.internal/groundswell \\
      groundswell import --org Acme --ties survey.graphml --adoptions adoptions.csv --format json

Files:
  people     people.csv: id,name[,email,phone,unit,location,grade,manager_id,…]; other
             columns are kept as attributes
  ties       ties.csv (source,target[,layer][,weight]), GraphML (.graphml/.xml) or GEXF
             (.gexf); the ends are people's ids
  adoptions  adoptions.csv: id,behaviour,time (an integer period or a date YYYY-MM-DD);
             the earliest time of a person and behaviour is kept

A file with bad rows is refused as a whole: exit status 2, every bad row listed on stderr
with its line, nothing of that file written.

Output formats:
  table  the organization, then one line per file: rows read, rows written, and for
         people how many were added, changed, marked as left and unchanged
  json   {\"organization\": ..., \"organization_created\": ..., \"files\": [...]}
  csv    one row per file";

/// Arguments of `groundswell import`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = EXAMPLES,
    group(clap::ArgGroup::new("files").required(true).multiple(true)
        .args(["people", "ties", "adoptions"]))
)]
pub struct Args {
    #[command(flatten)]
    db: DbArgs,

    /// The organization the files belong to; created if it does not exist.
    #[arg(long, value_name = "NAME", env = "GROUNDSWELL_ORG")]
    org: String,

    /// People file (an HR export): the directory's new state.
    #[arg(long, value_name = "FILE", help_heading = "Files")]
    people: Option<PathBuf>,

    /// Ties file: ties.csv, GraphML or GEXF, by its extension.
    #[arg(long, value_name = "FILE", help_heading = "Files")]
    ties: Option<PathBuf>,

    /// Adoptions file (id,behaviour,time).
    #[arg(long, value_name = "FILE", help_heading = "Files")]
    adoptions: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Output")]
    output: OutputArgs,
}

/// What the import did, as reported.
#[derive(Debug, Serialize)]
struct Report {
    organization: String,
    organization_created: bool,
    files: Vec<FileReport>,
}

/// What one file changed. People count differently from ties and adoptions, so their
/// columns are empty (`null`) for the other files.
#[derive(Clone, Debug, Serialize)]
struct FileReport {
    /// people, ties or adoptions.
    kind: &'static str,
    file: String,
    /// Data rows in the file.
    rows: usize,
    /// Rows that added or changed something (for people: also those marked as left).
    written: usize,
    added: Option<usize>,
    changed: Option<usize>,
    left: Option<usize>,
    unchanged: Option<usize>,
}

/// One CSV row: the file's report with the organization beside it.
#[derive(Serialize)]
struct CsvRow<'a> {
    organization: &'a str,
    kind: &'static str,
    file: &'a str,
    rows: usize,
    written: usize,
    added: Option<usize>,
    changed: Option<usize>,
    left: Option<usize>,
    unchanged: Option<usize>,
}

/// Runs `groundswell import`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut sink = args.output.sink()?;
    let report = block_on(import(args))?;
    write(&report, args.output.format, &mut sink)?;
    sink.finish()?;
    Ok(())
}

async fn import(args: &Args) -> anyhow::Result<Report> {
    let store = store::Store::open(&args.db.db)
        .await
        .context("cannot open the database")?;
    let result = import_into(&store, args).await;
    store.close().await;
    result
}

async fn import_into(store: &store::Store, args: &Args) -> anyhow::Result<Report> {
    let (org, organization_created) = match store.find_organization(&args.org).await? {
        Some(org) => (org, false),
        None => (store.create_organization(&args.org).await?, true),
    };
    let mut report = Report {
        organization: args.org.trim().to_string(),
        organization_created,
        files: Vec::new(),
    };
    if let Some(path) = &args.people {
        let file = open(path)?;
        let diff = org
            .import_people(&path.display().to_string(), BufReader::new(file))
            .await
            .map_err(|error| refused(error, &report))?;
        report.files.push(FileReport {
            kind: "people",
            file: path.display().to_string(),
            rows: diff.added + diff.changed + diff.unchanged,
            written: diff.added + diff.changed + diff.left,
            added: Some(diff.added),
            changed: Some(diff.changed),
            left: Some(diff.left),
            unchanged: Some(diff.unchanged),
        });
    }
    if let Some(path) = &args.ties {
        let summary = org
            .import_ties_file(path)
            .await
            .map_err(|error| refused(error, &report))?;
        report.files.push(summary_report("ties", path, summary));
    }
    if let Some(path) = &args.adoptions {
        let file = open(path)?;
        let summary = org
            .import_adoptions(&path.display().to_string(), BufReader::new(file))
            .await
            .map_err(|error| refused(error, &report))?;
        report
            .files
            .push(summary_report("adoptions", path, summary));
    }
    Ok(report)
}

fn summary_report(kind: &'static str, path: &Path, summary: store::ImportSummary) -> FileReport {
    FileReport {
        kind,
        file: path.display().to_string(),
        rows: summary.rows,
        written: summary.written,
        added: None,
        changed: None,
        left: None,
        unchanged: None,
    }
}

/// A file that cannot be opened is the user's input (exit 2), named in the message.
fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path)
        .map_err(|error| BadInput(format!("cannot read {}: {error}", path.display())).into())
}

/// The store's refusal, after telling on stderr which files were imported before it: they
/// stay imported, and the user should know before fixing the file and running again.
fn refused(error: store::Error, report: &Report) -> anyhow::Error {
    if !report.files.is_empty() {
        let done: Vec<String> = report
            .files
            .iter()
            .map(|file| format!("{} ({} written)", file.file, file.written))
            .collect();
        eprintln!("note: imported before the error: {}", done.join(", "));
    }
    anyhow::Error::new(error)
}

fn write(report: &Report, format: Format, out: &mut impl Write) -> std::io::Result<()> {
    match format {
        Format::Json => write_json(out, report),
        Format::Csv => {
            let rows: Vec<CsvRow> = report
                .files
                .iter()
                .map(|file| CsvRow {
                    organization: &report.organization,
                    kind: file.kind,
                    file: &file.file,
                    rows: file.rows,
                    written: file.written,
                    added: file.added,
                    changed: file.changed,
                    left: file.left,
                    unchanged: file.unchanged,
                })
                .collect();
            write_csv(out, &rows)
        }
        Format::Table => {
            let created = if report.organization_created {
                " (created)"
            } else {
                ""
            };
            writeln!(out, "Organization {}{created}", report.organization)?;
            let mut table = Table::new([
                ("import", Align::Left),
                ("file", Align::Left),
                ("rows", Align::Right),
                ("written", Align::Right),
                ("added", Align::Right),
                ("changed", Align::Right),
                ("left", Align::Right),
                ("unchanged", Align::Right),
            ]);
            let count = |n: Option<usize>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
            for file in &report.files {
                table.push(vec![
                    file.kind.to_string(),
                    file.file.clone(),
                    file.rows.to_string(),
                    file.written.to_string(),
                    count(file.added),
                    count(file.changed),
                    count(file.left),
                    count(file.unchanged),
                ]);
            }
            table.write(out)
        }
    }
}

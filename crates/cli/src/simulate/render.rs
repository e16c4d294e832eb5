//! Writing a simulation [`Report`]: JSON (the whole report), CSV (one row per step and
//! scope, the summary on stderr) or a table for reading.

use std::io::{self, Write};

use engine::diffusion::Batch;
use serde::Serialize;

use super::{ModelArg, Parameters};
use crate::output::{self, Align, Format, Table};

/// Beyond this many steps the table shows every k-th step (and the last).
const MAX_STEPS_SHOWN: usize = 30;

/// Everything `simulate` reports; the JSON output is exactly this.
#[derive(Serialize)]
pub struct Report {
    parameters: Parameters,
    spread: SpreadReport,
    /// Cumulative share adopted at the end of each step, overall.
    curve: Vec<StepRow>,
    /// How many runs ended with each number of adopters.
    final_sizes: Vec<FinalSize>,
    /// Cumulative share of each unit's members adopted (empty without a `unit` column).
    units: Vec<UnitReport>,
}

/// The final number of adopters.
#[derive(Serialize)]
struct SpreadReport {
    mean: f64,
    std_dev: f64,
    ci_low: f64,
    ci_high: f64,
    /// `mean` as a share of everyone.
    mean_fraction: f64,
}

/// One step of a curve; also one CSV row. Band columns are empty for units.
#[derive(Serialize)]
struct StepRow {
    scope: &'static str,
    unit: Option<String>,
    step: usize,
    mean: f64,
    mean_low: f64,
    mean_high: f64,
    band_low: Option<f64>,
    band_high: Option<f64>,
}

#[derive(Serialize)]
struct FinalSize {
    size: u32,
    runs: usize,
}

#[derive(Serialize)]
struct UnitReport {
    unit: String,
    n_members: usize,
    curve: Vec<StepRow>,
}

impl Report {
    /// The report of `batch`; `unit_names[u]` names unit label u.
    pub fn new(parameters: Parameters, batch: &Batch, unit_names: &[String]) -> Report {
        let spread = batch.spread();
        let n_people = parameters.n_people.max(1) as f64;
        let curve = batch
            .curve()
            .points
            .iter()
            .enumerate()
            .map(|(step, p)| StepRow {
                scope: "all",
                unit: None,
                step,
                mean: p.mean,
                mean_low: p.mean_low,
                mean_high: p.mean_high,
                band_low: Some(p.band_low),
                band_high: Some(p.band_high),
            })
            .collect();
        let units = batch
            .unit_curves()
            .iter()
            .zip(unit_names)
            .map(|(unit, name)| UnitReport {
                unit: name.clone(),
                n_members: unit.n_members,
                curve: unit
                    .points
                    .iter()
                    .enumerate()
                    .map(|(step, p)| StepRow {
                        scope: "unit",
                        unit: Some(name.clone()),
                        step,
                        mean: p.mean,
                        mean_low: p.mean_low,
                        mean_high: p.mean_high,
                        band_low: None,
                        band_high: None,
                    })
                    .collect(),
            })
            .collect();
        Report {
            spread: SpreadReport {
                mean: spread.mean,
                std_dev: spread.std_dev,
                ci_low: spread.ci_low,
                ci_high: spread.ci_high,
                mean_fraction: spread.mean / n_people,
            },
            curve,
            final_sizes: batch
                .final_size_counts()
                .into_iter()
                .map(|(size, runs)| FinalSize { size, runs })
                .collect(),
            units,
            parameters,
        }
    }
}

/// Writes the report in `format`.
pub fn write(report: &Report, format: Format, out: &mut impl Write) -> io::Result<()> {
    match format {
        Format::Json => output::write_json(out, report),
        Format::Csv => {
            let rows: Vec<&StepRow> = report
                .curve
                .iter()
                .chain(report.units.iter().flat_map(|u| &u.curve))
                .collect();
            output::write_csv(out, &rows)?;
            // The summary goes where a person watching sees it and a pipeline does not.
            let _ = writeln!(io::stderr(), "groundswell: {}", one_line_summary(report));
            Ok(())
        }
        Format::Table => write_table(report, out),
    }
}

fn one_line_summary(report: &Report) -> String {
    let s = &report.spread;
    format!(
        "{}; expected adopters {} (95 % CI {} to {}) of {} people",
        model_text(&report.parameters),
        output::number(s.mean),
        output::number(s.ci_low),
        output::number(s.ci_high),
        report.parameters.n_people,
    )
}

fn model_text(p: &Parameters) -> String {
    let mut text = match p.model {
        ModelArg::Ic => "independent cascade".to_string(),
        ModelArg::Persistent => "persistent cascade".to_string(),
        ModelArg::Lt => "linear threshold".to_string(),
        ModelArg::Complex => match (p.k, p.fraction) {
            (_, Some(theta)) => format!("complex contagion, a share {theta} of influencers"),
            (k, _) => format!("complex contagion, {} influencers", k.unwrap_or(2)),
        },
    };
    match (p.p, p.tie_probability) {
        (Some(prob), _) => text.push_str(&format!(", p = {prob}")),
        (None, Some(kind)) => text.push_str(&format!(
            ", tie probability: {}",
            serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        )),
        (None, None) => {}
    }
    if p.broadcast > 0.0 {
        text.push_str(&format!(", broadcast {}", p.broadcast));
    }
    text
}

fn percent(x: f64) -> String {
    format!("{} %", output::number(100.0 * x))
}

fn write_table(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let p = &report.parameters;
    let s = &report.spread;
    writeln!(out, "Simulation")?;
    let mut start = format!("{} seeds at step 0", p.n_seeds);
    if p.n_already_adopted > 0 {
        start.push_str(&format!(
            ", {} adopted up to step {}",
            p.n_already_adopted, p.start_step
        ));
    }
    output::write_fields(
        out,
        &[
            ("people", p.n_people.to_string()),
            ("layers", p.layers.join(", ")),
            ("model", model_text(p)),
            (
                "direction",
                match p.direction {
                    super::DirectionArg::Forward => "forward (source to target)".to_string(),
                    super::DirectionArg::Reverse => "reverse (target to source)".to_string(),
                },
            ),
            ("start", start),
            (
                "steps",
                p.steps
                    .map_or("until no one else can adopt".to_string(), |n| {
                        format!("{n} after the start")
                    }),
            ),
            ("runs", format!("{} (seed {})", p.runs, p.seed)),
            (
                "expected adopters",
                format!(
                    "{} (95 % CI {} to {}), {} of everyone",
                    output::number(s.mean),
                    output::number(s.ci_low),
                    output::number(s.ci_high),
                    percent(s.mean_fraction)
                ),
            ),
        ],
    )?;
    writeln!(out)?;
    writeln!(out, "Share adopted by the end of each step")?;
    let mut table = Table::new([
        ("step", Align::Right),
        ("mean", Align::Right),
        ("95 % CI of mean", Align::Right),
        ("2.5 % of runs", Align::Right),
        ("97.5 % of runs", Align::Right),
    ]);
    let every = report.curve.len().div_ceil(MAX_STEPS_SHOWN).max(1);
    for (idx, row) in report.curve.iter().enumerate() {
        if idx % every != 0 && idx + 1 != report.curve.len() {
            continue;
        }
        table.push(vec![
            row.step.to_string(),
            percent(row.mean),
            format!("{} to {}", percent(row.mean_low), percent(row.mean_high)),
            percent(row.band_low.unwrap_or(f64::NAN)),
            percent(row.band_high.unwrap_or(f64::NAN)),
        ]);
    }
    table.write(out)?;
    if report.units.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Share adopted by unit at the last step")?;
    let mut table = Table::new([
        ("unit", Align::Left),
        ("members", Align::Right),
        ("mean", Align::Right),
        ("95 % CI of mean", Align::Right),
    ]);
    for unit in &report.units {
        let Some(last) = unit.curve.last() else {
            continue;
        };
        table.push(vec![
            unit.unit.clone(),
            unit.n_members.to_string(),
            percent(last.mean),
            format!("{} to {}", percent(last.mean_low), percent(last.mean_high)),
        ]);
    }
    table.write(out)
}

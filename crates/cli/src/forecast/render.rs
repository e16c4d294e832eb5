//! Writing a forecast [`Report`]: JSON (the whole report), CSV (one row per forecast
//! period, the summary on stderr) or a table for reading.

use std::io::{self, Write};

use engine::calibration::{
    AdoptionTimes, Adoptions, BassModel, ForecastResult, Interval, RateEstimate,
};
use serde::Serialize;

use super::ExposureArg;
use crate::output::{self, Align, Format, Table};

/// Beyond this many periods the table shows every k-th period (and the last).
const MAX_PERIODS_SHOWN: usize = 60;

/// What the forecast was asked, as reported.
#[derive(Serialize)]
pub struct Parameters {
    pub behaviour: String,
    pub exposure: ExposureArg,
    pub layers: Vec<String>,
    /// The period length when the file has dates; `None` for integer periods.
    pub period: Option<String>,
    pub cutoff: u32,
    pub until: u32,
    pub target: f64,
    pub runs: u64,
    pub seed: u64,
    pub parameter_uncertainty: bool,
    pub n_people: usize,
    pub n_adopted_by_cutoff: usize,
}

/// Everything `forecast` reports; the JSON output is exactly this.
#[derive(Serialize)]
pub struct Report {
    parameters: Parameters,
    estimate: EstimateReport,
    /// The Bass baseline; `None` without adoptions before the cut-off.
    bass: Option<BassReport>,
    target: TargetReport,
    /// One row per forecast period.
    periods: Vec<PeriodRow>,
}

#[derive(Serialize)]
struct RateReport {
    estimate: f64,
    /// 95 % profile-likelihood interval.
    lower: f64,
    upper: f64,
}

impl From<Interval> for RateReport {
    fn from(interval: Interval) -> RateReport {
        RateReport {
            estimate: interval.estimate,
            lower: interval.lower,
            upper: interval.upper,
        }
    }
}

#[derive(Serialize)]
struct EstimateReport {
    personal: RateReport,
    broadcast: RateReport,
    personal_identified: bool,
    log_likelihood: f64,
    n_person_periods: u64,
    n_adoptions: u64,
}

#[derive(Serialize)]
struct BassReport {
    innovation: f64,
    imitation: f64,
    market: f64,
}

/// When the critical-mass target is reached.
#[derive(Serialize)]
struct TargetReport {
    target: f64,
    /// The period it was reached in, if that was by the cut-off.
    reached_in: Option<u32>,
    /// Median and 80 % band of the period it is reached in; `None`: not within the horizon.
    median_period: Option<u32>,
    lower_period: Option<u32>,
    upper_period: Option<u32>,
    median_date: Option<String>,
    /// P(reached by the last forecast period).
    probability_by_until: f64,
}

/// One forecast period; also one CSV row.
#[derive(Serialize)]
struct PeriodRow {
    period: u32,
    /// The first day of the period, when the file has dates.
    date: Option<String>,
    /// The share adopted by then according to the file, where it goes that far.
    observed: Option<f64>,
    median: f64,
    lower: f64,
    upper: f64,
    /// P(share ≥ target by the end of this period).
    probability_target: f64,
    /// The Bass curve's share.
    bass: Option<f64>,
}

impl Report {
    /// The report of a fit and forecast of `times` (one behaviour of `adoptions`).
    pub fn new(
        parameters: Parameters,
        estimate: &RateEstimate,
        bass: Option<&BassModel>,
        forecast: &ForecastResult,
        times: &AdoptionTimes,
        adoptions: &Adoptions,
    ) -> Report {
        let date = |period: u32| adoptions.period_start(period).map(|d| d.to_string());
        let last_observed = times.last_period();
        let periods = forecast
            .periods()
            .iter()
            .map(|band| PeriodRow {
                period: band.period,
                date: date(band.period),
                observed: (band.period <= last_observed).then(|| times.fraction_by(band.period)),
                median: band.median,
                lower: band.lower,
                upper: band.upper,
                probability_target: forecast.probability_by(band.period).unwrap_or(f64::NAN),
                bass: bass.map(|b| b.fraction(band.period)),
            })
            .collect();
        let reach = forecast.reach_period();
        let reached_in = (0..=forecast.cutoff).find(|&t| times.fraction_by(t) >= parameters.target);
        Report {
            estimate: EstimateReport {
                personal: estimate.personal.into(),
                broadcast: estimate.broadcast.into(),
                personal_identified: estimate.personal_identified,
                log_likelihood: estimate.log_likelihood,
                n_person_periods: estimate.n_person_periods,
                n_adoptions: estimate.n_adoptions,
            },
            bass: bass.map(|b| BassReport {
                innovation: b.innovation,
                imitation: b.imitation,
                market: b.market,
            }),
            target: TargetReport {
                target: parameters.target,
                reached_in,
                median_period: reach.median,
                lower_period: reach.lower,
                upper_period: reach.upper,
                median_date: reach.median.and_then(date),
                probability_by_until: forecast.probability_by(forecast.until).unwrap_or(0.0),
            },
            periods,
            parameters,
        }
    }
}

/// Writes the report in `format`.
pub fn write(report: &Report, format: Format, out: &mut impl Write) -> io::Result<()> {
    match format {
        Format::Json => output::write_json(out, report),
        Format::Csv => {
            output::write_csv(out, &report.periods)?;
            // The summary goes where a person watching sees it and a pipeline does not.
            let _ = writeln!(io::stderr(), "groundswell: {}", one_line_summary(report));
            Ok(())
        }
        Format::Table => write_table(report, out),
    }
}

fn percent(x: f64) -> String {
    format!("{} %", output::number(100.0 * x))
}

fn rate_text(rate: &RateReport) -> String {
    format!(
        "{} (95 % CI {} to {})",
        output::number(rate.estimate),
        output::number(rate.lower),
        output::number(rate.upper)
    )
}

fn target_text(report: &Report) -> String {
    let t = &report.target;
    let share = percent(t.target);
    if let Some(period) = t.reached_in {
        return format!("{share} of people reached in period {period}, before the cut-off");
    }
    let until = report.parameters.until;
    let chance = format!(
        "P = {} by period {until}",
        output::number(t.probability_by_until)
    );
    match t.median_period {
        None => format!("{share} of people: not within the horizon ({chance})"),
        Some(median) => {
            let bound = |p: Option<u32>| p.map_or("later".to_string(), |p| p.to_string());
            let date = t
                .median_date
                .as_ref()
                .map_or(String::new(), |d| format!(", starting {d}"));
            format!(
                "{share} of people: median period {median}{date} (80 %: {} to {}); {chance}",
                bound(t.lower_period),
                bound(t.upper_period)
            )
        }
    }
}

fn one_line_summary(report: &Report) -> String {
    let e = &report.estimate;
    let personal = if e.personal_identified {
        rate_text(&e.personal)
    } else {
        "not identified".to_string()
    };
    format!(
        "{}: personal rate p {}, broadcast rate q {}; {}",
        report.parameters.behaviour,
        personal,
        rate_text(&e.broadcast),
        target_text(report)
    )
}

fn write_table(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let p = &report.parameters;
    let e = &report.estimate;
    writeln!(out, "Forecast of {}", p.behaviour)?;
    let personal = if e.personal_identified {
        format!("{} per adopted contact per period", rate_text(&e.personal))
    } else {
        "not identified: no one at risk had an adopted contact".to_string()
    };
    let mut fields = vec![
        ("people", p.n_people.to_string()),
        ("layers", p.layers.join(", ")),
        (
            "exposure",
            match p.exposure {
                ExposureArg::Out => "out (the people one's ties point to)",
                ExposureArg::In => "in (the people whose ties point to one)",
                ExposureArg::Both => "both directions",
            }
            .to_string(),
        ),
        (
            "period",
            p.period
                .clone()
                .unwrap_or_else(|| "as numbered in the file".to_string()),
        ),
        (
            "fitted on",
            format!(
                "periods 1 to {}: {} adopted ({})",
                p.cutoff,
                p.n_adopted_by_cutoff,
                percent(p.n_adopted_by_cutoff as f64 / p.n_people.max(1) as f64)
            ),
        ),
        ("personal rate p", personal),
        (
            "broadcast rate q",
            format!("{} per period", rate_text(&e.broadcast)),
        ),
        (
            "log-likelihood",
            format!(
                "{} over {} person-periods at risk, {} adoptions",
                output::number(e.log_likelihood),
                e.n_person_periods,
                e.n_adoptions
            ),
        ),
    ];
    if let Some(bass) = &report.bass {
        fields.push((
            "Bass baseline",
            format!(
                "innovation {}, imitation {}, market {} people",
                output::number(bass.innovation),
                output::number(bass.imitation),
                output::number(bass.market)
            ),
        ));
    }
    fields.push((
        "runs",
        format!(
            "{} (seed {}), {}",
            p.runs,
            p.seed,
            if p.parameter_uncertainty {
                "rates drawn from their uncertainty"
            } else {
                "rates taken as exact"
            }
        ),
    ));
    output::write_fields(out, &fields)?;
    writeln!(out)?;
    writeln!(out, "Share adopted by the end of each period")?;
    let has_dates = report.periods.iter().any(|row| row.date.is_some());
    let has_observed = report.periods.iter().any(|row| row.observed.is_some());
    let mut columns = vec![("period", Align::Right)];
    if has_dates {
        columns.push(("from", Align::Left));
    }
    if has_observed {
        columns.push(("observed", Align::Right));
    }
    let chance = format!("P(≥ {})", percent(p.target));
    columns.extend([
        ("median", Align::Right),
        ("80 % band", Align::Right),
        (chance.as_str(), Align::Right),
    ]);
    if report.bass.is_some() {
        columns.push(("Bass", Align::Right));
    }
    let mut table = Table::new(columns);
    let every = report.periods.len().div_ceil(MAX_PERIODS_SHOWN).max(1);
    for (idx, row) in report.periods.iter().enumerate() {
        if idx % every != 0 && idx + 1 != report.periods.len() {
            continue;
        }
        let mut cells = vec![row.period.to_string()];
        if has_dates {
            cells.push(row.date.clone().unwrap_or_default());
        }
        if has_observed {
            cells.push(row.observed.map_or(String::new(), percent));
        }
        cells.extend([
            percent(row.median),
            format!("{} to {}", percent(row.lower), percent(row.upper)),
            output::number(row.probability_target),
        ]);
        if let Some(bass) = row.bass {
            cells.push(percent(bass));
        }
        table.push(cells);
    }
    table.write(out)?;
    writeln!(out)?;
    writeln!(out, "Target: {}", target_text(report))
}

//! `groundswell forecast`: estimate a behaviour's personal and broadcast rates from its
//! adoptions up to a cut-off, and forecast the rest by Monte-Carlo, with the Bass curve
//! beside it. The work is `engine::calibration`'s; this module reads the files, picks the
//! behaviour and turns the results into a report (see [`render`] for the three formats).

mod render;

use std::path::PathBuf;

use clap::ValueEnum;
use engine::calibration::{
    AdoptionOptions, Adoptions, BassFit, Date, Exposure, Forecast, PeriodLength, RateFit,
    read_adoptions,
};
use serde::Serialize;

use crate::BadInput;
use crate::input::{InputArgs, choose_behaviour};
use crate::output::OutputArgs;
use crate::progress::Progress;

const EXAMPLES: &str = "\
Examples:
  Fit on every adoption so far and forecast a year of weeks, with the chance of reaching
  25 % of people:
    groundswell forecast --people people.csv --ties ties.csv --adoptions adoptions.csv

  Backtest: fit on months 1–6 of the medical-innovation data, forecast months 7–17 next to
  what happened, as JSON:
    groundswell forecast --people people.csv --ties ties.csv --adoptions adoptions.csv \\
        --cutoff 6 --until 17 --format json

  Advice ties only, exposure along the advice direction (\"i asks j\": j's adoption exposes
  i), a 50 % target, monthly periods for dated adoptions:
    groundswell forecast --ties ties.csv --layers advice --exposure out --target 0.5 \\
        --adoptions adoptions.csv --period month

The model: in each period, someone who has not adopted adopts with probability
1 - (1 - q)(1 - p)^k, where q is the broadcast rate (outside influence), p the personal
rate of each adopted contact and k the number of contacts who have adopted. p and q come
with 95 % profile-likelihood intervals; forecast bands are 80 % (10th to 90th percentile
of the runs), drawing p and q from their uncertainty in each run.

Output formats:
  table  the estimates, the forecast per period (median, 80 % band, chance of the target
         by then, observed share where the file has it, Bass curve) and when the target is
         reached
  json   {\"parameters\": {...}, \"estimate\": {...}, \"bass\": {...}, \"target\": {...},
         \"periods\": [...]}
  csv    one row per forecast period; the summary goes to stderr";

/// Arguments of `groundswell forecast`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten, next_help_heading = "Input")]
    input: InputArgs,

    /// Adoptions (`id,behaviour,time`; time an integer period or a date YYYY-MM-DD).
    #[arg(long, value_name = "FILE", help_heading = "Adoptions")]
    adoptions: PathBuf,

    /// The behaviour to forecast [default: the only one in the file].
    #[arg(long, value_name = "NAME", help_heading = "Adoptions")]
    behaviour: Option<String>,

    /// Period length when times are dates: week, month, day, or a number of days.
    #[arg(long, default_value = "week", value_name = "LENGTH", value_parser = period, help_heading = "Adoptions")]
    period: PeriodLength,

    /// First day of period 1 when times are dates; earlier dates count as adopted before
    /// the start [default: the earliest date in the file].
    #[arg(long, value_name = "DATE", value_parser = date, help_heading = "Adoptions")]
    origin: Option<Date>,

    /// Last period used to fit the rates [default: the last period with an adoption].
    #[arg(long, value_name = "T", help_heading = "Forecast")]
    cutoff: Option<u32>,

    /// Last period to forecast [default: 52 periods after the cut-off].
    #[arg(long, value_name = "T", help_heading = "Forecast")]
    until: Option<u32>,

    /// Critical-mass target, a share of all people.
    #[arg(long, default_value_t = 0.25, value_name = "SHARE", value_parser = share, help_heading = "Forecast")]
    target: f64,

    /// Which ties expose a person to a contact's adoption: out (the people they name),
    /// in (the people who name them) or both.
    #[arg(long, value_enum, default_value_t = ExposureArg::Both, help_heading = "Forecast")]
    exposure: ExposureArg,

    /// Monte-Carlo runs.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Forecast")]
    runs: u64,

    /// Random seed: the same seed gives the same result on any number of threads.
    #[arg(long, default_value_t = 0, value_name = "N", help_heading = "Forecast")]
    seed: u64,

    /// Take the fitted rates as exact (bands then show the process noise only).
    #[arg(long, help_heading = "Forecast")]
    no_parameter_uncertainty: bool,

    #[command(flatten, next_help_heading = "Output")]
    output: OutputArgs,
}

/// `--exposure` values (clap's spelling of [`Exposure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum ExposureArg {
    /// The people one's ties point to.
    Out,
    /// The people whose ties point to one.
    In,
    /// Both, each person once.
    Both,
}

impl From<ExposureArg> for Exposure {
    fn from(exposure: ExposureArg) -> Exposure {
        match exposure {
            ExposureArg::Out => Exposure::Out,
            ExposureArg::In => Exposure::In,
            ExposureArg::Both => Exposure::Both,
        }
    }
}

/// Runs `groundswell forecast`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if let (Some(cutoff), Some(until)) = (args.cutoff, args.until)
        && until <= cutoff
    {
        return Err(BadInput(format!("--until {until} must be after --cutoff {cutoff}")).into());
    }
    let mut sink = args.output.sink()?;
    let progress = Progress::new(6);
    let network = progress.step("reading files", || args.input.load())?;
    let (graph, layers) = progress.step("building the graph", || args.input.graph(&network))?;
    let options = AdoptionOptions {
        period: args.period,
        origin: args.origin,
    };
    let adoptions = progress.step("reading adoptions", || {
        read_adoptions(&args.adoptions, &network, &options)
    })?;
    let (behaviour, times) =
        choose_behaviour(&args.adoptions, args.behaviour.as_deref(), &adoptions)?;
    let exposure = Exposure::from(args.exposure);
    let estimate = progress
        .step("fitting the rates", || {
            RateFit {
                cutoff: args.cutoff,
                exposure,
            }
            .run(&graph, times)
        })
        .map_err(engine_error)?;
    // Bass needs adoptions before the cut-off; without them the report has no Bass curve.
    let bass = progress.step("fitting the Bass curve", || {
        BassFit {
            cutoff: Some(estimate.cutoff),
        }
        .run(times)
        .ok()
    });
    let forecast = progress
        .step("forecasting", || {
            Forecast {
                until: args.until,
                target: args.target,
                n_runs: usize::try_from(args.runs).unwrap_or(usize::MAX),
                seed: args.seed,
                parameter_uncertainty: !args.no_parameter_uncertainty,
            }
            .run(&graph, times, &estimate)
        })
        .map_err(engine_error)?;
    progress.finish();
    let parameters = render::Parameters {
        behaviour: behaviour.to_string(),
        exposure: args.exposure,
        layers: layers.iter().map(|l| l.as_str().to_string()).collect(),
        period: period_text(&adoptions, args.period),
        cutoff: estimate.cutoff,
        until: forecast.until,
        target: args.target,
        runs: args.runs,
        seed: args.seed,
        parameter_uncertainty: !args.no_parameter_uncertainty,
        n_people: network.n_nodes(),
        n_adopted_by_cutoff: times.n_adopted_by(estimate.cutoff),
    };
    let report = render::Report::new(
        parameters,
        &estimate,
        bass.as_ref(),
        &forecast,
        times,
        &adoptions,
    );
    render::write(&report, args.output.format, &mut sink)?;
    sink.finish()?;
    Ok(())
}

/// What a period is, for the report: `null` (shown as "as in the file") for integer periods.
fn period_text(adoptions: &Adoptions, period: PeriodLength) -> Option<String> {
    adoptions.period_start(1)?;
    Some(match period {
        PeriodLength::Days(1) => "day".to_string(),
        PeriodLength::Days(7) => "week".to_string(),
        PeriodLength::Days(days) => format!("{days} days"),
        PeriodLength::Months => "month".to_string(),
    })
}

/// A parameter the user chose is bad input (exit 2); anything else is a failure.
fn engine_error(err: engine::Error) -> anyhow::Error {
    match err {
        engine::Error::InvalidParameter { .. } => BadInput(err.to_string()).into(),
        other => anyhow::Error::new(other).context("forecast failed"),
    }
}

fn period(text: &str) -> Result<PeriodLength, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "week" | "weeks" => Ok(PeriodLength::Days(7)),
        "month" | "months" => Ok(PeriodLength::Months),
        "day" | "days" => Ok(PeriodLength::Days(1)),
        days => match days.parse::<u32>() {
            Ok(days) if days >= 1 => Ok(PeriodLength::Days(days)),
            _ => Err("expected week, month, day or a number of days from 1".to_string()),
        },
    }
}

fn date(text: &str) -> Result<Date, String> {
    Date::parse(text.trim()).ok_or_else(|| "expected a date YYYY-MM-DD".to_string())
}

fn share(text: &str) -> Result<f64, String> {
    let share: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if share > 0.0 && share <= 1.0 {
        Ok(share)
    } else {
        Err("must be above 0 and at most 1".to_string())
    }
}

//! `groundswell simulate`: Monte-Carlo diffusion from seeds or from the adoptions so far.
//! The simulation is `engine::diffusion`'s; this module turns ids into nodes, arguments
//! into a model, and the batch into a report (see [`render`] for the three formats).

mod adoptions;
mod render;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use clap::ValueEnum;
use engine::diffusion::{
    Batch, Diffusion, Direction, EdgeProbability, Model, MonteCarlo, Start, Threshold,
};
use engine::{Network, NodeIdx};
use serde::Serialize;

use crate::BadInput;
use crate::input::InputArgs;
use crate::output::OutputArgs;
use crate::progress::Progress;

/// The name of the unit of people without one (as in `analyze`).
const NO_UNIT: &str = "(none)";

const EXAMPLES: &str = "\
Examples:
  Expected spread from three activists, 10,000 runs of independent cascade with p = 0.05:
    groundswell simulate --people people.csv --ties ties.csv --seeds ann,bob,cat

  Forecast from the adoptions so far, every adopter trying each week (persistent cascade)
  plus a weekly newsletter reaching 1 % of the rest, for 26 weeks, as JSON:
    groundswell simulate --people people.csv --ties ties.csv --adoptions adoptions.csv \\
        --model persistent --p 0.02 --broadcast 0.01 --steps 26 --format json

  Complex contagion (two adopting contacts needed) on advice ties, influence flowing from
  the person asked to the person asking:
    groundswell simulate --ties ties.csv --layers advice --direction reverse \\
        --model complex --k 2 --seeds 17,42

Output formats:
  table  the expected number of adopters with its 95 % interval, the adoption curve and
         the final share adopted per unit
  json   {\"parameters\": {...}, \"spread\": {...}, \"curve\": [...], \"final_sizes\": [...],
         \"units\": [...]}
  csv    one row per step, overall (scope \"all\") and per unit (scope \"unit\"); the
         summary goes to stderr

Curves give the cumulative share adopted at the end of each step: the mean over runs with
the 95 % confidence interval of the mean, and (overall) the 2.5th and 97.5th percentiles
across runs. Seeds adopt at step 0; adoptions keep their own steps (integer periods, or
dates in steps of --step-days days from the first adoption).";

/// Arguments of `groundswell simulate`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten, next_help_heading = "Input")]
    input: InputArgs,

    /// People who adopt at step 0, by id, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ID,...",
        required_unless_present = "adoptions",
        help_heading = "Start"
    )]
    seeds: Vec<String>,

    /// Adoptions so far (`id,behaviour,time`): simulate on from this state.
    #[arg(long, value_name = "FILE", help_heading = "Start")]
    adoptions: Option<PathBuf>,

    /// The behaviour to read from --adoptions [default: the only one in the file].
    #[arg(
        long,
        value_name = "NAME",
        requires = "adoptions",
        help_heading = "Start"
    )]
    behaviour: Option<String>,

    /// Days per step when adoption times are dates.
    #[arg(long, default_value_t = 7, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Start")]
    step_days: u32,

    /// How people adopt from their ties.
    #[arg(long, value_enum, default_value_t = ModelArg::Ic, help_heading = "Model")]
    model: ModelArg,

    /// Probability that a tie transmits (ic: once; persistent: at every step).
    #[arg(long, default_value_t = 0.05, value_name = "P", value_parser = probability, help_heading = "Model")]
    p: f64,

    /// Tie probabilities for ic and persistent: --p for every tie, the tie weight, or
    /// 1 / (number of people influencing the target).
    #[arg(long, value_enum, default_value_t = TieProbability::Uniform, help_heading = "Model")]
    tie_probability: TieProbability,

    /// complex: adopt once this many influencers have adopted.
    #[arg(long, default_value_t = 2, value_name = "K", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Model")]
    k: u32,

    /// complex: adopt once this share of one's influencers have adopted (instead of --k).
    #[arg(long, value_name = "θ", value_parser = fraction, help_heading = "Model")]
    fraction: Option<f64>,

    /// Probability per step that someone adopts from broadcast (needs --steps).
    #[arg(long, default_value_t = 0.0, value_name = "Q", value_parser = probability, help_heading = "Model")]
    broadcast: f64,

    /// Which way a tie source → target carries influence: forward (source to target), or
    /// reverse (for advice ties: "i asks j" puts j's influence on i).
    #[arg(long, value_enum, default_value_t = DirectionArg::Forward, help_heading = "Model")]
    direction: DirectionArg,

    /// Steps to simulate after the start [default: until no one else can adopt; needed
    /// with --broadcast and --model persistent].
    #[arg(long, value_name = "N", help_heading = "Model")]
    steps: Option<u32>,

    /// Monte-Carlo runs.
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Model")]
    runs: u64,

    /// Random seed: the same seed gives the same result on any number of threads.
    #[arg(long, default_value_t = 0, value_name = "N", help_heading = "Model")]
    seed: u64,

    #[command(flatten, next_help_heading = "Output")]
    output: OutputArgs,
}

/// `--model` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum ModelArg {
    /// Independent cascade: one chance per tie, the step after adopting.
    Ic,
    /// Persistent cascade: every adopter tries every tie at every step.
    Persistent,
    /// Linear threshold: normalised tie weights against a random threshold.
    Lt,
    /// Complex contagion: --k adopting influencers (or a --fraction of them).
    Complex,
}

/// `--tie-probability` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum TieProbability {
    /// --p for every tie.
    Uniform,
    /// The tie weight, clamped to [0, 1].
    Weight,
    /// 1 / (number of people influencing the target).
    WeightedCascade,
}

/// `--direction` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum DirectionArg {
    /// Source to target.
    Forward,
    /// Target to source.
    Reverse,
}

/// What the simulation was asked, as reported.
#[derive(Serialize)]
pub struct Parameters {
    model: ModelArg,
    tie_probability: Option<TieProbability>,
    p: Option<f64>,
    k: Option<u32>,
    fraction: Option<f64>,
    broadcast: f64,
    direction: DirectionArg,
    steps: Option<u32>,
    runs: u64,
    seed: u64,
    layers: Vec<String>,
    n_people: usize,
    n_seeds: usize,
    n_already_adopted: usize,
    start_step: u32,
}

/// Runs `groundswell simulate`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.broadcast > 0.0 && args.steps.is_none() {
        return Err(BadInput(
            "--broadcast needs --steps: with broadcast everyone adopts in the end".into(),
        )
        .into());
    }
    if args.model == ModelArg::Persistent && args.steps.is_none() {
        return Err(BadInput(
            "--model persistent needs --steps: in the end everyone reachable adopts".into(),
        )
        .into());
    }
    let mut sink = args.output.sink()?;
    let progress = Progress::new(4);
    let network = progress.step("reading files", || args.input.load())?;
    let (graph, layers) = progress.step("building the graph", || args.input.graph(&network))?;
    let (start, n_seeds, n_already) =
        progress.step("reading the start", || start(args, &network))?;
    let (unit_names, labels) = units(&network);
    let diffusion = diffusion(args);
    let monte_carlo = MonteCarlo {
        runs: usize::try_from(args.runs)?,
        seed: args.seed,
    };
    let batch = progress
        .step("simulating", || -> Result<Batch, engine::Error> {
            let simulator = diffusion.simulator(&graph)?;
            match &labels {
                Some(labels) => simulator.simulate_by_unit(&start, &monte_carlo, labels),
                None => simulator.simulate(&start, &monte_carlo),
            }
        })
        .map_err(engine_error)?;
    progress.finish();
    let parameters = Parameters {
        model: args.model,
        tie_probability: matches!(args.model, ModelArg::Ic | ModelArg::Persistent)
            .then_some(args.tie_probability),
        p: (matches!(args.model, ModelArg::Ic | ModelArg::Persistent)
            && args.tie_probability == TieProbability::Uniform)
            .then_some(args.p),
        k: (args.model == ModelArg::Complex && args.fraction.is_none()).then_some(args.k),
        fraction: args.fraction.filter(|_| args.model == ModelArg::Complex),
        broadcast: args.broadcast,
        direction: args.direction,
        steps: args.steps,
        runs: args.runs,
        seed: args.seed,
        layers: layers.iter().map(|l| l.as_str().to_string()).collect(),
        n_people: network.n_nodes(),
        n_seeds,
        n_already_adopted: n_already,
        start_step: start.start_step(),
    };
    let report = render::Report::new(parameters, &batch, &unit_names);
    render::write(&report, args.output.format, &mut sink)?;
    sink.finish()?;
    Ok(())
}

/// The engine's description of the process the arguments ask for.
fn diffusion(args: &Args) -> Diffusion {
    let probability = match args.tie_probability {
        TieProbability::Uniform => EdgeProbability::Uniform(args.p),
        TieProbability::Weight => EdgeProbability::TieWeight,
        TieProbability::WeightedCascade => EdgeProbability::WeightedCascade,
    };
    let model = match args.model {
        ModelArg::Ic => Model::IndependentCascade(probability),
        ModelArg::Persistent => Model::Persistent(probability),
        ModelArg::Lt => Model::LinearThreshold,
        ModelArg::Complex => Model::Complex(match args.fraction {
            Some(theta) => Threshold::Fraction(theta),
            None => Threshold::Count(args.k),
        }),
    };
    Diffusion {
        model,
        direction: match args.direction {
            DirectionArg::Forward => Direction::Forward,
            DirectionArg::Reverse => Direction::Reverse,
        },
        broadcast: args.broadcast,
        max_steps: args.steps,
    }
}

/// Seeds and adoptions as a [`Start`], with the number of distinct seeds and of people from
/// the adoptions file.
fn start(args: &Args, network: &Network) -> anyhow::Result<(Start, usize, usize)> {
    let mut seeds: Vec<NodeIdx> = Vec::with_capacity(args.seeds.len());
    for id in &args.seeds {
        let id = id.trim();
        let node = network.node_idx(id).ok_or_else(|| {
            BadInput(format!(
                "unknown seed id `{id}` in --seeds: not among the people read"
            ))
        })?;
        seeds.push(node);
    }
    let adopted = match &args.adoptions {
        Some(path) => adoptions::read(path, network, args.behaviour.as_deref(), args.step_days)?,
        None => Vec::new(),
    };
    let n_seeds = seeds.iter().collect::<BTreeSet<_>>().len();
    let n_already = adopted
        .iter()
        .map(|&(node, _)| node)
        .collect::<BTreeSet<_>>()
        .len();
    Ok((Start::new(&seeds, &adopted), n_seeds, n_already))
}

/// Unit names (alphabetical, [`NO_UNIT`] last if anyone has none) and everyone's label, if
/// the people have a `unit` column.
fn units(network: &Network) -> (Vec<String>, Option<Vec<u32>>) {
    let Some(column) = network.attribute_column("unit") else {
        return (Vec::new(), None);
    };
    let unit_of = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(NO_UNIT)
            .to_string()
    };
    let mut names: Vec<String> = column
        .iter()
        .map(unit_of)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if let Some(pos) = names.iter().position(|n| n == NO_UNIT) {
        let none = names.remove(pos);
        names.push(none);
    }
    let index: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(unit_idx, name)| (name.as_str(), unit_idx as u32))
        .collect();
    let labels = column
        .iter()
        .map(|value| index.get(unit_of(value).as_str()).copied().unwrap_or(0))
        .collect();
    drop(index);
    (names, Some(labels))
}

/// A parameter the user chose is bad input (exit 2); anything else is a failure.
fn engine_error(err: engine::Error) -> anyhow::Error {
    match err {
        engine::Error::InvalidParameter { .. } => BadInput(err.to_string()).into(),
        other => anyhow::Error::new(other).context("simulation failed"),
    }
}

fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err("must be a probability between 0 and 1".to_string())
    }
}

fn fraction(text: &str) -> Result<f64, String> {
    let theta: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if theta > 0.0 && theta <= 1.0 {
        Ok(theta)
    } else {
        Err("must be above 0 and at most 1".to_string())
    }
}

//! `groundswell recommend`: which activists to invite, why each of them, and who should ask
//! them. The selection is `engine::influence`'s; this module turns ids, grades and units
//! into constraints, and the selection into a report (see [`render`] for the formats).

mod render;

use std::collections::BTreeSet;

use clap::ValueEnum;
use engine::influence::{
    ActivistSelection, Constraints, EdgeProbability, Model, Selection, UnitQuota, Units,
};
use engine::{Graph, Network, NodeIdx};
use serde::Serialize;

use crate::BadInput;
use crate::input::InputArgs;
use crate::output::OutputArgs;
use crate::progress::Progress;

const EXAMPLES: &str = "\
Examples:
  Ten activists under independent cascade with p = 0.05, as a table:
    groundswell recommend --people people.csv --ties ties.csv --k 10

  At most two per unit, no directors, the current activists (ann, bob) already active
  and able to ask; earlier picks may ask later ones; as JSON:
    groundswell recommend --people people.csv --ties ties.csv --k 12 \\
        --max-per-unit 2 --exclude-grade director --fixed ann,bob --picks-can-ask \\
        --format json --out picks.json

  Advice ties, influence flowing from the person asked to the person asking:
    groundswell recommend --ties ties.csv --layers advice --direction reverse --k 5

Output formats:
  table  the expected reach with its 95 % interval, then one row per pick: marginal gain,
         reach so far, who should ask, and why
  json   {\"parameters\": {...}, \"spread\": {...}, \"picks\": [...], \"reach_curve\": [...],
         \"candidates\": [...]}
  csv    one row per pick; the summary goes to stderr

Picks come in greedy order: each adds the most expected reach given the ones before, so
the marginal gains fall and the reach curve shows the value of one more activist. The
guarantee: the picks reach at least (1 - 1/e - epsilon) of the best possible expected reach
(1/2 - epsilon with per-unit quotas) with probability 1 - 1/n; `certified_ratio` is what the
data prove for this run.";

/// Arguments of `groundswell recommend`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten, next_help_heading = "Input")]
    input: InputArgs,

    /// How many activists to pick.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Selection")]
    k: u64,

    /// People attribute whose values are the units for quotas and reasons.
    #[arg(
        long,
        default_value = "unit",
        value_name = "COLUMN",
        help_heading = "Selection"
    )]
    quota_by: String,

    /// At most this many picks per unit.
    #[arg(long, value_name = "N", help_heading = "Selection")]
    max_per_unit: Option<usize>,

    /// At least this many picks in every unit.
    #[arg(long, value_name = "N", help_heading = "Selection")]
    min_per_unit: Option<usize>,

    /// Never pick people of this grade (the `grade` column), comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "GRADE,...",
        help_heading = "Selection"
    )]
    exclude_grade: Vec<String>,

    /// Never pick these people (opted out, …), by id, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ID,...",
        help_heading = "Selection"
    )]
    exclude: Vec<String>,

    /// People already active (current activists): never picked, their reach counts as
    /// reached already, and they can ask picks.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ID,...",
        help_heading = "Selection"
    )]
    fixed: Vec<String>,

    /// Other people who can ask picks (hosts, members), by id, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ID,...",
        help_heading = "Selection"
    )]
    engaged: Vec<String>,

    /// Earlier picks may ask later ones.
    #[arg(long, help_heading = "Selection")]
    picks_can_ask: bool,

    /// How a behaviour spreads along ties.
    #[arg(long, value_enum, default_value_t = ModelArg::Ic, help_heading = "Model")]
    model: ModelArg,

    /// ic: probability that a tie transmits.
    #[arg(long, default_value_t = 0.05, value_name = "P", value_parser = probability, help_heading = "Model")]
    p: f64,

    /// ic: tie probabilities: --p for every tie, 1 - (1 - p)^weight, the tie weight, or
    /// weight / (sum of weights into the target).
    #[arg(long, value_enum, default_value_t = TieProbability::Uniform, help_heading = "Model")]
    tie_probability: TieProbability,

    /// Which way a tie source → target carries influence: forward (source to target), or
    /// reverse (for advice ties: "i asks j" puts j's influence on i).
    #[arg(long, value_enum, default_value_t = DirectionArg::Forward, help_heading = "Model")]
    direction: DirectionArg,

    /// Approximation slack: smaller is slower (RR sets grow like 1/epsilon²).
    #[arg(
        long,
        default_value_t = 0.1,
        value_name = "EPS",
        help_heading = "Model"
    )]
    epsilon: f64,

    /// Random seed: the same seed gives the same picks on any number of threads.
    #[arg(long, default_value_t = 0, value_name = "N", help_heading = "Model")]
    seed: u64,

    #[command(flatten, next_help_heading = "Output")]
    output: OutputArgs,
}

/// `--model` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum ModelArg {
    /// Independent cascade: one chance per tie.
    Ic,
    /// Linear threshold: normalised tie weights against a random threshold.
    Lt,
}

/// `--tie-probability` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum TieProbability {
    /// --p for every tie.
    Uniform,
    /// 1 - (1 - p)^weight: each unit of weight an independent chance.
    PerUnitWeight,
    /// The tie weight (must be in [0, 1]).
    Weight,
    /// weight / (sum of weights into the target).
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

/// What was asked, as reported.
#[derive(Serialize)]
pub struct Parameters {
    k: u64,
    model: ModelArg,
    tie_probability: Option<TieProbability>,
    p: Option<f64>,
    direction: DirectionArg,
    epsilon: f64,
    seed: u64,
    layers: Vec<String>,
    quota_by: Option<String>,
    max_per_unit: Option<usize>,
    min_per_unit: Option<usize>,
    n_people: usize,
    n_excluded: usize,
    n_fixed: usize,
}

/// Runs `groundswell recommend`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut sink = args.output.sink()?;
    let progress = Progress::new(3);
    let network = progress.step("reading files", || args.input.load())?;
    let (graph, layers) = progress.step("building the graph", || args.input.graph(&network))?;
    let graph = match args.direction {
        DirectionArg::Forward => graph,
        DirectionArg::Reverse => reversed(&graph),
    };
    let units = units(args, &network)?;
    let selection_args = selection(args, &network, units.clone())?;
    let n_excluded = selection_args.constraints.excluded.len();
    let n_fixed = selection_args.constraints.fixed.len();
    let selection: Selection = progress
        .step("choosing activists", || selection_args.run(&graph))
        .map_err(engine_error)?;
    progress.finish();
    let uniform = args.tie_probability == TieProbability::Uniform;
    let parameters = Parameters {
        k: args.k,
        model: args.model,
        tie_probability: (args.model == ModelArg::Ic).then_some(args.tie_probability),
        p: (args.model == ModelArg::Ic
            && (uniform || args.tie_probability == TieProbability::PerUnitWeight))
            .then_some(args.p),
        direction: args.direction,
        epsilon: args.epsilon,
        seed: args.seed,
        layers: layers.iter().map(|l| l.as_str().to_string()).collect(),
        quota_by: units.as_ref().map(|_| args.quota_by.clone()),
        max_per_unit: args.max_per_unit,
        min_per_unit: args.min_per_unit,
        n_people: network.n_nodes(),
        n_excluded,
        n_fixed,
    };
    let report = render::Report::new(parameters, &selection, &network, units.as_ref());
    render::write(&report, args.output.format, &mut sink)?;
    sink.finish()?;
    Ok(())
}

/// The same graph with every edge turned around.
fn reversed(graph: &Graph) -> Graph {
    if !graph.is_directed() {
        return graph.clone();
    }
    Graph::directed(graph.n_nodes(), graph.edges().map(|(s, t, w)| (t, s, w)))
}

/// Units from the `--quota-by` column, if the people have it; an error if quotas need it.
fn units(args: &Args, network: &Network) -> Result<Option<Units>, BadInput> {
    let needs = args.max_per_unit.is_some() || args.min_per_unit.is_some();
    match network.attribute_column(&args.quota_by) {
        Some(column) => {
            let labels: Vec<Option<String>> = column
                .iter()
                .map(|v| {
                    v.as_deref()
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                })
                .collect();
            Ok(Some(Units::from_labels(&labels)))
        }
        None if needs => Err(BadInput(format!(
            "--max-per-unit and --min-per-unit need a `{}` column in the people file",
            args.quota_by
        ))),
        None => Ok(None),
    }
}

/// The engine's parameters: ids to nodes, grades to exclusions, per-unit limits to quotas.
fn selection(
    args: &Args,
    network: &Network,
    units: Option<Units>,
) -> Result<ActivistSelection, BadInput> {
    let nodes = |ids: &[String], flag: &str| -> Result<Vec<NodeIdx>, BadInput> {
        ids.iter()
            .map(|id| {
                let id = id.trim();
                network.node_idx(id).ok_or_else(|| {
                    BadInput(format!(
                        "unknown id `{id}` in {flag}: not among the people read"
                    ))
                })
            })
            .collect()
    };
    let mut excluded = nodes(&args.exclude, "--exclude")?;
    excluded.extend(excluded_grades(args, network)?);
    let excluded: Vec<NodeIdx> = excluded
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let fixed = nodes(&args.fixed, "--fixed")?;
    let engaged = nodes(&args.engaged, "--engaged")?;
    let quotas = match (args.min_per_unit, &units) {
        (Some(at_least), Some(units)) if at_least > 0 => (0..units.n_units() as u32)
            .map(|unit| UnitQuota {
                unit,
                at_least,
                at_most: None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let probability = match args.tie_probability {
        TieProbability::Uniform => EdgeProbability::Uniform(args.p),
        TieProbability::PerUnitWeight => EdgeProbability::PerUnitWeight(args.p),
        TieProbability::Weight => EdgeProbability::Weight,
        TieProbability::WeightedCascade => EdgeProbability::WeightedCascade,
    };
    Ok(ActivistSelection {
        k: usize::try_from(args.k).map_err(|_| BadInput(format!("--k {} is too large", args.k)))?,
        model: match args.model {
            ModelArg::Ic => Model::IndependentCascade(probability),
            ModelArg::Lt => Model::LinearThreshold,
        },
        epsilon: args.epsilon,
        seed: args.seed,
        constraints: Constraints {
            fixed,
            excluded,
            quotas,
            max_per_unit: args.max_per_unit,
        },
        units,
        engaged,
        askers_include_picks: args.picks_can_ask,
        ..ActivistSelection::default()
    })
}

/// People whose `grade` is one of `--exclude-grade` (case-insensitive); an error for a
/// grade nobody has, naming the grades there are.
fn excluded_grades(args: &Args, network: &Network) -> Result<Vec<NodeIdx>, BadInput> {
    if args.exclude_grade.is_empty() {
        return Ok(Vec::new());
    }
    let Some(column) = network.attribute_column("grade") else {
        return Err(BadInput(
            "--exclude-grade needs a `grade` column in the people file".into(),
        ));
    };
    let grade = |v: &Option<String>| v.as_deref().map(|g| g.trim().to_lowercase());
    let known: BTreeSet<String> = column.iter().filter_map(grade).collect();
    let mut out = Vec::new();
    for wanted in &args.exclude_grade {
        let wanted = wanted.trim().to_lowercase();
        if !known.contains(&wanted) {
            let list = known.iter().cloned().collect::<Vec<_>>().join(", ");
            return Err(BadInput(format!(
                "no one has grade `{wanted}` (--exclude-grade); grades: {list}"
            )));
        }
        out.extend(
            column
                .iter()
                .enumerate()
                .filter(|(_, v)| grade(v).as_deref() == Some(wanted.as_str()))
                .map(|(v, _)| v as NodeIdx),
        );
    }
    Ok(out)
}

/// A parameter the user chose is bad input (exit 2); anything else is a failure.
fn engine_error(err: engine::Error) -> anyhow::Error {
    match err {
        engine::Error::InvalidParameter { .. } => BadInput(err.to_string()).into(),
        other => anyhow::Error::new(other).context("activist selection failed"),
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

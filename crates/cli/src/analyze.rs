//! `groundswell analyze`: every structural measure of a network, per person and overall.
//! The measures come from `engine`; this module chooses parameters, runs them in turn with a
//! progress bar, and writes one report (see [`render`] for the three formats).

mod render;

use std::collections::{BTreeMap, HashMap};

use clap::ValueEnum;
use engine::centrality::{
    ApproxBetweenness, Betweenness, Degree, Direction, HarmonicCloseness, PageRank,
};
use engine::community::Leiden;
use engine::components::{self, Components};
use engine::{Graph, Layer, Network, NodeScores};
use serde::Serialize;

use crate::BadInput;
use crate::input::InputArgs;
use crate::output::OutputArgs;
use crate::progress::Progress;

/// Above this many people `--betweenness auto` switches from exact to approximate: exact
/// betweenness costs O(n·m), minutes past here on a laptop.
const EXACT_BETWEENNESS_MAX_NODES: usize = 50_000;

/// Failure probability of approximate betweenness: all scores are within ε with
/// probability at least 1 − δ.
const APPROX_BETWEENNESS_DELTA: f64 = 0.1;

/// The name `render` uses for people without a `unit` attribute.
pub const NO_UNIT: &str = "(none)";

const EXAMPLES: &str = "\
Examples:
  A readable summary and the 20 people with the highest PageRank:
    groundswell analyze --people people.csv --ties ties.csv

  Only advice and collaboration ties, as JSON for a notebook:
    groundswell analyze --people people.csv --ties ties.csv \\
        --layers advice,collaboration --format json --out network.json

  One row per person for a spreadsheet (the network summary goes to stderr):
    groundswell analyze --people people.csv --ties ties.csv --format csv --out scores.csv

  A large edge list: approximate betweenness within 0.005, 8 threads:
    groundswell analyze --ties graph.txt --betweenness approx --epsilon 0.005 --threads 8

Output formats:
  table  the network summary, the tie counts between units, then the top 20 people by
         PageRank (--all: everyone)
  json   {\"network\": {...}, \"people\": [...], \"unit_matrix\": {\"units\": [...], \"counts\": [[...]]}}
         (counts[a][b]: analysed edges from units[a] to units[b]; no unit is \"(none)\")
  csv    one row per person, in file order; the network summary goes to stderr

Per person: in/out degree and strength (summed weights), PageRank, betweenness
(normalised), harmonic closeness, k-core number, Burt's constraint and effective size
(empty/null for isolated people), Leiden community. Parallel ties of the chosen layers merge
into one edge whose weight is their sum.";

/// Arguments of `groundswell analyze`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten, next_help_heading = "Input")]
    input: InputArgs,

    #[command(flatten, next_help_heading = "Output")]
    output: OutputArgs,

    /// Table format: list every person, not only the top 20 by PageRank.
    #[arg(long, help_heading = "Output")]
    all: bool,

    /// Seed for the randomized measures (communities, approximate betweenness).
    #[arg(long, default_value_t = 0, value_name = "N", help_heading = "Measures")]
    seed: u64,

    /// Betweenness method: `auto` is exact up to 50,000 people, approximate above.
    #[arg(long, value_enum, default_value_t = BetweennessMode::Auto, help_heading = "Measures")]
    betweenness: BetweennessMode,

    /// Error bound of approximate betweenness (every score within ε, with probability 0.9).
    #[arg(long, default_value_t = 0.01, value_parser = parse_epsilon, value_name = "ε", allow_negative_numbers = true, help_heading = "Measures")]
    epsilon: f64,
}

/// `--betweenness` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BetweennessMode {
    /// Exact up to 50,000 people, approximate above.
    Auto,
    /// Brandes' exact algorithm, whatever the size.
    Exact,
    /// Sampling with an error bound of --epsilon.
    Approx,
}

/// Everything `analyze` reports; the JSON output is exactly this.
#[derive(Serialize)]
pub struct Report {
    /// Whole-network figures.
    pub network: NetworkSummary,
    /// One entry per person, in file order.
    pub people: Vec<PersonScores>,
    /// Edges between units.
    pub unit_matrix: UnitMatrix,
}

/// Whole-network figures.
#[derive(Serialize)]
pub struct NetworkSummary {
    pub n_people: usize,
    /// Ties as read, in every layer, self-ties included.
    pub n_ties: usize,
    pub n_ties_by_layer: BTreeMap<String, usize>,
    pub layers_analysed: Vec<String>,
    pub self_loops_dropped: bool,
    /// Edges of the analysed graph: parallel ties merged.
    pub n_edges: usize,
    pub density: f64,
    pub n_weak_components: usize,
    pub largest_weak_component: usize,
    pub n_strong_components: usize,
    pub largest_strong_component: usize,
    pub n_communities: usize,
    pub modularity: f64,
    pub seed: u64,
    pub betweenness: BetweennessMethod,
}

/// How betweenness was computed.
#[derive(Serialize)]
pub struct BetweennessMethod {
    /// `exact` or `approximate`.
    pub method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
}

/// One person's measures; also one CSV row.
#[derive(Serialize)]
pub struct PersonScores {
    pub id: String,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub in_degree: u64,
    pub out_degree: u64,
    pub in_strength: f64,
    pub out_strength: f64,
    pub pagerank: f64,
    pub betweenness: f64,
    pub harmonic_closeness: f64,
    pub core_number: u32,
    /// `None` for isolated people, whose constraint is undefined.
    pub constraint: Option<f64>,
    /// `None` for isolated people.
    pub effective_size: Option<f64>,
    pub community: u32,
}

/// Counts of analysed edges from one unit to another.
#[derive(Serialize)]
pub struct UnitMatrix {
    /// Units in alphabetical order, [`NO_UNIT`] last if anyone has no unit.
    pub units: Vec<String>,
    /// `counts[a][b]`: edges from `units[a]` to `units[b]`.
    pub counts: Vec<Vec<u64>>,
}

/// Runs `groundswell analyze`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    // Open the output first: a bad `--out` path should fail before minutes of work.
    let mut sink = args.output.sink()?;
    let progress = Progress::new(N_STEPS);
    let network = progress.step("reading files", || args.input.load())?;
    let (graph, layers) = progress.step("building the graph", || args.input.graph(&network))?;
    let report = analyse(args, &network, &graph, &layers, &progress)?;
    progress.finish();
    render::write(&report, args.output.format, args.all, &mut sink)?;
    sink.finish()?;
    Ok(())
}

/// Progress steps: the two above and the ones in [`analyse`].
const N_STEPS: u64 = 10;

fn analyse(
    args: &Args,
    network: &Network,
    graph: &Graph,
    layers: &[Layer],
    progress: &Progress,
) -> anyhow::Result<Report> {
    let (in_degree, out_degree, in_strength, out_strength) = progress.step("degree", || {
        let degree = |direction, weighted| {
            Degree {
                direction,
                weighted,
            }
            .run(graph)
        };
        (
            degree(Direction::In, false),
            degree(Direction::Out, false),
            degree(Direction::In, true),
            degree(Direction::Out, true),
        )
    });
    let pagerank = progress
        .step("pagerank", || PageRank::default().run(graph))
        .map_err(engine_error)?;
    let (betweenness, betweenness_method) =
        progress.step("betweenness", || betweenness(args, graph))?;
    let closeness = progress.step("harmonic closeness", || {
        HarmonicCloseness { weighted: false }.run(graph)
    });
    let core = progress.step("k-core", || engine::kcore::core_numbers(graph));
    let (constraint, effective_size) = progress.step("structural holes", || {
        (
            engine::structural_holes::constraint(graph),
            engine::structural_holes::effective_size(graph),
        )
    });
    let (weak, strong) = progress.step("components", || {
        (
            components::weakly_connected(graph),
            components::strongly_connected(graph),
        )
    });
    let partition = progress
        .step("communities", || {
            Leiden {
                seed: args.seed,
                ..Leiden::default()
            }
            .run(graph)
        })
        .map_err(engine_error)?;

    let units = attribute(network, "unit");
    let mut names = attribute(network, "name");
    let n_nodes = graph.n_nodes();
    let n_edges = graph.n_edges();
    let network_summary = NetworkSummary {
        n_people: network.n_nodes(),
        n_ties: network.ties().len(),
        n_ties_by_layer: ties_by_layer(network),
        layers_analysed: layers.iter().map(|l| l.as_str().to_string()).collect(),
        self_loops_dropped: args.input.drop_self_loops,
        n_edges,
        density: if n_nodes < 2 {
            0.0
        } else {
            n_edges as f64 / (n_nodes as f64 * (n_nodes as f64 - 1.0))
        },
        n_weak_components: weak.n_components,
        largest_weak_component: largest(&weak),
        n_strong_components: strong.n_components,
        largest_strong_component: largest(&strong),
        n_communities: partition.n_communities,
        modularity: partition.modularity,
        seed: args.seed,
        betweenness: betweenness_method,
    };
    let people = graph
        .nodes()
        .map(|node| {
            let idx = node as usize;
            PersonScores {
                id: network.id(node).to_string(),
                name: names[idx].take(),
                unit: units[idx].clone(),
                in_degree: in_degree.score(node) as u64,
                out_degree: out_degree.score(node) as u64,
                in_strength: in_strength.score(node),
                out_strength: out_strength.score(node),
                pagerank: pagerank.score(node),
                betweenness: betweenness.score(node),
                harmonic_closeness: closeness.score(node),
                core_number: core[idx],
                constraint: finite(constraint.score(node)),
                effective_size: finite(effective_size.score(node)),
                community: partition.membership[idx],
            }
        })
        .collect();
    Ok(Report {
        network: network_summary,
        people,
        unit_matrix: unit_matrix(graph, &units),
    })
}

fn betweenness(args: &Args, graph: &Graph) -> anyhow::Result<(NodeScores, BetweennessMethod)> {
    let exact = match args.betweenness {
        BetweennessMode::Exact => true,
        BetweennessMode::Approx => false,
        BetweennessMode::Auto => graph.n_nodes() <= EXACT_BETWEENNESS_MAX_NODES,
    };
    if exact {
        let scores = Betweenness {
            normalized: true,
            weighted: false,
        }
        .run(graph);
        let method = BetweennessMethod {
            method: "exact",
            epsilon: None,
            delta: None,
        };
        return Ok((scores, method));
    }
    let approx = ApproxBetweenness {
        epsilon: args.epsilon,
        delta: APPROX_BETWEENNESS_DELTA,
        seed: args.seed,
    };
    let scores = approx.run(graph).map_err(engine_error)?;
    let method = BetweennessMethod {
        method: "approximate",
        epsilon: Some(approx.epsilon),
        delta: Some(approx.delta),
    };
    Ok((scores, method))
}

/// A parameter the user chose is bad input (exit 2); anything else is a failure.
fn engine_error(err: engine::Error) -> anyhow::Error {
    match err {
        engine::Error::InvalidParameter { .. } => BadInput(err.to_string()).into(),
        other => anyhow::Error::new(other).context("analysis failed"),
    }
}

fn parse_epsilon(text: &str) -> Result<f64, String> {
    let epsilon: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if epsilon > 0.0 && epsilon < 1.0 {
        Ok(epsilon)
    } else {
        Err("must be between 0 and 1 (exclusive)".to_string())
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn largest(components: &Components) -> usize {
    let mut sizes = vec![0usize; components.n_components];
    for &label in &components.labels {
        sizes[label as usize] += 1;
    }
    sizes.into_iter().max().unwrap_or(0)
}

fn ties_by_layer(network: &Network) -> BTreeMap<String, usize> {
    let mut counts = vec![0usize; network.layers().len()];
    for tie in network.ties() {
        counts[tie.layer as usize] += 1;
    }
    network
        .layers()
        .iter()
        .zip(counts)
        .map(|(layer, n_ties)| (layer.as_str().to_string(), n_ties))
        .collect()
}

/// Everyone's value of an attribute column; `None` where it is unset or blank.
fn attribute(network: &Network, column: &str) -> Vec<Option<String>> {
    match network.attribute_column(column) {
        Some(values) => values
            .iter()
            .map(|value| {
                value
                    .as_deref()
                    .map(str::trim)
                    .filter(|value| !value.is_empty())
                    .map(String::from)
            })
            .collect(),
        None => vec![None; network.n_nodes()],
    }
}

fn unit_matrix(graph: &Graph, units: &[Option<String>]) -> UnitMatrix {
    let mut names: Vec<String> = units.iter().flatten().cloned().collect();
    names.sort_unstable();
    names.dedup();
    let no_unit_idx = names.len();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(unit_idx, name)| (name.as_str(), unit_idx))
        .collect();
    let node_unit: Vec<usize> = units
        .iter()
        .map(|unit| unit.as_deref().map_or(no_unit_idx, |name| index[name]))
        .collect();
    drop(index);
    if node_unit.contains(&no_unit_idx) {
        names.push(NO_UNIT.to_string());
    }
    let mut counts = vec![vec![0u64; names.len()]; names.len()];
    for (source, target, _) in graph.edges() {
        counts[node_unit[source as usize]][node_unit[target as usize]] += 1;
    }
    UnitMatrix {
        units: names,
        counts,
    }
}

//! The engine against NetworkX on the real data sets of `fixtures/`.
//!
//! `scripts/reference-values` computes every value with NetworkX (pinned version) and writes
//! `fixtures/reference/<dataset>.json`; each value names the graph it was computed on. These
//! tests build the same graphs through `engine::io::load` and `Network::graph`, run the
//! engine, and compare node by node: exact measures to 1e-9 relative (1e-12 absolute near
//! 0), NaN where NetworkX gives NaN (`null` in the files). Components compare as counts and
//! sorted sizes, communities as modularity.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use engine::centrality::{
    ApproxBetweenness, Betweenness, Degree, Direction, HarmonicCloseness, PageRank,
};
use engine::community::{Leiden, modularity};
use engine::components::{Components, strongly_connected, weakly_connected};
use engine::io::{ReadOptions, TiesFormat, load};
use engine::kcore::core_numbers;
use engine::structural_holes::{constraint, effective_size};
use engine::{Graph, GraphOptions, Network};
use serde::Deserialize;

const DATASETS: [&str; 4] = [
    "krackhardt_hightech",
    "lazega_law_firm",
    "medical_innovation",
    "email_eu_core",
];

/// Relative tolerance for exact measures.
const RELATIVE_TOLERANCE: f64 = 1e-9;
/// Absolute floor under the relative tolerance, for values at or near 0.
const ABSOLUTE_FLOOR: f64 = 1e-12;

const DEGREE: &[&str] = &[
    "degree_in",
    "degree_in_weighted",
    "degree_out",
    "degree_out_weighted",
    "degree_total",
    "degree_total_weighted",
    "degree_undirected",
    "degree_undirected_weighted",
];
const PAGERANK: &[&str] = &["pagerank", "pagerank_personalized"];
const BETWEENNESS: &[&str] = &[
    "betweenness",
    "betweenness_normalized",
    "betweenness_weighted_normalized",
    "betweenness_undirected_normalized",
];
const HARMONIC: &[&str] = &["harmonic", "harmonic_weighted"];
const CORE: &[&str] = &["core_number"];
const STRUCTURAL_HOLES: &[&str] = &["constraint", "effective_size"];
const ALL_MEASURES: [&[&str]; 6] = [
    DEGREE,
    PAGERANK,
    BETWEENNESS,
    HARMONIC,
    CORE,
    STRUCTURAL_HOLES,
];

/// One `fixtures/reference/<dataset>.json`.
#[derive(Deserialize)]
struct Reference {
    networkx_version: String,
    graphs: BTreeMap<String, GraphSummary>,
    parameters: Parameters,
    ids: Vec<String>,
    measures: BTreeMap<String, Measure>,
    components: ComponentsReference,
    communities: CommunitiesReference,
}

#[derive(Deserialize)]
struct GraphSummary {
    n_nodes: usize,
    n_edges: usize,
    n_self_loops: usize,
    total_weight: f64,
}

#[derive(Deserialize)]
struct Parameters {
    pagerank: PageRankParameters,
}

#[derive(Deserialize)]
struct PageRankParameters {
    alpha: f64,
    tol: f64,
    max_iter: usize,
    personalized_first_n_nodes: usize,
}

/// Per-node values in node order; `None` is NetworkX's NaN.
#[derive(Deserialize)]
struct Measure {
    graph: String,
    values: Vec<Option<f64>>,
}

#[derive(Deserialize)]
struct ComponentsReference {
    graph: String,
    n_weakly_connected: usize,
    weakly_connected_sizes_descending: Vec<usize>,
    n_strongly_connected: usize,
    strongly_connected_sizes_descending: Vec<usize>,
}

#[derive(Deserialize)]
struct CommunitiesReference {
    graph: String,
    louvain_seeds: Vec<u64>,
    louvain_modularity_by_seed: Vec<f64>,
    louvain_modularity_max: f64,
    unit_partition_column: String,
    unit_modularity: f64,
}

/// A data set as the engine loads it, its graphs by the names the reference files use, and
/// the reference values.
struct Fixture {
    dataset: &'static str,
    network: Network,
    graphs: HashMap<&'static str, Graph>,
    reference: Reference,
}

impl Fixture {
    fn load(dataset: &'static str) -> Fixture {
        let dir = fixtures_dir().join(dataset);
        let network = load(
            Some(&dir.join("people.csv")),
            &dir.join("ties.csv"),
            TiesFormat::Csv,
            &ReadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{dataset}: cannot load: {e}"));
        let reference = read_reference(dataset);
        let directed = network.graph(&GraphOptions::default());
        let without_loops = network.graph(&GraphOptions {
            layers: None,
            drop_self_loops: true,
        });
        let undirected = directed.to_undirected();
        let graphs = HashMap::from([
            ("directed_all_layers", directed),
            ("directed_all_layers_no_self_loops", without_loops),
            ("undirected_all_layers", undirected),
        ]);
        Fixture {
            dataset,
            network,
            graphs,
            reference,
        }
    }

    fn all() -> Vec<Fixture> {
        DATASETS.into_iter().map(Fixture::load).collect()
    }

    /// The graph a reference value was computed on.
    fn graph(&self, name: &str) -> &Graph {
        self.graphs.get(name).unwrap_or_else(|| {
            panic!(
                "{}: the reference names graph {name:?}, which these tests do not build",
                self.dataset
            )
        })
    }

    fn measure(&self, name: &str) -> &Measure {
        self.reference
            .measures
            .get(name)
            .unwrap_or_else(|| panic!("{}: no reference measure {name:?}", self.dataset))
    }

    /// Membership of the people.csv column the reference partitions by, numbered by first
    /// appearance.
    fn unit_membership(&self) -> Vec<u32> {
        let column = &self.reference.communities.unit_partition_column;
        let values = self
            .network
            .attribute_column(column)
            .unwrap_or_else(|| panic!("{}: no column {column:?}", self.dataset));
        let mut labels: HashMap<&str, u32> = HashMap::new();
        values
            .iter()
            .map(|value| {
                let value = value.as_deref().unwrap_or("");
                let next = labels.len() as u32;
                *labels.entry(value).or_insert(next)
            })
            .collect()
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_reference(dataset: &str) -> Reference {
    let path = fixtures_dir().join(format!("reference/{dataset}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The engine's value of a reference measure, by the measure's name in the reference files.
fn engine_measure(fixture: &Fixture, name: &str, graph: &Graph) -> Vec<f64> {
    let degree = |direction, weighted| {
        Degree {
            direction,
            weighted,
        }
        .run(graph)
        .into_values()
    };
    let betweenness = |normalized, weighted| {
        Betweenness {
            normalized,
            weighted,
        }
        .run(graph)
        .into_values()
    };
    match name {
        "degree_in" => degree(Direction::In, false),
        "degree_in_weighted" => degree(Direction::In, true),
        "degree_out" => degree(Direction::Out, false),
        "degree_out_weighted" => degree(Direction::Out, true),
        "degree_total" | "degree_undirected" => degree(Direction::Total, false),
        "degree_total_weighted" | "degree_undirected_weighted" => degree(Direction::Total, true),
        "pagerank" | "pagerank_personalized" => {
            let p = &fixture.reference.parameters.pagerank;
            let personalization = (name == "pagerank_personalized").then(|| {
                (0..graph.n_nodes())
                    .map(|v| f64::from(u8::from(v < p.personalized_first_n_nodes)))
                    .collect()
            });
            PageRank {
                damping: p.alpha,
                tolerance: p.tol,
                max_iterations: p.max_iter,
                personalization,
                weighted: true,
            }
            .run(graph)
            .unwrap_or_else(|e| panic!("{}: {name}: {e}", fixture.dataset))
            .into_values()
        }
        "betweenness" => betweenness(false, false),
        "betweenness_normalized" | "betweenness_undirected_normalized" => betweenness(true, false),
        "betweenness_weighted_normalized" => betweenness(true, true),
        "harmonic" => HarmonicCloseness { weighted: false }
            .run(graph)
            .into_values(),
        "harmonic_weighted" => HarmonicCloseness { weighted: true }
            .run(graph)
            .into_values(),
        "core_number" => core_numbers(graph).into_iter().map(f64::from).collect(),
        "constraint" => constraint(graph).into_values(),
        "effective_size" => effective_size(graph).into_values(),
        _ => panic!("no engine measure for reference measure {name:?}: add it here"),
    }
}

/// Compares one measure node by node; the failure lists up to ten nodes by id with both
/// values and the relative error.
fn check(fixture: &Fixture, measure: &str, expected: &[Option<f64>], actual: &[f64]) {
    let dataset = fixture.dataset;
    assert_eq!(
        actual.len(),
        expected.len(),
        "{dataset}: {measure}: {} values for {} nodes",
        actual.len(),
        expected.len()
    );
    let mut failures = Vec::new();
    for (idx, (&want, &got)) in expected.iter().zip(actual).enumerate() {
        let ok = match want {
            None => got.is_nan(),
            Some(want) => {
                (got - want).abs() <= (RELATIVE_TOLERANCE * want.abs()).max(ABSOLUTE_FLOOR)
            }
        };
        if !ok {
            let want = want.unwrap_or(f64::NAN);
            let relative = (got - want).abs() / want.abs();
            failures.push(format!(
                "  node {:>6}: networkx {want}, engine {got}, relative error {relative:.2e}",
                fixture.reference.ids[idx]
            ));
        }
    }
    if !failures.is_empty() {
        let n_failures = failures.len();
        failures.truncate(10);
        panic!(
            "{dataset}: {measure}: {n_failures} of {} nodes differ from networkx {} \
             (tolerance {RELATIVE_TOLERANCE:e} relative, {ABSOLUTE_FLOOR:e} absolute):\n{}",
            expected.len(),
            fixture.reference.networkx_version,
            failures.join("\n")
        );
    }
}

fn check_measures(names: &[&str]) {
    for fixture in Fixture::all() {
        for &name in names {
            let measure = fixture.measure(name);
            let actual = engine_measure(&fixture, name, fixture.graph(&measure.graph));
            check(&fixture, name, &measure.values, &actual);
        }
    }
}

#[test]
fn every_reference_measure_is_tested() {
    let tested: Vec<&str> = ALL_MEASURES.concat();
    for dataset in DATASETS {
        let reference = read_reference(dataset);
        for name in reference.measures.keys() {
            assert!(
                tested.contains(&name.as_str()),
                "{dataset}: reference measure {name:?} has no test"
            );
        }
        for name in &tested {
            assert!(
                reference.measures.contains_key(*name),
                "{dataset}: no reference value for {name:?}"
            );
        }
    }
}

#[test]
fn graphs_match_networkx() {
    for fixture in Fixture::all() {
        assert_eq!(
            fixture.network.ids(),
            fixture.reference.ids.as_slice(),
            "{}: node order differs from people.csv",
            fixture.dataset
        );
        for (name, want) in &fixture.reference.graphs {
            let graph = fixture.graph(name);
            let n_self_loops = graph.edges().filter(|&(s, t, _)| s == t).count();
            let total_weight: f64 = graph.edges().map(|(_, _, w)| w).sum();
            let got = (graph.n_nodes(), graph.n_edges(), n_self_loops);
            let expected = (want.n_nodes, want.n_edges, want.n_self_loops);
            assert_eq!(
                got, expected,
                "{}: {name}: (nodes, edges, self-loops)",
                fixture.dataset
            );
            assert_eq!(
                total_weight, want.total_weight,
                "{}: {name}: total weight",
                fixture.dataset
            );
        }
    }
}

#[test]
fn degree_matches_networkx() {
    check_measures(DEGREE);
}

#[test]
fn pagerank_matches_networkx() {
    check_measures(PAGERANK);
}

#[test]
fn betweenness_matches_networkx() {
    check_measures(BETWEENNESS);
}

#[test]
fn harmonic_closeness_matches_networkx() {
    check_measures(HARMONIC);
}

#[test]
fn core_numbers_match_networkx() {
    check_measures(CORE);
}

/// NetworkX refuses self-loops in `core_number`; the engine ignores them, so on the graph
/// with email_eu_core's 642 self-loops it gives NetworkX's values for the graph without.
#[test]
fn core_numbers_ignore_self_loops() {
    for fixture in Fixture::all() {
        let with_loops = fixture.graph("directed_all_layers");
        let actual = engine_measure(&fixture, "core_number", with_loops);
        check(
            &fixture,
            "core_number (self-loops kept)",
            &fixture.measure("core_number").values,
            &actual,
        );
    }
}

#[test]
fn structural_holes_match_networkx() {
    check_measures(STRUCTURAL_HOLES);
}

/// Sizes of the components, largest first, after checking the labels' documented
/// numbering (by smallest node: labels appear in order 0, 1, 2, … along the nodes).
fn sizes_descending(dataset: &str, kind: &str, components: &Components) -> Vec<usize> {
    let mut sizes = vec![0usize; components.n_components];
    let mut n_seen = 0;
    for (node, &label) in components.labels.iter().enumerate() {
        let label = label as usize;
        assert!(
            label < components.n_components,
            "{dataset}: {kind}: node {node} has label {label} of {}",
            components.n_components
        );
        assert!(
            label <= n_seen,
            "{dataset}: {kind}: node {node} opens component {label} before component {n_seen}"
        );
        n_seen = n_seen.max(label + 1);
        sizes[label] += 1;
    }
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

#[test]
fn components_match_networkx() {
    for fixture in Fixture::all() {
        let want = &fixture.reference.components;
        let graph = fixture.graph(&want.graph);
        let dataset = fixture.dataset;
        let weak = weakly_connected(graph);
        let strong = strongly_connected(graph);
        assert_eq!(weak.labels.len(), graph.n_nodes(), "{dataset}: weak labels");
        assert_eq!(
            strong.labels.len(),
            graph.n_nodes(),
            "{dataset}: strong labels"
        );
        assert_eq!(
            (weak.n_components, sizes_descending(dataset, "weak", &weak)),
            (
                want.n_weakly_connected,
                want.weakly_connected_sizes_descending.clone()
            ),
            "{dataset}: weakly connected components (count, sizes)"
        );
        assert_eq!(
            (
                strong.n_components,
                sizes_descending(dataset, "strong", &strong)
            ),
            (
                want.n_strongly_connected,
                want.strongly_connected_sizes_descending.clone()
            ),
            "{dataset}: strongly connected components (count, sizes)"
        );
    }
}

/// The modularity of a known partition (people.csv's `unit`) equals NetworkX's, on the
/// undirected graph and on the directed one, whose undirected view it is.
#[test]
fn modularity_matches_networkx() {
    for fixture in Fixture::all() {
        let want = &fixture.reference.communities;
        let membership = fixture.unit_membership();
        for graph_name in [want.graph.as_str(), "directed_all_layers"] {
            let got = modularity(fixture.graph(graph_name), &membership, 1.0);
            let error = (got - want.unit_modularity).abs();
            assert!(
                error <= RELATIVE_TOLERANCE * want.unit_modularity.abs(),
                "{}: modularity of the unit partition on {graph_name}: networkx {}, \
                 engine {got}, relative error {:.2e}",
                fixture.dataset,
                want.unit_modularity,
                error / want.unit_modularity.abs()
            );
        }
    }
}

/// Leiden, given as many seeds as NetworkX's Louvain had, finds a partition at least as
/// modular as Louvain's best; each partition reports its own modularity correctly.
#[test]
fn leiden_matches_louvain_modularity() {
    for fixture in Fixture::all() {
        let want = &fixture.reference.communities;
        let graph = fixture.graph(&want.graph);
        let dataset = fixture.dataset;
        let mut found = Vec::new();
        for &seed in &want.louvain_seeds {
            let partition = Leiden {
                seed,
                ..Leiden::default()
            }
            .run(graph)
            .unwrap_or_else(|e| panic!("{dataset}: leiden seed {seed}: {e}"));
            let recomputed = modularity(graph, &partition.membership, 1.0);
            assert!(
                (partition.modularity - recomputed).abs() <= 1e-9,
                "{dataset}: leiden seed {seed} reports modularity {} but its partition has {}",
                partition.modularity,
                recomputed
            );
            let n_labels = partition
                .membership
                .iter()
                .max()
                .map_or(0, |&m| m as usize + 1);
            assert_eq!(
                n_labels, partition.n_communities,
                "{dataset}: leiden seed {seed}: labels vs n_communities"
            );
            found.push(partition.modularity);
        }
        let best = found.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(
            best >= want.louvain_modularity_max - 1e-9,
            "{dataset}: leiden's best modularity {best} (seeds {:?}: {found:?}) is below \
             networkx louvain's {} (by seed: {:?})",
            want.louvain_seeds,
            want.louvain_modularity_max,
            want.louvain_modularity_by_seed
        );
    }
}

/// Approximate betweenness promises every node within `epsilon` of the exact normalised
/// value with probability at least 1 − delta = 0.9: over 100 seeds, at least 90 runs
/// must hold for every node at once.
///
/// email_eu_core dominates the time: a plain single-threaded Riondato–Kornaropoulos sampler
/// (one-sided BFS per sample) took about 28 s of CPU for its 100 runs in the test profile,
/// the three small data sets about 5 s together.
#[test]
fn approx_betweenness_is_within_epsilon() {
    const EPSILON: f64 = 0.02;
    const N_RUNS: u64 = 100;
    const MIN_GOOD_RUNS: usize = 90;
    for fixture in Fixture::all() {
        let exact = fixture.measure("betweenness_normalized");
        let graph = fixture.graph(&exact.graph);
        let exact: Vec<f64> = exact
            .values
            .iter()
            .map(|v| v.expect("exact betweenness is never NaN"))
            .collect();
        let mut worst_errors = Vec::new();
        for seed in 0..N_RUNS {
            let approx = ApproxBetweenness {
                epsilon: EPSILON,
                delta: 0.1,
                seed,
            }
            .run(graph)
            .unwrap_or_else(|e| panic!("{}: seed {seed}: {e}", fixture.dataset));
            assert_eq!(approx.values().len(), exact.len(), "{}", fixture.dataset);
            let worst = approx
                .values()
                .iter()
                .zip(&exact)
                .map(|(a, e)| (a - e).abs())
                .fold(0.0, f64::max);
            worst_errors.push(worst);
        }
        let n_good = worst_errors.iter().filter(|&&w| w <= EPSILON).count();
        let largest = worst_errors.iter().copied().fold(0.0, f64::max);
        assert!(
            n_good >= MIN_GOOD_RUNS,
            "{}: only {n_good} of {N_RUNS} runs kept every node within {EPSILON} of exact \
             betweenness (largest error {largest:.4})",
            fixture.dataset
        );
    }
}

//! Times one engine kernel on one graph, the way `bench/peers.py` times the peer tools, and
//! prints one JSON line per run: `{"tool", "kernel", "graph", "threads", "run", "seconds",
//! "quality"}`. Graph loading is excluded except for the `load` kernel. Driven by
//! `bench/run.py`; by hand:
//!
//! ```text
//! cargo bench -p engine --bench kernels -- --kernel pagerank --graph bench/graphs/ba_100k.csv \
//!     --undirected --threads 2 --runs 5 [--reference bench/graphs/ba_100k.pagerank]
//! ```
//!
//! `ic_random` and `ic_degree` (independent cascade, p = 0.01, 10,000 cascades a run) read
//! their seeds, by node id, from `--seeds-file` (one id per line; run.py writes it).
//! `influence` picks 50 activists under the same cascade (pass `--epsilon 0.1`); its quality
//! is the picks' spread over 10,000 cascades, simulated after the clock stops.

use std::path::{Path, PathBuf};
use std::time::Instant;

use engine::centrality::{ApproxBetweenness, Betweenness, Degree, Direction, PageRank};
use engine::community::Leiden;
use engine::diffusion::{Diffusion, EdgeProbability, Model, MonteCarlo};
use engine::io::{ReadOptions, TiesFormat};
use engine::{Graph, GraphOptions, Network};
use serde_json::{Value, json};

struct Args {
    kernel: String,
    graph: PathBuf,
    undirected: bool,
    threads: usize,
    runs: usize,
    reference: Option<PathBuf>,
    tolerance: f64,
    epsilon: f64,
    delta: f64,
    seeds_file: Option<PathBuf>,
    max_iterations: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        kernel: String::new(),
        graph: PathBuf::new(),
        undirected: false,
        threads: 1,
        runs: 3,
        reference: None,
        tolerance: 1e-10,
        epsilon: 0.01,
        delta: 0.1,
        seeds_file: None,
        max_iterations: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| fail(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--kernel" => args.kernel = value(),
            "--graph" => args.graph = PathBuf::from(value()),
            "--undirected" => args.undirected = true,
            "--threads" => args.threads = number(&value()),
            "--runs" => args.runs = number(&value()),
            "--reference" => args.reference = Some(PathBuf::from(value())),
            "--tol" => args.tolerance = number(&value()),
            "--epsilon" => args.epsilon = number(&value()),
            "--delta" => args.delta = number(&value()),
            "--seeds-file" => args.seeds_file = Some(PathBuf::from(value())),
            "--max-iterations" => args.max_iterations = Some(number(&value())),
            "--bench" => {} // added by `cargo bench`
            other => fail(&format!("unknown flag {other}")),
        }
    }
    if args.kernel.is_empty() || args.graph.as_os_str().is_empty() {
        fail("usage: kernels --kernel K --graph FILE.csv [--undirected] [--threads N] [--runs N]");
    }
    args
}

fn number<T: std::str::FromStr>(text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| fail(&format!("not a number: {text}")))
}

fn fail(message: &str) -> ! {
    eprintln!("kernels: {message}");
    std::process::exit(2)
}

/// Reads the CSV and builds the graph the kernel runs on: undirected files list each edge once.
fn load(path: &Path, undirected: bool) -> (Network, Graph) {
    let network = engine::io::load(None, path, TiesFormat::Csv, &ReadOptions::default())
        .unwrap_or_else(|e| fail(&e.to_string()));
    let directed = network.graph(&GraphOptions {
        layers: None,
        drop_self_loops: true,
    });
    let graph = if undirected {
        directed.to_undirected()
    } else {
        directed
    };
    (network, graph)
}

/// L1 distance, after normalising to sum 1, to a converged vector stored by integer node id.
fn l1_to_reference(network: &Network, values: &[f64], reference: &Path) -> f64 {
    let text = std::fs::read_to_string(reference).unwrap_or_else(|e| fail(&e.to_string()));
    let reference: Vec<f64> = text.split_whitespace().map(number).collect();
    let total: f64 = values.iter().sum();
    values
        .iter()
        .enumerate()
        .map(|(idx, value)| {
            let id: usize = number(network.id(idx as u32));
            (value / total - reference[id]).abs()
        })
        .sum()
}

fn run_once(args: &Args, network: &Network, graph: &Graph) -> (f64, Value) {
    let start = Instant::now();
    match args.kernel.as_str() {
        "load" => {
            let (_, graph) = load(&args.graph, args.undirected);
            (elapsed(start), json!({"n_edges": graph.n_edges()}))
        }
        "pagerank" => {
            let ranks = PageRank {
                tolerance: args.tolerance,
                ..PageRank::default()
            }
            .run(graph)
            .unwrap_or_else(|e| fail(&e.to_string()));
            let seconds = elapsed(start);
            let quality = match &args.reference {
                Some(path) => {
                    json!({"l1_to_converged": l1_to_reference(network, ranks.values(), path)})
                }
                None => json!({}),
            };
            (seconds, quality)
        }
        "betweenness" => {
            Betweenness::default().run(graph);
            (elapsed(start), json!({}))
        }
        "approx_betweenness" => {
            ApproxBetweenness {
                epsilon: args.epsilon,
                delta: args.delta,
                seed: 7,
            }
            .run(graph)
            .unwrap_or_else(|e| fail(&e.to_string()));
            (
                elapsed(start),
                json!({"epsilon": args.epsilon, "delta": args.delta}),
            )
        }
        "kcore" => {
            let cores = engine::kcore::core_numbers(graph);
            let seconds = elapsed(start);
            let max_core = cores.iter().max().copied().unwrap_or(0);
            let core_sum: u64 = cores.iter().map(|&c| u64::from(c)).sum();
            (seconds, json!({"max_core": max_core, "core_sum": core_sum}))
        }
        "leiden" => {
            let partition = Leiden {
                max_iterations: args.max_iterations,
                ..Leiden::default()
            }
            .run(graph)
            .unwrap_or_else(|e| fail(&e.to_string()));
            (
                elapsed(start),
                json!({"modularity": partition.modularity, "n_communities": partition.n_communities}),
            )
        }
        "ic_random" | "ic_degree" => {
            let path = args
                .seeds_file
                .as_ref()
                .unwrap_or_else(|| fail("--seeds-file needed"));
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&e.to_string()));
            let seeds: Vec<u32> = text
                .split_whitespace()
                .map(|id| {
                    network
                        .node_idx(id)
                        .unwrap_or_else(|| fail(&format!("no node {id}")))
                })
                .collect();
            let start = Instant::now();
            let spread = ic_spread(graph, &seeds);
            (elapsed(start), spread)
        }
        "influence" => {
            use engine::influence::{
                ActivistSelection, EdgeProbability as Probability, Model as Im,
            };
            let selection = ActivistSelection {
                k: INFLUENCE_K,
                model: Im::IndependentCascade(Probability::Uniform(IC_PROBABILITY)),
                epsilon: args.epsilon,
                seed: 1,
                ..ActivistSelection::default()
            }
            .run(graph)
            .unwrap_or_else(|e| fail(&e.to_string()));
            let seconds = elapsed(start);
            let peak_rss_mb = peak_rss_mb();
            let picks: Vec<u32> = selection.picks.iter().map(|pick| pick.node).collect();
            let out_degree = Degree {
                direction: Direction::Out,
                weighted: false,
            };
            let by_degree = top_k(out_degree.run(graph).values());
            let by_pagerank = top_k(
                PageRank::default()
                    .run(graph)
                    .unwrap_or_else(|e| fail(&e.to_string()))
                    .values(),
            );
            let quality = json!({
                "spread": ic_spread(graph, &picks)["spread"],
                "spread_top_degree": ic_spread(graph, &by_degree)["spread"],
                "spread_top_pagerank": ic_spread(graph, &by_pagerank)["spread"],
                "estimate": selection.spread, "source": format!("{:?}", selection.source),
                "certified_ratio": selection.certified_ratio, "n_rr_sets": selection.n_rr_sets,
                "peak_rss_mb": peak_rss_mb,
            });
            (seconds, quality)
        }
        other => fail(&format!("unknown kernel {other}")),
    }
}

/// The cascade of issue 4's benchmarks: independent cascade with p = 0.01.
const IC_PROBABILITY: f64 = 0.01;
/// How many activists `influence` picks, and how many top-ranked nodes its baselines take.
const INFLUENCE_K: usize = 50;

/// Mean spread of `seeds` over 10,000 independent cascades, with its 95 % interval.
fn ic_spread(graph: &Graph, seeds: &[u32]) -> Value {
    let spread = Diffusion {
        model: Model::IndependentCascade(EdgeProbability::Uniform(IC_PROBABILITY)),
        ..Diffusion::default()
    }
    .simulator(graph)
    .and_then(|sim| {
        sim.expected_spread(
            seeds,
            &MonteCarlo {
                runs: 10_000,
                seed: 1,
            },
        )
    })
    .unwrap_or_else(|e| fail(&e.to_string()));
    json!({"spread": spread.mean, "ci_low": spread.ci_low, "ci_high": spread.ci_high})
}

/// The `INFLUENCE_K` nodes with the highest scores, ties to the lower index.
fn top_k(scores: &[f64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..scores.len() as u32).collect();
    order.sort_by(|&a, &b| {
        scores[b as usize]
            .total_cmp(&scores[a as usize])
            .then(a.cmp(&b))
    });
    order.truncate(INFLUENCE_K);
    order
}

/// The process's peak resident memory so far (Linux `VmHWM`), graph included.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn elapsed(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn main() {
    let args = parse_args();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let (network, graph) = load(&args.graph, args.undirected);
    let graph_name = args
        .graph
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for run in 0..args.runs {
        let (seconds, quality) = pool.install(|| run_once(&args, &network, &graph));
        let line = json!({
            "tool": "groundswell", "kernel": args.kernel, "graph": graph_name,
            "threads": args.threads, "run": run, "seconds": seconds, "quality": quality,
        });
        println!("{line}");
    }
}

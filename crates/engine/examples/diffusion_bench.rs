//! Times independent-cascade Monte-Carlo (the expected-spread fast path) on a benchmark graph.
//!
//! ```text
//! cargo run --release -p engine --example diffusion_bench -- \
//!     GRAPH.csv P RUNS THREADS REPEATS SEED_ID,SEED_ID,...
//! ```
//!
//! GRAPH.csv has a `source,target` header and integer ids 0..n, each undirected edge once.
//! Prints one line per repeat: `seconds mean_spread ci_low ci_high` (graph loading excluded).

use std::time::Instant;

use engine::Graph;
use engine::diffusion::{Diffusion, EdgeProbability, Model, MonteCarlo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, p, runs, threads, repeats, seeds] = args.as_slice() else {
        return Err("usage: GRAPH.csv P RUNS THREADS REPEATS SEED,SEED,...".into());
    };
    let text = std::fs::read_to_string(path)?;
    let mut edges = Vec::new();
    let mut n_nodes = 0;
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let (s, t) = line.split_once(',').ok_or("a line without a comma")?;
        let (s, t): (u32, u32) = (s.trim().parse()?, t.trim().parse()?);
        n_nodes = n_nodes.max(s.max(t) as usize + 1);
        edges.push((s, t, 1.0));
    }
    let graph = Graph::undirected(n_nodes, edges);
    let seeds: Vec<u32> = seeds
        .split(',')
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    let diffusion = Diffusion {
        model: Model::IndependentCascade(EdgeProbability::Uniform(p.parse()?)),
        ..Diffusion::default()
    };
    let monte_carlo = MonteCarlo {
        runs: runs.parse()?,
        seed: 1,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.parse()?)
        .build()?;
    for _ in 0..repeats.parse::<usize>()? {
        let clock = Instant::now();
        let spread = pool.install(|| {
            diffusion
                .simulator(&graph)
                .and_then(|sim| sim.expected_spread(&seeds, &monte_carlo))
        })?;
        let seconds = clock.elapsed().as_secs_f64();
        println!(
            "{seconds:.6} {:.3} {:.3} {:.3}",
            spread.mean, spread.ci_low, spread.ci_high
        );
    }
    Ok(())
}

//! Properties every model keeps on random graphs, thread independence, and agreement with
//! an independent implementation on real data.

use proptest::prelude::*;

use super::{ic, mc};
use crate::Graph;
use crate::diffusion::*;

/// A random directed graph on up to 30 nodes with weights in (0, 1].
fn arb_graph() -> impl Strategy<Value = Graph> {
    (2usize..30).prop_flat_map(|n| {
        prop::collection::vec((0..n as u32, 0..n as u32, 0.05f64..1.0), 0..120)
            .prop_map(move |edges| Graph::directed(n, edges))
    })
}

fn arb_diffusion() -> impl Strategy<Value = Diffusion> {
    let model = prop_oneof![
        (0.0f64..=1.0).prop_map(|p| Model::IndependentCascade(EdgeProbability::Uniform(p))),
        Just(Model::IndependentCascade(EdgeProbability::TieWeight)),
        Just(Model::IndependentCascade(EdgeProbability::WeightedCascade)),
        (0.0f64..0.6).prop_map(|p| Model::Persistent(EdgeProbability::Uniform(p))),
        Just(Model::Persistent(EdgeProbability::TieWeight)),
        Just(Model::LinearThreshold),
        (1u32..4).prop_map(|k| Model::Complex(Threshold::Count(k))),
        (0.1f64..=1.0).prop_map(|t| Model::Complex(Threshold::Fraction(t))),
    ];
    (
        model,
        prop_oneof![Just(0.0), 0.0f64..0.2],
        prop_oneof![Just(None), (1u32..8).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(model, broadcast, max_steps, reverse)| Diffusion {
            direction: if reverse {
                Direction::Reverse
            } else {
                Direction::Forward
            },
            broadcast,
            max_steps: if broadcast > 0.0 || matches!(model, Model::Persistent(_)) {
                Some(max_steps.unwrap_or(6))
            } else {
                max_steps
            },
            model,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn spread_is_at_least_the_seeds_and_monotone_in_them(
        graph in arb_graph(),
        diffusion in arb_diffusion(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..6),
        seed in any::<u64>(),
    ) {
        let n = graph.n_nodes();
        let all: Vec<NodeIdx> = picks.iter().map(|i| i.index(n) as NodeIdx).collect();
        let fewer = &all[..all.len().div_ceil(2)];
        let sim = diffusion.simulator(&graph).unwrap();
        let small = sim.final_sizes(&Start::seeds(fewer), &mc(40, seed)).unwrap();
        let large = sim.final_sizes(&Start::seeds(&all), &mc(40, seed)).unwrap();
        let n_distinct = Start::seeds(&all).adopted().len() as u32;
        for (s, l) in small.iter().zip(&large) {
            prop_assert!(l >= s, "{} < {} with the same run", l, s);
            prop_assert!(*l >= n_distinct && *l as usize <= n);
        }
    }

    #[test]
    fn cascades_agree_with_their_curves(
        graph in arb_graph(),
        diffusion in arb_diffusion(),
        seed in any::<u64>(),
    ) {
        let sim = diffusion.simulator(&graph).unwrap();
        let run = sim.cascade(&Start::seeds(&[0]), seed, 3).unwrap();
        for (step, &cumulative) in run.curve().iter().enumerate() {
            let by_then = run.steps().iter().filter(|&&s| s as usize <= step).count();
            prop_assert_eq!(by_then, cumulative as usize);
        }
        // Run 3 of a batch is the same run.
        let sizes = sim.final_sizes(&Start::seeds(&[0]), &mc(4, seed)).unwrap();
        prop_assert_eq!(sizes[3] as usize, run.n_adopted());
    }

    #[test]
    fn final_sizes_do_not_depend_on_the_number_of_threads(
        graph in arb_graph(),
        diffusion in arb_diffusion(),
        seed in any::<u64>(),
    ) {
        let sim = diffusion.simulator(&graph).unwrap();
        // 300 runs: several blocks, so threads really share the work.
        let sizes = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| sim.final_sizes(&Start::seeds(&[0]), &mc(300, seed)).unwrap())
        };
        let one = sizes(1);
        prop_assert_eq!(&one, &sizes(3));
    }

    #[test]
    fn unit_curves_add_up_to_the_overall_curve(
        graph in arb_graph(),
        diffusion in arb_diffusion(),
        n_units in 1u32..5,
    ) {
        let n = graph.n_nodes();
        let units: Vec<u32> = (0..n as u32).map(|v| v % n_units).collect();
        let sim = diffusion.simulator(&graph).unwrap();
        let batch = sim.simulate_by_unit(&Start::seeds(&[0, 1]), &mc(30, 1), &units).unwrap();
        let overall = &batch.curve().points;
        for (step, point) in overall.iter().enumerate() {
            let people: f64 = batch
                .unit_curves()
                .iter()
                .map(|u| u.points[step].mean * u.n_members as f64)
                .sum();
            prop_assert!((people - point.mean * n as f64).abs() < 1e-9);
            prop_assert!(point.band_low <= point.mean + 1e-12 && point.mean <= point.band_high + 1e-12);
        }
    }
}

#[test]
fn batches_are_bit_identical_for_any_number_of_threads() {
    // A 2,000-node random graph, big enough for many blocks and work stealing.
    let n = 2000u32;
    let mut x = 12345u64;
    let mut edges = Vec::new();
    for _ in 0..10_000 {
        x = rng::mix64(x);
        edges.push((
            (x % u64::from(n)) as u32,
            ((x >> 32) % u64::from(n)) as u32,
            0.3,
        ));
    }
    let g = Graph::directed(n as usize, edges);
    let units: Vec<u32> = (0..n).map(|v| v % 7).collect();
    let seeds = [1, 50, 700];
    let models = [
        Model::IndependentCascade(EdgeProbability::Uniform(0.12)),
        Model::Persistent(EdgeProbability::TieWeight),
        Model::LinearThreshold,
    ];
    for model in models {
        let sim = Diffusion {
            model,
            broadcast: 0.001,
            max_steps: Some(12),
            ..Diffusion::default()
        };
        let compute = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    let s = sim.simulator(&g).unwrap();
                    s.simulate_by_unit(&Start::seeds(&seeds), &mc(1000, 42), &units)
                        .unwrap()
                })
        };
        let one = compute(1);
        assert!(one.spread().mean > 3.0);
        assert_eq!(one, compute(2));
        assert_eq!(one, compute(16));
    }
}

/// The email-Eu-core network (fixture), self-ties and repeated ties dropped, as cynetdiff
/// sees it.
fn email_eu_core() -> Graph {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/email_eu_core/ties.csv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let edges: std::collections::BTreeSet<(u32, u32)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split(',');
            let mut id = || fields.next().unwrap().parse::<u32>().unwrap();
            (id(), id())
        })
        .filter(|(s, t)| s != t)
        .collect();
    Graph::directed(1005, edges.into_iter().map(|(s, t)| (s, t, 1.0)))
}

/// Asserts that two estimates agree within 3.29 standard errors of their difference.
fn assert_agrees(spread: &Spread, reference: f64, reference_se: f64) {
    let se = (spread.ci_high - spread.mean) / 1.959_963_984_540_054;
    let tolerance = 3.29 * (se * se + reference_se * reference_se).sqrt();
    assert!(
        (spread.mean - reference).abs() <= tolerance,
        "mean {} vs reference {reference} (tolerance {tolerance})",
        spread.mean
    );
}

#[test]
fn spreads_on_email_eu_core_agree_with_cynetdiff() {
    // cynetdiff 0.1.18 on the same graph and seeds (networkx DiGraph, self-loops dropped):
    // IC p = 0.03, 1,000,000 runs: 274.992 (standard error 0.036); LT with influence
    // 1 / in-degree, 200,000 runs: 207.558 (standard error 0.467).
    let g = email_eu_core();
    let seeds = [0, 5, 17, 100, 400];
    let spread = ic(0.03)
        .simulator(&g)
        .unwrap()
        .expected_spread(&seeds, &mc(20_000, 21))
        .unwrap();
    assert_agrees(&spread, 274.992, 0.036);
    let lt = Diffusion {
        model: Model::LinearThreshold,
        ..Diffusion::default()
    };
    let spread = lt
        .simulator(&g)
        .unwrap()
        .expected_spread(&seeds, &mc(20_000, 22))
        .unwrap();
    assert_agrees(&spread, 207.558, 0.467);
}

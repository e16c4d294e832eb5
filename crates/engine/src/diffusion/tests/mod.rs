//! Hand-checkable cases with analytic answers, and properties every model must keep.

use super::*;
use crate::Graph;

fn ic(p: f64) -> Diffusion {
    Diffusion {
        model: Model::IndependentCascade(EdgeProbability::Uniform(p)),
        ..Diffusion::default()
    }
}

fn mc(runs: usize, seed: u64) -> MonteCarlo {
    MonteCarlo { runs, seed }
}

fn path(n: u32) -> Graph {
    Graph::directed(n as usize, (1..n).map(|v| (v - 1, v, 1.0)))
}

/// Asserts that `expected` lies in the 99.9 % normal interval of the batch mean (the 95 %
/// interval stretched by 3.29 / 1.96), so a correct model fails about once in a thousand.
fn assert_mean_near(spread: &Spread, expected: f64) {
    let half = (spread.ci_high - spread.mean) * 3.29 / 1.96;
    assert!(
        (spread.mean - expected).abs() <= half + 1e-9,
        "mean {} ± {half}, expected {expected}",
        spread.mean
    );
}

#[test]
fn certain_cascade_on_a_path_reaches_everyone_at_their_distance() {
    let g = path(6);
    let sim = ic(1.0).simulator(&g).unwrap();
    let run = sim.cascade(&Start::seeds(&[0]), 1, 0).unwrap();
    for v in 0..6 {
        assert_eq!(run.adoption_step(v), Some(v));
    }
    assert_eq!(run.curve(), &[1, 2, 3, 4, 5, 6]);
    // From the middle, only downstream.
    let run = sim.cascade(&Start::seeds(&[3]), 1, 0).unwrap();
    assert_eq!(run.steps(), &[NEVER, NEVER, NEVER, 0, 1, 2]);
}

#[test]
fn reverse_direction_follows_ties_backwards() {
    let g = path(4);
    let sim = Diffusion {
        direction: Direction::Reverse,
        ..ic(1.0)
    }
    .simulator(&g)
    .unwrap();
    let run = sim.cascade(&Start::seeds(&[3]), 1, 0).unwrap();
    assert_eq!(run.steps(), &[3, 2, 1, 0]);
}

#[test]
fn star_spread_from_the_centre_is_one_plus_leaves_times_p() {
    for (n_leaves, p) in [(50u32, 0.1), (400, 0.01), (7, 0.5), (1000, 0.003)] {
        let star = Graph::undirected(n_leaves as usize + 1, (1..=n_leaves).map(|l| (0, l, 1.0)));
        let spread = ic(p)
            .simulator(&star)
            .unwrap()
            .expected_spread(&[0], &mc(20_000, 3))
            .unwrap();
        assert_mean_near(&spread, 1.0 + f64::from(n_leaves) * p);
    }
}

#[test]
fn per_tie_probabilities_match_the_exact_spread_of_a_diamond() {
    // 0 → 1 (0.2), 0 → 2 (0.05), 1 → 3 (0.9), 2 → 3 (0.5): both trial paths (thinned
    // skipping in row 0, direct trials in rows 1 and 2) are exercised.
    let g = Graph::directed(4, [(0, 1, 0.2), (0, 2, 0.05), (1, 3, 0.9), (2, 3, 0.5)]);
    let sim = Diffusion {
        model: Model::IndependentCascade(EdgeProbability::TieWeight),
        ..Diffusion::default()
    }
    .simulator(&g)
    .unwrap();
    let reach_3 = 1.0 - (1.0 - 0.2 * 0.9) * (1.0 - 0.05 * 0.5);
    let spread = sim.expected_spread(&[0], &mc(50_000, 5)).unwrap();
    assert_mean_near(&spread, 1.0 + 0.2 + 0.05 + reach_3);
}

#[test]
fn weighted_cascade_reaches_every_leaf_of_a_star() {
    // Each leaf has one influencer, so 1 / in-degree = 1.
    let star = Graph::directed(6, (1..6).map(|l| (0, l, 1.0)));
    let sim = Diffusion {
        model: Model::IndependentCascade(EdgeProbability::WeightedCascade),
        ..Diffusion::default()
    }
    .simulator(&star)
    .unwrap();
    assert_eq!(
        sim.final_sizes(&Start::seeds(&[0]), &mc(10, 0)).unwrap(),
        vec![6; 10]
    );
}

#[test]
fn zero_probability_adopts_only_the_seeds() {
    let g = Graph::undirected(5, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0)]);
    for model in [
        Model::IndependentCascade(EdgeProbability::Uniform(0.0)),
        Model::Persistent(EdgeProbability::Uniform(0.0)),
    ] {
        let diffusion = Diffusion {
            model,
            max_steps: Some(20),
            ..Diffusion::default()
        };
        let sizes = diffusion
            .simulator(&g)
            .unwrap()
            .final_sizes(&Start::seeds(&[1, 3]), &mc(100, 0))
            .unwrap();
        assert_eq!(sizes, vec![2; 100]);
    }
}

#[test]
fn linear_threshold_with_unit_weights_spreads_along_a_path() {
    let g = path(5);
    let sim = Diffusion {
        model: Model::LinearThreshold,
        ..Diffusion::default()
    }
    .simulator(&g)
    .unwrap();
    for run_idx in 0..20 {
        let run = sim.cascade(&Start::seeds(&[0]), 9, run_idx).unwrap();
        assert_eq!(run.steps(), &[0, 1, 2, 3, 4]);
    }
}

#[test]
fn linear_threshold_adopts_with_the_normalised_weight() {
    // 2 is influenced by 0 (weight 1) and 1 (weight 3): with only 0 adopting, 2 adopts when
    // its threshold is at most 1/4.
    let g = Graph::directed(3, [(0, 2, 1.0), (1, 2, 3.0)]);
    let sim = Diffusion {
        model: Model::LinearThreshold,
        ..Diffusion::default()
    }
    .simulator(&g)
    .unwrap();
    let spread = sim.expected_spread(&[0], &mc(40_000, 2)).unwrap();
    assert_mean_near(&spread, 1.25);
}

/// Two 5-cliques joined by the single tie 4 — 5.
fn two_cliques() -> Graph {
    let mut edges = Vec::new();
    for base in [0u32, 5] {
        for a in 0..5 {
            for b in a + 1..5 {
                edges.push((base + a, base + b, 1.0));
            }
        }
    }
    edges.push((4, 5, 1.0));
    Graph::undirected(10, edges)
}

#[test]
fn complex_contagion_does_not_cross_a_single_bridge() {
    let g = two_cliques();
    let sim = Diffusion {
        model: Model::Complex(Threshold::Count(2)),
        ..Diffusion::default()
    }
    .simulator(&g)
    .unwrap();
    let run = sim.cascade(&Start::seeds(&[0, 1]), 0, 0).unwrap();
    // The first clique follows at step 1; across the bridge, 5 has only one adopter.
    assert_eq!(&run.steps()[..5], &[0, 0, 1, 1, 1]);
    assert!(run.steps()[5..].iter().all(|&s| s == NEVER));
    // Simple contagion crosses it.
    let simple = ic(1.0).simulator(&g).unwrap();
    assert_eq!(
        simple
            .cascade(&Start::seeds(&[0]), 0, 0)
            .unwrap()
            .n_adopted(),
        10
    );
}

#[test]
fn complex_fraction_counts_a_share_of_influencers() {
    // 3 is influenced by 0, 1 and 2; with θ = 0.5 it needs two of them.
    let g = Graph::directed(4, [(0, 3, 1.0), (1, 3, 1.0), (2, 3, 1.0)]);
    let sim = Diffusion {
        model: Model::Complex(Threshold::Fraction(0.5)),
        ..Diffusion::default()
    }
    .simulator(&g)
    .unwrap();
    assert_eq!(
        sim.cascade(&Start::seeds(&[0]), 0, 0).unwrap().n_adopted(),
        1
    );
    let run = sim.cascade(&Start::seeds(&[0, 2]), 0, 0).unwrap();
    assert_eq!(run.adoption_step(3), Some(1));
}

#[test]
fn broadcast_alone_gives_geometric_adoption_times() {
    let q = 0.2;
    let no_ties = Graph::directed(200, []);
    let sim = Diffusion {
        broadcast: q,
        max_steps: Some(400),
        ..ic(0.0)
    }
    .simulator(&no_ties)
    .unwrap();
    let mut steps = Vec::new();
    for run_idx in 0..100 {
        let run = sim.cascade(&Start::default(), 4, run_idx).unwrap();
        steps.extend(run.steps().iter().map(|&s| f64::from(s)));
    }
    let n = steps.len() as f64;
    let mean = steps.iter().sum::<f64>() / n;
    // Geometric on 1, 2, …: mean 1/q = 5, sd √(1 − q)/q ≈ 4.47; 20,000 draws.
    assert!(
        (mean - 1.0 / q).abs() < 4.0 * 4.47 / n.sqrt(),
        "mean {mean}"
    );
    let at_one = steps.iter().filter(|&&s| s == 1.0).count() as f64 / n;
    assert!((at_one - q).abs() < 4.0 * (q * (1.0 - q) / n).sqrt());
}

#[test]
fn persistent_ties_transmit_after_a_geometric_wait() {
    let p = 0.25;
    let pair = Graph::directed(2, [(0, 1, 1.0)]);
    let sim = Diffusion {
        model: Model::Persistent(EdgeProbability::Uniform(p)),
        max_steps: Some(1000),
        ..Diffusion::default()
    }
    .simulator(&pair)
    .unwrap();
    let n_runs = 20_000;
    let total: u64 = (0..n_runs)
        .map(|r| {
            let run = sim.cascade(&Start::seeds(&[0]), 11, r).unwrap();
            u64::from(run.adoption_step(1).unwrap())
        })
        .sum();
    let mean = total as f64 / n_runs as f64;
    // Mean 1/p = 4, sd √(1 − p)/p ≈ 3.46.
    assert!(
        (mean - 4.0).abs() < 4.0 * 3.46 / (n_runs as f64).sqrt(),
        "mean {mean}"
    );
}

#[test]
fn already_adopted_people_keep_their_steps() {
    let g = path(6);
    let start = Start::new(&[0], &[(1, 1), (2, 2), (0, 5)]);
    assert_eq!(start.start_step(), 2);
    for diffusion in [
        ic(1.0),
        Diffusion {
            model: Model::Persistent(EdgeProbability::Uniform(1.0)),
            max_steps: Some(50),
            ..Diffusion::default()
        },
        Diffusion {
            model: Model::LinearThreshold,
            ..Diffusion::default()
        },
    ] {
        let run = diffusion
            .simulator(&g)
            .unwrap()
            .cascade(&start, 0, 0)
            .unwrap();
        // 0 keeps its earliest step; the cascade continues from 2 at step 3.
        assert_eq!(run.steps(), &[0, 1, 2, 3, 4, 5], "{:?}", diffusion.model);
    }
}

#[test]
fn independent_cascade_continues_only_from_the_latest_adopters() {
    // 0 adopted at step 0 and had its chance; only 2 (step 1) still tries.
    let g = Graph::directed(4, [(0, 1, 1.0), (2, 3, 1.0)]);
    let run = ic(1.0)
        .simulator(&g)
        .unwrap()
        .cascade(&Start::new(&[0], &[(2, 1)]), 0, 0)
        .unwrap();
    assert_eq!(run.steps(), &[0, NEVER, 1, 2]);
}

#[test]
fn step_limits_stop_the_spread_and_fix_the_curve_length() {
    let g = path(10);
    let sim = Diffusion {
        max_steps: Some(3),
        ..ic(1.0)
    }
    .simulator(&g)
    .unwrap();
    let batch = sim.simulate(&Start::seeds(&[0]), &mc(5, 0)).unwrap();
    assert_eq!(batch.final_sizes(), &[4; 5]);
    let means: Vec<f64> = batch.curve().points.iter().map(|p| p.mean).collect();
    assert_eq!(means, vec![0.1, 0.2, 0.3, 0.4]);
    // A run that ends early is carried to the last step.
    let batch = sim.simulate(&Start::seeds(&[8]), &mc(5, 0)).unwrap();
    assert_eq!(batch.curve().points.len(), 4);
    assert_eq!(batch.curve().points[3].band_high, 0.2);
}

#[test]
fn bad_parameters_are_errors_not_panics() {
    let g = path(3);
    let bad = [
        ic(1.5),
        ic(f64::NAN),
        Diffusion {
            broadcast: 0.1,
            ..ic(0.1)
        },
        Diffusion {
            model: Model::Persistent(EdgeProbability::Uniform(0.1)),
            ..Diffusion::default()
        },
        Diffusion {
            model: Model::Complex(Threshold::Count(0)),
            ..Diffusion::default()
        },
        Diffusion {
            model: Model::Complex(Threshold::Fraction(0.0)),
            ..Diffusion::default()
        },
    ];
    for diffusion in bad {
        assert!(matches!(
            diffusion.simulator(&g),
            Err(crate::Error::InvalidParameter { .. })
        ));
    }
    let negative = Graph::directed(2, [(0, 1, -1.0)]);
    let lt = Diffusion {
        model: Model::LinearThreshold,
        ..Diffusion::default()
    };
    assert!(lt.simulator(&negative).is_err());
    let sim = ic(0.5).simulator(&g).unwrap();
    let err = sim.expected_spread(&[7], &mc(10, 0)).unwrap_err();
    assert!(err.to_string().contains("person 7"), "{err}");
    assert!(sim.expected_spread(&[0], &mc(0, 0)).is_err());
    assert!(
        sim.simulate_by_unit(&Start::seeds(&[0]), &mc(1, 0), &[0])
            .is_err()
    );
    let long = Diffusion {
        max_steps: Some(10_000_000),
        ..ic(0.5)
    };
    let err = long
        .simulator(&g)
        .unwrap()
        .simulate(&Start::seeds(&[0]), &mc(1000, 0))
        .unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
}

#[test]
fn final_size_counts_describe_the_distribution() {
    let star = Graph::undirected(4, (1..4).map(|l| (0, l, 1.0)));
    let batch = ic(0.5)
        .simulator(&star)
        .unwrap()
        .simulate(&Start::seeds(&[0]), &mc(4000, 8))
        .unwrap();
    let counts = batch.final_size_counts();
    assert_eq!(counts.iter().map(|&(_, n)| n).sum::<usize>(), 4000);
    // Binomial(3, 1/2) + 1: sizes 1..=4 with probabilities 1/8, 3/8, 3/8, 1/8.
    for (&(size, n), expected) in counts.iter().zip([0.125, 0.375, 0.375, 0.125]) {
        let share = n as f64 / 4000.0;
        assert!((share - expected).abs() < 0.03, "size {size}: {share}");
    }
    let last = batch.curve().points.last().unwrap();
    assert!(last.band_low <= last.mean && last.mean <= last.band_high);
    assert!(last.mean_low < last.mean && last.mean < last.mean_high);
    assert!((last.mean * 4.0 - batch.spread().mean).abs() < 1e-9);
}

mod properties;

//! Activist selection against ground truth: forward Monte-Carlo spread (`engine::diffusion`)
//! of the chosen set next to top-k by degree, by PageRank and a Monte-Carlo CELF greedy on
//! real networks; analytic cases; properties (constraints never violated, gains never
//! increase, same picks for any thread count).
//!
//! Seed sets are compared run by run: runs with the same (seed, run) share their tie trials,
//! so paired differences are precise.

use std::path::Path;

use engine::centrality::PageRank;
use engine::diffusion::{self, Diffusion, MonteCarlo, Start};
use engine::influence::{
    ActivistSelection, Constraints, EdgeProbability, Model, Selection, SetSource, UnitQuota, Units,
};
use engine::io::{ReadOptions, TiesFormat};
use engine::{Error, Graph, Layer, Network, NodeIdx};
use proptest::prelude::*;
use rayon::prelude::*;

fn fixture(name: &str) -> Network {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    engine::io::load(
        Some(&dir.join("people.csv")),
        &dir.join("ties.csv"),
        TiesFormat::Csv,
        &ReadOptions::default(),
    )
    .unwrap()
}

/// Influence runs along communication and collaboration ties, and from adviser to asker:
/// advice ties are reversed. Self-ties are dropped, parallel ties merged.
fn graph_of(net: &Network) -> Graph {
    let edges = net
        .ties()
        .iter()
        .filter(|tie| tie.source != tie.target)
        .map(|tie| match net.layers()[tie.layer as usize] {
            Layer::Advice => (tie.target, tie.source, tie.weight),
            _ => (tie.source, tie.target, tie.weight),
        });
    Graph::directed(net.n_nodes(), edges)
}

fn simulator(g: &Graph, p: f64) -> diffusion::Simulator<'_> {
    Diffusion {
        model: diffusion::Model::IndependentCascade(diffusion::EdgeProbability::Uniform(p)),
        ..Diffusion::default()
    }
    .simulator(g)
    .unwrap()
}

/// Final sizes of each seed set in runs 0..n_runs of seed `seed`, run by run.
fn reaches(
    sim: &diffusion::Simulator,
    sets: &[&[NodeIdx]],
    seed: u64,
    n_runs: u64,
) -> Vec<Vec<f64>> {
    sets.iter()
        .map(|set| {
            let start = Start::seeds(set);
            (0..n_runs)
                .into_par_iter()
                .map(|run| sim.cascade(&start, seed, run).unwrap().n_adopted() as f64)
                .collect()
        })
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Mean and standard error of the paired difference a − b.
fn paired(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let m = mean(&d);
    let var = d.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (d.len() - 1) as f64;
    (m, (var / d.len() as f64).sqrt())
}

/// Top k of a score, ties to the lower index.
fn top_k(scores: &[f64], k: usize) -> Vec<NodeIdx> {
    let mut order: Vec<NodeIdx> = (0..scores.len() as NodeIdx).collect();
    order.sort_by(|&a, &b| {
        scores[b as usize]
            .total_cmp(&scores[a as usize])
            .then(a.cmp(&b))
    });
    order.truncate(k);
    order
}

/// PageRank of the reversed graph: a node ranks high when it reaches nodes that rank high.
fn influence_pagerank(g: &Graph) -> Vec<f64> {
    let reversed = Graph::directed(g.n_nodes(), g.edges().map(|(s, t, w)| (t, s, w)));
    PageRank {
        weighted: false,
        ..PageRank::default()
    }
    .run(&reversed)
    .unwrap()
    .into_values()
}

/// CELF greedy (Leskovec et al., KDD 2007) on Monte-Carlo spreads of `n_runs` runs; returns
/// the picks and the standard error of its last spread estimate.
fn celf_monte_carlo(
    sim: &diffusion::Simulator,
    n_nodes: usize,
    k: usize,
    n_runs: usize,
) -> (Vec<NodeIdx>, f64) {
    let mc = MonteCarlo {
        runs: n_runs,
        seed: 1 << 40,
    };
    let spread = |set: &[NodeIdx]| sim.expected_spread(set, &mc).unwrap();
    let mut bound: Vec<(f64, NodeIdx, usize)> = (0..n_nodes as NodeIdx)
        .map(|v| (spread(&[v]).mean, v, 0))
        .collect();
    let mut picks: Vec<NodeIdx> = Vec::new();
    let mut current = 0.0;
    while picks.len() < k {
        bound.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let (gain, v, round) = bound[0];
        if round == picks.len() {
            picks.push(v);
            current += gain;
            bound.remove(0);
        } else {
            let mut with = picks.clone();
            with.push(v);
            bound[0] = (spread(&with).mean - current, v, picks.len());
        }
    }
    let last = spread(&picks);
    (picks, last.std_dev / (n_runs as f64).sqrt())
}

fn select(g: &Graph, p: f64, k: usize) -> Selection {
    ActivistSelection {
        k,
        model: Model::IndependentCascade(EdgeProbability::Uniform(p)),
        seed: 7,
        ..ActivistSelection::default()
    }
    .run(g)
    .unwrap()
}

fn nodes(selection: &Selection) -> Vec<NodeIdx> {
    selection.picks.iter().map(|pick| pick.node).collect()
}

/// The chosen set against degree, PageRank and CELF over 10,000 runs. Degree and PageRank
/// are exact sets: ours must not be worse beyond 3 standard errors of the paired difference.
/// CELF chose on 200 runs of its own, so it cannot tell sets apart closer than its own noise
/// (the standard error of its spread estimate): ours must be within that.
fn check_against_baselines(name: &str, p: f64, k: usize) {
    let g = graph_of(&fixture(name));
    let sim = simulator(&g, p);
    let selection = select(&g, p, k);
    let chosen = nodes(&selection);
    let out_degree: Vec<f64> = g.nodes().map(|v| g.out_neighbors(v).len() as f64).collect();
    let by_degree = top_k(&out_degree, k);
    let by_pagerank = top_k(&influence_pagerank(&g), k);
    let (celf, celf_noise) = celf_monte_carlo(&sim, g.n_nodes(), k, 200);
    let sets: [&[NodeIdx]; 4] = [&chosen, &by_degree, &by_pagerank, &celf];
    let measured = reaches(&sim, &sets, 0, 10_000);
    let ours = mean(&measured[0]);
    // The engine's estimate agrees with the simulation (twice the 95 % half-width).
    let (low, high) = selection.spread_interval;
    let slack = high - low;
    assert!(
        low - slack <= ours && ours <= high + slack,
        "{name}: simulated {ours:.2}, estimated {low:.2}..{high:.2}"
    );
    for (label, other, tolerance) in [
        ("degree", 1, 0.0),
        ("pagerank", 2, 0.0),
        ("celf", 3, celf_noise),
    ] {
        let (diff, se) = paired(&measured[0], &measured[other]);
        assert!(
            diff >= -3.0 * se - tolerance - 1e-9,
            "{name}: ours {ours:.2} vs {label} {:.2} (diff {diff:.3} ± {se:.3}, tolerance {tolerance:.3}), \
             source {:?}",
            mean(&measured[other]),
            selection.source
        );
    }
}

#[test]
fn email_eu_core_beats_degree_pagerank_and_celf() {
    // p = 0.02: five seeds reach ~12 % of the 1,005 people.
    check_against_baselines("email_eu_core", 0.02, 5);
}

#[test]
fn lazega_law_firm_beats_degree_pagerank_and_celf() {
    // p = 0.05: five seeds reach about half of the 71 lawyers.
    check_against_baselines("lazega_law_firm", 0.05, 5);
}

fn cascade(p: f64, k: usize) -> ActivistSelection {
    ActivistSelection {
        k,
        model: Model::IndependentCascade(EdgeProbability::Uniform(p)),
        seed: 3,
        ..ActivistSelection::default()
    }
}

#[test]
fn a_star_picks_its_centre_first() {
    let star = Graph::undirected(9, (1..9).map(|v| (0, v, 1.0)));
    let selection = cascade(0.3, 2).run(&star).unwrap();
    assert_eq!(selection.picks[0].node, 0);
    // Centre: itself + 8 × 0.3 = 3.4 expected people.
    assert!((selection.picks[0].marginal_gain - 3.4).abs() < 0.2);
}

#[test]
fn disjoint_cliques_with_certain_spread_get_one_pick_each_largest_first() {
    let mut edges = Vec::new();
    let mut start = 0;
    for size in [3u32, 6, 4] {
        for a in start..start + size {
            for b in a + 1..start + size {
                edges.push((a, b, 1.0));
            }
        }
        start += size;
    }
    let g = Graph::undirected(13, edges);
    let selection = cascade(1.0, 3).run(&g).unwrap();
    let clique = |v: NodeIdx| match v {
        0..=2 => 3,
        3..=8 => 6,
        _ => 4,
    };
    let sizes: Vec<u32> = selection
        .picks
        .iter()
        .map(|pick| clique(pick.node))
        .collect();
    assert_eq!(sizes, vec![6, 4, 3]);
    assert!((selection.spread - 13.0).abs() < 1e-9);
    assert_eq!(selection.reach_curve.len(), 4);
}

#[test]
fn a_directed_path_with_certain_spread_picks_its_head() {
    let path = Graph::directed(10, (0..9).map(|v| (v, v + 1, 1.0)));
    for model in [
        Model::IndependentCascade(EdgeProbability::Uniform(1.0)),
        Model::LinearThreshold,
    ] {
        let selection = ActivistSelection {
            model,
            ..cascade(1.0, 1)
        }
        .run(&path)
        .unwrap();
        assert_eq!(selection.picks[0].node, 0);
        assert!((selection.spread - 10.0).abs() < 1e-9);
    }
}

#[test]
fn fixed_seeds_make_gains_marginal_and_can_ask() {
    // Two stars joined centre to centre: 0 — 1..=5 and 6 — 7..=11, plus 0 — 6.
    let mut edges: Vec<(NodeIdx, NodeIdx, f64)> = (1..=5).map(|v| (0, v, 1.0)).collect();
    edges.extend((7..=11).map(|v| (6, v, 1.0)));
    edges.push((0, 6, 2.0));
    let g = Graph::undirected(12, edges);
    let selection = ActivistSelection {
        constraints: Constraints {
            fixed: vec![0],
            ..Constraints::default()
        },
        ..cascade(0.5, 1)
    }
    .run(&g)
    .unwrap();
    let pick = &selection.picks[0];
    assert_eq!(pick.node, 6);
    // Centre 6 alone: 1 + 5 × 0.5 + … ; given 0 already active, 6 itself is reached w.p. 1/2
    // + its leaves: gain = (1 − reach of 6 from 0) × (1 + 2.5) = 0.5 × 3.5 = 1.75.
    assert!(
        (pick.marginal_gain - 1.75).abs() < 0.1,
        "{}",
        pick.marginal_gain
    );
    let asker = pick.asker.as_ref().unwrap();
    assert_eq!(
        (asker.node, asker.hops, asker.tie_weight),
        (0, 1, Some(2.0))
    );
    assert!(selection.reach_curve[0] > 3.0);
}

#[test]
fn reasons_name_the_units_reached() {
    // Unit a: 0 → 1, 2, 3; unit b: 4, 5 reached from 0 too; 6 isolated in unit b.
    let g = Graph::directed(
        7,
        [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)].map(|(s, t)| (s, t, 1.0)),
    );
    let labels: Vec<Option<String>> = ["a", "a", "a", "a", "b", "b", "b"]
        .iter()
        .map(|u| Some(u.to_string()))
        .collect();
    let selection = ActivistSelection {
        units: Some(Units::from_labels(&labels)),
        ..cascade(1.0, 1)
    }
    .run(&g)
    .unwrap();
    assert_eq!(selection.picks[0].node, 0);
    let reason = &selection.picks[0].reason;
    assert!(reason.starts_with("reaches ~6.0 people"), "{reason}");
    assert!(
        reason.contains("in a and b") && reason.contains("bridges 2 units"),
        "{reason}"
    );
}

#[test]
fn impossible_requests_are_errors_not_panics() {
    let g = Graph::directed(4, [(0, 1, 1.0), (1, 2, 1.0)]);
    let units = Units::from_labels(&[Some("x".into()), Some("x".into()), Some("y".into()), None]);
    let with = |k: usize, constraints: Constraints, units: Option<Units>| {
        ActivistSelection {
            constraints,
            units,
            ..cascade(0.5, k)
        }
        .run(&g)
    };
    let quota = |unit, at_least| UnitQuota {
        unit,
        at_least,
        at_most: None,
    };
    let cases = [
        with(0, Constraints::default(), None),
        with(5, Constraints::default(), None),
        with(
            3,
            Constraints {
                excluded: vec![0, 1],
                ..Constraints::default()
            },
            None,
        ),
        with(
            1,
            Constraints {
                fixed: vec![4],
                ..Constraints::default()
            },
            None,
        ),
        with(
            2,
            Constraints {
                quotas: vec![quota(0, 3)],
                ..Constraints::default()
            },
            Some(units.clone()),
        ),
        with(
            2,
            Constraints {
                quotas: vec![quota(5, 0)],
                ..Constraints::default()
            },
            Some(units.clone()),
        ),
        with(
            2,
            Constraints {
                quotas: vec![quota(0, 1), quota(1, 2)],
                ..Constraints::default()
            },
            Some(units.clone()),
        ),
        with(
            1,
            Constraints {
                max_per_unit: Some(1),
                ..Constraints::default()
            },
            None,
        ),
        ActivistSelection {
            epsilon: 0.9,
            ..cascade(0.5, 1)
        }
        .run(&g),
        ActivistSelection {
            model: Model::IndependentCascade(EdgeProbability::Uniform(-0.1)),
            ..cascade(0.5, 1)
        }
        .run(&g),
        ActivistSelection {
            engaged: vec![9],
            ..cascade(0.5, 1)
        }
        .run(&g),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        assert!(
            matches!(case, Err(Error::InvalidParameter { .. })),
            "case {i}: {case:?}"
        );
    }
}

#[test]
fn same_picks_for_any_thread_count() {
    let g = graph_of(&fixture("email_eu_core"));
    let params = ActivistSelection {
        engaged: vec![1, 2, 3],
        askers_include_picks: true,
        ..cascade(0.02, 8)
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| params.run(&g).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(4));
}

/// A random directed graph with units, and constraints that may or may not be satisfiable.
fn instance() -> impl Strategy<Value = (Graph, Vec<Option<String>>, ActivistSelection)> {
    (6usize..30).prop_flat_map(|n| {
        let edges =
            proptest::collection::vec((0..n as NodeIdx, 0..n as NodeIdx, 0.5f64..3.0), 0..4 * n);
        let labels = proptest::collection::vec(proptest::option::weighted(0.9, 0u8..4), n);
        let excluded = proptest::collection::vec(0..n as NodeIdx, 0..4);
        let fixed = proptest::collection::vec(0..n as NodeIdx, 0..3);
        let quotas =
            proptest::collection::vec((0u32..4, 0usize..3, proptest::option::of(1usize..4)), 0..3);
        let model = prop_oneof![
            (0.05f64..1.0).prop_map(|p| Model::IndependentCascade(EdgeProbability::Uniform(p))),
            (0.05f64..0.5)
                .prop_map(|p| Model::IndependentCascade(EdgeProbability::PerUnitWeight(p))),
            Just(Model::IndependentCascade(EdgeProbability::WeightedCascade)),
            Just(Model::LinearThreshold),
        ];
        (
            edges,
            labels,
            excluded,
            fixed,
            quotas,
            proptest::option::of(1usize..4),
            1usize..6,
            model,
            any::<u64>(),
        )
            .prop_map(
                move |(edges, labels, excluded, fixed, quotas, max_per_unit, k, model, seed)| {
                    let labels: Vec<Option<String>> = labels
                        .into_iter()
                        .map(|l| l.map(|u| format!("u{u}")))
                        .collect();
                    let units = Units::from_labels(&labels);
                    let quotas = quotas
                        .into_iter()
                        .filter(|(unit, _, _)| (*unit as usize) < units.n_units())
                        .map(|(unit, at_least, at_most)| UnitQuota {
                            unit,
                            at_least,
                            at_most,
                        })
                        .collect();
                    let params = ActivistSelection {
                        k,
                        model,
                        seed,
                        constraints: Constraints {
                            fixed,
                            excluded,
                            quotas,
                            max_per_unit,
                        },
                        units: Some(units),
                        precision: 0.1,
                        ..ActivistSelection::default()
                    };
                    (Graph::directed(n, edges), labels, params)
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn constraints_hold_and_gains_never_increase((g, labels, params) in instance()) {
        let result = params.run(&g);
        let selection = match result {
            Err(Error::InvalidParameter { .. }) => return Ok(()),
            Err(other) => panic!("unexpected error {other}"),
            Ok(selection) => selection,
        };
        let c = &params.constraints;
        let picks = nodes(&selection);
        prop_assert_eq!(picks.len(), params.k);
        let mut unique = picks.clone();
        unique.sort_unstable();
        unique.dedup();
        prop_assert_eq!(unique.len(), picks.len());
        for v in &picks {
            prop_assert!(!c.excluded.contains(v) && !c.fixed.contains(v));
        }
        let units = params.units.as_ref().unwrap();
        let in_unit = |u: u32| picks.iter().filter(|&&v| labels[v as usize].as_deref() == Some(units.name(u))).count();
        for u in 0..units.n_units() as u32 {
            let quota = c.quotas.iter().find(|q| q.unit == u);
            let cap = quota.and_then(|q| q.at_most).unwrap_or(usize::MAX).min(c.max_per_unit.unwrap_or(usize::MAX));
            prop_assert!(in_unit(u) <= cap);
            prop_assert!(in_unit(u) >= quota.map_or(0, |q| q.at_least));
        }
        for pair in selection.picks.windows(2) {
            prop_assert!(pair[1].marginal_gain <= pair[0].marginal_gain + 1e-9);
        }
        prop_assert_eq!(selection.reach_curve.len(), params.k + 1);
        for pair in selection.reach_curve.windows(2) {
            prop_assert!(pair[1] >= pair[0]);
        }
        // Two estimates of the same spread: they agree within the sampling noise.
        let (low, high) = selection.spread_interval;
        let last = selection.reach_curve[params.k];
        prop_assert!(last >= low - (high - low) - 1.0 && last <= high + (high - low) + 1.0);
        prop_assert!(selection.spread_interval.0 <= selection.spread && selection.spread <= selection.spread_interval.1);
        prop_assert!(selection.certified_ratio <= 1.0);
        prop_assert!(selection.candidates.iter().any(|(source, _)| *source == selection.source));
        let _ = SetSource::Greedy;
    }
}

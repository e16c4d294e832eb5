//! Properties of exact and approximate betweenness: a definition-based oracle, identities,
//! invariance, determinism across thread counts, NetworkX values and the approximation
//! guarantee.

use proptest::prelude::*;

use super::{ApproxBetweenness, Betweenness};
use crate::{Error, Graph, NodeIdx};

/// Betweenness from its definition: Σ over ordered pairs `s ≠ v ≠ t` with
/// `d(s, v) + d(v, t) = d(s, t)` of `σ_sv·σ_vt/σ_st`, with all-pairs distances and path
/// counts from an O(n³) relaxation (no Brandes accumulation). Ordered-pair sums.
fn by_definition(graph: &Graph, weighted: bool) -> Vec<f64> {
    let n = graph.n_nodes();
    let mut dist = vec![vec![f64::INFINITY; n]; n];
    let mut sigma = vec![vec![0.0f64; n]; n];
    for s in 0..n {
        // Dijkstra by linear scans, counting paths in order of distance.
        let (d, sg) = (&mut dist[s], &mut sigma[s]);
        d[s] = 0.0;
        sg[s] = 1.0;
        let mut done = vec![false; n];
        while let Some(u) = (0..n)
            .filter(|&u| !done[u] && d[u].is_finite())
            .min_by(|&a, &b| d[a].total_cmp(&d[b]))
        {
            done[u] = true;
            let out = graph.outgoing();
            for (&w, &weight) in out
                .neighbors(u as NodeIdx)
                .iter()
                .zip(out.weights(u as NodeIdx))
            {
                let w = w as usize;
                let length = if weighted { weight } else { 1.0 };
                if w == u || done[w] {
                    continue;
                }
                if d[u] + length < d[w] {
                    d[w] = d[u] + length;
                    sg[w] = sg[u];
                } else if d[u] + length == d[w] {
                    sg[w] += sg[u];
                }
            }
        }
    }
    (0..n)
        .map(|v| {
            let mut total = 0.0;
            for s in (0..n).filter(|&s| s != v) {
                for t in (0..n).filter(|&t| t != v && t != s) {
                    if dist[s][t].is_finite() && dist[s][v] + dist[v][t] == dist[s][t] {
                        total += sigma[s][v] * sigma[v][t] / sigma[s][t];
                    }
                }
            }
            total
        })
        .collect()
}

fn raw(graph: &Graph, weighted: bool) -> Vec<f64> {
    let mut values = Betweenness {
        normalized: false,
        weighted,
    }
    .run(graph)
    .into_values();
    if !graph.is_directed() {
        for x in &mut values {
            *x *= 2.0;
        }
    }
    values
}

fn assert_close(actual: &[f64], expected: &[f64], tolerance: f64) {
    assert_eq!(actual.len(), expected.len());
    for (v, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tolerance * e.abs().max(1.0),
            "node {v}: {a} against {e}"
        );
    }
}

/// Random graphs with small integer weights (sums of them are exact in floating point,
/// so equal-length paths are equal exactly), self-loops and parallel arcs included.
fn graphs(max_nodes: usize) -> impl Strategy<Value = Graph> {
    (2..=max_nodes, any::<bool>()).prop_flat_map(|(n, directed)| {
        let edge = (0..n as NodeIdx, 0..n as NodeIdx, 1..4u8);
        prop::collection::vec(edge, 0..n * 3).prop_map(move |edges| {
            let edges = edges.into_iter().map(|(s, t, w)| (s, t, f64::from(w)));
            if directed {
                Graph::directed(n, edges)
            } else {
                Graph::undirected(n, edges)
            }
        })
    })
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn exact_matches_the_definition(graph in graphs(12), weighted in any::<bool>()) {
        let actual = raw(&graph, weighted);
        prop_assert!(actual.iter().all(|&x| x >= 0.0));
        assert_close(&actual, &by_definition(&graph, weighted), 1e-12);
    }

    #[test]
    fn inner_nodes_sum_to_path_lengths(graph in graphs(30)) {
        // Every shortest s–t path has d(s, t) − 1 inner nodes, so the ordered-pair sums
        // add up to Σ (d(s, t) − 1) over connected ordered pairs.
        let n = graph.n_nodes();
        let mut expected = 0.0;
        for s in 0..n as NodeIdx {
            let mut dist = vec![u32::MAX; n];
            let mut queue = std::collections::VecDeque::from([s]);
            dist[s as usize] = 0;
            while let Some(v) = queue.pop_front() {
                for &w in graph.out_neighbors(v) {
                    if dist[w as usize] == u32::MAX {
                        dist[w as usize] = dist[v as usize] + 1;
                        queue.push_back(w);
                    }
                }
            }
            expected += dist.iter().filter(|&&d| d != u32::MAX && d > 0).map(|&d| f64::from(d - 1)).sum::<f64>();
        }
        let total: f64 = raw(&graph, false).iter().sum();
        prop_assert!((total - expected).abs() <= 1e-9 * expected.max(1.0));
    }

    #[test]
    fn uniform_weights_give_hop_betweenness(graph in graphs(25)) {
        let uniform = graph.edges().map(|(s, t, _)| (s, t, 2.5));
        let uniform = if graph.is_directed() {
            Graph::directed(graph.n_nodes(), uniform)
        } else {
            Graph::undirected(graph.n_nodes(), uniform)
        };
        assert_close(&raw(&uniform, true), &raw(&graph, false), 1e-12);
    }

    #[test]
    fn undirected_scores_follow_relabelling(
        edges in prop::collection::vec((0..20u32, 0..20u32), 0..60),
        shuffle in Just((0..20u32).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let graph = Graph::undirected(20, edges.iter().map(|&(s, t)| (s, t, 1.0)));
        let moved = Graph::undirected(
            20,
            edges.iter().map(|&(s, t)| (shuffle[s as usize], shuffle[t as usize], 1.0)),
        );
        let (before, after) = (raw(&graph, false), raw(&moved, false));
        let permuted: Vec<f64> = (0..20).map(|v| after[shuffle[v] as usize]).collect();
        assert_close(&permuted, &before, 1e-12);
    }
}

/// A random graph with enough nodes for many source blocks.
fn random_graph(n_nodes: usize, n_edges: usize, directed: bool, seed: u64) -> Graph {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let edges: Vec<_> = (0..n_edges)
        .map(|_| {
            let s = rng.random_range(0..n_nodes as NodeIdx);
            let t = rng.random_range(0..n_nodes as NodeIdx);
            (s, t, f64::from(rng.random_range(1..5u8)))
        })
        .collect();
    if directed {
        Graph::directed(n_nodes, edges)
    } else {
        Graph::undirected(n_nodes, edges)
    }
}

#[test]
fn exact_is_bit_identical_for_any_thread_count() {
    for (directed, weighted) in [(false, false), (true, false), (false, true), (true, true)] {
        let graph = random_graph(700, 2_000, directed, 5);
        let run = || {
            Betweenness {
                normalized: true,
                weighted,
            }
            .run(&graph)
        };
        let one = in_pool(1, run);
        assert_eq!(one, in_pool(2, run));
        assert_eq!(one, in_pool(16, run));
    }
}

#[test]
fn approx_is_bit_identical_for_any_thread_count() {
    for directed in [false, true] {
        let graph = random_graph(400, 1_200, directed, 9);
        let run = || {
            ApproxBetweenness {
                epsilon: 0.05,
                delta: 0.1,
                seed: 17,
            }
            .run(&graph)
            .unwrap()
        };
        let one = in_pool(1, run);
        assert_eq!(one, in_pool(2, run));
        assert_eq!(one, in_pool(16, run));
        assert_ne!(
            one,
            in_pool(2, || ApproxBetweenness {
                epsilon: 0.05,
                delta: 0.1,
                seed: 18
            }
            .run(&graph)
            .unwrap())
        );
    }
}

#[test]
fn approx_is_within_epsilon_for_nearly_every_seed() {
    let epsilon = 0.03;
    let mut n_misses = 0;
    let mut n_runs = 0;
    for graph_seed in 0..4 {
        let graph = random_graph(150, 320, graph_seed % 2 == 1, graph_seed);
        let exact = Betweenness {
            normalized: true,
            weighted: false,
        }
        .run(&graph);
        for seed in 0..10 {
            let approx = ApproxBetweenness {
                epsilon,
                delta: 0.1,
                seed,
            }
            .run(&graph)
            .unwrap();
            let worst = approx
                .values()
                .iter()
                .zip(exact.values())
                .map(|(a, e)| (a - e).abs())
                .fold(0.0, f64::max);
            n_runs += 1;
            n_misses += usize::from(worst > epsilon);
        }
    }
    // δ = 0.1 allows 4 misses in 40 runs on average; the bounds are conservative.
    assert!(n_misses <= 2, "{n_misses} of {n_runs} runs missed");
}

#[test]
fn approx_rejects_bad_parameters() {
    let graph = random_graph(10, 20, false, 1);
    for (epsilon, delta, name) in [
        (0.0, 0.1, "epsilon"),
        (1.0, 0.1, "epsilon"),
        (f64::NAN, 0.1, "epsilon"),
        (0.1, 0.0, "delta"),
        (0.1, 1.5, "delta"),
    ] {
        let result = ApproxBetweenness {
            epsilon,
            delta,
            seed: 0,
        }
        .run(&graph);
        assert!(
            matches!(result, Err(Error::InvalidParameter { name: n, .. }) if n == name),
            "{epsilon} {delta}: {result:?}"
        );
    }
}

#[test]
fn approx_handles_graphs_without_inner_nodes() {
    let run = |graph: &Graph| {
        ApproxBetweenness {
            epsilon: 0.1,
            delta: 0.1,
            seed: 3,
        }
        .run(graph)
        .unwrap()
        .into_values()
    };
    assert!(run(&Graph::undirected(0, [])).is_empty());
    assert_eq!(run(&Graph::undirected(2, [(0, 1, 1.0)])), vec![0.0; 2]);
    assert_eq!(run(&Graph::directed(5, [])), vec![0.0; 5]);
    let complete = Graph::undirected(6, (0..6).flat_map(|s| (s + 1..6).map(move |t| (s, t, 1.0))));
    assert_eq!(run(&complete), vec![0.0; 6]);
}

#[test]
fn approx_finds_a_star_centre_and_a_path_middle() {
    let star = Graph::undirected(40, (1..40).map(|leaf| (0, leaf, 1.0)));
    let scores = ApproxBetweenness {
        epsilon: 0.02,
        delta: 0.1,
        seed: 5,
    }
    .run(&star)
    .unwrap();
    assert!((scores.score(0) - 1.0).abs() <= 0.02);
    assert!(scores.values()[1..].iter().all(|&x| x == 0.0));
    // Directed path 0 → … → 9: node k is inside k·(9 − k) of 72 ordered pairs.
    let path = Graph::directed(10, (0..9).map(|v| (v, v + 1, 1.0)));
    let scores = ApproxBetweenness {
        epsilon: 0.02,
        delta: 0.1,
        seed: 5,
    }
    .run(&path)
    .unwrap();
    for k in 0..10 {
        let exact = f64::from(k * (9 - k)) / 72.0;
        assert!((scores.score(k) - exact).abs() <= 0.02, "node {k}");
    }
}

/// Krackhardt's high-tech managers (advice, friendship and reports-to layers, parallel ties
/// summed): NetworkX 3.6.1 `betweenness_centrality(G, normalized=True)` on the DiGraph, by
/// hops and with `weight="weight"`, for nodes 1..=21.
#[test]
fn krackhardt_matches_networkx() {
    const HOPS: [f64; 21] = [
        0.018308982683982684,
        0.015265958456747927,
        0.008433251689830636,
        0.019360759854180908,
        0.014367974861395912,
        0.007609649122807018,
        0.0189222582972583,
        0.007756465026201868,
        0.01673240867319815,
        0.040323678514467984,
        0.03939351218956482,
        0.00726304397357029,
        0.0005847953216374268,
        0.005039160401002506,
        0.028031394774815824,
        0.0013486842105263157,
        0.0682673539910382,
        0.12895762132604238,
        0.0038760252904989742,
        0.008175220247588667,
        0.041981801093643197,
    ];
    const WEIGHTED: [f64; 21] = [
        0.008596491228070173,
        0.01008885850991114,
        0.01878078062288589,
        0.016092022013074643,
        0.0058896585870270085,
        0.02094298245614035,
        0.0329187552213868,
        0.012523470681365419,
        0.031476476739634635,
        0.05318518469834259,
        0.04798582995951417,
        0.018205770837349786,
        0.003781328320802005,
        0.005295209176788125,
        0.031149106741211994,
        0.001425438596491228,
        0.08594412166780588,
        0.19907125768967876,
        0.0031022267206477733,
        0.01966158841158841,
        0.028400262018683068,
    ];
    let ties = include_str!("../../tests/fixtures/krackhardt_hightech/ties.csv");
    let edges = ties.lines().skip(1).map(|line| {
        let fields: Vec<&str> = line.split(',').collect();
        let end = |i: usize| fields[i].parse::<NodeIdx>().unwrap() - 1;
        (end(0), end(1), fields[3].parse::<f64>().unwrap())
    });
    let graph = Graph::directed(21, edges);
    for (weighted, expected) in [(false, HOPS), (true, WEIGHTED)] {
        let scores = Betweenness {
            normalized: true,
            weighted,
        }
        .run(&graph);
        assert_close(scores.values(), &expected, 1e-12);
    }
}

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::{Error, Graph, NodeIdx};

fn clique_edges(first: u32, size: u32) -> Vec<(NodeIdx, NodeIdx, f64)> {
    let mut edges = Vec::new();
    for a in first..first + size {
        for b in a + 1..first + size {
            edges.push((a, b, 1.0));
        }
    }
    edges
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1e-3),
        "{actual} != {expected}"
    );
}

/// Whether every community induces a connected subgraph (ignoring zero-weight edges).
fn communities_connected(graph: &Graph, membership: &[u32]) -> bool {
    let undirected = graph.to_undirected();
    let n_nodes = graph.n_nodes();
    let mut seen = vec![false; n_nodes];
    let mut done_community = HashMap::new();
    for start in 0..n_nodes {
        if seen[start] {
            continue;
        }
        if done_community.insert(membership[start], start).is_some() {
            return false; // a second component of a community already seen
        }
        seen[start] = true;
        let mut stack = vec![start];
        while let Some(v) = stack.pop() {
            let out = undirected.outgoing();
            for (&u, &w) in out.neighbors(v as u32).iter().zip(out.weights(v as u32)) {
                let u = u as usize;
                if w > 0.0 && !seen[u] && membership[u] == membership[v] {
                    seen[u] = true;
                    stack.push(u);
                }
            }
        }
    }
    true
}

/// Labels appear as 0, 1, 2, … in order of first node.
fn numbered_by_first_node(membership: &[u32], n_communities: usize) -> bool {
    let mut next = 0;
    for &c in membership {
        if c > next {
            return false;
        }
        if c == next {
            next += 1;
        }
    }
    next as usize == n_communities
}

#[test]
fn two_cliques_joined_by_an_edge_are_the_communities() {
    let mut edges = clique_edges(0, 5);
    edges.extend(clique_edges(5, 5));
    edges.push((4, 5, 1.0));
    let g = Graph::undirected(10, edges);
    for seed in 0..5 {
        let p = Leiden {
            seed,
            ..Leiden::default()
        }
        .run(&g)
        .unwrap();
        assert_eq!(p.membership, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        assert_eq!(p.n_communities, 2);
        // NetworkX 3.6.1: nx.community.modularity(G, [{0..4}, {5..9}])
        assert_close(p.modularity, 0.45238095238095233);
    }
}

#[test]
fn ring_of_cliques_gives_one_community_per_clique() {
    let mut edges = Vec::new();
    for clique in 0..6 {
        edges.extend(clique_edges(4 * clique, 4));
        edges.push((4 * clique + 3, (4 * clique + 4) % 24, 1.0));
    }
    let g = Graph::undirected(24, edges);
    let p = Leiden::default().run(&g).unwrap();
    let expected: Vec<u32> = (0..24).map(|v| v / 4).collect();
    assert_eq!(p.membership, expected);
    // NetworkX 3.6.1: modularity of the six K4s of the ring.
    assert_close(p.modularity, 0.6904761904761905);
}

#[test]
fn weighted_modularity_with_self_loops_matches_networkx() {
    let edges = [
        (0, 1, 2.0),
        (1, 2, 1.0),
        (0, 2, 0.5),
        (2, 3, 1.5),
        (3, 4, 3.0),
        (4, 5, 1.0),
        (3, 5, 2.0),
        (5, 5, 1.5),
        (0, 0, 0.5),
        (1, 4, 0.25),
    ];
    let g = Graph::undirected(6, edges);
    // NetworkX 3.6.1: nx.community.modularity(G, parts, resolution=γ) on nx.Graph with
    // these weighted edges.
    let cases: [(&[u32], [f64; 3]); 4] = [
        (
            &[0, 0, 0, 1, 1, 1],
            [0.3330366678533285, 0.6004805980776077, -0.2018511925952297],
        ),
        (
            &[0, 0, 1, 1, 2, 2],
            [0.147561409754361, 0.31906372374510505, -0.1954432182271271],
        ),
        (&[7, 7, 7, 7, 7, 7], [0.0, 0.5, -1.0]),
        (
            &[5, 4, 3, 2, 1, 0],
            [
                -0.03150587397650412,
                0.05971876112495549,
                -0.21395514417942332,
            ],
        ),
    ];
    for (membership, expected) in cases {
        for (resolution, want) in [1.0, 0.5, 2.0].into_iter().zip(expected) {
            assert_close(modularity(&g, membership, resolution), want);
        }
    }
    // Labels need not be small.
    assert_close(
        modularity(&g, &[u32::MAX, u32::MAX, u32::MAX, 9, 9, 9], 1.0),
        0.3330366678533285,
    );
}

#[test]
fn directed_modularity_is_that_of_the_summed_undirected_graph() {
    let arcs = [
        (0, 1, 1.0),
        (1, 0, 2.0),
        (1, 2, 1.0),
        (2, 0, 1.0),
        (2, 3, 0.5),
        (3, 4, 1.0),
        (4, 3, 1.0),
        (4, 5, 2.0),
        (5, 3, 1.0),
        (3, 3, 1.0),
    ];
    let g = Graph::directed(6, arcs);
    // NetworkX 3.6.1 on the nx.Graph with u→v and v→u weights summed.
    assert_close(
        modularity(&g, &[0, 0, 0, 1, 1, 1], 1.0),
        0.45274102079395084,
    );
    assert_close(modularity(&g, &[0, 0, 0, 1, 1, 1], 0.7), 0.603875236294896);
    let p = Leiden::default().run(&g).unwrap();
    assert_eq!(p.membership, [0, 0, 0, 1, 1, 1]);
}

#[test]
fn empty_and_edgeless_graphs() {
    let empty = Graph::undirected(0, []);
    let p = Leiden::default().run(&empty).unwrap();
    assert_eq!(
        (p.membership.len(), p.n_communities, p.modularity),
        (0, 0, 0.0)
    );
    let edgeless = Graph::undirected(3, []);
    let p = Leiden::default().run(&edgeless).unwrap();
    assert_eq!(p.membership, [0, 1, 2]);
    assert_eq!(modularity(&edgeless, &[0, 0, 0], 1.0), 0.0);
}

#[test]
fn invalid_resolution_and_weights_are_rejected() {
    let g = Graph::undirected(2, [(0, 1, 1.0)]);
    for resolution in [-0.5, f64::NAN, f64::INFINITY] {
        let err = Leiden {
            resolution,
            ..Leiden::default()
        }
        .run(&g)
        .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidParameter {
                name: "resolution",
                ..
            }
        ));
    }
    let negative = Graph::undirected(2, [(0, 1, -1.0)]);
    let err = Leiden::default().run(&negative).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter { name: "weight", .. }
    ));
}

/// Two triangles and an isolated pair, plus a lone node: three components.
fn three_components() -> Graph {
    Graph::undirected(
        9,
        [
            (0, 1, 1.0),
            (1, 2, 1.0),
            (2, 0, 1.0),
            (2, 3, 0.1),
            (3, 4, 1.0),
            (4, 5, 1.0),
            (5, 3, 1.0),
            (6, 7, 1.0),
            (8, 8, 1.0),
        ],
    )
}

#[test]
fn resolution_zero_gives_one_community_per_component() {
    let p = Leiden {
        resolution: 0.0,
        ..Leiden::default()
    }
    .run(&three_components())
    .unwrap();
    assert_eq!(p.membership, [0, 0, 0, 0, 0, 0, 1, 1, 2]);
}

#[test]
fn huge_resolution_gives_singletons() {
    let g = three_components();
    let p = Leiden {
        resolution: 1e9,
        ..Leiden::default()
    }
    .run(&g)
    .unwrap();
    assert_eq!(p.n_communities, g.n_nodes());
}

#[test]
fn max_iterations_zero_leaves_singletons() {
    let g = three_components();
    let p = Leiden {
        max_iterations: Some(0),
        ..Leiden::default()
    }
    .run(&g)
    .unwrap();
    assert_eq!(p.n_communities, 9);
}

/// A reproducible random graph with planted groups, big enough for several parallel blocks.
fn planted_graph(n_nodes: u32, seed: u64) -> Graph {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut edges = Vec::new();
    for v in 0..n_nodes {
        for _ in 0..4 {
            let u = if next() % 10 < 8 {
                (v / 50) * 50 + (next() % 50) as u32
            } else {
                (next() % n_nodes as u64) as u32
            };
            let u = u.min(n_nodes - 1);
            edges.push((v, u, 1.0 + (next() % 3) as f64));
        }
    }
    Graph::undirected(n_nodes as usize, edges)
}

#[test]
fn invalid_tolerance_is_rejected() {
    let g = Graph::undirected(2, [(0, 1, 1.0)]);
    for tolerance in [-0.1, f64::NAN, f64::INFINITY] {
        let err = Leiden {
            tolerance,
            ..Leiden::default()
        }
        .run(&g)
        .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidParameter {
                name: "tolerance",
                ..
            }
        ));
    }
}

#[test]
fn iterations_never_lower_modularity_and_tolerance_stops_between() {
    let g = planted_graph(3_000, 5);
    let run = |tolerance: f64, max_iterations: Option<usize>| {
        Leiden {
            seed: 4,
            tolerance,
            max_iterations,
            ..Leiden::default()
        }
        .run(&g)
        .unwrap()
    };
    // The same seed draws the same random numbers, so a run with more iterations continues
    // a run with fewer.
    let mut last = f64::NEG_INFINITY;
    for n_iterations in 1..6 {
        let q = run(0.0, Some(n_iterations)).modularity;
        assert!(q >= last - 1e-12, "{n_iterations} iterations: {q} < {last}");
        last = q;
    }
    let one = run(0.0, Some(1)).modularity;
    let default = run(Leiden::default().tolerance, None).modularity;
    let until_no_gain = run(0.0, None).modularity;
    assert!(one <= default + 1e-12 && default <= until_no_gain + 1e-12);
    // No gain passes an enormous tolerance: the run stops after the second iteration.
    assert_eq!(run(1e300, None), run(0.0, Some(2)));
}

#[test]
fn same_seed_gives_identical_result_for_any_thread_count() {
    let g = planted_graph(20_000, 3);
    let run_with = |n_threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n_threads)
            .build()
            .unwrap()
            .install(|| {
                // Three iterations, and as many as the default tolerance takes.
                [Some(3), None].map(|max_iterations| {
                    let leiden = Leiden {
                        seed: 11,
                        max_iterations,
                        ..Leiden::default()
                    };
                    leiden.run(&g).unwrap()
                })
            })
    };
    let one = run_with(1);
    for p in &one {
        assert!(
            p.modularity > 0.5,
            "planted groups not found: {}",
            p.modularity
        );
        assert!(communities_connected(&g, &p.membership));
    }
    for n_threads in [2, 16] {
        let other = run_with(n_threads);
        for (a, b) in one.iter().zip(&other) {
            assert_eq!(a.membership, b.membership);
            assert_eq!(a.modularity.to_bits(), b.modularity.to_bits());
        }
    }
}

/// Reads a fixture's ties as an undirected graph, weights of both directions and all layers
/// summed, with the external id of each node.
fn fixture_graph(name: &str) -> (Graph, Vec<String>) {
    let path = format!(
        "{}/tests/fixtures/{name}/ties.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut edges = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let mut node = |id: &str| {
            let next = index.len() as u32;
            *index.entry(id.to_string()).or_insert(next)
        };
        let (s, t) = (node(fields[0]), node(fields[1]));
        let weight = fields.get(3).and_then(|w| w.parse().ok()).unwrap_or(1.0);
        edges.push((s, t, weight));
    }
    let mut ids = vec![String::new(); index.len()];
    for (id, node) in index {
        ids[node as usize] = id;
    }
    (Graph::undirected(ids.len(), edges), ids)
}

#[test]
fn modularity_on_real_networks_matches_networkx() {
    // NetworkX 3.6.1: nx.community.modularity(G, parts, resolution=γ) with parts grouping
    // nodes by int(id) % 5, on the undirected graph of all layers with weights summed
    // (email_eu_core keeps its 642 self-loops).
    let cases = [
        ("email_eu_core", 0.015130567385324943, 0.15534672564948743),
        ("lazega_law_firm", -0.02394803602579771, 0.11724188246336142),
    ];
    for (name, at_one, at_three_tenths) in cases {
        let (g, ids) = fixture_graph(name);
        let membership: Vec<u32> = ids
            .iter()
            .map(|id| id.parse::<u32>().unwrap() % 5)
            .collect();
        assert_close(modularity(&g, &membership, 1.0), at_one);
        assert_close(modularity(&g, &membership, 0.3), at_three_tenths);
    }
}

#[test]
fn beats_networkx_louvain_on_real_networks() {
    // NetworkX 3.6.1: best modularity of nx.community.louvain_communities(G, seed=s) for
    // s in 0..5, on the undirected graph of all layers with weights summed.
    let cases = [
        ("email_eu_core", 0.43857855773614435),
        ("krackhardt_hightech", 0.12721379848783698),
        ("lazega_law_firm", 0.29812076808600735),
        ("medical_innovation", 0.7379604938271607),
    ];
    for (name, louvain) in cases {
        let (g, _) = fixture_graph(name);
        let p = Leiden::default().run(&g).unwrap();
        assert!(
            p.modularity >= louvain - 1e-12,
            "{name}: {} < {louvain}",
            p.modularity
        );
        assert!(communities_connected(&g, &p.membership), "{name}");
    }
}

fn arb_graph() -> impl Strategy<Value = Graph> {
    (1usize..40).prop_flat_map(|n_nodes| {
        let edge = (0..n_nodes as u32, 0..n_nodes as u32, 0.1f64..3.0);
        proptest::collection::vec(edge, 0..120)
            .prop_map(move |edges| Graph::undirected(n_nodes, edges))
    })
}

proptest! {
    #[test]
    fn level_graph_modularity_matches_after_aggregating_and_renumbering(
        g in arb_graph(),
        labels in proptest::collection::vec(0u32..40, 40),
        groups in proptest::collection::vec(0u32..40, 40),
        resolution in 0.0f64..3.0,
    ) {
        use super::level::LevelGraph;
        let n_nodes = g.n_nodes();
        let membership: Vec<u32> = labels[..n_nodes].iter().map(|&c| c % n_nodes as u32).collect();
        let expected = modularity(&g, &membership, resolution);
        let level0 = LevelGraph::from_graph(&g).unwrap();
        let total_weight: f64 = level0.node_weight.iter().sum();
        prop_assume!(total_weight > 0.0);
        let gamma = resolution / total_weight;
        let close = |q: f64| (q - expected).abs() <= 1e-9;
        prop_assert!(close(level0.modularity(&membership, gamma, total_weight)));
        // Reversed node order.
        let order: Vec<u32> = (0..n_nodes as u32).rev().collect();
        let reversed: Vec<u32> = order.iter().map(|&v| membership[v as usize]).collect();
        prop_assert!(close(level0.permuted(&order).modularity(&reversed, gamma, total_weight)));
        // Groups inside the communities (pairs of community and group label), aggregated.
        let mut group_of = HashMap::new();
        let group: Vec<u32> = (0..n_nodes)
            .map(|v| {
                let next = group_of.len() as u32;
                *group_of.entry((membership[v], groups[v])).or_insert(next)
            })
            .collect();
        let n_groups = group_of.len();
        let mut group_membership = vec![0u32; n_groups];
        for (v, &h) in group.iter().enumerate() {
            group_membership[h as usize] = membership[v];
        }
        let aggregate = level0.aggregate(&group, n_groups);
        prop_assert!(close(aggregate.modularity(&group_membership, gamma, total_weight)));
    }

    #[test]
    fn modularity_lies_between_minus_half_and_one(
        g in arb_graph(),
        labels in proptest::collection::vec(0u32..5, 40),
    ) {
        let membership = &labels[..g.n_nodes()];
        let q = modularity(&g, membership, 1.0);
        prop_assert!((-0.5 - 1e-12..=1.0 + 1e-12).contains(&q), "{q}");
    }

    #[test]
    fn leiden_partition_is_valid_and_no_worse_than_singletons(g in arb_graph(), seed in 0u64..4) {
        let p = Leiden { seed, ..Leiden::default() }.run(&g).unwrap();
        let singletons: Vec<u32> = (0..g.n_nodes() as u32).collect();
        prop_assert!(p.modularity >= modularity(&g, &singletons, 1.0) - 1e-12);
        prop_assert_eq!(p.modularity.to_bits(), modularity(&g, &p.membership, 1.0).to_bits());
        prop_assert!(numbered_by_first_node(&p.membership, p.n_communities));
        prop_assert!(communities_connected(&g, &p.membership));
        let again = Leiden { seed, ..Leiden::default() }.run(&g).unwrap();
        prop_assert_eq!(p, again);
    }

    #[test]
    fn resolution_zero_merges_each_component(g in arb_graph()) {
        let p = Leiden { resolution: 0.0, ..Leiden::default() }.run(&g).unwrap();
        // Nodes are in one community exactly when an edge path joins them.
        let mut label: Vec<u32> = (0..g.n_nodes() as u32).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for (s, t, _) in g.edges() {
                let low = label[s as usize].min(label[t as usize]);
                for v in [s, t] {
                    if label[v as usize] != low {
                        label[v as usize] = low;
                        changed = true;
                    }
                }
            }
        }
        for a in 0..g.n_nodes() {
            for b in 0..g.n_nodes() {
                prop_assert_eq!(label[a] == label[b], p.membership[a] == p.membership[b]);
            }
        }
    }
}

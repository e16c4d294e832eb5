//! Burt's structural holes: who brokers between otherwise unconnected groups (Burt 1992),
//! with NetworkX's definitions (`constraint`, `effective_size`), weighted by tie strength.
//!
//! Both measures see the graph through *mutual weights*: m(u, v) = a(u, v) + a(v, u) (the
//! weights of the ties both ways; on an undirected graph, twice the edge weight; for a
//! self-loop, twice its weight), over the neighbours of u in and out. From them,
//! p(u, v) = m(u, v) / Σ_x m(u, x) is the share of u's ties invested in v. Pairs whose
//! mutual weight is not positive count as unconnected (weights are assumed non-negative).
//!
//! A node without ties to another node is isolated; both measures are NaN there. This
//! follows NetworkX everywhere except one corner: NetworkX 3.6.1's all-nodes `constraint`
//! returns 4.0 for a node whose only tie is a self-loop of weight other than 1, an
//! artefact of its isolation test; here it is NaN like every other isolated node.
//!
//! Effective size follows NetworkX's documented formula and per-node code. NetworkX 3.6.1's
//! faster all-nodes code (`nx.effective_size(G)` with `nodes=None`) normalises by the wrong
//! row maxima on weighted or directed graphs (networkx/networkx PR #8906); compare with
//! `nx.effective_size(G, nodes=list(G), weight="weight")` instead, on a graph where every
//! non-isolated node has an out-edge (that code calls a node without successors isolated).

use rayon::prelude::*;

use crate::{Graph, NodeIdx, NodeScores};

/// Burt's constraint; NaN for isolated nodes, as NetworkX. Low constraint marks a broker.
///
/// c(v) = Σ_{n ∈ N(v)} (p(v, n) + Σ_{w ∈ N(v)} p(v, w) p(w, n))², the sums running over
/// v's neighbours in and out (including v itself if it has a self-loop), as NetworkX's
/// `constraint(G, weight="weight")`.
///
/// # Complexity
/// O(Σ_v d(v)²) time with d the number of distinct neighbours, parallel over nodes; O(n + m)
/// memory.
///
/// # Example
/// ```
/// use engine::{Graph, structural_holes::constraint};
/// // The centre of a star brokers between three leaves that do not know each other.
/// let g = Graph::undirected(5, [(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)]);
/// let c = constraint(&g);
/// assert!((c.score(0) - 1.0 / 3.0).abs() < 1e-12);
/// assert_eq!(c.score(1), 1.0);
/// assert!(c.score(4).is_nan());
/// ```
pub fn constraint(graph: &Graph) -> NodeScores {
    let _span = tracing::debug_span!("constraint", n_nodes = graph.n_nodes()).entered();
    let mutual = Mutual::new(graph);
    let values = (0..graph.n_nodes() as NodeIdx)
        .into_par_iter()
        .map_init(Vec::new, |acc: &mut Vec<f64>, v| {
            if mutual.is_isolated(v) {
                return f64::NAN;
            }
            let (row, weights) = mutual.row(v);
            let total = mutual.total[v as usize];
            // acc[i]: direct plus indirect investment of v in its i-th neighbour.
            acc.clear();
            acc.extend(weights.iter().map(|m| m / total));
            for (&w, &m_vw) in row.iter().zip(weights) {
                let p_vw = m_vw / total;
                let (w_row, w_weights) = mutual.row(w);
                let w_total = mutual.total[w as usize];
                for_each_common(row, w_row, |i, j| acc[i] += p_vw * (w_weights[j] / w_total));
            }
            acc.iter().map(|a| a * a).sum()
        })
        .collect();
    NodeScores::new(values)
}

/// Burt's effective size; NaN for isolated nodes, as NetworkX.
///
/// e(v) = Σ_{u ∈ N(v)} (1 − Σ_{w ∈ N(v)} p(v, w) m(u, w) / max_x m(u, x)): the number of
/// contacts less their redundancy, neighbours in and out (including v itself if it has a
/// self-loop), as NetworkX's per-node `effective_size(G, nodes, weight="weight")`. On an
/// undirected graph with unit weights and no self-loops this is Borgatti's n − 2t/n, the
/// formula NetworkX uses there.
///
/// # Complexity
/// O(Σ_v d(v)²) time with d the number of distinct neighbours, parallel over nodes; O(n + m)
/// memory.
///
/// # Example
/// ```
/// use engine::{Graph, structural_holes::effective_size};
/// // A triangle 0-1-2 with a pendant 3 on node 2: of node 2's three contacts, 0 and 1
/// // know each other (n - 2t/n = 3 - 2/3).
/// let g = Graph::undirected(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (2, 3, 1.0)]);
/// let e = effective_size(&g);
/// assert!((e.score(2) - (3.0 - 2.0 / 3.0)).abs() < 1e-12);
/// assert_eq!(e.score(3), 1.0);
/// ```
pub fn effective_size(graph: &Graph) -> NodeScores {
    let _span = tracing::debug_span!("effective_size", n_nodes = graph.n_nodes()).entered();
    let mutual = Mutual::new(graph);
    let values = (0..graph.n_nodes() as NodeIdx)
        .into_par_iter()
        .map(|v| {
            if mutual.is_isolated(v) {
                return f64::NAN;
            }
            let (row, weights) = mutual.row(v);
            let total = mutual.total[v as usize];
            row.iter()
                .map(|&u| {
                    let (u_row, u_weights) = mutual.row(u);
                    let u_max = mutual.max[u as usize];
                    let mut redundancy = 0.0;
                    for_each_common(row, u_row, |i, j| {
                        redundancy += (weights[i] / total) * (u_weights[j] / u_max);
                    });
                    1.0 - redundancy
                })
                .sum()
        })
        .collect();
    NodeScores::new(values)
}

/// Mutual weights in compressed rows: for each node its neighbours in and out, ascending,
/// with m(u, v) > 0; plus each row's sum and maximum.
struct Mutual {
    offsets: Vec<usize>,
    neighbors: Vec<NodeIdx>,
    weights: Vec<f64>,
    total: Vec<f64>,
    max: Vec<f64>,
}

impl Mutual {
    fn new(graph: &Graph) -> Mutual {
        let n_nodes = graph.n_nodes();
        let mut mutual = Mutual {
            offsets: Vec::with_capacity(n_nodes + 1),
            neighbors: Vec::new(),
            weights: Vec::new(),
            total: Vec::with_capacity(n_nodes),
            max: Vec::with_capacity(n_nodes),
        };
        mutual.offsets.push(0);
        let (out, incoming) = (graph.outgoing(), graph.incoming());
        for v in graph.nodes() {
            let start = mutual.neighbors.len();
            if graph.is_directed() {
                merge_rows(
                    (out.neighbors(v), out.weights(v)),
                    (incoming.neighbors(v), incoming.weights(v)),
                    |u, m| mutual.push(u, m),
                );
            } else {
                // u-v is a tie both ways: a(u, v) + a(v, u) = 2w.
                for (&u, &w) in out.neighbors(v).iter().zip(out.weights(v)) {
                    mutual.push(u, 2.0 * w);
                }
            }
            let row = &mutual.weights[start..];
            mutual.total.push(row.iter().sum());
            mutual.max.push(row.iter().copied().fold(0.0, f64::max));
            mutual.offsets.push(mutual.neighbors.len());
        }
        mutual
    }

    fn push(&mut self, u: NodeIdx, m: f64) {
        if m > 0.0 {
            self.neighbors.push(u);
            self.weights.push(m);
        }
    }

    fn row(&self, v: NodeIdx) -> (&[NodeIdx], &[f64]) {
        let range = self.offsets[v as usize]..self.offsets[v as usize + 1];
        (&self.neighbors[range.clone()], &self.weights[range])
    }

    /// No tie to another node (a self-loop alone does not count).
    fn is_isolated(&self, v: NodeIdx) -> bool {
        self.row(v).0.iter().all(|&u| u == v)
    }
}

/// Walks two ascending rows together, calling `emit(node, a + b)` once per node in either,
/// with 0 for the side that lacks it.
fn merge_rows(
    (a, a_weights): (&[NodeIdx], &[f64]),
    (b, b_weights): (&[NodeIdx], &[f64]),
    mut emit: impl FnMut(NodeIdx, f64),
) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                emit(x, a_weights[i] + b_weights[j]);
                i += 1;
                j += 1;
            }
            (Some(&x), Some(&y)) if x < y => {
                emit(x, a_weights[i]);
                i += 1;
            }
            (Some(&x), None) => {
                emit(x, a_weights[i]);
                i += 1;
            }
            (_, Some(&y)) => {
                emit(y, b_weights[j]);
                j += 1;
            }
            (None, None) => unreachable!("loop condition"),
        }
    }
}

/// Calls `found(i, j)` for every node with `a[i] == b[j]`, in ascending order. Both slices
/// are ascending without repeats. Binary search in the longer one when the lengths differ
/// much, so a hub's row is not walked once per small neighbour.
fn for_each_common(a: &[NodeIdx], b: &[NodeIdx], mut found: impl FnMut(usize, usize)) {
    if a.len() > 16 * b.len() {
        search_each(a, b, &mut found);
    } else if b.len() > 16 * a.len() {
        search_each(b, a, |j, i| found(i, j));
    } else {
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    found(i, j);
                    i += 1;
                    j += 1;
                }
            }
        }
    }
}

/// [`for_each_common`] by binary search of each of `short`'s nodes in `long`.
fn search_each(long: &[NodeIdx], short: &[NodeIdx], mut found: impl FnMut(usize, usize)) {
    let mut from = 0;
    for (j, x) in short.iter().enumerate() {
        match long[from..].binary_search(x) {
            Ok(k) => {
                found(from + k, j);
                from += k + 1;
            }
            Err(k) => from += k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn assert_close(actual: &NodeScores, expected: &[f64]) {
        assert_eq!(actual.values().len(), expected.len());
        for (v, (a, e)) in actual.values().iter().zip(expected).enumerate() {
            let same = (a.is_nan() && e.is_nan()) || (a - e).abs() <= 1e-12 * e.abs().max(1.0);
            assert!(same, "node {v}: {a} vs {e}");
        }
    }

    #[test]
    fn star_path_and_isolated() {
        let star = Graph::undirected(4, [(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)]);
        assert_close(&constraint(&star), &[1.0 / 3.0, 1.0, 1.0, 1.0]);
        assert_close(&effective_size(&star), &[3.0, 1.0, 1.0, 1.0]);
        // Path 0-1-2: the middle invests half in each end; each end invests all in 1
        // and reaches nothing else.
        let path = Graph::undirected(3, [(0, 1, 1.0), (1, 2, 1.0)]);
        assert_close(&constraint(&path), &[1.0, 0.5, 1.0]);
        assert_close(&effective_size(&path), &[1.0, 2.0, 1.0]);
        // In a triangle each contact is reached through the other: (1/2 + 1/4)^2 twice.
        let triangle = Graph::undirected(3, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)]);
        assert_close(&constraint(&triangle), &[1.125; 3]);
        assert_close(&effective_size(&triangle), &[1.0; 3]);
    }

    #[test]
    fn isolated_and_self_loop_only_nodes_are_nan() {
        let g = Graph::directed(3, [(1, 1, 2.0), (0, 2, 0.0)]);
        for scores in [constraint(&g), effective_size(&g)] {
            assert!(scores.values().iter().all(|s| s.is_nan()));
        }
    }

    #[test]
    fn matches_networkx_on_a_small_weighted_digraph() {
        // From NetworkX 3.6.1 on a DiGraph with these edges and nodes 0..8:
        // nx.constraint(G, weight="weight"), and effective size by the per-node code,
        // nx.effective_size(H, nodes=[v], weight="weight"), with H the reversed graph for
        // node 5 (no successors), since the all-nodes code has a bug (PR #8906).
        let g = Graph::directed(
            8,
            [
                (0, 1, 1.0),
                (1, 2, 2.0),
                (2, 0, 1.0),
                (0, 3, 1.0),
                (3, 3, 1.5),
                (2, 1, 3.0),
                (4, 1, 2.0),
                (1, 4, 1.0),
                (4, 5, 1.0),
                (7, 7, 1.0),
            ],
        );
        let nan = f64::NAN;
        let expected_constraint = [
            0.9825960219478735,
            0.5037722908093278,
            0.8573388203017832,
            2.1397569444444446,
            0.625,
            1.0,
            nan,
            nan,
        ];
        assert_close(&constraint(&g), &expected_constraint);
        let expected_effective_size = [
            2.0,
            2.422222222222222,
            1.1333333333333333,
            0.41666666666666663,
            2.0,
            1.0,
            nan,
            nan,
        ];
        assert_close(&effective_size(&g), &expected_effective_size);
    }

    #[test]
    fn matches_networkx_on_a_small_undirected_graph() {
        // From NetworkX 3.6.1: nx.constraint(U) and nx.effective_size(U) (Borgatti's
        // formula), U a triangle 0-1-2 with a path 2-3-4 and an isolated node 5.
        let u = Graph::undirected(
            6,
            [
                (0, 1, 1.0),
                (1, 2, 1.0),
                (2, 0, 1.0),
                (2, 3, 1.0),
                (3, 4, 1.0),
            ],
        );
        let nan = f64::NAN;
        assert_close(
            &constraint(&u),
            &[
                1.0069444444444444,
                1.0069444444444444,
                0.6111111111111112,
                0.5,
                1.0,
                nan,
            ],
        );
        assert_close(
            &effective_size(&u),
            &[1.0, 1.0, 2.3333333333333335, 2.0, 1.0, nan],
        );
    }

    #[test]
    fn common_neighbours_by_merge_and_by_search_agree() {
        let long: Vec<NodeIdx> = (0..200).map(|x| 3 * x).collect();
        let short = [0, 5, 6, 300, 597, 598];
        let mut merged = Vec::new();
        for_each_common(&long[..], &short[..], |i, j| merged.push((i, j)));
        assert_eq!(merged, [(0, 0), (2, 2), (100, 3), (199, 4)]);
        let mut swapped = Vec::new();
        for_each_common(&short[..], &long[..], |i, j| swapped.push((j, i)));
        assert_eq!(swapped, merged);
    }

    fn pseudo_random_graph(n: usize, m: usize) -> Graph {
        let edges = (0..m as u64).map(|i| {
            let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let s = ((h >> 7) % n as u64) as NodeIdx;
            // Skewed targets give a few hubs, exercising the binary-search path.
            let t = (((h >> 35) % n as u64) * ((h >> 20) % n as u64) / n as u64) as NodeIdx;
            (s, t, (h % 4) as f64 + 1.0)
        });
        Graph::directed(n, edges)
    }

    #[test]
    fn same_bits_for_any_thread_count() {
        let g = pseudo_random_graph(500, 3000);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| (constraint(&g), effective_size(&g)))
        };
        let one = run(1);
        for threads in [2, 16] {
            let other = run(threads);
            for (a, b) in [(&one.0, &other.0), (&one.1, &other.1)] {
                let bits =
                    |s: &NodeScores| s.values().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(a), bits(b));
            }
        }
    }

    proptest! {
        #[test]
        fn undirected_unit_weights_give_borgatti(
            n in 1usize..25,
            edges in proptest::collection::vec((0u32..25, 0u32..25), 0..80),
        ) {
            let edges: Vec<_> = edges.into_iter()
                .map(|(s, t)| (s % n as u32, t % n as u32, 1.0))
                .filter(|&(s, t, _)| s != t)
                .collect();
            // Repeated pairs merge into heavier edges: rebuild with unit weights.
            let merged = Graph::undirected(n, edges);
            let g = Graph::undirected(n, merged.edges().map(|(s, t, _)| (s, t, 1.0)));
            let sizes = effective_size(&g);
            for v in g.nodes() {
                let alters = g.out_neighbors(v);
                let n_alters = alters.len() as f64;
                let ties: usize = alters.iter()
                    .map(|&a| g.out_neighbors(a).iter().filter(|x| alters.binary_search(x).is_ok()).count())
                    .sum::<usize>() / 2;
                let score = sizes.score(v);
                if alters.is_empty() {
                    prop_assert!(score.is_nan());
                } else {
                    let borgatti = n_alters - 2.0 * ties as f64 / n_alters;
                    prop_assert!((score - borgatti).abs() < 1e-9, "node {}: {} vs {}", v, score, borgatti);
                    // Constraint of a node with d contacts is at least 1/d (Burt's bound).
                    prop_assert!(constraint(&g).score(v) >= 1.0 / n_alters - 1e-12);
                }
            }
        }
    }
}

use super::betweenness_kernel::{BfsScratch, DijkstraScratch};
use crate::{Graph, NodeIdx, NodeScores};

/// Exact betweenness centrality: how much of the shortest-path traffic between other people
/// runs through each person. Brandes' algorithm (U. Brandes, "A faster algorithm for
/// betweenness centrality", J. Math. Sociol. 25(2), 2001), parallel over sources.
///
/// Values follow NetworkX 3.6's `betweenness_centrality` (endpoints excluded): for each
/// ordered pair `s ≠ t` of other nodes, the fraction of shortest `s`–`t` paths through the
/// node, summed. Undirected graphs count each unordered pair once (the ordered sum halved).
/// With `normalized`, the ordered sum is divided by `(n − 1)(n − 2)` for directed and
/// undirected graphs alike (so undirected values are the halved sum times
/// `2 / ((n − 1)(n − 2))`); graphs with fewer than three nodes score 0 everywhere.
/// Self-loops never lie on a shortest path and do not change the result.
///
/// # Complexity
/// O(n·m) time unweighted (one BFS per source), O(n·(m + n) log n) weighted (one Dijkstra
/// per source with a binary heap); O(n + m) memory per thread plus one score vector per
/// thread and tree level.
///
/// # Example
/// ```
/// use engine::{Graph, centrality::Betweenness};
/// // A path 0 – 1 – 2 – 3: node 1 lies between 0 and 2, and between 0 and 3.
/// let path = Graph::undirected(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
/// let scores = Betweenness::default().run(&path);
/// assert_eq!(scores.values(), &[0.0, 2.0, 2.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Betweenness {
    /// Normalise as NetworkX does (divide by (n−1)(n−2), doubled for undirected graphs).
    pub normalized: bool,
    /// Shortest paths by edge weight (as distance) instead of hop count. Weights must then be
    /// positive and finite to mean anything; other weights give finite, deterministic but
    /// unspecified scores. Equal-length paths are those whose summed weights are equal as
    /// floating-point numbers, as in NetworkX.
    pub weighted: bool,
}

impl Betweenness {
    /// One betweenness per node; equal, to the last bit, for every thread count.
    ///
    /// Sources are split into blocks that depend only on `n`; each block sums its sources'
    /// dependencies in source order, and blocks are added along a fixed binary tree.
    pub fn run(&self, graph: &Graph) -> NodeScores {
        let n_nodes = graph.n_nodes();
        // With every weight 1, weighted and hop distances agree: take the faster BFS.
        let mut scores = if self.weighted && graph.is_weighted() {
            sum_over_sources(
                n_nodes,
                &|| DijkstraScratch::new(n_nodes),
                &|scratch: &mut DijkstraScratch, source, scores: &mut [f64]| {
                    scratch.accumulate(graph, source, scores)
                },
            )
        } else if n_nodes < u16::MAX as usize {
            sum_over_sources(
                n_nodes,
                &|| BfsScratch::<u16>::new(n_nodes),
                &|scratch: &mut BfsScratch<u16>, source, scores: &mut [f64]| {
                    scratch.accumulate(graph, source, scores)
                },
            )
        } else {
            sum_over_sources(
                n_nodes,
                &|| BfsScratch::<u32>::new(n_nodes),
                &|scratch: &mut BfsScratch<u32>, source, scores: &mut [f64]| {
                    scratch.accumulate(graph, source, scores)
                },
            )
        };
        if let Some(scale) = scale(n_nodes, graph.is_directed(), self.normalized) {
            for score in &mut scores {
                *score *= scale;
            }
        }
        NodeScores::new(scores)
    }
}

/// The factor NetworkX applies to the ordered-pair sums, `None` when it applies none.
fn scale(n_nodes: usize, directed: bool, normalized: bool) -> Option<f64> {
    if n_nodes < 3 {
        return None;
    }
    let n = n_nodes as f64;
    match (normalized, directed) {
        (true, _) => Some(1.0 / ((n - 1.0) * (n - 2.0))),
        (false, false) => Some(0.5),
        (false, true) => None,
    }
}

/// Sources per block: a function of `n` alone, so the summation order never depends on the
/// number of threads. About 256 blocks keep 2 to 64 threads busy.
fn block_len(n_nodes: usize) -> usize {
    n_nodes.div_ceil(256).max(1)
}

/// Σ over all sources of `accumulate(scratch, source, ·)`, in a fixed summation order.
fn sum_over_sources<S>(
    n_nodes: usize,
    new_scratch: &(dyn Fn() -> S + Sync),
    accumulate: &(dyn Fn(&mut S, NodeIdx, &mut [f64]) + Sync),
) -> Vec<f64> {
    if n_nodes == 0 {
        return Vec::new();
    }
    let block_len = block_len(n_nodes);
    let n_blocks = n_nodes.div_ceil(block_len);
    sum_blocks(0, n_blocks, &|block_idx| {
        let mut scratch = new_scratch();
        let mut scores = vec![0.0; n_nodes];
        let first = block_idx * block_len;
        for source in first..(first + block_len).min(n_nodes) {
            accumulate(&mut scratch, source as NodeIdx, &mut scores);
        }
        scores
    })
}

/// The sum of `block(lo) + … + block(hi − 1)`, split at the midpoint: a binary tree fixed
/// by `lo` and `hi`, whatever thread runs which half.
fn sum_blocks(lo: usize, hi: usize, block: &(dyn Fn(usize) -> Vec<f64> + Sync)) -> Vec<f64> {
    if hi - lo == 1 {
        return block(lo);
    }
    let mid = lo + (hi - lo) / 2;
    let (mut left, right) =
        rayon::join(|| sum_blocks(lo, mid, block), || sum_blocks(mid, hi, block));
    for (l, r) in left.iter_mut().zip(&right) {
        *l += r;
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1.0))
    }

    fn unweighted(graph: &Graph) -> Vec<f64> {
        Betweenness::default().run(graph).into_values()
    }

    fn ones(edges: &[(NodeIdx, NodeIdx)]) -> impl Iterator<Item = (NodeIdx, NodeIdx, f64)> + '_ {
        edges.iter().map(|&(s, t)| (s, t, 1.0))
    }

    #[test]
    fn path_credits_middle_nodes() {
        let g = Graph::undirected(5, ones(&[(0, 1), (1, 2), (2, 3), (3, 4)]));
        // Node 1 separates {0} from {2, 3, 4}: 3 pairs; node 2 separates {0, 1} from {3, 4}.
        assert_eq!(unweighted(&g), vec![0.0, 3.0, 4.0, 3.0, 0.0]);
        let normalized = Betweenness {
            normalized: true,
            weighted: false,
        }
        .run(&g);
        // NetworkX: 4 / ((5 − 1)(5 − 2) / 2) = 2/3.
        assert!((normalized.score(2) - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn star_centre_carries_every_pair() {
        let n = 7;
        let g = Graph::undirected(n, (1..n as NodeIdx).map(|leaf| (0, leaf, 1.0)));
        let scores = unweighted(&g);
        assert_eq!(scores[0], ((n - 1) * (n - 2) / 2) as f64);
        assert!(scores[1..].iter().all(|&s| s == 0.0));
        let normalized = Betweenness {
            normalized: true,
            weighted: false,
        }
        .run(&g);
        assert!((normalized.score(0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn directed_cycle_counts_each_pair_once() {
        // In a directed 5-cycle, the path from i to i + k passes k − 1 nodes; every node is
        // inside (0 + 1 + 2 + 3) = 6 of the 20 ordered pairs.
        let g = Graph::directed(5, ones(&[(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]));
        assert_eq!(unweighted(&g), vec![6.0; 5]);
        let normalized = Betweenness {
            normalized: true,
            weighted: false,
        }
        .run(&g);
        assert!(close(normalized.values(), &[0.5; 5]));
    }

    #[test]
    fn equal_shortest_paths_split_credit() {
        // A square 0 – 1 – 3 and 0 – 2 – 3: two shortest paths between 0 and 3.
        let g = Graph::undirected(4, ones(&[(0, 1), (0, 2), (1, 3), (2, 3)]));
        assert_eq!(unweighted(&g), vec![0.5; 4]);
        let d = Graph::directed(4, ones(&[(0, 1), (0, 2), (1, 3), (2, 3)]));
        assert_eq!(unweighted(&d), vec![0.0, 0.5, 0.5, 0.0]);
    }

    #[test]
    fn weighted_paths_can_take_more_hops() {
        // 0 → 3 directly costs 10; 0 → 1 → 2 → 3 costs 3, so 1 and 2 carry that pair.
        let g = Graph::directed(4, [(0, 3, 10.0), (0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
        // By hops, 1 carries 0→2 and 2 carries 1→3; 0→3 is direct.
        assert_eq!(unweighted(&g), vec![0.0, 1.0, 1.0, 0.0]);
        let weighted = Betweenness {
            normalized: false,
            weighted: true,
        }
        .run(&g)
        .into_values();
        // 1 lies on 0→2 and 0→3; 2 lies on 0→3 and 1→3.
        assert_eq!(weighted, vec![0.0, 2.0, 2.0, 0.0]);
    }

    #[test]
    fn weighted_ties_split_credit() {
        // Two routes of length 3 from 0 to 3: via 1 (1 + 2) and via 2 (2 + 1).
        let g = Graph::undirected(4, [(0, 1, 1.0), (1, 3, 2.0), (0, 2, 2.0), (2, 3, 1.0)]);
        let scores = Betweenness {
            normalized: false,
            weighted: true,
        }
        .run(&g);
        assert_eq!(scores.values(), &[0.5; 4]);
    }

    #[test]
    fn self_loops_change_nothing() {
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4)];
        let plain = Graph::directed(5, ones(&edges));
        let looped = Graph::directed(5, ones(&edges).chain([(2, 2, 1.0), (4, 4, 3.0)]));
        for weighted in [false, true] {
            let run = |g: &Graph| {
                Betweenness {
                    normalized: true,
                    weighted,
                }
                .run(g)
            };
            assert_eq!(run(&plain), run(&looped));
        }
    }

    #[test]
    fn tiny_graphs_score_zero() {
        assert!(unweighted(&Graph::undirected(0, [])).is_empty());
        let one = Betweenness {
            normalized: true,
            weighted: true,
        };
        assert_eq!(one.run(&Graph::undirected(1, [])).values(), &[0.0]);
        assert_eq!(
            one.run(&Graph::directed(2, ones(&[(0, 1), (1, 0)])))
                .values(),
            &[0.0, 0.0]
        );
        // Disconnected: no pair is counted across components.
        let two_edges = Graph::undirected(4, ones(&[(0, 1), (2, 3)]));
        assert_eq!(unweighted(&two_edges), vec![0.0; 4]);
    }
}

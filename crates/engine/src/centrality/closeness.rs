use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use crate::{Csr, Graph, NodeIdx, NodeScores};

/// Harmonic closeness (Marchiori & Latora 2000; Boldi & Vigna 2014): the sum of 1/d over
/// the other nodes, as NetworkX's `harmonic_centrality` (distances *to* the node in a
/// directed graph). Robust to disconnected graphs, unlike classic closeness.
///
/// The score of v is Σ_u 1/d(u, v) over the nodes u that reach v; unreachable nodes add 0,
/// so an isolated node scores 0. Pairs at distance 0 (zero-weight edges) are skipped, as in
/// NetworkX.
///
/// Unweighted, the distances come from breadth-first searches along incoming edges, 64
/// at a time with one bit per search (multi-source BFS, Then et al., VLDB 2015). Weighted,
/// from Dijkstra's algorithm along incoming edges with the weight as length; weights are
/// assumed non-negative (a negative weight gives a deterministic but meaningless value).
/// Each node's score is summed by one search in a fixed order, so it is bit-identical for
/// any number of threads.
///
/// # Complexity
/// O(n·m) time unweighted (with a 64-fold smaller constant on the edge scans), O(n·m log n)
/// weighted; O(n) memory per thread.
///
/// # Example
/// ```
/// use engine::{Graph, centrality::HarmonicCloseness};
/// // Path 0 -> 1 -> 2: node 2 is reached from 1 (d = 1) and 0 (d = 2).
/// let g = Graph::directed(3, [(0, 1, 1.0), (1, 2, 1.0)]);
/// let h = HarmonicCloseness::default().run(&g);
/// assert_eq!(h.values(), &[0.0, 1.0, 1.5]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HarmonicCloseness {
    /// Distances by edge weight instead of hop count.
    pub weighted: bool,
}

/// Searches per batch: one bit of a `u64` each.
const BATCH: usize = 64;

impl HarmonicCloseness {
    /// One score per node.
    pub fn run(&self, graph: &Graph) -> NodeScores {
        let _span = tracing::debug_span!("harmonic_closeness", n_nodes = graph.n_nodes()).entered();
        let n_nodes = graph.n_nodes();
        let incoming = graph.incoming();
        let values = if self.weighted && graph.is_weighted() {
            (0..n_nodes as NodeIdx)
                .into_par_iter()
                .map_init(
                    || Dijkstra::new(n_nodes),
                    |search, v| search.harmonic(incoming, v),
                )
                .collect()
        } else {
            let n_batches = n_nodes.div_ceil(BATCH);
            let batches: Vec<Vec<f64>> = (0..n_batches)
                .into_par_iter()
                .map_init(
                    || MultiBfs::new(n_nodes),
                    |search, batch_idx| {
                        let first = batch_idx * BATCH;
                        search.harmonic(incoming, first..(first + BATCH).min(n_nodes))
                    },
                )
                .collect();
            batches.concat()
        };
        NodeScores::new(values)
    }
}

/// Scratch space for up to 64 simultaneous breadth-first searches.
struct MultiBfs {
    /// Bit b of `seen[u]`: search b has reached u.
    seen: Vec<u64>,
    /// Bit b of `frontier[u]`: search b reached u at the current level.
    frontier: Vec<u64>,
    /// Bits arriving at u for the next level.
    next: Vec<u64>,
    active: Vec<NodeIdx>,
    touched: Vec<NodeIdx>,
}

impl MultiBfs {
    fn new(n_nodes: usize) -> MultiBfs {
        MultiBfs {
            seen: vec![0; n_nodes],
            frontier: vec![0; n_nodes],
            next: vec![0; n_nodes],
            active: Vec::new(),
            touched: Vec::new(),
        }
    }

    /// Harmonic scores of `targets` (at most 64 consecutive nodes): one search per target
    /// along `incoming`, so the depth of u in search v is d(u, v).
    fn harmonic(&mut self, incoming: &Csr, targets: std::ops::Range<usize>) -> Vec<f64> {
        let n_searches = targets.len();
        let mut scores = vec![0.0; n_searches];
        let mut counts = [0u64; BATCH];
        self.seen.fill(0);
        self.active.clear();
        for (bit, v) in targets.enumerate() {
            self.seen[v] |= 1 << bit;
            self.frontier[v] |= 1 << bit;
            self.active.push(v as NodeIdx);
        }
        let mut depth = 0u64;
        while !self.active.is_empty() {
            depth += 1;
            for &v in &self.active {
                let bits = std::mem::take(&mut self.frontier[v as usize]);
                for &u in incoming.neighbors(v) {
                    let next = &mut self.next[u as usize];
                    if *next == 0 {
                        self.touched.push(u);
                    }
                    *next |= bits;
                }
            }
            self.active.clear();
            counts[..n_searches].fill(0);
            for &u in &self.touched {
                let u = u as usize;
                let new = std::mem::take(&mut self.next[u]) & !self.seen[u];
                if new == 0 {
                    continue;
                }
                self.seen[u] |= new;
                self.frontier[u] = new;
                self.active.push(u as NodeIdx);
                let mut bits = new;
                while bits != 0 {
                    counts[bits.trailing_zeros() as usize] += 1;
                    bits &= bits - 1;
                }
            }
            self.touched.clear();
            for (score, &count) in scores.iter_mut().zip(&counts) {
                if count > 0 {
                    *score += count as f64 / depth as f64;
                }
            }
        }
        scores
    }
}

/// A heap entry ordered so that [`BinaryHeap`] pops the smallest distance first, ties by
/// the smaller node.
#[derive(Clone, Copy, Debug)]
struct Entry {
    distance: f64,
    node: NodeIdx,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .distance
            .total_cmp(&self.distance)
            .then(other.node.cmp(&self.node))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// Scratch space for one Dijkstra search.
struct Dijkstra {
    distance: Vec<f64>,
    settled: Vec<bool>,
    reached: Vec<NodeIdx>,
    heap: BinaryHeap<Entry>,
}

impl Dijkstra {
    fn new(n_nodes: usize) -> Dijkstra {
        Dijkstra {
            distance: vec![f64::INFINITY; n_nodes],
            settled: vec![false; n_nodes],
            reached: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Σ 1/d(u, v) over the nodes u that reach v, searching along `incoming`. A node is
    /// settled once, so negative weights cannot make the search loop.
    fn harmonic(&mut self, incoming: &Csr, v: NodeIdx) -> f64 {
        let mut score = 0.0;
        self.distance[v as usize] = 0.0;
        self.reached.push(v);
        self.heap.push(Entry {
            distance: 0.0,
            node: v,
        });
        while let Some(Entry { distance, node }) = self.heap.pop() {
            let node_idx = node as usize;
            if self.settled[node_idx] || distance > self.distance[node_idx] {
                continue;
            }
            self.settled[node_idx] = true;
            if distance != 0.0 {
                score += 1.0 / distance;
            }
            for (&u, &weight) in incoming.neighbors(node).iter().zip(incoming.weights(node)) {
                let u_idx = u as usize;
                let through = distance + weight;
                if !self.settled[u_idx] && through < self.distance[u_idx] {
                    if self.distance[u_idx] == f64::INFINITY {
                        self.reached.push(u);
                    }
                    self.distance[u_idx] = through;
                    self.heap.push(Entry {
                        distance: through,
                        node: u,
                    });
                }
            }
        }
        for &u in &self.reached {
            self.distance[u as usize] = f64::INFINITY;
            self.settled[u as usize] = false;
        }
        self.reached.clear();
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn harmonic(graph: &Graph, weighted: bool) -> Vec<f64> {
        HarmonicCloseness { weighted }.run(graph).into_values()
    }

    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len());
        for (v, (a, e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - e).abs() <= 1e-12 * e.abs().max(1.0),
                "node {v}: {a} vs {e}"
            );
        }
    }

    #[test]
    fn undirected_path_and_isolated_node() {
        let g = Graph::undirected(4, [(0, 1, 1.0), (1, 2, 1.0)]);
        assert_close(&harmonic(&g, false), &[1.5, 2.0, 1.5, 0.0]);
    }

    #[test]
    fn directed_star_counts_distances_to_the_node() {
        // Leaves point at the centre: only the centre is reached by anyone.
        let g = Graph::directed(4, [(1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0)]);
        assert_close(&harmonic(&g, false), &[3.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn weighted_distances_take_the_shortest_route() {
        // 0 -> 2 directly costs 5, through 1 costs 1 + 1.5.
        let g = Graph::directed(3, [(0, 1, 1.0), (1, 2, 1.5), (0, 2, 5.0), (2, 2, 7.0)]);
        assert_close(&harmonic(&g, true), &[0.0, 1.0, 1.0 / 1.5 + 1.0 / 2.5]);
        assert_close(&harmonic(&g, false), &[0.0, 1.0, 2.0]);
    }

    #[test]
    fn zero_distances_are_skipped_as_in_networkx() {
        let g = Graph::directed(2, [(0, 1, 0.0)]);
        assert_close(&harmonic(&g, true), &[0.0, 0.0]);
    }

    #[test]
    fn negative_weights_do_not_loop() {
        let g = Graph::directed(2, [(0, 1, -1.0), (1, 0, -1.0)]);
        let h = harmonic(&g, true);
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn matches_networkx_on_a_small_weighted_digraph() {
        // From NetworkX 3.6.1: nx.harmonic_centrality(G) and
        // nx.harmonic_centrality(G, distance="weight"), G = nx.DiGraph() with these edges
        // and nodes 0..6 (5 and 6 isolated from the rest).
        let g = Graph::directed(
            7,
            [
                (0, 1, 2.0),
                (1, 2, 1.0),
                (2, 0, 0.5),
                (2, 3, 4.0),
                (3, 3, 1.0),
                (3, 1, 1.5),
                (0, 4, 1.0),
                (4, 3, 3.0),
                (6, 5, 2.0),
            ],
        );
        let unweighted = [
            2.083333333333333,
            3.0,
            2.3333333333333335,
            3.0,
            2.083333333333333,
            1.0,
            0.0,
        ];
        let weighted = [
            3.1666666666666665,
            1.7888888888888888,
            1.9151515151515153,
            1.0333333333333332,
            2.3166666666666664,
            0.5,
            0.0,
        ];
        assert_close(&harmonic(&g, false), &unweighted);
        assert_close(&harmonic(&g, true), &weighted);
    }

    /// Reference: one plain breadth-first search per node.
    fn harmonic_by_single_bfs(graph: &Graph) -> Vec<f64> {
        graph
            .nodes()
            .map(|v| {
                let mut depth = vec![usize::MAX; graph.n_nodes()];
                depth[v as usize] = 0;
                let mut queue = std::collections::VecDeque::from([v]);
                let mut score = 0.0;
                while let Some(x) = queue.pop_front() {
                    for &u in graph.in_neighbors(x) {
                        if depth[u as usize] == usize::MAX {
                            depth[u as usize] = depth[x as usize] + 1;
                            score += 1.0 / depth[u as usize] as f64;
                            queue.push_back(u);
                        }
                    }
                }
                score
            })
            .collect()
    }

    fn pseudo_random_graph(n: usize, m: usize) -> Graph {
        let edges = (0..m as u64).map(|i| {
            let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (
                ((h >> 7) % n as u64) as NodeIdx,
                ((h >> 35) % n as u64) as NodeIdx,
                (h % 5) as f64 + 0.5,
            )
        });
        Graph::directed(n, edges)
    }

    #[test]
    fn same_bits_for_any_thread_count() {
        let g = pseudo_random_graph(300, 900);
        for weighted in [false, true] {
            let run = |threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| harmonic(&g, weighted))
            };
            let one = run(1);
            assert_eq!(one, run(2));
            assert_eq!(one, run(16));
        }
    }

    proptest! {
        #[test]
        fn batched_bfs_matches_one_search_per_node(
            n in 1usize..150,
            edges in proptest::collection::vec((0u32..150, 0u32..150), 0..400),
            directed in any::<bool>(),
        ) {
            let edges = edges.into_iter().map(|(s, t)| (s % n as u32, t % n as u32, 1.0));
            let g = if directed { Graph::directed(n, edges) } else { Graph::undirected(n, edges) };
            let expected = harmonic_by_single_bfs(&g);
            let actual = harmonic(&g, false);
            for (a, e) in actual.iter().zip(&expected) {
                prop_assert!((a - e).abs() <= 1e-9 * e.max(1.0));
            }
            // Isolated nodes score 0.
            for v in g.nodes() {
                if g.in_neighbors(v).iter().all(|&u| u == v) {
                    prop_assert_eq!(actual[v as usize], 0.0);
                }
            }
        }

        #[test]
        fn unit_weights_give_hop_distances(
            n in 1usize..40,
            edges in proptest::collection::vec((0u32..40, 0u32..40), 0..120),
        ) {
            let edges = edges.into_iter().map(|(s, t)| (s % n as u32, t % n as u32, 1.0));
            // Repeated pairs merge into heavier edges: rebuild with every weight 2.
            let merged = Graph::directed(n, edges);
            let g = Graph::directed(n, merged.edges().map(|(s, t, _)| (s, t, 2.0)));
            // Every weight is 2: weighted distances are twice the hop counts.
            for (w, h) in harmonic(&g, true).iter().zip(harmonic(&g, false)) {
                prop_assert!((2.0 * w - h).abs() <= 1e-9 * h.max(1.0));
            }
        }
    }
}

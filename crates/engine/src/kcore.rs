//! k-core decomposition (Batagelj & Zaversnik 2003): the core number of a node is the
//! largest k such that it belongs to a subgraph where every node has degree at least k.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use rayon::prelude::*;

use crate::{Graph, NodeIdx};

/// The core number of every node, as NetworkX's `core_number`: on a directed graph the
/// degree is in + out degree. Self-loops are ignored.
///
/// On a directed graph u→v and v→u count as two edges between u and v, exactly as NetworkX
/// counts them. NetworkX refuses graphs with self-loops; here they are skipped, which gives
/// NetworkX's answer on the graph without them.
///
/// On one thread, the bucket algorithm of Batagelj & Zaversnik ("An O(m) algorithm for
/// cores decomposition of networks", 2003): nodes sorted by degree in buckets, repeatedly
/// remove a node of smallest remaining degree and move its neighbours one bucket down. On
/// more threads, level-synchronous peeling in the manner of PKC (Kabir & Madduri, "Parallel
/// k-core decomposition on multicore platforms", 2017): for k = 0, 1, … remove every node
/// of degree k in parallel, with atomic degree updates. Core numbers are unique, so both
/// give the same answer for any number of threads.
///
/// # Complexity
/// O(n + m) time, O(n) extra memory.
///
/// # Example
/// ```
/// use engine::{Graph, kcore::core_numbers};
/// // A triangle with a pendant node.
/// let g = Graph::undirected(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (2, 3, 1.0)]);
/// assert_eq!(core_numbers(&g), vec![2, 2, 2, 1]);
/// ```
pub fn core_numbers(graph: &Graph) -> Vec<u32> {
    let _span = tracing::debug_span!("core_numbers", n_nodes = graph.n_nodes()).entered();
    if rayon::current_num_threads() > 1 {
        by_levels(graph)
    } else {
        by_buckets(graph)
    }
}

/// Degree without self-loops: out + in on a directed graph.
fn degrees(graph: &Graph) -> Vec<u32> {
    let (out, incoming) = (graph.outgoing(), graph.incoming());
    let without_self = |row: &[NodeIdx], v: NodeIdx| -> u32 {
        row.len() as u32 - u32::from(row.binary_search(&v).is_ok())
    };
    graph
        .nodes()
        .map(|v| {
            let d = without_self(out.neighbors(v), v);
            if graph.is_directed() {
                d + without_self(incoming.neighbors(v), v)
            } else {
                d
            }
        })
        .collect()
}

/// The neighbour lists of v whose edges count towards its degree (self-loops included;
/// callers skip them).
#[inline]
fn rows(graph: &Graph, v: NodeIdx) -> [&[NodeIdx]; 2] {
    if graph.is_directed() {
        [graph.out_neighbors(v), graph.in_neighbors(v)]
    } else {
        [graph.out_neighbors(v), &[]]
    }
}

/// Batagelj–Zaversnik, sequential.
fn by_buckets(graph: &Graph) -> Vec<u32> {
    let n_nodes = graph.n_nodes();
    // `degree[v]` is the remaining degree of v, and once v is removed, its core number.
    let mut degree = degrees(graph);
    let max_degree = degree.iter().copied().max().unwrap_or(0) as usize;

    // `order` lists nodes by current degree; `bucket_start[d]` is where degree d begins
    // and `position[v]` is v's place in `order`.
    let mut bucket_start = vec![0u32; max_degree + 2];
    for &d in &degree {
        bucket_start[d as usize + 1] += 1;
    }
    for d in 0..=max_degree {
        bucket_start[d + 1] += bucket_start[d];
    }
    let mut position = vec![0u32; n_nodes];
    let mut order = vec![0 as NodeIdx; n_nodes];
    {
        let mut cursor = bucket_start.clone();
        for v in 0..n_nodes {
            let slot = &mut cursor[degree[v] as usize];
            position[v] = *slot;
            order[*slot as usize] = v as NodeIdx;
            *slot += 1;
        }
    }

    for i in 0..n_nodes {
        let v = order[i];
        let core_v = degree[v as usize];
        for &u in rows(graph, v).into_iter().flatten() {
            let d_u = degree[u as usize];
            if d_u <= core_v {
                // Removed already, at the same level, or v itself (a self-loop).
                continue;
            }
            // Swap u with the first node of its bucket, then shrink the bucket past it.
            let start = bucket_start[d_u as usize];
            let first = order[start as usize];
            let pos_u = position[u as usize];
            if first != u {
                order[pos_u as usize] = first;
                position[first as usize] = pos_u;
                order[start as usize] = u;
                position[u as usize] = start;
            }
            bucket_start[d_u as usize] += 1;
            degree[u as usize] = d_u - 1;
        }
    }
    degree
}

/// Level-synchronous peeling, parallel within each level.
fn by_levels(graph: &Graph) -> Vec<u32> {
    // `degree[v]` is the remaining degree of v, and once v is removed, its core number.
    let degree: Vec<AtomicU32> = degrees(graph).into_iter().map(AtomicU32::new).collect();
    let mut remaining: Vec<NodeIdx> = graph.nodes().collect();
    let mut level: Option<u32> = None;
    loop {
        if let Some(done) = level {
            remaining = remaining
                .par_iter()
                .copied()
                .filter(|&v| degree[v as usize].load(Relaxed) > done)
                .collect();
        }
        let Some(k) = remaining
            .par_iter()
            .map(|&v| degree[v as usize].load(Relaxed))
            .min()
        else {
            break;
        };
        let frontier: Vec<NodeIdx> = remaining
            .par_iter()
            .copied()
            .filter(|&v| degree[v as usize].load(Relaxed) == k)
            .collect();
        // Each frontier node starts a local depth-first cascade: neighbours it brings
        // down to k are removed at this level too, by the same task.
        frontier.par_iter().with_min_len(64).for_each_init(
            Vec::new,
            |stack: &mut Vec<NodeIdx>, &root| {
                stack.push(root);
                while let Some(v) = stack.pop() {
                    for &u in rows(graph, v).into_iter().flatten() {
                        let d_u = &degree[u as usize];
                        if d_u.load(Relaxed) <= k {
                            continue;
                        }
                        let before = d_u.fetch_sub(1, Relaxed);
                        if before == k + 1 {
                            stack.push(u);
                        } else if before <= k {
                            // Another task got there first; undo.
                            d_u.fetch_add(1, Relaxed);
                        }
                    }
                }
            },
        );
        level = Some(k);
    }
    degree.into_iter().map(AtomicU32::into_inner).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hand_checked_graphs() {
        let path = Graph::undirected(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
        assert_eq!(core_numbers(&path), [1, 1, 1, 1]);
        let star = Graph::undirected(5, [(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0), (0, 4, 1.0)]);
        assert_eq!(core_numbers(&star), [1, 1, 1, 1, 1]);
        let cycle = Graph::undirected(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, 1.0)]);
        assert_eq!(core_numbers(&cycle), [2, 2, 2, 2]);
        // Two triangles joined by the bridge 2-3, and an isolated node 6.
        let bridged = Graph::undirected(
            7,
            [
                (0, 1, 1.0),
                (1, 2, 1.0),
                (2, 0, 1.0),
                (3, 4, 1.0),
                (4, 5, 1.0),
                (5, 3, 1.0),
                (2, 3, 1.0),
            ],
        );
        assert_eq!(core_numbers(&bridged), [2, 2, 2, 2, 2, 2, 0]);
        let k4 = Graph::undirected(
            4,
            [
                (0, 1, 1.0),
                (0, 2, 1.0),
                (0, 3, 1.0),
                (1, 2, 1.0),
                (1, 3, 1.0),
                (2, 3, 1.0),
            ],
        );
        assert_eq!(core_numbers(&k4), [3, 3, 3, 3]);
    }

    #[test]
    fn self_loops_are_ignored() {
        let g = Graph::undirected(2, [(0, 0, 1.0), (0, 1, 1.0)]);
        assert_eq!(core_numbers(&g), [1, 1]);
        let g = Graph::directed(2, [(0, 0, 1.0), (0, 1, 1.0)]);
        assert_eq!(core_numbers(&g), [1, 1]);
    }

    #[test]
    fn matches_networkx_on_a_small_digraph() {
        // From NetworkX 3.6.1: nx.core_number(G), G = nx.DiGraph() with these edges (no
        // self-loops: NetworkX refuses them) and nodes 0..7.
        let g = Graph::directed(
            8,
            [
                (0, 1, 1.0),
                (1, 0, 1.0),
                (1, 2, 1.0),
                (2, 0, 1.0),
                (2, 3, 1.0),
                (3, 4, 1.0),
                (4, 3, 1.0),
                (4, 5, 1.0),
                (5, 2, 1.0),
                (6, 2, 1.0),
            ],
        );
        assert_eq!(core_numbers(&g), [2, 2, 2, 2, 2, 2, 1, 0]);
    }

    #[test]
    fn same_answer_for_any_thread_count() {
        // A skewed pseudo-random graph and a long path (a deep cascade in one level).
        let n = 5_000u64;
        let skewed = Graph::undirected(
            n as usize,
            (0..6 * n).map(|i| {
                let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let s = (h >> 7) % n;
                let t = ((h >> 35) % n) * ((h >> 20) % n) / n;
                (s as NodeIdx, t as NodeIdx, 1.0)
            }),
        );
        let path = Graph::directed(n as usize, (0..n as NodeIdx - 1).map(|v| (v, v + 1, 1.0)));
        for g in [skewed, path] {
            let run = |threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| core_numbers(&g))
            };
            let one = run(1);
            assert_eq!(one, by_buckets(&g));
            assert_eq!(one, run(2));
            assert_eq!(one, run(16));
        }
    }

    fn degree_without_self_loops(g: &Graph, v: NodeIdx) -> u32 {
        let count = |row: &[NodeIdx]| row.iter().filter(|&&u| u != v).count() as u32;
        if g.is_directed() {
            count(g.out_neighbors(v)) + count(g.in_neighbors(v))
        } else {
            count(g.out_neighbors(v))
        }
    }

    proptest! {
        #[test]
        fn cores_are_bounded_by_degree_and_realised(
            n in 1usize..40,
            edges in proptest::collection::vec((0u32..40, 0u32..40), 0..150),
            directed in any::<bool>(),
        ) {
            let edges = edges.into_iter().map(|(s, t)| (s % n as u32, t % n as u32, 1.0));
            let g = if directed { Graph::directed(n, edges) } else { Graph::undirected(n, edges) };
            let core = core_numbers(&g);
            prop_assert_eq!(&core, &by_buckets(&g));
            prop_assert_eq!(&core, &by_levels(&g));
            for v in g.nodes() {
                prop_assert!(core[v as usize] <= degree_without_self_loops(&g, v));
            }
            // Peeling nodes of degree < k until none is left gives the k-core: exactly
            // the nodes whose core number is at least k.
            let max_core = core.iter().copied().max().unwrap_or(0);
            for k in 1..=max_core + 1 {
                let mut alive = vec![true; n];
                loop {
                    let doomed: Vec<NodeIdx> = g.nodes().filter(|&v| {
                        let inside = |row: &[NodeIdx]| {
                            row.iter().filter(|&&u| u != v && alive[u as usize]).count() as u32
                        };
                        let mut d = inside(g.out_neighbors(v));
                        if directed {
                            d += inside(g.in_neighbors(v));
                        }
                        alive[v as usize] && d < k
                    }).collect();
                    if doomed.is_empty() {
                        break;
                    }
                    for v in doomed {
                        alive[v as usize] = false;
                    }
                }
                for v in g.nodes() {
                    prop_assert_eq!(alive[v as usize], core[v as usize] >= k, "node {} at k = {}", v, k);
                }
            }
        }
    }
}

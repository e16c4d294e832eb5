//! Single-source dependency accumulation (Brandes 2001): one shortest-path search from a
//! source, then the dependencies of every node on it, added into a caller's vector.
//!
//! Both kernels keep no predecessor lists: the backward pass re-reads each node's outgoing
//! row and keeps the arcs that lie on shortest paths (`level[w] == level[v] + 1`, or
//! `dist[v] + weight == dist[w]`). They also fold Brandes' update
//! `δ(v) += σ(v)/σ(w) · (1 + δ(w))` into one coefficient per node,
//! `c(w) = (1 + δ(w)) / σ(w)`, so that `δ(v) = σ(v) · Σ c(w)` over the successors `w` and
//! `c(v) = 1/σ(v) + Σ c(w)`: one load per arc and one division per node.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::{Graph, NodeIdx};

const UNSEEN: u32 = u32::MAX;
const LOOKAHEAD: usize = 8;

/// A BFS level: `u16` when every level fits (fewer than 65,535 nodes), so the levels of a
/// mid-sized graph stay in the L1 cache, `u32` otherwise.
pub(super) trait Level: Copy + Eq + Send + Sync {
    const UNSEEN: Self;
    fn from_u32(level: u32) -> Self;
}

impl Level for u16 {
    const UNSEEN: u16 = u16::MAX;
    fn from_u32(level: u32) -> u16 {
        level as u16
    }
}

impl Level for u32 {
    const UNSEEN: u32 = u32::MAX;
    fn from_u32(level: u32) -> u32 {
        level
    }
}

/// Reusable state for [`BfsScratch::accumulate`]; all nodes unseen between calls.
pub(super) struct BfsScratch<L> {
    level: Vec<L>,
    /// Path counts; once the backward pass has passed a node, its coefficient `c`.
    sigma: Vec<f64>,
    /// Nodes in BFS order: the queue of the forward pass, the stack of the backward one.
    order: Vec<NodeIdx>,
    /// `order[level_starts[d]..level_starts[d + 1]]` are the nodes at distance `d`.
    level_starts: Vec<usize>,
    /// Heads of the shortest-path arcs, grouped by tail in BFS order: the arcs leaving
    /// `order[i]` are `successors[successor_starts[i]..successor_starts[i + 1]]`.
    successors: Vec<NodeIdx>,
    successor_starts: Vec<usize>,
}

impl<L: Level> BfsScratch<L> {
    pub(super) fn new(n_nodes: usize) -> BfsScratch<L> {
        BfsScratch {
            level: vec![L::UNSEEN; n_nodes],
            sigma: vec![0.0; n_nodes],
            order: Vec::with_capacity(n_nodes),
            level_starts: Vec::new(),
            successors: Vec::new(),
            successor_starts: Vec::with_capacity(n_nodes + 1),
        }
    }

    /// Adds the dependency of every node on `source` (hop distances) to `scores`.
    pub(super) fn accumulate(&mut self, graph: &Graph, source: NodeIdx, scores: &mut [f64]) {
        let csr = graph.outgoing();
        let (offsets, targets) = (csr.offsets(), csr.targets());
        // Local slices: the compiler keeps their bounds in registers, which it cannot do
        // for `Vec`s reached through `self` while the loops store into their buffers.
        self.order.resize(self.level.len() + 1, 0);
        self.successors.resize(targets.len() + 1, 0);
        self.successor_starts.resize(self.level.len() + 1, 0);
        self.level_starts.clear();
        let level_starts = &mut self.level_starts;
        let level = &mut self.level[..];
        let sigma = &mut self.sigma[..];
        // `order` and `successors` are written one slot past their live part, so appends
        // need no branch.
        let order = &mut self.order[..];
        let successors = &mut self.successors[..];
        let successor_starts = &mut self.successor_starts[..];
        order[0] = source;
        level[source as usize] = L::from_u32(0);
        sigma[source as usize] = 1.0;

        // Forward, one level at a time: first find the next level and the shortest-path
        // arcs into it without a data-dependent branch, then push path counts along them.
        let (mut start, mut end) = (0, 1);
        let mut n_successors = 0;
        let mut depth = 0u32;
        let mut warm = 0u32;
        while start < end {
            level_starts.push(start);
            let next = L::from_u32(depth + 1);
            let mut tail = end;
            for i in start..end {
                // Touch the row of a node a few places ahead so that its cache misses
                // overlap with this node's work (a load standing in for a prefetch).
                if let Some(&ahead) = order[..end].get(i + LOOKAHEAD) {
                    let row = offsets[ahead as usize];
                    warm = warm.wrapping_add(targets.get(row).copied().unwrap_or(0));
                }
                if let Some(&ahead) = order[..end].get(i + 2 * LOOKAHEAD) {
                    warm = warm.wrapping_add(offsets[ahead as usize] as u32);
                }
                successor_starts[i] = n_successors;
                let v = order[i] as usize;
                for &w in &targets[offsets[v]..offsets[v + 1]] {
                    let w_idx = w as usize;
                    let level_w = level[w_idx];
                    let is_new = level_w == L::UNSEEN;
                    level[w_idx] = if is_new { next } else { level_w };
                    order[tail] = w;
                    tail += usize::from(is_new);
                    successors[n_successors] = w;
                    n_successors += usize::from(is_new | (level_w == next));
                }
            }
            successor_starts[end] = n_successors;
            for i in start..end {
                let sigma_v = sigma[order[i] as usize];
                for &w in &successors[successor_starts[i]..successor_starts[i + 1]] {
                    sigma[w as usize] += sigma_v;
                }
            }
            (start, end) = (end, tail);
            depth += 1;
        }
        level_starts.push(end);
        std::hint::black_box(warm);

        // Backward in reverse BFS order: every successor of a node is at the next level,
        // so its coefficient is final when the node is reached.
        for i in (level_starts[1]..end).rev() {
            let v = order[i] as usize;
            let mut sum = 0.0;
            for &w in &successors[successor_starts[i]..successor_starts[i + 1]] {
                sum += sigma[w as usize];
            }
            let sigma_v = sigma[v];
            scores[v] += sigma_v * sum;
            sigma[v] = 1.0 / sigma_v + sum;
        }

        for &v in &order[..end] {
            level[v as usize] = L::UNSEEN;
            sigma[v as usize] = 0.0;
        }
    }
}

/// Reusable state for [`DijkstraScratch::accumulate`].
pub(super) struct DijkstraScratch {
    dist: Vec<f64>,
    sigma: Vec<f64>,
    coefficient: Vec<f64>,
    /// Position in settling order, `UNSEEN` if not settled.
    rank: Vec<u32>,
    order: Vec<NodeIdx>,
    heap: BinaryHeap<Entry>,
}

/// A heap entry: tentative distance and node, smallest distance first (then lowest node).
#[derive(Clone, Copy)]
struct Entry {
    dist: f64,
    node: NodeIdx,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap.
        other
            .dist
            .total_cmp(&self.dist)
            .then(other.node.cmp(&self.node))
    }
}

impl DijkstraScratch {
    pub(super) fn new(n_nodes: usize) -> DijkstraScratch {
        DijkstraScratch {
            dist: vec![f64::INFINITY; n_nodes],
            sigma: vec![0.0; n_nodes],
            coefficient: vec![0.0; n_nodes],
            rank: vec![UNSEEN; n_nodes],
            order: Vec::with_capacity(n_nodes),
            heap: BinaryHeap::new(),
        }
    }

    /// Adds the dependency of every node on `source` (edge weights as lengths) to `scores`.
    ///
    /// A node counts as a predecessor of `w` when it was settled before `w` and
    /// `dist[v] + weight == dist[w]` exactly, as NetworkX counts equal-length paths. With
    /// positive weights that is Brandes' definition; with zero, negative or non-finite
    /// weights the result is still finite and deterministic, but not meaningful.
    pub(super) fn accumulate(&mut self, graph: &Graph, source: NodeIdx, scores: &mut [f64]) {
        let csr = graph.outgoing();
        let (offsets, targets, weights) = (csr.offsets(), csr.targets(), csr.all_weights());
        let DijkstraScratch {
            dist,
            sigma,
            coefficient,
            rank,
            order,
            heap,
        } = self;
        order.clear();
        heap.clear();
        dist[source as usize] = 0.0;
        sigma[source as usize] = 1.0;
        heap.push(Entry {
            dist: 0.0,
            node: source,
        });

        while let Some(Entry { dist: dist_v, node }) = heap.pop() {
            let v = node as usize;
            if rank[v] != UNSEEN {
                continue;
            }
            rank[v] = order.len() as u32;
            order.push(node);
            let sigma_v = sigma[v];
            let row = offsets[v]..offsets[v + 1];
            for (&w, &weight) in targets[row.clone()].iter().zip(&weights[row]) {
                let w_idx = w as usize;
                if rank[w_idx] != UNSEEN {
                    continue;
                }
                let candidate = dist_v + weight;
                if candidate < dist[w_idx] {
                    dist[w_idx] = candidate;
                    sigma[w_idx] = sigma_v;
                    heap.push(Entry {
                        dist: candidate,
                        node: w,
                    });
                } else if candidate == dist[w_idx] && candidate < f64::INFINITY {
                    sigma[w_idx] += sigma_v;
                }
            }
        }

        // Every node with a finite tentative distance was pushed, hence settled: resetting
        // the settled ones resets everything touched.
        for &v in order.iter().skip(1).rev() {
            let v = v as usize;
            let (dist_v, rank_v) = (dist[v], rank[v]);
            let row = offsets[v]..offsets[v + 1];
            let mut sum = 0.0;
            for (&w, &weight) in targets[row.clone()].iter().zip(&weights[row]) {
                let w = w as usize;
                if rank[w] > rank_v && rank[w] != UNSEEN && dist_v + weight == dist[w] {
                    sum += coefficient[w];
                }
            }
            scores[v] += sigma[v] * sum;
            coefficient[v] = 1.0 / sigma[v] + sum;
        }

        for &v in order.iter() {
            let v = v as usize;
            dist[v] = f64::INFINITY;
            sigma[v] = 0.0;
            coefficient[v] = 0.0;
            rank[v] = UNSEEN;
        }
    }
}

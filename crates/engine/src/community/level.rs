//! The graph one level of the Leiden hierarchy works on: undirected, no self-loops (a node's
//! own internal weight only matters through its node weight), in flat CSR arrays.

use std::cell::RefCell;

use rayon::prelude::*;

use crate::{Error, Graph};

/// Nodes per block when aggregation runs in parallel; fixed, so the output never depends on
/// the thread count.
const AGGREGATE_BLOCK: usize = 4096;

thread_local! {
    /// Per-thread dense scratch for the sums of aggregation; always left all zero.
    static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// One block of the rows of an aggregate graph.
struct Block {
    row_len: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    node_weight: Vec<f64>,
    inner_weight: Vec<f64>,
}

/// An undirected weighted graph without self-loops, each edge in both rows, with a node
/// weight per node: its strength in the original graph (self-loops counted twice), summed
/// over the original nodes it stands for; and the weight inside each node (twice the weight
/// of the original edges it contains, a self-loop once per end), which only the modularity
/// of a partition needs.
pub(super) struct LevelGraph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    /// One weight per arc; or, when every edge weighs 1, as many ones as the longest row,
    /// so that rows read no weight from memory.
    weights: Vec<f64>,
    unit_weights: bool,
    /// Mean weight of an edge (1 without edges).
    pub mean_weight: f64,
    pub node_weight: Vec<f64>,
    pub inner_weight: Vec<f64>,
}

impl LevelGraph {
    /// Assembles the arrays; detects unit weights.
    fn new(
        offsets: Vec<usize>,
        targets: Vec<u32>,
        mut weights: Vec<f64>,
        node_weight: Vec<f64>,
        inner_weight: Vec<f64>,
    ) -> LevelGraph {
        let mean_weight = if weights.is_empty() {
            1.0
        } else {
            weights.iter().sum::<f64>() / weights.len() as f64
        };
        let unit_weights = weights.iter().all(|&w| w == 1.0);
        if unit_weights {
            let longest = offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
            weights.truncate(longest);
            weights.shrink_to_fit();
        }
        LevelGraph {
            offsets,
            targets,
            weights,
            unit_weights,
            mean_weight,
            node_weight,
            inner_weight,
        }
    }

    pub fn n_nodes(&self) -> usize {
        self.node_weight.len()
    }

    /// The neighbours of `v` and the weights of the edges to them.
    #[inline]
    pub fn row(&self, v: usize) -> (&[u32], &[f64]) {
        let (first, last) = (self.offsets[v], self.offsets[v + 1]);
        let weights = if self.unit_weights {
            &self.weights[..last - first]
        } else {
            &self.weights[first..last]
        };
        (&self.targets[first..last], weights)
    }

    /// Level 0: the undirected view of `graph` (u→v and v→u summed, as
    /// [`Graph::to_undirected`] does), without zero-weight edges (they change no modularity).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if an edge weight is negative or not finite.
    pub fn from_graph(graph: &Graph) -> Result<LevelGraph, Error> {
        if let Some((s, t, w)) = graph
            .edges()
            .find(|&(_, _, w)| !(w.is_finite() && w >= 0.0))
        {
            return Err(Error::InvalidParameter {
                name: "weight",
                reason: format!(
                    "edge ({s}, {t}) has weight {w}; modularity needs finite non-negative weights"
                ),
            });
        }
        let undirected;
        let graph = if graph.is_directed() {
            undirected = graph.to_undirected();
            &undirected
        } else {
            graph
        };
        let csr = graph.outgoing();
        let n_nodes = graph.n_nodes();
        let mut offsets = Vec::with_capacity(n_nodes + 1);
        let mut targets = Vec::with_capacity(csr.targets().len());
        let mut weights = Vec::with_capacity(csr.targets().len());
        let mut node_weight = Vec::with_capacity(n_nodes);
        let mut inner_weight = vec![0.0; n_nodes];
        offsets.push(0);
        for v in graph.nodes() {
            let mut strength = 0.0;
            for (&u, &w) in csr.neighbors(v).iter().zip(csr.weights(v)) {
                if u == v {
                    strength += 2.0 * w;
                    inner_weight[v as usize] += 2.0 * w;
                } else if w > 0.0 {
                    strength += w;
                    targets.push(u);
                    weights.push(w);
                }
            }
            node_weight.push(strength);
            offsets.push(targets.len());
        }
        Ok(LevelGraph::new(
            offsets,
            targets,
            weights,
            node_weight,
            inner_weight,
        ))
    }

    /// Modularity of `membership`, with `gamma` the resolution over the total node weight
    /// `total_weight` (2m): the same partition of the original graph has the same
    /// modularity, up to rounding. O(n + m + largest label).
    pub fn modularity(&self, membership: &[u32], gamma: f64, total_weight: f64) -> f64 {
        let mut internal = 0.0;
        let n_labels = membership
            .iter()
            .map(|&c| c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut comm_weight = vec![0.0f64; n_labels];
        for (v, &c) in membership.iter().enumerate() {
            internal += self.inner_weight[v];
            comm_weight[c as usize] += self.node_weight[v];
            let (nbrs, ws) = self.row(v);
            for (&u, &w) in nbrs.iter().zip(ws) {
                if membership[u as usize] == c {
                    internal += w;
                }
            }
        }
        let squares: f64 = comm_weight.iter().map(|&k| k * k).sum();
        (internal - gamma * squares) / total_weight
    }

    /// The same graph with node `order[i]` renamed `i` (`order` is a permutation); rows keep
    /// their order. Blocks of rows are built in parallel and concatenated in order.
    pub fn permuted(&self, order: &[u32]) -> LevelGraph {
        let n_nodes = self.n_nodes();
        let mut new_idx = vec![0u32; n_nodes];
        for (i, &v) in order.iter().enumerate() {
            new_idx[v as usize] = i as u32;
        }
        let mut offsets = Vec::with_capacity(n_nodes + 1);
        offsets.push(0);
        for &v in order {
            let v = v as usize;
            offsets.push(offsets.last().unwrap() + self.offsets[v + 1] - self.offsets[v]);
        }
        let blocks: Vec<(Vec<u32>, Vec<f64>)> = order
            .par_chunks(AGGREGATE_BLOCK)
            .map(|chunk| {
                let n_arcs: usize = chunk
                    .iter()
                    .map(|&v| self.offsets[v as usize + 1] - self.offsets[v as usize])
                    .sum();
                let mut targets = Vec::with_capacity(n_arcs);
                let mut weights = Vec::new();
                for &v in chunk {
                    let (nbrs, ws) = self.row(v as usize);
                    targets.extend(nbrs.iter().map(|&u| new_idx[u as usize]));
                    if !self.unit_weights {
                        weights.extend_from_slice(ws);
                    }
                }
                (targets, weights)
            })
            .collect();
        let mut targets = Vec::with_capacity(self.targets.len());
        let mut weights = if self.unit_weights {
            self.weights.clone()
        } else {
            Vec::with_capacity(self.targets.len())
        };
        for (block_targets, block_weights) in blocks {
            targets.extend_from_slice(&block_targets);
            weights.extend_from_slice(&block_weights);
        }
        LevelGraph::new(
            offsets,
            targets,
            weights,
            order
                .iter()
                .map(|&v| self.node_weight[v as usize])
                .collect(),
            order
                .iter()
                .map(|&v| self.inner_weight[v as usize])
                .collect(),
        )
    }

    /// The graph whose nodes are the groups of `group` (numbered `0..n_groups`): edges inside
    /// a group vanish (they live on in the node weight), edges between groups are summed.
    /// Blocks of groups are built in parallel and concatenated in order.
    pub fn aggregate(&self, group: &[u32], n_groups: usize) -> LevelGraph {
        // Members of each group, by counting sort.
        let mut group_start = vec![0usize; n_groups + 1];
        for &g in group {
            group_start[g as usize + 1] += 1;
        }
        for g in 0..n_groups {
            group_start[g + 1] += group_start[g];
        }
        let mut cursor = group_start.clone();
        let mut members = vec![0u32; group.len()];
        for (v, &g) in group.iter().enumerate() {
            members[cursor[g as usize]] = v as u32;
            cursor[g as usize] += 1;
        }
        drop(cursor);

        let build_block = |block_idx: usize| {
            SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                if scratch.len() < n_groups {
                    scratch.resize(n_groups, 0.0);
                }
                let first = block_idx * AGGREGATE_BLOCK;
                let last = (first + AGGREGATE_BLOCK).min(n_groups);
                // At most the arcs of the members: room enough that the rows never regrow.
                let max_arcs: usize = members[group_start[first]..group_start[last]]
                    .iter()
                    .map(|&v| self.offsets[v as usize + 1] - self.offsets[v as usize])
                    .sum();
                let mut block = Block {
                    row_len: Vec::with_capacity(last - first),
                    targets: Vec::with_capacity(max_arcs),
                    weights: Vec::with_capacity(max_arcs),
                    node_weight: Vec::with_capacity(last - first),
                    inner_weight: Vec::with_capacity(last - first),
                };
                for g in first..last {
                    let row_start = block.targets.len();
                    let (mut node_weight, mut inner_weight) = (0.0, 0.0);
                    for &v in &members[group_start[g]..group_start[g + 1]] {
                        let v = v as usize;
                        node_weight += self.node_weight[v];
                        inner_weight += self.inner_weight[v];
                        let (nbrs, ws) = self.row(v);
                        for (&u, &w) in nbrs.iter().zip(ws) {
                            let h = group[u as usize];
                            // Weights are positive, so a zero sum is a group not seen yet.
                            if scratch[h as usize] == 0.0 {
                                block.targets.push(h);
                            }
                            scratch[h as usize] += w;
                        }
                    }
                    // The group's own slot holds the weight of the edges inside it.
                    let mut n_kept = row_start;
                    for idx in row_start..block.targets.len() {
                        let h = block.targets[idx];
                        let sum = std::mem::take(&mut scratch[h as usize]);
                        if h as usize == g {
                            inner_weight += sum;
                        } else {
                            block.targets[n_kept] = h;
                            block.weights.push(sum);
                            n_kept += 1;
                        }
                    }
                    block.targets.truncate(n_kept);
                    block.row_len.push(n_kept - row_start);
                    block.node_weight.push(node_weight);
                    block.inner_weight.push(inner_weight);
                }
                block
            })
        };
        let n_blocks = n_groups.div_ceil(AGGREGATE_BLOCK);
        let blocks: Vec<Block> = if n_blocks > 1 {
            (0..n_blocks).into_par_iter().map(build_block).collect()
        } else {
            (0..n_blocks).map(build_block).collect()
        };

        let n_arcs = blocks.iter().map(|b| b.targets.len()).sum();
        let mut offsets = Vec::with_capacity(n_groups + 1);
        let mut targets = Vec::with_capacity(n_arcs);
        let mut weights = Vec::with_capacity(n_arcs);
        let mut node_weight = Vec::with_capacity(n_groups);
        let mut inner_weight = Vec::with_capacity(n_groups);
        offsets.push(0);
        for block in blocks {
            for len in block.row_len {
                offsets.push(offsets.last().unwrap() + len);
            }
            targets.extend_from_slice(&block.targets);
            weights.extend_from_slice(&block.weights);
            node_weight.extend_from_slice(&block.node_weight);
            inner_weight.extend_from_slice(&block.inner_weight);
        }
        LevelGraph::new(offsets, targets, weights, node_weight, inner_weight)
    }
}

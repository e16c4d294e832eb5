//! The graph one level of the Leiden hierarchy works on: undirected, no self-loops (a node's
//! own internal weight only matters through its node weight), in flat CSR arrays.

use rayon::prelude::*;

use crate::{Error, Graph};

/// Nodes per block when aggregation runs in parallel; fixed, so the output never depends on
/// the thread count.
const AGGREGATE_BLOCK: usize = 4096;

/// An undirected weighted graph without self-loops, each edge in both rows, with a node
/// weight per node: its strength in the original graph (self-loops counted twice), summed
/// over the original nodes it stands for.
pub(super) struct LevelGraph {
    pub offsets: Vec<usize>,
    pub targets: Vec<u32>,
    pub weights: Vec<f64>,
    pub node_weight: Vec<f64>,
}

impl LevelGraph {
    pub fn n_nodes(&self) -> usize {
        self.node_weight.len()
    }

    /// The neighbours of `v` and the weights of the edges to them.
    #[inline]
    pub fn row(&self, v: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[v]..self.offsets[v + 1];
        (&self.targets[range.clone()], &self.weights[range])
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
        offsets.push(0);
        for v in graph.nodes() {
            let mut strength = 0.0;
            for (&u, &w) in csr.neighbors(v).iter().zip(csr.weights(v)) {
                if u == v {
                    strength += 2.0 * w;
                } else if w > 0.0 {
                    strength += w;
                    targets.push(u);
                    weights.push(w);
                }
            }
            node_weight.push(strength);
            offsets.push(targets.len());
        }
        Ok(LevelGraph {
            offsets,
            targets,
            weights,
            node_weight,
        })
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

        let mut node_weight = vec![0.0; n_groups];
        for (v, &g) in group.iter().enumerate() {
            node_weight[g as usize] += self.node_weight[v];
        }

        let n_blocks = n_groups.div_ceil(AGGREGATE_BLOCK);
        let build_block = |scratch: &mut Vec<f64>, block_idx: usize| {
            let first = block_idx * AGGREGATE_BLOCK;
            let last = (first + AGGREGATE_BLOCK).min(n_groups);
            let mut row_len = Vec::with_capacity(last - first);
            let mut targets = Vec::new();
            let mut weights = Vec::new();
            if scratch.len() < n_groups {
                scratch.resize(n_groups, 0.0);
            }
            for g in first..last {
                let row_start = targets.len();
                for &v in &members[group_start[g]..group_start[g + 1]] {
                    let (nbrs, ws) = self.row(v as usize);
                    for (&u, &w) in nbrs.iter().zip(ws) {
                        let h = group[u as usize];
                        if h as usize == g {
                            continue;
                        }
                        if scratch[h as usize] == 0.0 {
                            targets.push(h);
                        }
                        scratch[h as usize] += w;
                    }
                }
                // Level 0 drops zero-weight edges, so every listed slot holds a positive sum.
                for &h in &targets[row_start..] {
                    weights.push(scratch[h as usize]);
                    scratch[h as usize] = 0.0;
                }
                row_len.push(targets.len() - row_start);
            }
            (row_len, targets, weights)
        };
        let blocks: Vec<(Vec<usize>, Vec<u32>, Vec<f64>)> = if n_blocks > 1 {
            (0..n_blocks)
                .into_par_iter()
                .map_init(Vec::new, build_block)
                .collect()
        } else {
            let mut scratch = Vec::new();
            (0..n_blocks)
                .map(|b| build_block(&mut scratch, b))
                .collect()
        };

        let n_arcs = blocks.iter().map(|b| b.1.len()).sum();
        let mut offsets = Vec::with_capacity(n_groups + 1);
        let mut targets = Vec::with_capacity(n_arcs);
        let mut weights = Vec::with_capacity(n_arcs);
        offsets.push(0);
        for (row_len, block_targets, block_weights) in blocks {
            for len in row_len {
                offsets.push(offsets.last().unwrap() + len);
            }
            targets.extend_from_slice(&block_targets);
            weights.extend_from_slice(&block_weights);
        }
        LevelGraph {
            offsets,
            targets,
            weights,
            node_weight,
        }
    }
}

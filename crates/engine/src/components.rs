//! Connected components: weakly (edge direction ignored) and strongly (mutual reachability).

use crate::{Graph, NodeIdx};

/// A partition of the nodes into components, numbered by their smallest node: component
/// 0 contains node 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Components {
    /// Component of each node.
    pub labels: Vec<u32>,
    /// Number of components.
    pub n_components: usize,
}

impl Components {
    /// Sizes of the components, indexed by label.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.n_components];
        for &label in &self.labels {
            sizes[label as usize] += 1;
        }
        sizes
    }

    /// Renumbers arbitrary labels so that components are numbered by their smallest node.
    fn numbered_by_smallest_node(raw: &[u32]) -> Components {
        let mut renumber = vec![u32::MAX; raw.len()];
        let mut n_components = 0u32;
        let labels = raw
            .iter()
            .map(|&r| {
                let slot = &mut renumber[r as usize];
                if *slot == u32::MAX {
                    *slot = n_components;
                    n_components += 1;
                }
                *slot
            })
            .collect();
        Components {
            labels,
            n_components: n_components as usize,
        }
    }
}

/// Weakly connected components (edge direction ignored), by breadth-first search from each
/// unlabelled node in index order, which numbers them by smallest node directly. On an
/// undirected graph these are the connected components.
///
/// # Complexity
/// O(n + m) time, O(n) extra memory.
///
/// # Example
/// ```
/// use engine::{Graph, components::weakly_connected};
/// let g = Graph::directed(5, [(1, 0, 1.0), (3, 4, 1.0)]);
/// let c = weakly_connected(&g);
/// assert_eq!(c.labels, vec![0, 0, 1, 2, 2]);
/// assert_eq!(c.n_components, 3);
/// ```
pub fn weakly_connected(graph: &Graph) -> Components {
    let n_nodes = graph.n_nodes();
    let mut labels = vec![u32::MAX; n_nodes];
    let mut queue: Vec<NodeIdx> = Vec::new();
    let mut n_components = 0u32;
    for root in graph.nodes() {
        if labels[root as usize] != u32::MAX {
            continue;
        }
        labels[root as usize] = n_components;
        queue.clear();
        queue.push(root);
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head];
            head += 1;
            let incoming: &[NodeIdx] = if graph.is_directed() {
                graph.in_neighbors(v)
            } else {
                &[]
            };
            for &u in graph.out_neighbors(v).iter().chain(incoming) {
                if labels[u as usize] == u32::MAX {
                    labels[u as usize] = n_components;
                    queue.push(u);
                }
            }
        }
        n_components += 1;
    }
    Components {
        labels,
        n_components: n_components as usize,
    }
}

/// Strongly connected components: u and v share one when each reaches the other. Tarjan's
/// algorithm ("Depth-first search and linear graph algorithms", 1972) with an explicit
/// stack instead of recursion, so a million-node path does not overflow the call stack.
/// On an undirected graph these are the connected components.
///
/// # Complexity
/// O(n + m) time, O(n) extra memory.
///
/// # Example
/// ```
/// use engine::{Graph, components::strongly_connected};
/// // A cycle 0 -> 1 -> 2 -> 0 and a tail 2 -> 3.
/// let g = Graph::directed(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (2, 3, 1.0)]);
/// let c = strongly_connected(&g);
/// assert_eq!(c.labels, vec![0, 0, 0, 1]);
/// ```
pub fn strongly_connected(graph: &Graph) -> Components {
    const UNVISITED: u32 = u32::MAX;
    let n_nodes = graph.n_nodes();
    // Discovery index, and the smallest index reachable through the DFS subtree.
    let mut index = vec![UNVISITED; n_nodes];
    let mut low = vec![0u32; n_nodes];
    let mut on_stack = vec![false; n_nodes];
    // Raw component ids in order of completion; renumbered at the end.
    let mut raw = vec![0u32; n_nodes];
    let mut n_raw = 0u32;
    let mut stack: Vec<NodeIdx> = Vec::new();
    // The DFS path: each node with the position of its next out-edge to look at.
    let mut path: Vec<(NodeIdx, usize)> = Vec::new();
    let mut next_index = 0u32;

    for root in graph.nodes() {
        if index[root as usize] != UNVISITED {
            continue;
        }
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        path.push((root, 0));
        while let Some(&mut (v, ref mut edge_pos)) = path.last_mut() {
            let neighbors = graph.out_neighbors(v);
            if let Some(&u) = neighbors.get(*edge_pos) {
                *edge_pos += 1;
                let u_idx = u as usize;
                if index[u_idx] == UNVISITED {
                    index[u_idx] = next_index;
                    low[u_idx] = next_index;
                    next_index += 1;
                    stack.push(u);
                    on_stack[u_idx] = true;
                    path.push((u, 0));
                } else if on_stack[u_idx] {
                    low[v as usize] = low[v as usize].min(index[u_idx]);
                }
                continue;
            }
            // All edges of v done: close its component if it is a root, then return.
            path.pop();
            let v_idx = v as usize;
            if low[v_idx] == index[v_idx] {
                loop {
                    let w = stack.pop().expect("v is still on the stack");
                    on_stack[w as usize] = false;
                    raw[w as usize] = n_raw;
                    if w == v {
                        break;
                    }
                }
                n_raw += 1;
            }
            if let Some(&(parent, _)) = path.last() {
                low[parent as usize] = low[parent as usize].min(low[v_idx]);
            }
        }
    }
    Components::numbered_by_smallest_node(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hand_checked_components() {
        // Two triangles with a one-way bridge 2 -> 3, an isolated node 6.
        let g = Graph::directed(
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
        let weak = weakly_connected(&g);
        assert_eq!(weak.labels, [0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(weak.sizes(), [6, 1]);
        let strong = strongly_connected(&g);
        assert_eq!(strong.labels, [0, 0, 0, 1, 1, 1, 2]);
        assert_eq!(strong.n_components, 3);

        let path = Graph::directed(4, [(3, 2, 1.0), (2, 1, 1.0), (1, 0, 1.0)]);
        assert_eq!(weakly_connected(&path).n_components, 1);
        assert_eq!(strongly_connected(&path).labels, [0, 1, 2, 3]);

        let undirected = Graph::undirected(5, [(4, 1, 1.0), (2, 3, 1.0)]);
        assert_eq!(weakly_connected(&undirected).labels, [0, 1, 2, 2, 1]);
        assert_eq!(strongly_connected(&undirected).labels, [0, 1, 2, 2, 1]);
    }

    #[test]
    fn matches_networkx_on_a_small_digraph() {
        // NetworkX 3.6.1 on these edges with nodes 0..8:
        // strongly_connected_components -> {0, 1, 2}, {3, 4}, {5}, {6}, {7};
        // weakly_connected_components -> {0, 1, 2, 3, 4, 5, 6}, {7}.
        let g = Graph::directed(
            8,
            [
                (0, 1, 1.0),
                (1, 2, 1.0),
                (2, 0, 1.0),
                (2, 3, 1.0),
                (3, 4, 1.0),
                (4, 3, 1.0),
                (4, 5, 1.0),
                (6, 5, 1.0),
                (7, 7, 1.0),
            ],
        );
        assert_eq!(strongly_connected(&g).labels, [0, 0, 0, 1, 1, 2, 3, 4]);
        assert_eq!(weakly_connected(&g).labels, [0, 0, 0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn a_million_node_cycle_does_not_overflow_the_stack() {
        let n = 1_000_000u32;
        let g = Graph::directed(n as usize, (0..n).map(|v| (v, (v + 1) % n, 1.0)));
        assert_eq!(strongly_connected(&g).n_components, 1);
        let path = Graph::directed(n as usize, (0..n - 1).map(|v| (v, v + 1, 1.0)));
        assert_eq!(strongly_connected(&path).n_components, n as usize);
    }

    fn reaches(g: &Graph, from: NodeIdx) -> Vec<bool> {
        let mut seen = vec![false; g.n_nodes()];
        seen[from as usize] = true;
        let mut stack = vec![from];
        while let Some(v) = stack.pop() {
            for &u in g.out_neighbors(v) {
                if !seen[u as usize] {
                    seen[u as usize] = true;
                    stack.push(u);
                }
            }
        }
        seen
    }

    proptest! {
        #[test]
        fn components_agree_with_reachability(
            n in 1usize..30,
            edges in proptest::collection::vec((0u32..30, 0u32..30), 0..60),
        ) {
            let edges: Vec<_> = edges.into_iter().map(|(s, t)| (s % n as u32, t % n as u32, 1.0)).collect();
            let g = Graph::directed(n, edges);
            let strong = strongly_connected(&g);
            let weak = weakly_connected(&g);
            let undirected = weakly_connected(&g.to_undirected());
            prop_assert_eq!(&weak, &undirected);
            let reach: Vec<Vec<bool>> = g.nodes().map(|v| reaches(&g, v)).collect();
            for (u, reach_u) in reach.iter().enumerate() {
                for (v, reach_v) in reach.iter().enumerate() {
                    let mutual = reach_u[v] && reach_v[u];
                    prop_assert_eq!(strong.labels[u] == strong.labels[v], mutual);
                    // Every strong component lies inside one weak component.
                    if mutual {
                        prop_assert_eq!(weak.labels[u], weak.labels[v]);
                    }
                }
            }
            for labels in [&strong.labels, &weak.labels] {
                // Numbered by smallest node: labels first appear in increasing order.
                let mut next = 0;
                for &label in labels {
                    prop_assert!(label <= next);
                    if label == next {
                        next += 1;
                    }
                }
            }
        }
    }
}

//! Strongly connected components and a cheap upper bound on the vertex diameter (the most
//! nodes on any shortest path), which sets the worst-case sample size of
//! [`super::ApproxBetweenness`].

use crate::{Graph, NodeIdx};

const UNSET: u32 = u32::MAX;

/// Components and the bound, from [`structure`].
pub(super) struct Structure {
    /// Strongly connected component of each node (connected component if undirected),
    /// numbered so that every arc between components goes from a higher to a lower number.
    pub(super) component: Vec<u32>,
    /// At least the number of nodes on any shortest path of the graph.
    pub(super) vertex_diameter: u64,
}

impl Structure {
    /// Whether `target` is certainly unreachable from `source`.
    pub(super) fn separated(&self, directed: bool, source: NodeIdx, target: NodeIdx) -> bool {
        let (cs, ct) = (
            self.component[source as usize],
            self.component[target as usize],
        );
        if directed { cs < ct } else { cs != ct }
    }
}

/// Components by Tarjan's algorithm (iterative), then per component `C` a BFS out of and
/// into its best-connected node `r`: a shortest path inside `C` has at most
/// `ecc_out(r) + ecc_in(r) + 1` nodes (it never leaves `C`). A shortest path visits
/// components along a path of the condensation, so the longest such path, with those
/// sizes as node weights, bounds the vertex diameter.
///
/// O(n + m) time and memory.
pub(super) fn structure(graph: &Graph) -> Structure {
    let component = strong_components(graph);
    let n_nodes = graph.n_nodes();
    let n_components = component.iter().map(|&c| c as usize + 1).max().unwrap_or(0);

    // Members of each component, by counting sort.
    let mut starts = vec![0usize; n_components + 1];
    for &c in &component {
        starts[c as usize + 1] += 1;
    }
    for c in 0..n_components {
        starts[c + 1] += starts[c];
    }
    let mut cursor = starts.clone();
    let mut members = vec![0 as NodeIdx; n_nodes];
    for (v, &c) in component.iter().enumerate() {
        members[cursor[c as usize]] = v as NodeIdx;
        cursor[c as usize] += 1;
    }

    let (out, inc) = (graph.outgoing(), graph.incoming());
    let mut dist = vec![UNSET; n_nodes];
    let mut queue = Vec::new();
    let mut longest = vec![0u64; n_components];
    let mut vertex_diameter = 0;
    for c in 0..n_components {
        let nodes = &members[starts[c]..starts[c + 1]];
        let weight = if nodes.len() == 1 {
            1
        } else {
            let root = *nodes
                .iter()
                .max_by_key(|&&v| (out.degree(v) + inc.degree(v), std::cmp::Reverse(v)))
                .expect("components are non-empty");
            let ecc_out = eccentricity(out, &component, root, &mut dist, &mut queue);
            let ecc_in = if graph.is_directed() {
                eccentricity(inc, &component, root, &mut dist, &mut queue)
            } else {
                ecc_out
            };
            u64::from(ecc_out) + u64::from(ecc_in) + 1
        };
        let mut below = 0;
        for &v in nodes {
            for &w in out.neighbors(v) {
                let cw = component[w as usize] as usize;
                if cw != c {
                    below = below.max(longest[cw]);
                }
            }
        }
        longest[c] = weight + below;
        vertex_diameter = vertex_diameter.max(longest[c]);
    }
    Structure {
        component,
        vertex_diameter,
    }
}

/// Largest hop distance from `root` within its component along `rows`.
fn eccentricity(
    rows: &crate::Csr,
    component: &[u32],
    root: NodeIdx,
    dist: &mut [u32],
    queue: &mut Vec<NodeIdx>,
) -> u32 {
    let c = component[root as usize];
    queue.clear();
    queue.push(root);
    dist[root as usize] = 0;
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        let next = dist[v as usize] + 1;
        for &w in rows.neighbors(v) {
            if dist[w as usize] == UNSET && component[w as usize] == c {
                dist[w as usize] = next;
                queue.push(w);
            }
        }
    }
    let ecc = queue.last().map_or(0, |&v| dist[v as usize]);
    for &v in queue.iter() {
        dist[v as usize] = UNSET;
    }
    ecc
}

/// Tarjan's strongly connected components without recursion. A component is numbered when
/// it is completed, and everything it reaches is completed before it.
fn strong_components(graph: &Graph) -> Vec<u32> {
    let n_nodes = graph.n_nodes();
    let csr = graph.outgoing();
    let (offsets, targets) = (csr.offsets(), csr.targets());
    let mut index = vec![UNSET; n_nodes];
    let mut low = vec![0u32; n_nodes];
    let mut on_stack = vec![false; n_nodes];
    let mut component = vec![UNSET; n_nodes];
    let mut stack: Vec<NodeIdx> = Vec::new();
    let mut calls: Vec<(NodeIdx, usize)> = Vec::new();
    let mut n_visited = 0u32;
    let mut n_components = 0u32;
    for root in 0..n_nodes {
        if index[root] != UNSET {
            continue;
        }
        let mut pending = Some(root);
        loop {
            if let Some(v) = pending.take() {
                index[v] = n_visited;
                low[v] = n_visited;
                n_visited += 1;
                stack.push(v as NodeIdx);
                on_stack[v] = true;
                calls.push((v as NodeIdx, offsets[v]));
            }
            let Some(&mut (v, ref mut pos)) = calls.last_mut() else {
                break;
            };
            let v = v as usize;
            if *pos < offsets[v + 1] {
                let w = targets[*pos] as usize;
                *pos += 1;
                if index[w] == UNSET {
                    pending = Some(w);
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                let parent = parent as usize;
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    component[w as usize] = n_components;
                    if w as usize == v {
                        break;
                    }
                }
                n_components += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_bound_covers_its_length() {
        let path = Graph::undirected(5, (0..4).map(|v| (v, v + 1, 1.0)));
        let s = structure(&path);
        // Root: node 1, the first of the highest degree; eccentricity 3, so 3 + 3 + 1.
        assert_eq!(s.vertex_diameter, 7);
        assert!(!s.separated(false, 0, 4));
    }

    #[test]
    fn dag_bound_is_its_longest_path() {
        // 0 → 1 → 2 → 3 and 0 → 3; a separate 4 → 5 → 4 cycle.
        let g = Graph::directed(
            6,
            [(0, 1), (1, 2), (2, 3), (0, 3), (4, 5), (5, 4)].map(|(s, t)| (s, t, 1.0)),
        );
        let s = structure(&g);
        assert_eq!(s.vertex_diameter, 4);
        assert!(s.separated(true, 3, 0));
        assert!(!s.separated(true, 0, 3));
        assert_eq!(s.component[4], s.component[5]);
        assert_ne!(s.component[0], s.component[1]);
    }

    #[test]
    fn cycle_bound_is_at_least_its_diameter() {
        let cycle = Graph::directed(6, (0..6).map(|v| (v, (v + 1) % 6, 1.0)));
        let s = structure(&cycle);
        // The path from 0 to 5 has 6 nodes.
        assert!(s.vertex_diameter >= 6);
        assert!(s.vertex_diameter <= 11);
    }
}

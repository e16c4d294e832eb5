//! One uniformly random shortest path between two nodes, by balanced bidirectional BFS
//! (Borassi & Natale, "KADABRA is an ADaptive Algorithm for Betweenness via Random
//! Approximation", ESA 2016, §4): grow whichever search has the cheaper frontier, one whole
//! level at a time, until the two meet; then draw a meeting node in proportion to the paths
//! through it and walk back to both ends, choosing each step in proportion to path counts.

use rand::RngExt;

use crate::{Csr, Graph, NodeIdx};

const UNSEEN: u32 = u32::MAX;
const FORWARD: usize = 0;
const BACKWARD: usize = 1;

/// Per-node state of both searches: index 0 from the source along outgoing arcs, index 1
/// from the target along incoming arcs.
#[derive(Clone, Copy)]
struct Node {
    sigma: [f64; 2],
    level: [u32; 2],
}

const FRESH: Node = Node {
    sigma: [0.0; 2],
    level: [UNSEEN; 2],
};

/// Reusable state; every node unseen between calls.
pub(super) struct PathSampler {
    nodes: Vec<Node>,
    /// BFS queues of both searches, every visited node once.
    queues: [Vec<NodeIdx>; 2],
    meeting: Vec<NodeIdx>,
}

impl PathSampler {
    pub(super) fn new(n_nodes: usize) -> PathSampler {
        PathSampler {
            nodes: vec![FRESH; n_nodes],
            queues: [Vec::new(), Vec::new()],
            meeting: Vec::new(),
        }
    }

    /// Appends to `inner` the nodes strictly between `source` and `target` on a shortest
    /// path drawn uniformly among all shortest paths; appends nothing if `target` is
    /// unreachable. `source != target`.
    pub(super) fn sample(
        &mut self,
        graph: &Graph,
        source: NodeIdx,
        target: NodeIdx,
        rng: &mut impl RngExt,
        inner: &mut Vec<NodeIdx>,
    ) {
        let rows: [&Csr; 2] = [graph.outgoing(), graph.incoming()];
        if self.search(rows, source, target) {
            self.walk(rows, source, target, rng, inner);
        }
        for queue in &self.queues {
            for &v in queue {
                self.nodes[v as usize] = FRESH;
            }
        }
    }

    /// Grows both searches until they meet; leaves the meeting nodes in `self.meeting`.
    /// Returns whether they met.
    fn search(&mut self, rows: [&Csr; 2], source: NodeIdx, target: NodeIdx) -> bool {
        let PathSampler {
            nodes,
            queues,
            meeting,
        } = self;
        meeting.clear();
        for (side, end) in [(FORWARD, source), (BACKWARD, target)] {
            queues[side].clear();
            queues[side].push(end);
            nodes[end as usize].level[side] = 0;
            nodes[end as usize].sigma[side] = 1.0;
        }
        // Per side: start of the frontier in its queue, depth, arcs leaving the frontier.
        let mut frontier = [0usize; 2];
        let mut depth = [0u32; 2];
        let mut work = [rows[FORWARD].degree(source), rows[BACKWARD].degree(target)];
        loop {
            let side = if work[FORWARD] <= work[BACKWARD] {
                FORWARD
            } else {
                BACKWARD
            };
            let other = 1 - side;
            let (offsets, targets) = (rows[side].offsets(), rows[side].targets());
            let queue = &mut queues[side];
            let (start, end) = (frontier[side], queue.len());
            let next = depth[side] + 1;
            let mut next_work = 0;
            for i in start..end {
                let u = queue[i] as usize;
                let sigma_u = nodes[u].sigma[side];
                for &w in &targets[offsets[u]..offsets[u + 1]] {
                    let node = &mut nodes[w as usize];
                    if node.level[side] == UNSEEN {
                        node.level[side] = next;
                        node.sigma[side] = sigma_u;
                        queue.push(w);
                        next_work += offsets[w as usize + 1] - offsets[w as usize];
                        if node.level[other] != UNSEEN {
                            meeting.push(w);
                        }
                    } else if node.level[side] == next {
                        node.sigma[side] += sigma_u;
                    }
                }
            }
            if !meeting.is_empty() {
                return true;
            }
            if queue.len() == end {
                return false;
            }
            frontier[side] = end;
            depth[side] = next;
            work[side] = next_work;
        }
    }

    /// Draws a meeting node by σ_s·σ_t, then walks to both ends.
    fn walk(
        &self,
        rows: [&Csr; 2],
        source: NodeIdx,
        target: NodeIdx,
        rng: &mut impl RngExt,
        inner: &mut Vec<NodeIdx>,
    ) {
        let nodes = &self.nodes;
        let weight = |w: &NodeIdx| {
            let node = &nodes[*w as usize];
            node.sigma[FORWARD] * node.sigma[BACKWARD]
        };
        let total: f64 = self.meeting.iter().map(weight).sum();
        let mut middle = *self.meeting.last().expect("searches met");
        let mut draw = rng.random::<f64>() * total;
        for w in &self.meeting {
            draw -= weight(w);
            if draw < 0.0 {
                middle = *w;
                break;
            }
        }
        if middle != source && middle != target {
            inner.push(middle);
        }
        // Towards the source along incoming arcs, towards the target along outgoing ones.
        for (side, rows, end) in [
            (FORWARD, rows[BACKWARD], source),
            (BACKWARD, rows[FORWARD], target),
        ] {
            let mut at = middle;
            while nodes[at as usize].level[side] > 0 {
                let here = nodes[at as usize];
                let previous = here.level[side] - 1;
                let mut draw = rng.random::<f64>() * here.sigma[side];
                let mut step = UNSEEN;
                for &u in rows.neighbors(at) {
                    let node = &nodes[u as usize];
                    if node.level[side] == previous {
                        step = u;
                        draw -= node.sigma[side];
                        if draw < 0.0 {
                            break;
                        }
                    }
                }
                at = step;
                if at != end {
                    inner.push(at);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn samples_the_inner_nodes_of_a_path() {
        let path = Graph::undirected(5, (0..4).map(|v| (v, v + 1, 1.0)));
        let mut sampler = PathSampler::new(5);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut inner = Vec::new();
        sampler.sample(&path, 0, 4, &mut rng, &mut inner);
        inner.sort_unstable();
        assert_eq!(inner, vec![1, 2, 3]);
        inner.clear();
        sampler.sample(&path, 3, 4, &mut rng, &mut inner);
        assert!(inner.is_empty());
    }

    #[test]
    fn unreachable_targets_give_nothing() {
        let g = Graph::directed(3, [(0, 1, 1.0), (1, 2, 1.0)]);
        let mut sampler = PathSampler::new(3);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut inner = Vec::new();
        sampler.sample(&g, 2, 0, &mut rng, &mut inner);
        assert!(inner.is_empty());
        sampler.sample(&g, 0, 2, &mut rng, &mut inner);
        assert_eq!(inner, vec![1]);
    }

    #[test]
    fn paths_are_drawn_in_proportion() {
        // 0 → {1, 2} → 3 → {4, 5, 6} → 7: six shortest paths 0 → 7, each middle node of a
        // layer equally likely; 3 always.
        let edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (3, 5), (3, 6)]
            .into_iter()
            .chain([(4, 7), (5, 7), (6, 7)]);
        let g = Graph::directed(8, edges.map(|(s, t)| (s, t, 1.0)));
        let mut sampler = PathSampler::new(8);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut counts = [0usize; 8];
        let n_samples = 30_000;
        for _ in 0..n_samples {
            let mut inner = Vec::new();
            sampler.sample(&g, 0, 7, &mut rng, &mut inner);
            assert_eq!(inner.len(), 3);
            for v in inner {
                counts[v as usize] += 1;
            }
        }
        assert_eq!(counts[3], n_samples);
        for (v, expected) in [
            (1, 0.5),
            (2, 0.5),
            (4, 1.0 / 3.0),
            (5, 1.0 / 3.0),
            (6, 1.0 / 3.0),
        ] {
            let share = counts[v] as f64 / n_samples as f64;
            assert!((share - expected).abs() < 0.02, "node {v}: {share}");
        }
    }
}

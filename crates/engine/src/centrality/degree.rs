use crate::{Csr, Graph, NodeIdx, NodeScores};

/// Which edges of a node count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Direction {
    /// Edges leaving the node.
    Out,
    /// Edges entering the node.
    In,
    /// Both (for undirected graphs, each edge once; a self-loop counts twice, as NetworkX).
    #[default]
    Total,
}

/// Degree, or strength (sum of edge weights) when `weighted`, as NetworkX's `degree`,
/// `in_degree` and `out_degree` views (with `weight="weight"` when weighted).
///
/// On a directed graph a self-loop is one out-edge and one in-edge, so it counts twice in
/// [`Direction::Total`]. On an undirected graph the direction does not matter: each edge
/// counts once at each end and a self-loop twice.
///
/// # Complexity
/// O(n) unweighted (row lengths), O(n + m) weighted.
///
/// # Example
/// ```
/// use engine::{Graph, centrality::{Degree, Direction}};
/// let g = Graph::directed(3, [(0, 1, 2.0), (0, 2, 1.0), (2, 0, 1.0)]);
/// let out = Degree { direction: Direction::Out, weighted: false }.run(&g);
/// assert_eq!(out.values(), &[2.0, 0.0, 1.0]);
/// let strength = Degree { direction: Direction::Total, weighted: true }.run(&g);
/// assert_eq!(strength.values(), &[4.0, 2.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Degree {
    /// Which edges count.
    pub direction: Direction,
    /// Sum weights instead of counting edges.
    pub weighted: bool,
}

impl Degree {
    /// One degree per node.
    pub fn run(&self, graph: &Graph) -> NodeScores {
        let row = |csr: &Csr, v: NodeIdx| -> f64 {
            if self.weighted {
                csr.weights(v).iter().sum()
            } else {
                csr.degree(v) as f64
            }
        };
        let values = graph
            .nodes()
            .map(|v| {
                if !graph.is_directed() {
                    // A self-loop is listed once in its row but has two ends at `v`.
                    let out = graph.outgoing();
                    let self_loop = match out.neighbors(v).binary_search(&v) {
                        Ok(pos) if self.weighted => out.weights(v)[pos],
                        Ok(_) => 1.0,
                        Err(_) => 0.0,
                    };
                    return row(out, v) + self_loop;
                }
                match self.direction {
                    Direction::Out => row(graph.outgoing(), v),
                    Direction::In => row(graph.incoming(), v),
                    Direction::Total => row(graph.outgoing(), v) + row(graph.incoming(), v),
                }
            })
            .collect();
        NodeScores::new(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn degree(graph: &Graph, direction: Direction, weighted: bool) -> Vec<f64> {
        Degree {
            direction,
            weighted,
        }
        .run(graph)
        .into_values()
    }

    #[test]
    fn star_counts_leaves_at_the_centre() {
        let g = Graph::undirected(4, [(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)]);
        assert_eq!(degree(&g, Direction::Total, false), [3.0, 1.0, 1.0, 1.0]);
        // Direction does not matter on an undirected graph.
        assert_eq!(degree(&g, Direction::In, false), [3.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn undirected_self_loop_counts_twice() {
        let g = Graph::undirected(2, [(0, 0, 2.5), (0, 1, 1.0)]);
        assert_eq!(degree(&g, Direction::Total, false), [3.0, 1.0]);
        assert_eq!(degree(&g, Direction::Total, true), [6.0, 1.0]);
    }

    #[test]
    fn directed_self_loop_is_one_in_and_one_out() {
        let g = Graph::directed(2, [(0, 0, 2.0), (0, 1, 3.0)]);
        assert_eq!(degree(&g, Direction::Out, false), [2.0, 0.0]);
        assert_eq!(degree(&g, Direction::In, false), [1.0, 1.0]);
        assert_eq!(degree(&g, Direction::Total, false), [3.0, 1.0]);
        assert_eq!(degree(&g, Direction::Total, true), [7.0, 3.0]);
    }

    #[test]
    fn matches_networkx_on_a_small_weighted_digraph() {
        // Values from NetworkX 3.6.1: G = nx.DiGraph(); G.add_weighted_edges_from(edges);
        // dict(G.in_degree(weight="weight")), dict(G.degree()).
        let edges = [
            (0, 1, 2.0),
            (1, 2, 1.0),
            (2, 0, 0.5),
            (2, 3, 4.0),
            (3, 3, 1.0),
            (3, 1, 1.5),
        ];
        let g = Graph::directed(5, edges);
        assert_eq!(degree(&g, Direction::In, true), [0.5, 3.5, 1.0, 5.0, 0.0]);
        assert_eq!(
            degree(&g, Direction::Total, false),
            [2.0, 3.0, 3.0, 4.0, 0.0]
        );
    }

    fn edge_lists() -> impl Strategy<Value = (usize, Vec<(NodeIdx, NodeIdx, f64)>)> {
        (1usize..25).prop_flat_map(|n| {
            let edge = (0..n as NodeIdx, 0..n as NodeIdx, 1u8..5)
                .prop_map(|(s, t, w)| (s, t, f64::from(w)));
            (Just(n), proptest::collection::vec(edge, 0..80))
        })
    }

    proptest! {
        #[test]
        fn undirected_degree_sum_is_twice_the_edges((n, edges) in edge_lists()) {
            let g = Graph::undirected(n, edges);
            let sum: f64 = degree(&g, Direction::Total, false).iter().sum();
            prop_assert_eq!(sum, 2.0 * g.n_edges() as f64);
        }

        #[test]
        fn directed_in_and_out_sums_are_the_edges((n, edges) in edge_lists()) {
            let g = Graph::directed(n, edges);
            let m = g.n_edges() as f64;
            prop_assert_eq!(degree(&g, Direction::In, false).iter().sum::<f64>(), m);
            prop_assert_eq!(degree(&g, Direction::Out, false).iter().sum::<f64>(), m);
            let total_weight: f64 = g.edges().map(|(_, _, w)| w).sum();
            let in_strength: f64 = degree(&g, Direction::In, true).iter().sum();
            prop_assert!((in_strength - total_weight).abs() <= 1e-9 * total_weight.max(1.0));
        }
    }
}

use crate::{Graph, NodeScores};

/// Exact betweenness centrality (Brandes 2001), parallel over sources.
#[derive(Clone, Copy, Debug, Default)]
pub struct Betweenness {
    /// Normalise as NetworkX does (divide by (n−1)(n−2), doubled for undirected graphs).
    pub normalized: bool,
    /// Shortest paths by edge weight (as distance) instead of hop count.
    pub weighted: bool,
}

impl Betweenness {
    /// One betweenness per node; equal, to the last bit, for every thread count.
    pub fn run(&self, graph: &Graph) -> NodeScores {
        let _ = graph;
        unimplemented!("betweenness helper")
    }
}

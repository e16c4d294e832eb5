use crate::{Graph, NodeScores};

/// Harmonic closeness (Marchiori & Latora 2000; Boldi & Vigna 2014): the sum of 1/d over
/// the other nodes, as NetworkX's `harmonic_centrality` (distances *to* the node in a
/// directed graph). Robust to disconnected graphs, unlike classic closeness.
#[derive(Clone, Copy, Debug, Default)]
pub struct HarmonicCloseness {
    /// Distances by edge weight instead of hop count.
    pub weighted: bool,
}

impl HarmonicCloseness {
    /// One score per node.
    pub fn run(&self, graph: &Graph) -> NodeScores {
        let _ = graph;
        unimplemented!("centrality helper")
    }
}

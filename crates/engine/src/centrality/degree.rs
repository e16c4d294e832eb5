use crate::{Graph, NodeScores};

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

/// Degree, or strength (sum of edge weights) when `weighted`.
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
        let _ = graph;
        unimplemented!("centrality helper")
    }
}

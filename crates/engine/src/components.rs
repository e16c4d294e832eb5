//! Connected components.

use crate::Graph;

/// A partition of the nodes into components, numbered by their smallest node: component
/// 0 contains node 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Components {
    /// Component of each node.
    pub labels: Vec<u32>,
    /// Number of components.
    pub n_components: usize,
}

/// Weakly connected components (edge direction ignored).
pub fn weakly_connected(graph: &Graph) -> Components {
    let _ = graph;
    unimplemented!("centrality helper")
}

/// Strongly connected components (Tarjan, iterative).
pub fn strongly_connected(graph: &Graph) -> Components {
    let _ = graph;
    unimplemented!("centrality helper")
}

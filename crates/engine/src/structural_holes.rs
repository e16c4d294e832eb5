//! Burt's structural holes: who brokers between otherwise unconnected groups (Burt 1992),
//! with NetworkX's definitions (`constraint`, `effective_size`), weighted by tie strength.

use crate::{Graph, NodeScores};

/// Burt's constraint; NaN for isolated nodes, as NetworkX. Low constraint marks a broker.
pub fn constraint(graph: &Graph) -> NodeScores {
    let _ = graph;
    unimplemented!("centrality helper")
}

/// Burt's effective size; NaN for isolated nodes, as NetworkX.
pub fn effective_size(graph: &Graph) -> NodeScores {
    let _ = graph;
    unimplemented!("centrality helper")
}

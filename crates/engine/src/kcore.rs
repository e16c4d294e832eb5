//! k-core decomposition (Batagelj & Zaversnik 2003).

use crate::Graph;

/// The core number of every node, as NetworkX's `core_number`: on a directed graph the
/// degree is in + out degree. Self-loops are ignored.
pub fn core_numbers(graph: &Graph) -> Vec<u32> {
    let _ = graph;
    unimplemented!("centrality helper")
}

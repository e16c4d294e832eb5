use crate::{Error, Graph, NodeScores};

/// PageRank by power iteration (Page, Brin, Motwani & Winograd 1999), with NetworkX's
/// conventions: dangling nodes spread their rank by the personalization vector (uniform
/// without one), scores sum to 1.
#[derive(Clone, Debug)]
pub struct PageRank {
    /// Probability of following an edge rather than teleporting; in [0, 1).
    pub damping: f64,
    /// Stop when the L1 change between two iterations falls below `n_nodes * tolerance`
    /// (NetworkX's criterion).
    pub tolerance: f64,
    /// Give up (with [`Error::NotConverged`]) after this many iterations.
    pub max_iterations: usize,
    /// Teleport distribution, one non-negative weight per node (normalised here); uniform if `None`.
    pub personalization: Option<Vec<f64>>,
    /// Follow edges in proportion to their weight.
    pub weighted: bool,
}

impl Default for PageRank {
    fn default() -> Self {
        PageRank {
            damping: 0.85,
            tolerance: 1e-6,
            max_iterations: 100,
            personalization: None,
            weighted: true,
        }
    }
}

impl PageRank {
    /// The PageRank vector.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a damping outside [0, 1) or a bad personalization;
    /// [`Error::NotConverged`].
    pub fn run(&self, graph: &Graph) -> Result<NodeScores, Error> {
        let _ = graph;
        unimplemented!("centrality helper")
    }
}

use crate::{Error, Graph, NodeScores};

/// Approximate betweenness by path sampling: every node's normalised betweenness within
/// `epsilon` of the exact value with probability at least `1 − delta`.
#[derive(Clone, Copy, Debug)]
pub struct ApproxBetweenness {
    /// Additive error bound on normalised betweenness.
    pub epsilon: f64,
    /// Failure probability.
    pub delta: f64,
    /// Seed; the same seed gives the same scores for any thread count.
    pub seed: u64,
}

impl ApproxBetweenness {
    /// Normalised betweenness estimates (comparable to [`super::Betweenness`] with `normalized`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless 0 < epsilon < 1 and 0 < delta < 1.
    pub fn run(&self, graph: &Graph) -> Result<NodeScores, Error> {
        let _ = graph;
        unimplemented!("betweenness helper")
    }
}

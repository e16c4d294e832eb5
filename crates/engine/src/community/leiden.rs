use crate::{Error, Graph};

/// Leiden community detection (Traag, Waltman & van Eck 2019) maximising modularity with a
/// resolution parameter. Directed graphs are treated as undirected.
#[derive(Clone, Copy, Debug)]
pub struct Leiden {
    /// Modularity resolution γ; larger gives smaller communities.
    pub resolution: f64,
    /// Seed; the same seed gives the same partition for any thread count.
    pub seed: u64,
    /// Stop after this many full passes even if the partition still changes (`None`: until stable).
    pub max_iterations: Option<usize>,
}

impl Default for Leiden {
    fn default() -> Self {
        Leiden {
            resolution: 1.0,
            seed: 0,
            max_iterations: None,
        }
    }
}

/// Communities found by [`Leiden`].
#[derive(Clone, Debug, PartialEq)]
pub struct Partition {
    /// Community of each node, numbered 0.. by first node.
    pub membership: Vec<u32>,
    /// Number of communities.
    pub n_communities: usize,
    /// Modularity of `membership` at the resolution used.
    pub modularity: f64,
}

impl Leiden {
    /// A partition of the nodes.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a negative or non-finite resolution.
    pub fn run(&self, graph: &Graph) -> Result<Partition, Error> {
        let _ = graph;
        unimplemented!("leiden helper")
    }
}

/// Modularity of a partition of the undirected view of `graph` (Newman 2006, with resolution
/// as NetworkX's `modularity`).
pub fn modularity(graph: &Graph, membership: &[u32], resolution: f64) -> f64 {
    let _ = (graph, membership, resolution);
    unimplemented!("leiden helper")
}

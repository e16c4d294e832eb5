//! Who is central, and how: degree, PageRank, betweenness (exact and approximate) and
//! harmonic closeness. Each is a parameter struct whose `run` returns [`crate::NodeScores`].

mod approx_betweenness;
mod betweenness;
mod betweenness_bound;
mod betweenness_kernel;
mod betweenness_plan;
mod betweenness_sampler;
#[cfg(test)]
mod betweenness_tests;
mod closeness;
mod degree;
mod pagerank;

pub use approx_betweenness::ApproxBetweenness;
pub use betweenness::Betweenness;
pub use closeness::HarmonicCloseness;
pub use degree::{Degree, Direction};
pub use pagerank::PageRank;

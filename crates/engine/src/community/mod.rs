//! Communities: who clusters with whom, beyond the org chart.

mod leiden;
mod level;
mod moving;
mod refine;
#[cfg(test)]
mod tests;

pub use leiden::{Leiden, Partition, modularity};

//! Communities: who clusters with whom, beyond the org chart.

mod leiden;

pub use leiden::{Leiden, Partition, modularity};

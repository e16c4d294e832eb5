//! Network science for Groundswell: the informal network of an organization, who is central
//! in it and how, where its communities and brokers are, how a behaviour spreads through it,
//! and which activists spread it furthest.
//!
//! A pure library: no I/O but the parsers of [`io`], no async, no global state. Every
//! randomized algorithm takes a seed and gives the same answer for any thread count.
//!
//! # A tour
//!
//! - Data: [`Network`] (people, attributes, layered ties) as read by [`io`]; [`Graph`], the
//!   compressed-sparse-row graph of chosen layers that every algorithm runs on.
//! - Centrality ([`centrality`]): degree, PageRank, exact and approximate betweenness,
//!   harmonic closeness.
//! - Structure: [`kcore`] numbers, [`structural_holes`] (Burt's constraint and effective
//!   size), [`components`] (weak and strong), [`community`] (Leiden, modularity).
//! - Spread: [`diffusion`] (cascade and threshold models, Monte-Carlo), [`influence`]
//!   (activist selection), [`calibration`] (rates and forecasts from adoption data).
//! - [`synthetic`]: a generated organization (directory, org chart, informal network) for
//!   demos, tests and benchmarks.
//!
//! ```
//! use engine::{Graph, centrality::PageRank};
//! let g = Graph::directed(3, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)]);
//! let ranks = PageRank::default().run(&g).unwrap();
//! assert!((ranks.values().iter().sum::<f64>() - 1.0).abs() < 1e-9);
//! ```
#![deny(missing_docs)]

pub mod calibration;
pub mod centrality;
pub mod community;
pub mod components;
pub mod diffusion;
mod error;
pub mod graph;
pub mod influence;
pub mod io;
pub mod kcore;
mod scores;
pub mod structural_holes;
pub mod synthetic;

pub use error::Error;
pub use graph::{Csr, Graph, GraphOptions, Layer, Network, NodeIdx, Tie};
pub use scores::NodeScores;

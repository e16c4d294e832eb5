//! How a behaviour spreads: cascade, threshold and complex-contagion models in discrete time
//! steps, personal and broadcast exposure, and reproducible parallel Monte-Carlo.
//!
//! # The pieces
//!
//! - [`Diffusion`] says *how* people adopt: a [`Model`] for the personal channel (along
//!   ties), a [`Direction`] in which ties carry influence, a broadcast probability for the
//!   impersonal channel, and an optional step limit.
//! - [`Start`] says *who* has adopted already: seeds (adopting at step 0) and people who
//!   adopted at a known step (to forecast from a state part-way through).
//! - [`MonteCarlo`] says how many runs and with which seed; run r draws its random numbers
//!   from (seed, r) only, so a batch gives bit-identical results on 1, 2 or 16 threads.
//! - [`Simulator`] is a [`Diffusion`] checked and compiled for one [`Graph`]: build it once
//!   with [`Diffusion::simulator`] and ask it many questions —
//!   [`Simulator::expected_spread`] (the fast path: final sizes only),
//!   [`Simulator::simulate`] / [`Simulator::simulate_by_unit`] (adoption curves with bands,
//!   in a [`Batch`]), or [`Simulator::cascade`] (one run, each person's adoption step).
//!
//! # Time
//!
//! Steps are whole numbers. Seeds adopt at step 0, already-adopted people at their given
//! step; the simulation continues from the *start step* (the latest given step, 0 with
//! seeds only) with steps start + 1, start + 2, …. At each step, the personal channel acts
//! on the state at the end of the previous step, then broadcast reaches each person who has
//! not adopted yet with probability q; people adopting at step t influence others from step
//! t + 1 on.
//!
//! # Direction of influence
//!
//! A tie source → target carries influence from source to target by default
//! ([`Direction::Forward`]): the convention of Kempe, Kleinberg & Tardos (2003), NetworkX,
//! cynetdiff and the influence-maximization literature, and the natural reading of
//! communication ties (the sender reaches the receiver). For an advice tie "i asks j for
//! advice" (i → j), influence flows from j to i: pass [`Direction::Reverse`] (the graph is
//! not copied; the incoming rows are used), or build the graph with the ties reversed. For
//! influence both ways, use [`Graph::to_undirected`].
//!
//! ```
//! use engine::Graph;
//! use engine::diffusion::{Diffusion, EdgeProbability, Model, MonteCarlo, Start};
//!
//! // A path 0 → 1 → 2 → 3 where every tie always transmits.
//! let path = Graph::directed(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]);
//! let sim = Diffusion {
//!     model: Model::IndependentCascade(EdgeProbability::Uniform(1.0)),
//!     ..Diffusion::default()
//! }
//! .simulator(&path)
//! .unwrap();
//! let one = sim.cascade(&Start::seeds(&[0]), 7, 0).unwrap();
//! assert_eq!(one.adoption_step(3), Some(3));
//! let spread = sim.expected_spread(&[1], &MonteCarlo { runs: 100, seed: 7 }).unwrap();
//! assert_eq!(spread.mean, 3.0);
//! ```

mod kernel;
mod rng;
mod simulator;
mod summary;
#[cfg(test)]
mod tests;

pub use simulator::Simulator;
pub use summary::{Batch, Curve, CurvePoint, Spread, UnitCurve, UnitPoint};

use crate::{Error, Graph, NodeIdx};

/// The adoption step of someone who never adopted, in [`Cascade::steps`].
pub const NEVER: u32 = u32::MAX;

/// How the personal channel works: when a person adopts because of the people they have ties
/// with.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// Independent Cascade (Kempe, Kleinberg & Tardos 2003): a person who adopts at step t
    /// gets one chance, at step t + 1, to convince each person they influence, succeeding
    /// with the tie's probability. Needs no step limit: it ends when a step adds no one.
    IndependentCascade(EdgeProbability),
    /// The persistent (SI) form: every adopter tries again at every step, each tie
    /// transmitting with its probability per step. This is the model whose per-step personal
    /// probability the calibration module estimates from adoption data. Needs
    /// [`Diffusion::max_steps`]: in the end everyone reachable adopts.
    Persistent(EdgeProbability),
    /// Linear Threshold (Kempe, Kleinberg & Tardos 2003): incoming tie weights are normalised
    /// to sum to 1 per person, each person draws a threshold uniform on (0, 1] per run, and
    /// adopts once the weight of their adopting influencers reaches it. Weights must be
    /// finite and non-negative.
    LinearThreshold,
    /// Complex contagion (Centola & Macy 2007): a person adopts once enough of the people who
    /// influence them have adopted — deterministic apart from broadcast. Tie weights are
    /// ignored.
    Complex(Threshold),
}

/// The probability that a tie transmits, for cascade models.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EdgeProbability {
    /// The same probability p ∈ [0, 1] for every tie (the fast path: cost grows with the
    /// number of successful ties, not with the number of ties).
    Uniform(f64),
    /// The tie weight, clamped to [0, 1] (weights must be finite).
    TieWeight,
    /// Weighted cascade (Kempe, Kleinberg & Tardos 2003): 1 / (number of people who influence
    /// the target), so everyone receives the same expected pressure.
    WeightedCascade,
}

/// When a complex contagion adopts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// After at least k ≥ 1 influencers have adopted.
    Count(u32),
    /// After at least a fraction θ ∈ (0, 1] of one's influencers have adopted (at least one).
    Fraction(f64),
}

/// Which way a tie carries influence; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// From source to target (the default: the convention of the literature and of
    /// communication ties).
    #[default]
    Forward,
    /// From target to source: for advice ties ("i asks j" puts j's influence on i).
    Reverse,
}

/// A diffusion process: the personal model, the direction of influence, broadcast exposure
/// and how long to run. Check and compile it for a graph with [`Diffusion::simulator`].
#[derive(Clone, Debug, PartialEq)]
pub struct Diffusion {
    /// The personal channel (along ties).
    pub model: Model,
    /// Which way ties carry influence.
    pub direction: Direction,
    /// The broadcast channel: the probability q ∈ [0, 1] that a person who has not adopted
    /// adopts at a step regardless of ties. 0 turns broadcast off; above 0 needs
    /// [`Diffusion::max_steps`], since everyone adopts in the end.
    pub broadcast: f64,
    /// How many steps to simulate after the start step; `None` runs until no one else can
    /// adopt (not allowed with broadcast or the persistent model, which never stop short of
    /// everyone they can reach).
    pub max_steps: Option<u32>,
}

impl Default for Diffusion {
    /// Independent cascade with p = 0.05 forward, no broadcast, until no change.
    fn default() -> Self {
        Diffusion {
            model: Model::IndependentCascade(EdgeProbability::Uniform(0.05)),
            direction: Direction::Forward,
            broadcast: 0.0,
            max_steps: None,
        }
    }
}

impl Diffusion {
    /// Checks the parameters against `graph` and precomputes what every run needs (tie
    /// probabilities or normalised weights, per-person thresholds).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a probability outside [0, 1], a threshold k = 0 or a
    /// fraction outside (0, 1], a non-finite tie weight (where weights are used), a negative
    /// weight for linear threshold, broadcast or the persistent model without a step limit,
    /// or a step limit above 10,000,000.
    ///
    /// # Complexity
    /// O(n + m).
    pub fn simulator<'g>(&self, graph: &'g Graph) -> Result<Simulator<'g>, Error> {
        Simulator::new(graph, self)
    }
}

/// How many Monte-Carlo runs, and the seed they derive their random numbers from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonteCarlo {
    /// Number of runs, at least 1. The 95 % interval of a mean narrows as 1/√runs.
    pub runs: usize,
    /// Run r draws from (seed, r) only: the same seed gives the same bits on any number of
    /// threads, and two seed sets simulated with the same seed share their tie trials.
    pub seed: u64,
}

impl Default for MonteCarlo {
    /// 10,000 runs (as Kempe, Kleinberg & Tardos 2003), seed 0.
    fn default() -> Self {
        MonteCarlo {
            runs: 10_000,
            seed: 0,
        }
    }
}

/// Who has adopted when a simulation starts: seeds at step 0 and people who adopted at a
/// known step. Someone listed twice keeps their earliest step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Start {
    /// (person, step), sorted by step then person, one entry per person.
    adopted: Vec<(NodeIdx, u32)>,
}

impl Start {
    /// Seeds only: they adopt at step 0.
    pub fn seeds(seeds: &[NodeIdx]) -> Start {
        Start::new(seeds, &[])
    }

    /// Seeds (adopting at step 0) and people who already adopted at the given steps.
    ///
    /// In an independent cascade only the people who adopted at the start step (the latest
    /// step given) still get their chance; earlier adopters have had theirs. In the other
    /// models every adopter keeps influencing, which suits forecasts from a state part-way
    /// through.
    pub fn new(seeds: &[NodeIdx], adopted: &[(NodeIdx, u32)]) -> Start {
        let mut all: Vec<(NodeIdx, u32)> = seeds.iter().map(|&s| (s, 0)).collect();
        all.extend_from_slice(adopted);
        // Earliest step per person, then in (step, person) order.
        all.sort_unstable();
        all.dedup_by_key(|&mut (node, _)| node);
        all.sort_unstable_by_key(|&(node, step)| (step, node));
        Start { adopted: all }
    }

    /// (person, adoption step), sorted by step then person, one entry per person.
    pub fn adopted(&self) -> &[(NodeIdx, u32)] {
        &self.adopted
    }

    /// The step the simulation continues from: the latest adoption step given, 0 if none.
    pub fn start_step(&self) -> u32 {
        self.adopted.last().map_or(0, |&(_, step)| step)
    }
}

/// One run's outcome: each person's adoption step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cascade {
    steps: Vec<u32>,
    curve: Vec<u32>,
}

impl Cascade {
    /// The step at which `person` adopted, `None` if they never did.
    ///
    /// # Panics
    /// If `person` is not a node of the graph.
    pub fn adoption_step(&self, person: NodeIdx) -> Option<u32> {
        let step = self.steps[person as usize];
        (step != NEVER).then_some(step)
    }

    /// Adoption steps by node index, [`NEVER`] for people who did not adopt.
    pub fn steps(&self) -> &[u32] {
        &self.steps
    }

    /// Cumulative number of adopters at the end of each step 0, 1, …, last step of the run.
    pub fn curve(&self) -> &[u32] {
        &self.curve
    }

    /// How many people adopted in the end.
    pub fn n_adopted(&self) -> usize {
        self.curve.last().map_or(0, |&n| n as usize)
    }
}

//! Simulating the hazard model forward with the [`crate::diffusion`] module: its persistent
//! model with broadcast is this model (each adopted exposer transmits with p every period,
//! outside influence reaches each person with q), so synthetic adoption data
//! ([`SimulateAdoptions`]) and the runs of a [`super::Forecast`] share its tested,
//! reproducible Monte-Carlo.

use std::borrow::Cow;

use super::fit::MAX_HAZARD;
use super::risk::check_sizes;
use super::{AdoptionTimes, Exposure, Rates};
use crate::diffusion::{Diffusion, Direction, EdgeProbability, Model, Simulator, Start};
use crate::{Error, Graph, NodeIdx};

/// Draws adoption times from the model: in each period t, everyone who has not adopted by
/// the end of t − 1 adopts with probability 1 − (1 − q)(1 − p)^k, k their adopted exposers.
/// For synthetic data with known rates, and for what-if runs. Runs
/// [`crate::diffusion::Model::Persistent`] with broadcast, run 0 of `seed`.
///
/// ```
/// use engine::Graph;
/// use engine::calibration::{AdoptionTimes, Exposure, Rates, SimulateAdoptions};
/// let g = Graph::directed(3, [(1, 0, 1.0), (2, 1, 1.0)]); // 2 asks 1, 1 asks 0
/// let start = AdoptionTimes::new(vec![Some(0), None, None]);
/// let sim = SimulateAdoptions {
///     rates: Rates { personal: 1.0, broadcast: 0.0 },
///     exposure: Exposure::Out,
///     from: 0,
///     until: 5,
///     seed: 7,
/// };
/// // With p = 1 the behaviour moves one step along the advice chain each period.
/// assert_eq!(sim.run(&g, &start).unwrap().periods(), [Some(0), Some(1), Some(2)]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SimulateAdoptions {
    /// The personal and broadcast rates.
    pub rates: Rates,
    /// Which ties expose whom.
    pub exposure: Exposure,
    /// Adoptions in periods up to `from` are kept; later ones are dropped and redrawn.
    pub from: u32,
    /// The last period simulated.
    pub until: u32,
    /// The random seed.
    pub seed: u64,
}

impl SimulateAdoptions {
    /// One draw of the adoption times.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for rates outside [0, 1], `until < from` (or more than
    /// 10,000,000 periods past it), or `start` not one entry per node.
    ///
    /// # Complexity
    /// O(n + m), plus per period O(q·n) for broadcast and O(1 + p·d) per adopter with
    /// non-adopted contacts left, d their degree.
    pub fn run(&self, graph: &Graph, start: &AdoptionTimes) -> Result<AdoptionTimes, Error> {
        check_sizes(graph, start)?;
        self.rates.checked_hazards()?;
        if self.until < self.from {
            return Err(invalid(
                "until",
                format!("{} is before the start, {}", self.until, self.from),
            ));
        }
        let (influence_graph, direction) = influence(graph, self.exposure);
        let simulator = simulator(
            &influence_graph,
            direction,
            self.rates,
            self.until - self.from,
        )?;
        let seeds = adopted_by(start, self.from);
        let cascade = simulator.cascade(&Start::seeds(&seeds), self.seed, 0)?;
        let periods = (0..graph.n_nodes() as NodeIdx)
            .map(|node| match start.period(node) {
                Some(period) if period <= self.from => Some(period),
                _ => cascade.adoption_step(node).map(|step| self.from + step),
            })
            .collect();
        Ok(AdoptionTimes::new(periods))
    }
}

/// The graph and direction in which the diffusion module carries influence so that a
/// person's influencers are their exposers.
pub(crate) fn influence(graph: &Graph, exposure: Exposure) -> (Cow<'_, Graph>, Direction) {
    match exposure {
        // Out: the people i points to expose i, so influence runs target → source.
        Exposure::Out => (Cow::Borrowed(graph), Direction::Reverse),
        Exposure::In => (Cow::Borrowed(graph), Direction::Forward),
        Exposure::Both if graph.is_directed() => {
            (Cow::Owned(graph.to_undirected()), Direction::Forward)
        }
        Exposure::Both => (Cow::Borrowed(graph), Direction::Forward),
    }
}

/// The persistent model with broadcast at `rates`, for `n_steps` periods.
pub(crate) fn simulator(
    graph: &Graph,
    direction: Direction,
    rates: Rates,
    n_steps: u32,
) -> Result<Simulator<'_>, Error> {
    Diffusion {
        model: Model::Persistent(EdgeProbability::Uniform(rates.personal)),
        direction,
        broadcast: rates.broadcast,
        max_steps: Some(n_steps),
    }
    .simulator(graph)
}

/// Everyone who adopted in period `period` or earlier: the seeds of a continuation (in the
/// persistent model every adopter keeps influencing, whenever they adopted).
pub(crate) fn adopted_by(times: &AdoptionTimes, period: u32) -> Vec<NodeIdx> {
    (0..times.n_nodes() as NodeIdx)
        .filter(|&node| times.period(node).is_some_and(|t| t <= period))
        .collect()
}

/// The seed of run `run_idx`'s parameter draw: SplitMix64 (Steele, Lea & Flood 2014) of
/// the seed and index, so neighbouring runs and seeds get unrelated streams.
pub(crate) fn run_seed(seed: u64, run_idx: usize) -> u64 {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    mix(seed ^ mix(run_idx as u64))
}

impl Rates {
    /// (λ, μ) = (−ln(1 − q), −ln(1 − p)), capped so that a rate of 1 stays finite.
    pub(crate) fn hazards(self) -> (f64, f64) {
        let hazard = |r: f64| (-(-r).ln_1p()).min(MAX_HAZARD);
        (hazard(self.broadcast), hazard(self.personal))
    }

    pub(crate) fn checked_hazards(self) -> Result<[f64; 2], Error> {
        for (name, value) in [("personal", self.personal), ("broadcast", self.broadcast)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(name, format!("{value} is not a rate in [0, 1]")));
            }
        }
        let (broadcast, personal) = self.hazards();
        Ok([broadcast, personal])
    }
}

pub(crate) fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidParameter { name, reason }
}
